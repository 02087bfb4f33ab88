"""Browser test: a ШНОР school's concept through expert review, and a curator's visit.

The school uploads its concept and sends it to review; the curator and the municipal
coordinator open it at once, the curator returns it with remarks, the coordinator's later
decision is refused with what changed; the school reads the remarks, uploads version 2; the
curator accepts it. Then the curator plans a visit and reports on it.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx
import pytest
from playwright.sync_api import expect

from marshrut.support.models import Document, Visit
from tests.browser.conftest import TIMEOUT_MS, screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _docx(tmp_path: Path, name: str) -> Path:
    document = docx.Document()
    document.add_paragraph("Концепция развития школы")
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def _score(page: Any, decision: str, remarks: str = "") -> None:
    for box in page.locator("input[name^=score_]").all():
        box.fill("2")
    page.get_by_label(decision).check()
    if remarks:
        page.get_by_label("Замечания (обязательны при возврате)").fill(remarks)
    page.get_by_role("button", name="Принять решение").click()


def test_concept_returned_reworked_accepted_and_a_visit_reported(
    world: World, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    base = live_server.url
    year = world.region.today().year
    contexts = [browser.new_context(locale="ru-RU") for _ in range(3)]
    try:
        head, curator, coordinator = (c.new_page() for c in contexts)
        for page, name in ((head, "head"), (curator, "curator"), (coordinator, "coordinator")):
            page.set_default_timeout(TIMEOUT_MS)
            login(page, base, name)

        head.goto(f"{base}/shnor/documents/school/{world.s1.pk}/")
        head.locator("#id_kind").select_option(label="Концепция развития")
        head.locator("#id_file").set_input_files(str(_docx(tmp_path, "Концепция.docx")))
        head.get_by_role("button", name="Загрузить").click()
        expect(head.get_by_text("Загружена версия 1")).to_be_visible()
        head.get_by_role("button", name="Отправить версию 1 на экспертизу").click()
        expect(head.get_by_text("отправлена на экспертизу")).to_be_visible()
        document = Document.objects.get(school=world.s1, year=year)

        for page in (curator, coordinator):
            page.goto(f"{base}/shnor/documents/{document.pk}/")
            expect(page.get_by_text("Экспертиза версии 1")).to_be_visible()
        _score(curator, "возвращён с замечаниями", "Нет анализа результатов ВПР.")
        expect(curator.get_by_text("Решение сохранено")).to_be_visible()
        _score(coordinator, "принят")
        alert = coordinator.get_by_role("alert").first
        expect(alert).to_contain_text("Ваши изменения не сохранены")
        expect(coordinator.get_by_role("alert").first).to_contain_text("Curator")
        expect(coordinator.locator("body")).to_contain_text("возвращён с замечаниями")
        screenshot(coordinator, "shnor-review-refused")

        head.goto(f"{base}/shnor/documents/{document.pk}/")
        expect(head.get_by_test_id("remarks")).to_contain_text("Нет анализа результатов ВПР.")
        head.goto(f"{base}/shnor/documents/school/{world.s1.pk}/")
        head.locator("#id_kind").select_option(label="Концепция развития")
        head.locator("#id_file").set_input_files(str(_docx(tmp_path, "Концепция v2.docx")))
        head.get_by_role("button", name="Загрузить").click()
        head.get_by_role("button", name="Отправить версию 2 на экспертизу").click()
        expect(head.get_by_text("отправлена на экспертизу")).to_be_visible()

        curator.goto(f"{base}/shnor/documents/{document.pk}/")
        _score(curator, "принят")
        expect(curator.get_by_text("Решение сохранено: принят")).to_be_visible()
        screenshot(curator, "shnor-document-accepted")
        document.refresh_from_db()
        assert document.status == Document.Status.ACCEPTED

        with head.expect_download() as download:
            head.goto(f"{base}/shnor/documents/school/{world.s1.pk}/")
            head.get_by_test_id("package-docx").click()
        package = docx.Document(download.value.path())
        assert world.s1.full_name in "\n".join(p.text for p in package.paragraphs)

        # The curator's visit.
        day = world.region.today() + dt.timedelta(days=1)
        curator.goto(f"{base}/shnor/visits/")
        curator.get_by_label("Школа").select_option(label=str(world.s1))
        curator.get_by_label("Дата").fill(day.isoformat())
        curator.get_by_label("Цель посещения").fill("Обсуждение программы антирисковых мер")
        curator.get_by_role("button", name="Запланировать").click()
        expect(curator.get_by_text("Посещение запланировано")).to_be_visible()
        visit = Visit.objects.get()
        curator.goto(f"{base}/shnor/visits/{visit.pk}/")
        curator.get_by_label("Кто участвовал").fill("директор, завуч")
        curator.get_by_label("Что выявлено").fill("Нет плана повышения квалификации.")
        curator.get_by_role("button", name="Сохранить отчёт").click()
        expect(curator.get_by_text("Отчёт о посещении сохранён.")).to_be_visible()
        expect(curator.get_by_test_id("findings")).to_contain_text("Нет плана")
        screenshot(curator, "shnor-visit-reported")
    finally:
        for context in contexts:
            context.close()
