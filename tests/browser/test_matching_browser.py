"""Browser tests: a school's partner schools; the operator groups municipalities and saves a plan."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.matching.models import ProjectSessionPlan
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.matching.conftest import Scored, build_scored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scored(world: World) -> Scored:
    return build_scored(world)


def test_head_opens_the_partners_of_own_school(scored: Scored, live_server: Any, page: Any) -> None:
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/matching/")
    page.get_by_role("link", name="Школы-партнёры").click()
    page.get_by_text("школы-партнёры по дефицитам").wait_for()
    zn = page.locator("[data-testid=deficit][data-code='ZN.01']")
    rows = zn.locator("[data-testid=partner]")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-ring") for i in range(3)] == ["0", "1", "2"]
    assert "МАОУ СОШ № 3" in rows.first.inner_text()
    # The head may not open other schools' results: the names are there, the links are not.
    expect(zn.locator("a")).to_have_count(0)
    screenshot(page, "matching-partners")


def test_operator_adjusts_the_grouping_and_saves_a_plan(
    scored: Scored, live_server: Any, page: Any
) -> None:
    w = scored.world
    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/matching/")
    page.get_by_role("link", name="Сгруппировать муниципалитеты по проектным сессиям").click()
    page.get_by_label("Число проектных сессий").fill("2")
    page.get_by_role("button", name="Предложить группировку").click()
    groups = page.locator("[data-testid=group]")
    expect(groups).to_have_count(2)
    screenshot(page, "matching-grouping-proposed")
    # Put every municipality into session 1, then the far district alone into session 2.
    for m in (w.m1, w.m2):
        page.locator(f"select[name=m{m.pk}]").select_option("1")
    page.locator(f"select[name=m{scored.m3.pk}]").select_option("2")
    page.get_by_role("button", name="Пересчитать").click()
    first = page.locator("[data-testid=group][data-number='1']")
    expect(first.locator("[data-testid=member]")).to_have_count(2)
    screenshot(page, "matching-grouping-adjusted")
    page.get_by_label("Название плана").fill("Проектные сессии 2025")
    page.get_by_role("button", name="Сохранить план").click()
    page.get_by_text("План «Проектные сессии 2025» сохранён.").wait_for()
    sessions = page.locator("[data-testid=session]")
    expect(sessions).to_have_count(2)
    assert "Дальний район" in sessions.nth(1).inner_text()
    screenshot(page, "matching-plan-saved")
    plan = ProjectSessionPlan.objects.get()
    assert {
        s.number: sorted(s.municipalities.values_list("name", flat=True))
        for s in plan.sessions.all()
    } == {1: sorted([w.m1.name, w.m2.name]), 2: ["Дальний район"]}
