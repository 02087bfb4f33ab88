"""The inbox in a browser: the head sees the badge, opens the returned roadmap's notification,
marks the rest read, and the badge goes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.notify.actions import Draft, notify
from marshrut.notify.models import Kind
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_reads_the_inbox_and_the_badge_follows(
    world: World, live_server: Any, page: Any
) -> None:
    head = world.people["head"]
    notify(
        [
            Draft(
                head,
                Kind.PLAN_RETURNED,
                "Дорожная карта возвращена на доработку",
                "Замечания: сроки",
                "/notify/settings/",
                world.region,
                "a",
            ),
            Draft(head, Kind.ITEMS_DUE, "Просрочено 1, срок скоро 2", "", "", world.region, "b"),
        ]
    )
    login(page, live_server.url, "head")
    badge = page.get_by_test_id("notify-badge")
    expect(badge).to_contain_text("2")
    badge.click()
    notes = page.get_by_test_id("note")
    expect(notes).to_have_count(2)
    expect(page.locator("[data-unread='1']")).to_have_count(2)
    screenshot(page, "notify-inbox")
    page.locator("[data-testid=note]", has_text="возвращена").get_by_role(
        "button", name="Открыть"
    ).click()
    page.wait_for_url("**/notify/settings/")
    expect(page.get_by_test_id("notify-badge")).to_contain_text("1")
    page.goto(f"{live_server.url}/notify/")
    page.get_by_test_id("read-all").click()
    expect(page.get_by_test_id("unread-count")).to_have_text("Всё прочитано.")
    expect(page.locator("[data-unread='1']")).to_have_count(0)
    expect(page.get_by_test_id("notify-badge").locator(".badge")).to_have_count(0)
