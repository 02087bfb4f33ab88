"""Results import: good files land whole and are scored, bad files are refused whole with a report."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marshrut.audit.models import AuditEvent
from marshrut.diagnostics.actions import finish
from marshrut.diagnostics.importing import ImportRejected, apply_file, check_file, template_xlsx
from marshrut.diagnostics.models import (
    Answer,
    Campaign,
    Deficit,
    Flag,
    Result,
    Status,
    Submission,
)
from marshrut.lib.imports import ImportBatch as ImportJob
from marshrut.orgs.demo import make_inn
from marshrut.orgs.models import Municipality, Region, School
from tests.conftest import World, make_school
from tests.diagnostics.conftest import answers_of_school, wide_rows, xlsx
from tests.diagnostics.matrix_import import MATRIX_IMPORT


def state() -> tuple[Any, ...]:
    """Everything an import may change; equal before and after a refused file."""
    return (
        Answer.objects.count(),
        Result.objects.count(),
        Deficit.objects.count(),
        Flag.objects.count(),
        tuple(Submission.objects.order_by("pk").values_list("status", "answered", "source")),
        AuditEvent.objects.filter(action="import").count(),
    )


def refused(campaign: Campaign, data: bytes, filename: str = "bad.xlsx") -> list[str]:
    before = state()
    plan = check_file(data, filename, campaign)
    assert plan.problems, "the file should have been refused"
    with pytest.raises(ImportRejected):
        apply_file(None, data, filename, campaign)
    assert state() == before
    return [str(p) for p in plan.problems]


def sub(campaign: Campaign, school: School) -> Submission:
    return Submission.objects.get(campaign=campaign, school=school)


# Good files ---------------------------------------------------------------------------------


def test_wide_xlsx_lands_whole_scored_and_audited(world: World, campaign: Campaign) -> None:
    schools = [world.s1, world.s2, world.s3]
    data = xlsx([["Результаты самодиагностики, выгрузка ФИЦТО"], [], *wide_rows(campaign, schools)])
    plan = apply_file(world.users["operator"], data, "fed.xlsx", campaign)
    assert (
        plan.layout == "wide" and plan.counts()["schools"] == 3 and plan.counts()["submitted"] == 3
    )
    for school in schools:
        s = sub(campaign, school)
        assert s.status == Status.SUBMITTED and s.source == "import" and s.submitted_at is not None
        assert s.answered == s.applicable == len(answers_of_school(campaign, school))
        assert Result.objects.filter(submission=s).count() == 9  # 8 directions and overall
    # The school without СОО has no answer to the СОО-only indicators.
    assert not Answer.objects.filter(submission__school=world.s2, code="ZN.07").exists()
    multiple = Answer.objects.get(submission__school=world.s1, code="ZD.09").value
    assert isinstance(multiple, list)
    event = AuditEvent.objects.get(action="import")
    assert event.changes["schools"] == 3 and event.actor == world.users["operator"]


def test_headers_with_wording_names_without_inn_and_a_partial_file_leave_a_draft(
    world: World, campaign: Campaign
) -> None:
    catalogue = campaign.criteria.catalogue
    header = [
        "Наименование ОО",
        "Муниципалитет",
        *[f"{c} {catalogue.indicators[c].text}" for c in ("ZN.01", "ZN.04", "ZN.06")],
    ]
    data = xlsx([header, ["маоу сош №1", "город Первогорск", "да", "95,5", "Не реализуется"]])
    plan = apply_file(None, data, "partial.xlsx", campaign)
    assert plan.counts()["draft"] == 1 and plan.counts()["submitted"] == 0
    s = sub(campaign, world.s1)
    assert s.status == Status.DRAFT and s.answered == 3
    values = dict(Answer.objects.filter(submission=s).values_list("code", "value"))
    assert values == {"ZN.01": True, "ZN.04": 95.5, "ZN.06": "net"}
    assert not Result.objects.filter(submission=s).exists()  # a draft is not scored


def test_a_second_file_completes_the_questionnaire_and_keeps_comments(
    world: World, campaign: Campaign
) -> None:
    s = sub(campaign, world.s1)
    Answer.objects.create(submission=s, code="ZN.01", value=False, comment="приказ № 5")
    Submission.objects.filter(pk=s.pk).update(status=Status.DRAFT, answered=1)
    apply_file(None, xlsx(wide_rows(campaign, [world.s1])), "full.xlsx", campaign)
    s.refresh_from_db()
    answer = Answer.objects.get(submission=s, code="ZN.01")
    assert answer.comment == "приказ № 5" and answer.value is True  # upserted, not duplicated
    assert (
        s.status == Status.SUBMITTED
        and Answer.objects.filter(submission=s, code="ZN.01").count() == 1
    )


def scored_rows(campaign: Campaign) -> tuple[Any, ...]:
    return (
        sorted(
            Result.objects.filter(campaign=campaign).values_list(
                "submission_id", "scope", "points", "max_points", "level", "deficits"
            )
        ),
        sorted(
            Deficit.objects.filter(campaign=campaign).values_list(
                "submission_id", "code", "direction", "kind", "points", "max_points"
            )
        ),
        sorted(
            Flag.objects.filter(submission__campaign=campaign).values_list(
                "submission_id", "rule", "code", "message"
            )
        ),
    )


def test_scores_from_the_file_equal_scores_from_the_database(
    world: World, campaign: Campaign
) -> None:
    """An import scores what it holds in memory; the database, read back, must say the same."""
    catalogue = campaign.criteria.catalogue
    s1 = sub(campaign, world.s1)
    schools = [world.s1, world.s2, world.s3]
    profiles = [sub(campaign, school).profile for school in schools]
    critical = next(
        code
        for code, ind in catalogue.indicators.items()
        if ind.critical and ind.type == "yesno" and all(map(ind.applies_to, profiles))
    )
    # One questionnaire already holds an answer with a link, which only the database knows.
    Answer.objects.create(
        submission=s1, code=critical, value=False, evidence_url="https://school.example/order"
    )
    Submission.objects.filter(pk=s1.pk).update(status=Status.DRAFT, answered=1)
    rows = wide_rows(campaign, schools)
    column = rows[0].index(critical)
    for row in rows[1:]:
        row[column] = "да"  # claimed as met: only the one with a link escapes a flag
    apply_file(None, xlsx(rows), "fed.xlsx", campaign)
    from_file = scored_rows(campaign)
    assert from_file[0] and from_file[1]
    unbacked = {f[0] for f in from_file[2] if f[1:3] == ("no_evidence", critical)}
    assert unbacked == {sub(campaign, school).pk for school in schools[1:]}
    submissions = list(Submission.objects.filter(campaign=campaign, status=Status.SUBMITTED))
    assert len(submissions) == 3
    finish(submissions)  # read everything back from the database
    assert scored_rows(campaign) == from_file


def test_a_partial_file_over_stored_answers_updates_them(world: World, campaign: Campaign) -> None:
    """A draft with answers in the database gets a file that answers part of it again."""
    s = sub(campaign, world.s1)
    Answer.objects.create(submission=s, code="ZN.01", value=False, comment="приказ № 5")
    Answer.objects.create(submission=s, code="ZN.06", value="net")
    Submission.objects.filter(pk=s.pk).update(status=Status.DRAFT, answered=2)
    data = xlsx([["ИНН", "ZN.01", "ZN.04"], [world.s1.inn, "да", "80"]])
    plan = apply_file(None, data, "partial.xlsx", campaign)
    assert plan.counts()["draft"] == 1
    values = dict(Answer.objects.filter(submission=s).values_list("code", "value"))
    assert values == {"ZN.01": True, "ZN.04": 80, "ZN.06": "net"}
    assert Answer.objects.get(submission=s, code="ZN.01").comment == "приказ № 5"


def test_long_csv_in_cp1251_with_semicolons_comments_and_links(
    world: World, campaign: Campaign
) -> None:
    lines = [
        "ИНН;Показатель;Ответ;Комментарий;Ссылка на подтверждение",
        f"{world.s1.inn};ZN.01;да;ФООП утверждены;https://school1.example/foop.pdf",
        f'{world.s1.inn};ZD.09;"Спортивный зал; Лыжная база";;',
        f"{world.s1.inn};ZN.04;87;;",
        f"{world.s2.inn};ZN.02;нет;нет рабочих программ;",
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("cp1251")
    plan = apply_file(None, data, "long.csv", campaign)
    assert plan.layout == "long" and plan.counts() == {
        "schools": 2,
        "answers": 4,
        "submitted": 0,
        "draft": 2,
        "were_done": 0,
        "problems": 0,
    }
    a = Answer.objects.get(submission__school=world.s1, code="ZN.01")
    assert a.comment == "ФООП утверждены" and a.evidence_url == "https://school1.example/foop.pdf"
    assert Answer.objects.get(submission__school=world.s1, code="ZD.09").value == ["zal", "lyzhi"]
    assert sub(campaign, world.s2).answered == 1


def test_old_xls_is_read(world: World, campaign: Campaign, tmp_path: Path) -> None:
    book = xlwt.Workbook()
    ws = book.add_sheet("Результаты")
    for r, row in enumerate(wide_rows(campaign, [world.s3])):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    path = tmp_path / "old.xls"
    book.save(str(path))
    plan = apply_file(None, path.read_bytes(), "old.xls", campaign)
    assert plan.counts()["submitted"] == 1 and sub(campaign, world.s3).status == Status.SUBMITTED


def test_an_inn_typed_as_a_number_and_a_school_column_holding_the_inn(
    world: World, campaign: Campaign
) -> None:
    data = xlsx([["Школа", "ZN.01"], [int(world.s1.inn), "да"]])
    plan = check_file(data, "n.xlsx", campaign)
    assert not plan.problems, plan.problems
    assert plan.entries[0].submission_id == sub(campaign, world.s1).pk


def test_the_template_round_trips(world: World, campaign: Campaign) -> None:
    template = template_xlsx(campaign)
    plan = check_file(template, "template.xlsx", campaign)
    assert [p.reason for p in plan.problems] == [
        "в файле нет ни одного ответа: заполните ячейки показателей"
    ]
    book = openpyxl.load_workbook(io.BytesIO(template))
    ws = book["Результаты"]
    codes = [c.value for c in ws[1]][3:]
    for row in ws.iter_rows(min_row=3):
        inn = row[0].value
        school = School.objects.get(inn=inn)
        answers = answers_of_school(campaign, school)
        for offset, code in enumerate(codes):
            row[3 + offset].value = answers.get(code)
    buffer = io.BytesIO()
    book.save(buffer)
    plan = apply_file(None, buffer.getvalue(), "filled.xlsx", campaign)
    assert plan.counts()["submitted"] == 3, [str(p) for p in plan.problems]


# Bad input: each names its place and leaves the database as it was ----------------------------


def test_wrong_columns_name_what_is_needed(campaign: Campaign) -> None:
    (message,) = refused(campaign, xlsx([["Название", "Код", "Телефон"], ["Школа", "1", "2"]]))
    assert "не найдена таблица результатов" in message and "ИНН" in message and "ZN.01" in message


def test_a_table_of_codes_without_a_school_column(campaign: Campaign) -> None:
    (message,) = refused(campaign, xlsx([["Номер", "ZN.01", "ZN.02"], [1, "да", "да"]]))
    assert "нет столбца школы" in message


def test_unknown_indicator_codes_are_named(world: World, campaign: Campaign) -> None:
    data = xlsx(
        [["ИНН", "ZN.01", "ZZ.99", "ZN.77 Несуществующий"], [world.s1.inn, "да", "да", "нет"]]
    )
    (message,) = refused(campaign, data)
    assert (
        "неизвестные коды показателей" in message and "C «ZZ.99»" in message and "ZN.77" in message
    )


def test_each_bad_cell_is_reported_with_row_column_and_reason(
    world: World, campaign: Campaign
) -> None:
    data = xlsx(
        [
            ["ИНН", "ZN.01", "ZN.04", "ZN.06", "ZD.02"],
            [world.s1.inn, "может быть", 150, "все", 2.5],
        ]
    )
    messages = refused(campaign, data)
    assert messages == [
        'лист «Результаты», строка 2, столбец B «ZN.01»: «может быть» — ожидалось «да» или «нет», получено "может быть"',
        "лист «Результаты», строка 2, столбец C «ZN.04»: «150» — значение 150 % вне допустимого диапазона 0–100 %",
        "лист «Результаты», строка 2, столбец D «ZN.06»: «все» — неизвестный вариант ответа «все»; допустимые: net, klass, parallel",
        "лист «Результаты», строка 2, столбец E «ZD.02»: «2.5» — ожидалось целое число, получено 2.5",
    ]


def test_an_answer_to_an_indicator_that_does_not_apply_is_refused(
    world: World, campaign: Campaign
) -> None:
    # The second school has no senior classes (СОО): ZN.07 is about profiles of 10–11 grades.
    (message,) = refused(campaign, xlsx([["ИНН", "ZN.07"], [world.s2.inn, "two"]]))
    assert "строка 2, столбец B «ZN.07»" in message and "не относится к этой школе" in message


def test_a_school_twice_names_both_rows(world: World, campaign: Campaign) -> None:
    (message,) = refused(
        campaign,
        xlsx([["ИНН", "ZN.01"], [world.s1.inn, "да"], [world.s3.inn, "да"], [world.s1.inn, "нет"]]),
    )
    assert "строка 4" in message and "повторяется" in message and "в строке 2" in message


def test_a_school_of_another_region_is_refused(world: World, campaign: Campaign) -> None:
    other = Region.objects.create(name="Другая область", code="97")
    m = Municipality.objects.create(region=other, name="Чужой район", oktmo="97701000")
    School.objects.create(
        municipality=m, full_name="Чужая школа", short_name="Чужая СОШ", inn=make_inn(77)
    )
    (message,) = refused(campaign, xlsx([["ИНН", "ZN.01"], [make_inn(77), "да"]]))
    assert "строка 2, столбец A «ИНН»" in message and "другому региону" in message


def test_a_school_of_the_region_outside_the_campaign_is_refused(
    world: World, campaign: Campaign
) -> None:
    late = make_school(world.m1, 55)  # opened after the campaign
    (message,) = refused(campaign, xlsx([["ИНН", "ZN.01"], [late.inn, "да"]]))
    assert "не участвует в кампании «Самодиагностика 2024»" in message


def test_an_unknown_school_gets_suggestions(world: World, campaign: Campaign) -> None:
    messages = refused(
        campaign,
        xlsx(
            [["Наименование ОО", "ZN.01"], ["МАОУ СОШ 3", "да"], ["Гимназия имени Пушкина", "да"]]
        ),
    )
    assert "строка 2" in messages[0] and "возможно, имелась в виду: «МАОУ СОШ № 3»" in messages[0]
    assert f"ИНН {world.s3.inn}" in messages[0]
    assert "строка 3" in messages[1] and "не найдена среди школ кампании" in messages[1]


def test_a_wrong_inn_is_named(world: World, campaign: Campaign) -> None:
    bad = world.s1.inn[:-1] + str((int(world.s1.inn[-1]) + 1) % 10)
    (message,) = refused(campaign, xlsx([["ИНН", "ZN.01"], [bad, "да"]]))
    assert bad in message and "контрольного числа" in message


def test_formulas_are_refused_in_xlsx_and_csv(world: World, campaign: Campaign) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Результаты"
    ws.append(["ИНН", "ZN.04"])
    ws.append([world.s1.inn, "=90+5"])
    buffer = io.BytesIO()
    book.save(buffer)
    messages = refused(campaign, buffer.getvalue())
    assert any("B2" in m and "формул" in m for m in messages)
    csv = f"ИНН;ZN.04\r\n{world.s1.inn};=SUM(A1:A3)\r\n".encode("cp1251")
    (message,) = refused(campaign, csv, "r.csv")
    assert "строка 2, столбец B «ZN.04»" in message and "формулы не принимаются" in message


def test_a_corrupt_or_renamed_file(campaign: Campaign) -> None:
    (message,) = refused(
        campaign, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 20, "results.xlsx"
    )
    assert "PDF-документ, а не таблица" in message
    (message,) = refused(campaign, b"PK\x03\x04" + bytes(range(256)) * 8, "broken.xlsx")
    assert "повреждён" in message or "не является таблицей" in message


def test_a_file_over_the_limit(campaign: Campaign, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    (message,) = refused(campaign, b"x;y\r\n" * 1000, "big.csv")
    assert "слишком большой" in message


def test_long_layout_unknown_code_and_duplicate_answer(world: World, campaign: Campaign) -> None:
    data = (
        "ИНН;Показатель;Ответ\r\n"
        f"{world.s1.inn};ZN.01;да\r\n"
        f"{world.s1.inn};XX.01;да\r\n"
        f"{world.s1.inn};ZN.01;нет\r\n"
    ).encode("cp1251")
    messages = refused(campaign, data, "long.csv")
    assert messages == [
        "лист «long», строка 3, столбец B «Показатель»: «XX.01» — показателя с кодом «XX.01» нет в каталоге demo-2024",
        f"лист «long», строка 4, столбец B «Показатель»: «ZN.01» — ответ школы «{world.s1.short_name}» на показатель ZN.01 уже указан в строке 2",
    ]


# The background job through the pages ----------------------------------------------------------


@pytest.fixture
def immediate(settings: Any) -> None:
    # django_tasks resets its backends when the setting changes: the tasks run inline.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_upload_check_and_apply_through_the_pages(
    world: World, campaign: Campaign, immediate: None
) -> None:
    client = world.client("operator")
    data = xlsx(wide_rows(campaign, [world.s1, world.s3]))
    response = client.post(
        reverse("diagnostics:import_upload", kwargs={"pk": campaign.pk}),
        {"file": SimpleUploadedFile("fed.xlsx", data)},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED and job.progress == 100 and job.layout == "wide"
    assert job.counts["counts"]["schools"] == 2
    assert sub(campaign, world.s1).status == Status.NOT_STARTED  # nothing before the confirmation
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="counts"' in page and "Применить" in page
    status = client.get(reverse("diagnostics:import_job_status", kwargs={"pk": job.pk}))
    assert status.status_code == 200
    client.post(reverse("diagnostics:import_apply", kwargs={"pk": job.pk}))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED and job.applied_by == world.users["operator"]
    assert sub(campaign, world.s1).status == Status.SUBMITTED


def test_a_bad_upload_shows_every_problem_and_keeps_nothing(
    world: World, campaign: Campaign, immediate: None
) -> None:
    before = state()
    client = world.client("operator")
    data = xlsx([["ИНН", "ZN.01", "ZN.04"], [world.s1.inn, "может быть", 150]])
    response = client.post(
        reverse("diagnostics:import_upload", kwargs={"pk": campaign.pk}),
        {"file": SimpleUploadedFile("bad.xlsx", data)},
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and len(job.problems) == 2
    page = client.get(response["Location"]).content.decode()
    assert "может быть" in page and "ничего не изменилось" in page
    assert (
        client.post(reverse("diagnostics:import_apply", kwargs={"pk": job.pk})).status_code == 302
    )
    assert state() == before


def test_the_job_is_not_found_outside_the_operator(
    world: World, campaign: Campaign, immediate: None
) -> None:
    job = ImportJob.objects.create(
        kind="results",
        region=campaign.region,
        params={"campaign": campaign.pk},
        filename="x.csv",
        size=1,
        sha256="0" * 64,
    )
    for persona in ("coordinator", "department", "head", "outsider"):
        url = reverse("diagnostics:import_job", kwargs={"pk": job.pk})
        assert world.client(persona).get(url).status_code == 404


def test_the_template_is_downloaded(world: World, campaign: Campaign) -> None:
    response = world.client("operator").get(
        reverse("diagnostics:template", kwargs={"pk": campaign.pk})
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Результаты", "Показатели"]


# The permission rows handed to the matrix test hold ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "index"),
    [(name, i) for name, cases in MATRIX_IMPORT.items() for i in range(len(cases))],
)
def test_permission_rows_of_the_import_pages(world: World, name: str, index: int) -> None:
    from django.db import transaction

    from tests.conftest import PERSONAS

    case = MATRIX_IMPORT[name][index]
    got = []
    for persona in [*PERSONAS, None]:
        with transaction.atomic():
            url = reverse(name, kwargs=case.kwargs(world))
            response = getattr(world.client(persona), case.method)(url, case.data)
            got.append(str(response.status_code))
            transaction.set_rollback(True)
    assert " ".join(got) == case.expected, f"{name} {case.note}"


@pytest.mark.django_db(transaction=True)
def test_big_file_settings_hold_only_while_writing() -> None:
    from django.db import connection, transaction

    from marshrut.diagnostics.importing import _bulk_writing

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return int(cursor.fetchone()[0])

    sqlite = connection.vendor == "sqlite"
    before = cache_size() if sqlite else 0
    with transaction.atomic(), _bulk_writing(10**6), connection.cursor() as cursor:
        if sqlite:
            assert cache_size() == -131072
        else:
            # Foreign keys are checked as rows arrive: a bad key fails here, not at commit.
            with pytest.raises(Exception, match="foreign key"), transaction.atomic():
                cursor.execute(
                    "INSERT INTO diagnostics_flag (submission_id, rule, code, message, "
                    "resolution, comment, created_at) VALUES (-1, 'jump', '', '', 'open', '', now())"
                )
    if sqlite:
        assert cache_size() == before
