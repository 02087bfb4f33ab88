"""Browser test of the development programme: the head drafts it from data, edits 3.2.1 and
submits; the coordinator comments on the section and returns it; the head fixes it and submits
again; the coordinator approves; the head enters the order; the DOCX carries the approval block."""

from __future__ import annotations

from typing import Any

import docx
import pytest
from playwright.sync_api import expect

from marshrut.programmes.models import Programme
from tests.browser.conftest import TIMEOUT_MS, screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.diagnostics.factories import submission_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTION = '[id="sec-3.2.1"]'


def _review(page: Any, base: str, programme: Programme, decision: str, comment: str = "") -> None:
    page.goto(f"{base}/programmes/{programme.pk}/")
    page.locator("[data-testid=review]").click()
    form = page.locator("[data-testid=review-form]")
    for code in ("analysis", "causes", "actions", "results", "indicators", "mechanisms"):
        form.locator(f"#id_{code}_2").check()
    form.locator("#id_decision_0" if decision == "approve" else "#id_decision_1").check()
    if comment:
        form.get_by_label("Замечания").fill(comment)
    form.get_by_role("button", name="Сохранить решение").click()


def test_head_drafts_edits_submits_and_the_coordinator_returns_then_approves(
    world: World, live_server: Any, page: Any, browser: Any, tmp_path: Any
) -> None:
    submission_for(world, world.s1, submitted=True, strength=0.55)
    base = live_server.url

    # The head drafts the programme from data and writes the causes in 3.2.1.
    login(page, base, "head")
    page.goto(f"{base}/programmes/")
    page.get_by_role("button", name="Составить программу из данных").click()
    expect(page.locator("body")).to_contain_text("Программа развития составлена по данным")
    programme = Programme.objects.get()
    expect(page.locator("[data-testid=table-3\\.1]")).to_be_visible()
    section = page.locator(SECTION)
    section.get_by_label("Текст раздела 3.2.1").fill(
        "Знание: недостаточно внимания олимпиадному движению."
    )
    expect(page.locator(SECTION).locator("[data-testid=save-state]")).to_contain_text(
        "Сохранено", timeout=TIMEOUT_MS
    )
    # A second autosave from the same page carries the version the first one returned.
    with page.expect_response(lambda r: "/sections/3.2.1/" in r.url) as answer:
        page.get_by_label("Текст раздела 3.2.1").fill(
            "Знание: недостаточно внимания олимпиадному движению (2 участника)."
        )
    assert answer.value.status == 200 and "x-refused" not in answer.value.headers
    programme.refresh_from_db()
    assert programme.sections.get(code="3.2.1").text.endswith("(2 участника).")
    screenshot(page, "programme-draft")
    page.locator("[data-testid=submit]").click()
    expect(page.locator("[data-testid=programme-status]")).to_have_text("на рассмотрении")

    # The coordinator comments on 3.2.1 and returns the programme.
    other = browser.new_context(locale="ru-RU", accept_downloads=True)
    coordinator = other.new_page()
    coordinator.set_default_timeout(TIMEOUT_MS)
    login(coordinator, base, "coordinator")
    coordinator.goto(f"{base}/programmes/{programme.pk}/")
    block = coordinator.locator(SECTION)
    block.get_by_text("Замечание к разделу").click()
    block.get_by_label("Замечание").fill("Причины названы только по направлению «Знание».")
    block.get_by_role("button", name="Добавить замечание").click()
    expect(coordinator.locator(SECTION).locator("[data-testid=comment]")).to_contain_text(
        "только по направлению"
    )
    _review(coordinator, base, programme, "return", "Доработайте раздел 3.2.1.")
    expect(coordinator.locator("[data-testid=programme-status]")).to_have_text(
        "возвращена на доработку"
    )
    screenshot(coordinator, "programme-returned")

    # The head sees the remark, fixes the section and submits again.
    page.goto(f"{base}/programmes/{programme.pk}/")
    expect(page.locator(SECTION).locator("[data-testid=comment]")).to_contain_text(
        "только по направлению"
    )
    page.get_by_label("Текст раздела 3.2.1").fill(
        "Знание: недостаточно внимания олимпиадному движению.\n"
        "Здоровье: нет школьного спортивного клуба."
    )
    expect(page.locator(SECTION).locator("[data-testid=save-state]")).to_contain_text("Сохранено")
    page.locator(SECTION).get_by_role("button", name="Отметить учтённым").click()
    page.locator("[data-testid=submit]").click()
    expect(page.locator("[data-testid=programme-status]")).to_have_text("на рассмотрении")

    # The coordinator approves: «СОГЛАСОВАНА».
    _review(coordinator, base, programme, "approve")
    expect(coordinator.locator("[data-testid=approval]")).to_contain_text("СОГЛАСОВАНА")
    other.close()

    # The head enters the school's order, and the DOCX shows the approval block.
    page.goto(f"{base}/programmes/{programme.pk}/")
    page.get_by_label("Номер приказа").fill("45-од")
    page.get_by_label("Дата приказа").fill("2025-04-30")
    page.get_by_role("button", name="Внести приказ").click()
    expect(page.locator("[data-testid=approval]")).to_contain_text(
        "УТВЕРЖДЕНА приказом от 30.04.2025 № 45-од"
    )
    screenshot(page, "programme-approved")
    with page.expect_download() as info:
        page.locator("[data-testid=docx]").click()
    path = tmp_path / "programme.docx"
    info.value.save_as(path)
    block_text = "\n".join(c.text for c in docx.Document(str(path)).tables[0].rows[0].cells)
    assert "СОГЛАСОВАНА" in block_text
    assert "УТВЕРЖДЕНА приказом от 30.04.2025 № 45-од" in block_text
    programme.refresh_from_db()
    assert "Здоровье: нет школьного спортивного клуба." in programme.sections.get(code="3.2.1").text
