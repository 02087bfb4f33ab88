"""Browser tests: a school fills and submits its questionnaire; the result page."""

from __future__ import annotations

import random
from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.diagnostics import actions
from marshrut.diagnostics.models import Answer, Status
from marshrut.diagnostics.synthetic import answers_for
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.diagnostics.factories import campaign_for, submission_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_school_fills_by_keyboard_autosaves_and_submits(
    world: World, live_server: Any, page: Any
) -> None:
    campaign = campaign_for(world)
    sub = campaign.submissions.get(school=world.s1)
    login(page, live_server.url, "school")
    page.get_by_role("link", name="Самодиагностика", exact=True).click()
    page.get_by_role("link", name="Заполнить").click()
    expect(page.locator("[data-testid=illustrative]").first).to_be_visible()
    # Keyboard only: focus the «да» of the first indicator and press Space.
    first = page.locator("#ind-ZN\\.01")
    first.get_by_label("да").focus()
    page.keyboard.press("Space")
    first.locator("[data-testid=saved]").wait_for()
    expect(page.locator("[data-testid=answered]")).to_have_text("1")
    # A number with a wrong value gets a clear message in place.
    percent = page.locator("section[data-code='ZN.04']")
    percent.get_by_label("Значение").fill("140")
    percent.get_by_label("Значение").press("Tab")
    percent.locator("[data-testid=error]").wait_for()
    assert "140" in percent.locator("[data-testid=error]").inner_text()
    page.get_by_role("button", name="Отправить анкету").first.click()
    expect(page.locator("[data-testid=missing]")).to_be_visible()
    screenshot(page, "questionnaire-missing")
    # The rest of the answers arrive (as if typed); then the submission goes through.
    catalogue = campaign.criteria.catalogue
    values = answers_for(catalogue, sub.profile, 0.8, random.Random(5), "x")
    for code, value in values.items():
        if code != "ZN.01":
            actions.do_save_answer(
                None, sub, code, list(value) if isinstance(value, tuple) else value
            )
    page.reload()
    page.get_by_role("button", name="Отправить анкету").first.click()
    page.get_by_text("результат самодиагностики").wait_for()
    expect(page.locator("[data-testid=levels-chart]")).to_be_visible()
    screenshot(page, "result-after-submit")
    sub.refresh_from_db()
    assert (
        sub.status == Status.SUBMITTED
        and Answer.objects.get(submission=sub, code="ZN.01").value is True
    )


def test_result_page_compares_with_municipality_and_region(
    world: World, live_server: Any, page: Any
) -> None:
    for n, school in enumerate((world.s1, world.s2, world.s3)):
        submission_for(world, school, submitted=True, strength=-0.5 + n)
    sub = submission_for(world, world.s1)
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/diagnostics/submissions/{sub.pk}/result/")
    rows = page.locator("[data-testid=levels] tbody tr")
    expect(rows).to_have_count(9)  # 8 directions and the school as a whole
    assert "Итого по школе" in rows.last.inner_text()
    expect(page.get_by_text("Как выйти на следующий уровень")).to_be_visible()
    screenshot(page, "result-page")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Версия для печати").click()
    printable = popup.value
    printable.wait_for_load_state()
    expect(printable.locator("nav")).to_have_count(0)
    screenshot(printable, "result-print")
