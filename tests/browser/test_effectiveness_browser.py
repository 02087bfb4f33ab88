"""Browser test of «Эффективность механизмов»: from the menu to the drill-down by direction."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.analytics.effectiveness_world import build
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_reads_which_mechanisms_helped(world: World, live_server: Any, page: Any) -> None:
    build(world)
    login(page, live_server.url, "operator")
    page.get_by_role("button", name="Аналитика").click()
    page.get_by_role("link", name="Эффективность механизмов").click()
    page.get_by_role("heading", name="Эффективность механизмов устранения дефицитов").wait_for()
    table = page.locator("[data-testid=effectiveness-table]")
    measure = table.locator("tr[data-mechanism=measure]")
    expect(measure.locator("td").nth(1)).to_have_text("10 из 15")
    expect(measure.locator("td").nth(3)).to_have_text("4 из 20")
    expect(measure.locator("[data-testid=verdict]")).to_have_text("помогает")
    seminar = table.locator("tr[data-mechanism='event:seminar']")
    expect(seminar).to_contain_text("Мероприятие: семинар")
    # The drill-down by direction opens in place.
    drill = page.locator("[data-testid='drilldown-measure']")
    expect(drill.get_by_role("cell", name="Знание")).to_be_hidden()
    drill.locator("summary").click()
    expect(drill.get_by_role("cell", name="Знание")).to_be_visible()
    screenshot(page, "effectiveness")
    # The pair of campaigns is chosen in the form; the export link answers with a workbook.
    expect(page.locator("#id_campaign option")).to_have_text(
        ["«Самодиагностика 2023» → «Самодиагностика 2024»"]
    )
    with page.expect_download() as download:
        page.locator("[data-testid=export-xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
