"""Browser test of a whole ШНОР year as school, curator, municipal coordinator and operator.

Cohort → risk profile → priority risks → documents → expert review → visit → stage documents
→ report, each step through the pages, each checked on the page and in the database:

1. the operator loads the federal list (XLSX with the head's school's INN) and applies it;
2. the operator opens the risk questionnaires; the head answers by the public link, the
   teachers and pupils through the surveys engine;
3. the head recalculates the profile and picks two priority risks;
4. the head uploads the concept and sends it to review; the coordinator returns it with
   remarks, the head sends version 2, the curator accepts it;
5. the curator plans a visit and reports on it;
6. the operator creates a monitoring stage asking for one document; the head sends it; the
   coordinator accepts it;
7. the operator downloads the stage's monitoring report (DOCX): before the school sends its
   document the report names it among the schools with documents not sent; after the
   acceptance the school is counted as complete (100 %) and no school is listed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import docx
import pytest
from playwright.sync_api import expect

from marshrut.support import risks
from marshrut.support.models import Document, Participation, Visit
from marshrut.support.models.risks import PriorityRisk, RiskSurvey
from marshrut.support.models.stages import StageSubmission, SubmissionStatus
from tests.browser.conftest import TIMEOUT_MS, screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.support.files import list_xlsx
from tests.support.risk_data import MODEL
from tests.support.test_risk_profiles import answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _docx(tmp_path: Path, name: str, text: str) -> Path:
    document = docx.Document()
    document.add_paragraph(text)
    path = tmp_path / name
    document.save(str(path))
    return path


def _review(page: Any, decision: str, remarks: str = "") -> None:
    for box in page.locator("input[name^=score_]").all():
        box.fill("2")
    page.get_by_label(decision).check()
    if remarks:
        page.get_by_label("Замечания (обязательны при возврате)").fill(remarks)
    page.get_by_role("button", name="Принять решение").click()


def _all_text(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _report(operator: Any) -> str:
    """The stage's monitoring report, downloaded from the region's table, as text."""
    with operator.expect_download() as download:
        operator.get_by_test_id("stage-report-1").click()
    assert download.value.suggested_filename.endswith(".docx")
    return _all_text(docx.Document(download.value.path()))


def test_a_whole_shnor_year(
    world: World, live_server: Any, browser: Any, tmp_path: Path, settings: Any
) -> None:
    # Applying an import is a background task; the live server runs it inline.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    base = live_server.url
    today = world.region.today()
    year = today.year
    # The risk methodology is data the operator loads; the tests' small one has easy sums.
    risks.do_load_risk_model(None, MODEL, "test.yaml")

    contexts = [browser.new_context(locale="ru-RU", accept_downloads=True) for _ in range(4)]
    try:
        operator, head, curator, coordinator = (c.new_page() for c in contexts)
        for page, name in (
            (operator, "operator"),
            (head, "head"),
            (curator, "curator"),
            (coordinator, "coordinator"),
        ):
            page.set_default_timeout(TIMEOUT_MS)
            login(page, base, name)

        # 1. The cohort: the federal list by INN, checked, then applied.
        listing = tmp_path / "перечень ШНОР.xlsx"
        listing.write_bytes(list_xlsx([world.s1.inn], [world.s1.short_name]))
        operator.goto(f"{base}/shnor/cohort/list/import/")
        operator.get_by_label("Федеральный перечень школ").set_input_files(str(listing))
        operator.get_by_label("Год когорты").fill(str(year))
        operator.get_by_label("Дата включения").fill(f"{year}-02-01")
        operator.get_by_label("Основание").fill("письмо ФИОКО № 02-24")
        operator.get_by_role("button", name="Проверить файл").click()
        expect(operator.locator("body")).to_contain_text("Будет включено 1")
        assert not Participation.objects.filter(school=world.s1, year=year).exists()
        operator.get_by_role("button", name="Применить: включить школы в когорту").click()
        expect(operator.locator("body")).to_contain_text("Включено в когорту: 1")
        cohort = Participation.objects.get(school=world.s1, year=year)
        assert cohort.source == Participation.Source.FEDERAL_LIST
        assert cohort.entered_on == dt.date(year, 2, 1)
        assert cohort.entry_reason == "письмо ФИОКО № 02-24"
        operator.goto(f"{base}/shnor/cohort/?year={year}")
        row = operator.get_by_role("row").filter(has_text=world.s1.short_name)
        expect(row).to_contain_text("федеральный перечень")
        expect(row).to_contain_text(f"01.02.{year}")
        # The filter's municipality list reads «все» like its neighbours, not «---------».
        expect(operator.get_by_label("Муниципалитет").locator("option").first).to_have_text("все")
        screenshot(operator, "shnor-year-1-cohort")

        # 2. Risk questionnaires: opened by the operator, answered by the school's people.
        operator.goto(f"{base}/shnor/risks/?year={year}")
        operator.get_by_role("button", name="Открыть анкеты для школ без анкет").click()
        expect(operator.get_by_text("Открыто: 3 анкеты.")).to_be_visible()
        survey = RiskSurvey.objects.get(participation=cohort, group="head").survey
        respondent_context = browser.new_context(locale="ru-RU")
        respondent = respondent_context.new_page()
        respondent.goto(f"{base}/s/{survey.token}/")
        for n, fieldset in enumerate(respondent.locator("fieldset").all()):
            # «Нет» on the equipment question (a risk), the first option elsewhere.
            fieldset.get_by_role("radio").nth(2 if n == 0 else 0).check()
        respondent.get_by_role("button", name="Отправить ответ").click()
        expect(respondent.get_by_test_id("message")).to_contain_text("Ваш ответ принят")
        respondent_context.close()
        answer(cohort, "teachers", *([{"T1": 1, "T2": 1}] * 3 + [{"T1": 2, "T2": 2}] * 2))
        answer(cohort, "pupils", *([{"P1": 1}] * 5))

        # 3. The head recalculates the profile and picks the priority risks.
        head.goto(f"{base}/shnor/risks/school/{cohort.pk}/")
        head.get_by_role("button", name="Пересчитать профиль по ответам на сегодня").click()
        levels = head.get_by_test_id("risk-levels")
        # R01: (2 × 1 + 1 × 2/5) / 3 = 80 — high.
        expect(levels.get_by_role("row").nth(1)).to_contain_text("80,0")
        expect(levels.get_by_role("row").nth(1)).to_contain_text("высокий")
        # R02: teachers (2 × ½) / 5 = 0,2 with weight 1, pupils 0 with weight 3 → 5 — low.
        expect(levels.get_by_role("row").nth(2)).to_contain_text("5,0")
        expect(levels.get_by_role("row").nth(2)).to_contain_text("низкий")
        form = head.get_by_test_id("risk-priorities")
        form.get_by_label("R01.", exact=False).check()
        form.get_by_label("R02.", exact=False).check()
        form.get_by_role("button", name="Сохранить выбор").click()
        expect(head.get_by_text("Приоритетные риски сохранены.")).to_be_visible()
        # A low-level factor among the priorities is allowed, with a warning.
        expect(head.get_by_text("на уровне «низкий»", exact=False)).to_be_visible()
        screenshot(head, "shnor-year-2-risk-profile")
        assert set(
            PriorityRisk.objects.filter(priorities__participation=cohort).values_list(
                "factor__code", flat=True
            )
        ) == {"R01", "R02"}

        # 4. The concept: sent, returned by the coordinator, reworked, accepted by the curator.
        head.goto(f"{base}/shnor/documents/school/{world.s1.pk}/")
        head.locator("#id_kind").select_option(label="Концепция развития")
        head.locator("#id_file").set_input_files(
            str(_docx(tmp_path, "Концепция.docx", "Концепция развития школы"))
        )
        head.get_by_role("button", name="Загрузить").click()
        expect(head.get_by_text("Загружена версия 1")).to_be_visible()
        head.get_by_role("button", name="Отправить версию 1 на экспертизу").click()
        expect(head.get_by_text("отправлена на экспертизу")).to_be_visible()
        document = Document.objects.get(school=world.s1, year=year)
        assert document.status == Document.Status.REVIEW

        coordinator.goto(f"{base}/shnor/documents/{document.pk}/")
        expect(coordinator.get_by_text("Экспертиза версии 1")).to_be_visible()
        _review(coordinator, "возвращён с замечаниями", "Нет анализа результатов ВПР.")
        expect(coordinator.get_by_text("Решение сохранено")).to_be_visible()
        document.refresh_from_db()
        assert document.status == Document.Status.RETURNED

        head.goto(f"{base}/shnor/documents/{document.pk}/")
        expect(head.get_by_test_id("remarks")).to_contain_text("Нет анализа результатов ВПР.")
        head.goto(f"{base}/shnor/documents/school/{world.s1.pk}/")
        head.locator("#id_kind").select_option(label="Концепция развития")
        head.locator("#id_file").set_input_files(
            str(_docx(tmp_path, "Концепция v2.docx", "Концепция с анализом ВПР"))
        )
        head.get_by_role("button", name="Загрузить").click()
        expect(head.get_by_text("Загружена версия 2")).to_be_visible()
        head.get_by_role("button", name="Отправить версию 2 на экспертизу").click()
        expect(head.get_by_text("отправлена на экспертизу")).to_be_visible()

        curator.goto(f"{base}/shnor/documents/{document.pk}/")
        expect(curator.get_by_text("Экспертиза версии 2")).to_be_visible()
        _review(curator, "принят")
        expect(curator.get_by_text("Решение сохранено: принят")).to_be_visible()
        screenshot(curator, "shnor-year-3-concept-accepted")
        document.refresh_from_db()
        assert document.status == Document.Status.ACCEPTED

        # 5. The curator's visit: planned, then reported.
        day = today + dt.timedelta(days=1)
        curator.goto(f"{base}/shnor/visits/")
        curator.get_by_label("Школа").select_option(label=str(world.s1))
        curator.get_by_label("Дата").fill(day.isoformat())
        curator.get_by_label("Цель посещения").fill("Обсуждение программы антирисковых мер")
        curator.get_by_role("button", name="Запланировать").click()
        expect(curator.get_by_text("Посещение запланировано")).to_be_visible()
        visit = Visit.objects.get(school=world.s1)
        curator.goto(f"{base}/shnor/visits/{visit.pk}/")
        curator.get_by_label("Кто участвовал").fill("директор, завуч")
        curator.get_by_label("Что выявлено").fill("Нет плана повышения квалификации.")
        curator.get_by_role("button", name="Сохранить отчёт").click()
        expect(curator.get_by_text("Отчёт о посещении сохранён.")).to_be_visible()
        expect(curator.get_by_test_id("findings")).to_contain_text("Нет плана")
        visit.refresh_from_db()
        assert "Нет плана повышения квалификации." in visit.findings

        # 6. A monitoring stage asking for one document; the head sends it, the coordinator
        #    accepts it.
        control = today + dt.timedelta(days=30)
        operator.goto(f"{base}/shnor/stages/?year={year}")
        operator.get_by_role("link", name="Добавить этап").click()
        operator.locator("#id_title").fill("Первый контрольный срок")
        operator.locator("#id_control_on").fill(control.strftime("%d.%m.%Y"))
        operator.locator("#id_documents").fill("Протокол педагогического совета")
        operator.get_by_role("button", name="Сохранить").click()
        expect(operator.get_by_text("Этап сохранён.")).to_be_visible()
        # Before the control date the report names the school whose document is not sent.
        before = _report(operator)
        assert "Первый контрольный срок" in before
        assert "Школы с не отправленными или возвращёнными документами" in before
        assert world.s1.short_name in before
        assert "Протокол педагогического совета" in before

        head.goto(f"{base}/shnor/stages/school/{world.s1.pk}/?year={year}")
        stage_block = head.get_by_test_id("stage-1")
        expect(stage_block).to_contain_text("Протокол педагогического совета")
        expect(stage_block).to_contain_text("не отправлен")
        protocol = tmp_path / "Протокол педсовета.pdf"
        protocol.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        stage_block.locator("input[type=file]").set_input_files(str(protocol))
        stage_block.get_by_role("button", name="Отправить").click()
        expect(head.get_by_text("отправлен на проверку")).to_be_visible()
        submission = StageSubmission.objects.get(school=world.s1)
        assert submission.status == SubmissionStatus.SENT

        coordinator.goto(f"{base}/shnor/stages/school/{world.s1.pk}/?year={year}")
        coordinator.get_by_test_id("stage-1").get_by_role("button", name="Принять").click()
        expect(coordinator.get_by_text("Решение сохранено.")).to_be_visible()
        expect(coordinator.get_by_test_id("stage-1")).to_contain_text("принят")
        screenshot(coordinator, "shnor-year-4-stage-accepted")
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.ACCEPTED

        # 7. The operator's monitoring report of the stage.
        operator.goto(f"{base}/shnor/stages/?year={year}")
        table_row = operator.get_by_role("row").filter(has_text=world.s1.short_name)
        expect(table_row).to_contain_text("1/1")
        screenshot(operator, "shnor-year-5-stage-table")
        # Once everything is accepted the school is counted, not listed as a laggard.
        after = _report(operator)
        assert world.m1.name in after
        assert "Все документы этапа приняты у 1 школы из 1 (100 %)" in after
        assert "Таких школ нет" in after
        assert world.s1.short_name not in after
    finally:
        for context in contexts:
            context.close()
