"""Browser test of the federal page: the heatmap is drawn, a region opens its own dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.analytics.test_federal import fed  # noqa: F401 - the fixture
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_federal_page_draws_its_heatmap_and_drills_down(
    world: World,
    fed: dict[str, Any],  # noqa: F811 - the fixture imported above
    live_server: Any,
    page: Any,
) -> None:
    login(page, live_server.url, "federal")
    page.get_by_role("button", name="Аналитика").click()
    page.get_by_role("link", name="Сводка по регионам").click()
    # Drawn by the locally served Vega: the chart is an SVG with a cell per region and direction.
    page.locator("#chart-federal_heat[data-rendered='1']").wait_for()
    page.locator("#chart-federal_levels[data-rendered='1']").wait_for()
    expect(page.locator("#chart-federal_heat svg")).to_have_count(1)
    expect(page.locator("[data-testid=regions]")).to_have_text("2")
    expect(page.locator("[data-testid=risk-98]")).to_have_text("2")
    heat = page.locator("[data-testid=federal-heat]")
    expect(heat.get_by_role("link")).to_have_text(["Камчатский край", "Тестовая область"])
    screenshot(page, "analytics-federal")
    heat.get_by_role("link", name="Тестовая область").click()
    page.get_by_role("heading", name="Тестовая область: результаты самодиагностики").wait_for()
    expect(page.locator("[data-testid=schools]")).to_have_text("3")
