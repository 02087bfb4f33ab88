"""Monitoring stages: the statuses of a school's documents, who may do what, the table and exports."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marshrut.lib.concurrency import StaleEdit
from marshrut.orgs.models import Region
from marshrut.support.models import Participation
from marshrut.support.models.stages import (
    Stage,
    StageEvent,
    StageFile,
    StageSubmission,
    SubmissionStatus,
)
from marshrut.support.stage_actions import (
    do_decide_stage_submission,
    do_save_stage,
    do_send_stage_file,
)
from tests.conftest import World, build_world, make_school

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
YEAR = 2024
S = SubmissionStatus


@pytest.fixture
def stages(world: World) -> list[Stage]:
    for school in (world.s1, world.s2, world.s3):
        Participation.objects.create(school=school, year=YEAR, entered_on=dt.date(YEAR, 1, 15))
    one = do_save_stage(
        None,
        Stage(
            region=world.region, year=YEAR, number=1, title="Старт", control_on=dt.date(YEAR, 3, 15)
        ),
        "концепция развития\nдорожная карта",
    )
    two = do_save_stage(
        None,
        Stage(
            region=world.region,
            year=YEAR,
            number=2,
            title="Промежуточный",
            control_on=dt.date(YEAR, 6, 30),
        ),
        ["отчёт о реализации антирисковых программ", "протокол педагогического совета", "приказ"],
    )
    return [one, two]


def _upload(world: World, persona: str, stage: Stage, position: int, school: Any = None) -> Any:
    school = school or world.s1
    document = stage.documents.get(position=position)
    return world.client(persona).post(
        f"/shnor/stages/document/{document.pk}/school/{school.pk}/upload/",
        {"file": SimpleUploadedFile("Концепция.pdf", PDF)},
    )


def _submission(stage: Stage, position: int, school: Any) -> StageSubmission:
    return StageSubmission.objects.get(
        document__stage=stage, document__position=position, school=school
    )


# --- the workflow --------------------------------------------------------------------------------


def test_a_document_goes_sent_returned_sent_accepted_with_its_history(
    world: World, stages: list[Stage]
) -> None:
    assert _upload(world, "head", stages[0], 1).status_code == 302
    s = _submission(stages[0], 1, world.s1)
    assert s.status == S.SENT and s.files.count() == 1
    page = world.client("curator").get(f"/shnor/stages/school/{world.s1.pk}/?year={YEAR}")
    assert f"decide-{s.pk}" in page.content.decode()
    response = world.client("curator").post(
        f"/shnor/stages/submission/{s.pk}/decide/",
        {"decision": "returned", "remark": "нет подписи директора", "version": s.version},
    )
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.status == S.RETURNED and s.remark == "нет подписи директора"
    _upload(world, "school", stages[0], 1)
    s.refresh_from_db()
    assert s.status == S.SENT and s.files.count() == 2
    world.client("coordinator").post(
        f"/shnor/stages/submission/{s.pk}/decide/", {"decision": "accepted", "version": s.version}
    )
    s.refresh_from_db()
    assert s.status == S.ACCEPTED and s.decided_by == world.users["coordinator"]
    assert list(s.events.values_list("kind", flat=True)) == [
        StageEvent.Kind.SENT,
        StageEvent.Kind.RETURNED,
        StageEvent.Kind.SENT,
        StageEvent.Kind.ACCEPTED,
    ]
    # An accepted document is not replaced.
    with pytest.raises(ValidationError, match="уже принят"):
        do_send_stage_file(
            world.users["head"], s.document, world.s1, filename="новая.pdf", data=PDF
        )


def test_returning_without_a_remark_is_refused(world: World, stages: list[Stage]) -> None:
    _upload(world, "head", stages[0], 1)
    s = _submission(stages[0], 1, world.s1)
    with pytest.raises(ValidationError, match="замечания"):
        do_decide_stage_submission(world.users["curator"], s, S.RETURNED, version=s.version)
    s.refresh_from_db()
    assert s.status == S.SENT


def test_a_stale_decision_is_refused_and_changes_nothing(world: World, stages: list[Stage]) -> None:
    _upload(world, "head", stages[0], 1)
    s = _submission(stages[0], 1, world.s1)
    seen = s.version
    do_decide_stage_submission(
        world.users["coordinator"], s, S.RETURNED, remark="пусто", version=seen
    )
    stale = StageSubmission.objects.get(pk=s.pk)
    with pytest.raises(StaleEdit):
        do_decide_stage_submission(world.users["curator"], stale, S.ACCEPTED, version=seen)
    # Through the page: the curator's form was built before the coordinator decided.
    response = world.client("curator").post(
        f"/shnor/stages/submission/{s.pk}/decide/",
        {"decision": "accepted", "version": seen},
        follow=True,
    )
    assert "документ изменился" in response.content.decode()
    s.refresh_from_db()
    assert s.status == S.RETURNED and s.remark == "пусто"
    assert s.events.count() == 2


def test_a_bad_file_is_refused_in_russian_and_nothing_is_saved(
    world: World, stages: list[Stage]
) -> None:
    document = stages[0].documents.get(position=1)
    response = world.client("head").post(
        f"/shnor/stages/document/{document.pk}/school/{world.s1.pk}/upload/",
        {"file": SimpleUploadedFile("концепция.pdf", b"<html><script>alert(1)</script></html>")},
        follow=True,
    )
    assert "не принят" in response.content.decode()
    assert not StageSubmission.objects.exists() and not StageFile.objects.exists()


def test_a_school_outside_the_cohort_cannot_send(world: World, stages: list[Stage]) -> None:
    Participation.objects.filter(school=world.s1).update(
        left_on=dt.date(YEAR, 2, 1), exit_reason="вышла"
    )
    with pytest.raises(ValidationError, match="не входит в когорту"):
        do_send_stage_file(None, stages[0].documents.first(), world.s1, filename="a.pdf", data=PDF)


# --- who may do what -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["curator", "mentor", "department", "outsider"])
def test_only_the_schools_own_team_and_the_coordinator_upload(
    world: World, stages: list[Stage], persona: str
) -> None:
    assert _upload(world, persona, stages[0], 1).status_code in (403, 404)
    assert not StageSubmission.objects.exists()


def test_the_head_cannot_upload_for_another_school(world: World, stages: list[Stage]) -> None:
    assert _upload(world, "head", stages[0], 1, school=world.s3).status_code == 404
    assert _upload(world, "coordinator", stages[0], 1, school=world.s3).status_code == 302
    assert _upload(world, "coordinator", stages[0], 1, school=world.s2).status_code == 404


@pytest.mark.parametrize("persona", ["head", "school", "mentor", "department"])
def test_those_without_review_cannot_decide(
    world: World, stages: list[Stage], persona: str
) -> None:
    _upload(world, "head", stages[0], 1)
    s = _submission(stages[0], 1, world.s1)
    response = world.client(persona).post(
        f"/shnor/stages/submission/{s.pk}/decide/", {"decision": "accepted", "version": s.version}
    )
    assert response.status_code == 404
    s.refresh_from_db()
    assert s.status == S.SENT


def test_a_curator_decides_only_on_assigned_schools(world: World, stages: list[Stage]) -> None:
    _upload(world, "coordinator", stages[0], 1, school=world.s3)
    s = _submission(stages[0], 1, world.s3)
    response = world.client("curator").post(
        f"/shnor/stages/submission/{s.pk}/decide/", {"decision": "accepted", "version": s.version}
    )
    assert response.status_code == 404
    assert world.client("curator").get(f"/shnor/stages/school/{world.s3.pk}/").status_code == 404


@pytest.mark.parametrize(
    "persona, allowed",
    [
        ("head", True),
        ("curator", True),
        ("coordinator", True),
        ("operator", True),
        ("mentor", True),
        ("outsider", False),
    ],
)
def test_the_file_view_checks_who_asks(
    world: World, stages: list[Stage], persona: str, allowed: bool
) -> None:
    _upload(world, "head", stages[0], 1)
    stored = StageFile.objects.get()
    response = world.client(persona).get(f"/shnor/stages/file/{stored.pk}/")
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")


def test_another_regions_people_see_nothing(world: World, stages: list[Stage]) -> None:
    _upload(world, "head", stages[0], 1)
    other = build_world("99", "Другая область", tag="b_")
    stored = StageFile.objects.get()
    client = other.client("operator")
    assert client.get(f"/shnor/stages/file/{stored.pk}/").status_code == 404
    assert client.get(f"/shnor/stages/school/{world.s1.pk}/").status_code == 404
    assert client.get(f"/shnor/stages/{stages[0].pk}/report.docx").status_code == 404
    page = client.get(f"/shnor/stages/?year={YEAR}")
    assert page.status_code == 200 and page.context["table"].stages == []
    assert client.get(f"/shnor/stages/{stages[0].pk}/edit/").status_code == 404


def test_only_the_operator_creates_and_edits_stages(world: World, stages: list[Stage]) -> None:
    data = {
        "number": 3,
        "title": "Итоговый",
        "control_on": "15.12.2024",
        "documents": "итоговый отчёт\n- протокол защиты;",
    }
    for persona in ("coordinator", "curator", "head"):
        assert (
            world.client(persona).post(f"/shnor/stages/new/?year={YEAR}", data).status_code == 403
        )
    response = world.client("operator").post(f"/shnor/stages/new/?year={YEAR}", data)
    assert response.status_code == 302
    stage = Stage.objects.get(number=3)
    assert stage.control_on == dt.date(2024, 12, 15)
    assert list(stage.documents.values_list("title", flat=True)) == [
        "итоговый отчёт",
        "протокол защиты",
    ]


def test_editing_a_stage_is_refused_when_somebody_saved_it_meanwhile(
    world: World, stages: list[Stage]
) -> None:
    stage = stages[0]
    url = f"/shnor/stages/{stage.pk}/edit/"
    old = stage.version
    base = {"number": 1, "title": "Старт", "control_on": "15.03.2024"}
    first = world.client("operator").post(
        url, {**base, "documents": "концепция развития\nдорожная карта\nприказ", "version": old}
    )
    assert first.status_code == 302
    second = world.client("operator").post(
        url, {**base, "title": "Начало", "documents": "концепция развития", "version": old}
    )
    assert second.status_code == 409
    stage.refresh_from_db()
    assert stage.title == "Старт" and stage.documents.count() == 3


def test_a_document_with_files_cannot_be_taken_off_the_stage(
    world: World, stages: list[Stage]
) -> None:
    _upload(world, "head", stages[0], 2)
    with pytest.raises(ValidationError, match="нельзя убрать"):
        do_save_stage(None, stages[0], "концепция развития")
    assert stages[0].documents.count() == 2


# --- the region's table --------------------------------------------------------------------------


def _table_queries(world: World) -> int:
    client = world.client("operator")
    client.get(f"/shnor/stages/?year={YEAR}")  # sessions and caches warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/shnor/stages/?year={YEAR}")
    assert response.status_code == 200
    return len(queries)


def test_the_table_counts_each_school_and_stage(world: World, stages: list[Stage]) -> None:
    _upload(world, "head", stages[0], 1)
    _upload(world, "head", stages[0], 2)
    s = _submission(stages[0], 2, world.s1)
    do_decide_stage_submission(None, s, S.ACCEPTED, version=s.version)
    _upload(world, "coordinator", stages[1], 1, school=world.s3)
    s3 = _submission(stages[1], 1, world.s3)
    do_decide_stage_submission(None, s3, S.RETURNED, remark="нет данных", version=s3.version)
    table = world.client("operator").get(f"/shnor/stages/?year={YEAR}").context["table"]
    by_school = {r.school_id: r.cells for r in table.rows}
    one = by_school[world.s1.pk][0]
    assert (one.required, one.accepted, one.sent, one.returned, one.missing) == (2, 1, 1, 0, 0)
    assert one.colour == "info"
    three = by_school[world.s3.pk][1]
    assert (three.returned, three.missing, three.colour) == (1, 2, "danger")
    assert by_school[world.s2.pk][0].missing == 2
    assert table.totals[0].accepted == 1 and table.totals[0].required == 6
    # The coordinator sees the municipality's schools, the filter narrows to one.
    seen = world.client("coordinator").get(f"/shnor/stages/?year={YEAR}").context["table"]
    assert {r.school_id for r in seen.rows} == {world.s1.pk, world.s3.pk}
    narrowed = world.client("operator").get(
        f"/shnor/stages/?year={YEAR}&municipality={world.m2.pk}"
    )
    assert [r.school_id for r in narrowed.context["table"].rows] == [world.s2.pk]


def test_the_table_query_count_does_not_grow_with_schools(
    world: World, stages: list[Stage]
) -> None:
    _upload(world, "head", stages[0], 1)
    few = _table_queries(world)
    for serial in range(400, 430):
        school = make_school(world.m2, serial, is_shnor=True)
        Participation.objects.create(school=school, year=YEAR, entered_on=dt.date(YEAR, 1, 15))
        do_send_stage_file(None, stages[1].documents.first(), school, filename="a.pdf", data=PDF)
    many = _table_queries(world)
    assert many == few
    assert many <= 12


# --- exports -------------------------------------------------------------------------------------


def test_the_federal_xlsx_has_a_row_per_school_and_document_with_links(
    world: World, stages: list[Stage]
) -> None:
    import openpyxl

    _upload(world, "head", stages[0], 1)
    stored = StageFile.objects.get()
    response = world.client("operator").get(f"/shnor/stages/?year={YEAR}&export=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Школа", "ИНН", "Муниципалитет", "Этап", "Документ", "Статус")
    assert rows[0][-1] == "Ссылка"
    assert len(rows) == 1 + 3 * 5  # three schools, five documents over two stages
    sent = [r for r in rows if r[5] == "отправлен"]
    assert len(sent) == 1 and sent[0][1] == world.s1.inn
    assert sent[0][-1] == f"http://testserver/shnor/stages/file/{stored.pk}/"
    assert sum(r[5] == "не отправлен" for r in rows) == 14
    one_stage = world.client("coordinator").get(f"/shnor/stages/?year={YEAR}&stage=2&export=xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(one_stage.content)).active.iter_rows(values_only=True)
    )
    assert len(rows) == 1 + 2 * 3
    narrowed = world.client("operator").get(
        f"/shnor/stages/?year={YEAR}&municipality={world.m2.pk}&export=xlsx"
    )
    rows = list(
        openpyxl.load_workbook(io.BytesIO(narrowed.content)).active.iter_rows(values_only=True)
    )
    assert {r[1] for r in rows[1:]} == {world.s2.inn} and len(rows) == 1 + 5


def test_the_stage_report_is_an_a4_docx_with_the_figures(world: World, stages: list[Stage]) -> None:
    import docx

    _upload(world, "head", stages[0], 1)
    s = _submission(stages[0], 1, world.s1)
    do_decide_stage_submission(None, s, S.RETURNED, remark="нет подписи", version=s.version)
    response = world.client("operator").get(f"/shnor/stages/{stages[0].pk}/report.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Контрольная дата: 15.03.2024" in text
    assert "В когорте ШНОР 3 школы" in text and "всего 6 документов" in text
    assert "3 школы в 2 муниципалитетах" in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "концепция развития: «нет подписи»" in cells
    assert world.client("outsider").get(
        f"/shnor/stages/{stages[0].pk}/report.docx"
    ).status_code in (
        403,
        404,
    )


def test_the_cli_writes_the_report(world: World, stages: list[Stage], tmp_path: Any) -> None:
    import docx
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = tmp_path / "report.docx"
    call_command("shnor", "report", "--year", str(YEAR), "--stage", "2", "-o", str(out))
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Этап 2. Промежуточный" in text
    Region.objects.create(name="Ещё область", code="96")
    with pytest.raises(CommandError, match="--region"):
        call_command("shnor", "report", "--year", str(YEAR), "--stage", "2", "-o", str(out))
    with pytest.raises(CommandError, match="Этапа 7"):
        call_command(
            "shnor", "report", "--year", str(YEAR), "--stage", "7", "-o", str(out), "--region", "98"
        )


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_has_two_stages_passed_and_the_third_open_and_runs_twice(world: World) -> None:
    from marshrut.support.demo_stages import build_stages_demo

    year = world.region.today().year
    for school in (world.s1, world.s2, world.s3):
        Participation.objects.create(school=school, year=year, entered_on=dt.date(year, 1, 10))
    out = io.StringIO()
    build_stages_demo(world.region, out)
    stages = list(Stage.objects.filter(region=world.region, year=year).order_by("number"))
    today = world.region.today()
    assert [s.control_on < today for s in stages] == [True, True, False, False]
    by_stage = {
        s.number: list(StageSubmission.objects.filter(stage=s).values_list("status", flat=True))
        for s in stages
    }
    passed = by_stage[1] + by_stage[2]
    assert passed.count(S.RETURNED) == 2
    assert passed.count(S.ACCEPTED) > len(passed) / 2
    assert by_stage[4] == []
    files = StageFile.objects.filter(submission__stage=stages[0])
    assert {f.filename.rsplit(".", 1)[1] for f in files} == {"docx", "pdf"}
    counts = StageSubmission.objects.count(), StageFile.objects.count(), Stage.objects.count()
    build_stages_demo(world.region, io.StringIO())
    assert (
        StageSubmission.objects.count(),
        StageFile.objects.count(),
        Stage.objects.count(),
    ) == counts
    assert "Этапы мониторинга ШНОР" in out.getvalue()
