"""Browser test: the operator runs the partner assignment with a capacity and accepts it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.matching.models import AssignmentRun
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.matching.conftest import Scored, build_scored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scored(world: World) -> Scored:
    return build_scored(world)


def test_operator_assigns_partners_under_capacity_and_accepts(
    scored: Scored, live_server: Any, page: Any
) -> None:
    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/matching/")
    page.get_by_test_id("assignment-link").click()
    page.get_by_role("heading", name="Распределение партнёров").wait_for()
    # Capacity 5: the neighbour school takes all three directions of the risk-zone school.
    pairs = page.locator("[data-testid=pair]")
    expect(pairs).to_have_count(3)
    expect(page.get_by_test_id("coverage")).to_have_text("100 %")
    assert {pairs.nth(i).locator("td").nth(2).inner_text() for i in range(3)} == {
        "МАОУ «Вторая ООШ»"
    }
    # Capacity 1: three different partners, the far district's schools among them.
    page.get_by_label("Ёмкость школы-партнёра").fill("1")
    page.get_by_role("button", name="Распределить").click()
    expect(page.locator("[data-testid=pair]", has_text="СОШ № 5 Дальнего района")).to_have_count(1)
    partners = {pairs.nth(i).locator("td").nth(2).inner_text() for i in range(3)}
    assert len(partners) == 3
    expect(page.get_by_test_id("greedy-coverage")).to_have_text("100 %")
    screenshot(page, "matching-assignment")
    page.get_by_label("Партнёрство с").fill("2025-09-01")
    page.get_by_role("button", name="Принять распределение").click()
    page.get_by_text("Распределение принято: партнёрств 3 с 01.09.2025.").wait_for()
    expect(page.get_by_test_id("summary")).to_contain_text("Ёмкость школы-партнёра: 1")
    screenshot(page, "matching-assignment-accepted")
    run = AssignmentRun.objects.get()
    assert (run.capacity, run.covered) == (1, 3)
    assert run.pairs.values("partner").distinct().count() == 3
