"""Browser test of the drill-down: region → municipality → school result."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.diagnostics.factories import submission_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_drills_down_from_region_to_school(
    world: World, live_server: Any, page: Any
) -> None:
    for n, school in enumerate((world.s1, world.s2, world.s3)):
        submission_for(world, school, submitted=True, strength=-0.5 + n)
    login(page, live_server.url, "operator")
    page.get_by_role("button", name="Аналитика").click()
    page.get_by_role("link", name="Результаты по региону и муниципалитетам").click()
    page.locator("#chart-levels[data-rendered='1']").wait_for()  # drawn by the locally served Vega
    # The two heat charts draw the rows the page ships once, beside their specs.
    page.locator("#chart-heat_below[data-rendered='1'] .mark-rect path").first.wait_for()
    page.locator("#chart-heat_mean[data-rendered='1'] .mark-rect path").first.wait_for()
    expect(page.locator("[data-testid=schools]")).to_have_text("3")
    screenshot(page, "analytics-region")
    page.locator("[data-testid=table-heatmap]").get_by_role("link", name="город Первогорск").click()
    page.get_by_role("heading", name="город Первогорск: результаты самодиагностики").wait_for()
    expect(page.locator("[data-testid=schools-table] tbody tr td:first-child")).to_have_text(
        [world.s1.short_name, world.s3.short_name]
    )
    screenshot(page, "analytics-municipality")
    page.get_by_role("link", name=world.s3.short_name).click()
    page.get_by_text("результат самодиагностики").first.wait_for()
    expect(page.locator("[data-testid=levels] tbody tr")).to_have_count(9)
