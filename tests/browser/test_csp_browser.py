"""The Content-Security-Policy holds and the main pages work under it: nothing refused."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.diagnostics.factories import submission_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every refusal the browser makes under the policy, as the page sees it.
WATCH = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__refused.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def refused(page: Any) -> list[str]:
    return list(page.evaluate("window.__refused || []"))


def test_main_pages_render_with_nothing_refused_by_the_policy(
    world: World, live_server: Any, page: Any
) -> None:
    for n, school in enumerate((world.s1, world.s2, world.s3)):
        submission_for(world, school, submitted=True, strength=-0.5 + n)
    page.add_init_script(WATCH)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    seen: list[str] = []

    response = page.goto(f"{live_server.url}/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "object-src 'none'" in policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy
    seen += refused(page)

    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/analytics/")
    # Vega draws the chart under the policy: no eval, no inline <style>.
    page.locator("#chart-levels[data-rendered='1']").wait_for()
    expect(page.locator("#chart-levels svg").first).to_be_visible()
    seen += refused(page)

    page.goto(f"{live_server.url}/events/new/")
    expect(page.get_by_role("button", name="Сохранить")).to_be_visible()
    seen += refused(page)

    assert seen == []
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []


def test_a_confirmation_asked_by_a_data_attribute_still_guards_a_delete(
    world: World, live_server: Any, page: Any
) -> None:
    from marshrut.events.models import Event
    from tests.events.conftest import make_event

    event = make_event(world, "Семинар")
    page.add_init_script(WATCH)
    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/events/{event.pk}/")
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_role("button", name="Удалить").click()
    expect(page.get_by_role("button", name="Удалить")).to_be_visible()
    assert Event.objects.filter(pk=event.pk).exists()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Удалить").click()
    expect(page.get_by_role("heading", name="Мероприятия")).to_be_visible()
    assert not Event.objects.filter(pk=event.pk).exists()
    assert refused(page) == []
