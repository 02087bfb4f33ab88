"""Assessment results through the one import pipeline: real XLSX, XLS and CP1251 CSV files."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marshrut.lib.imports import ImportBatch
from marshrut.orgs.demo import make_inn
from marshrut.support.importer_results import ResultsRejected, apply_results, check_results
from marshrut.support.models.assessments import AssessmentResult
from tests.conftest import World
from tests.support.files import results_csv, results_xls, results_xlsx

ELSEWHERE = make_inn(777)  # a valid INN of no school of the region


def good_rows(w: World) -> list[list[object]]:
    return [
        [w.s1.inn, w.s1.short_name, 2024, "ВПР", "Математика", 5, 40, 10, 25, 3.1],
        [w.s1.inn, w.s1.short_name, 2024, "ВПР", "Русский язык", 5, 40, 6, 15, 3.3],
        [w.s2.inn, w.s2.short_name, 2024, "ОГЭ", "Математика", 9, 12, 3, 25, 3.0],
        [
            int(w.s3.inn),
            w.s3.short_name,
            2024,
            "Региональная диагностика",
            "математика ",
            "7 класс",
            25,
            0,
            0,
            None,
        ],
    ]


@pytest.mark.parametrize(
    "build", [results_xlsx, results_xls, results_csv], ids=["xlsx", "xls", "csv"]
)
def test_a_results_table_with_merged_header_and_totals_row_loads(
    world: World, build: object
) -> None:
    data = build(good_rows(world))  # type: ignore[operator]
    plan = check_results(data, "results", world.region)
    assert plan.problems == []
    assert len(plan.rows) == 4 and plan.create == 4
    apply_results(None, data, "results", world.region)
    math = AssessmentResult.objects.get(school=world.s1, subject="Математика", assessment="vpr")
    assert (math.year, math.grade, math.participants, math.failed) == (2024, 5, 40, 10)
    assert math.failed_share == Decimal("25.00") and math.mean_mark == Decimal("3.10")
    regional = AssessmentResult.objects.get(school=world.s3)
    assert (regional.assessment, regional.subject, regional.grade) == ("regional", "Математика", 7)
    # The same file again updates the rows instead of adding them.
    again = check_results(data, "results", world.region)
    assert (again.create, again.update) == (0, 4)


def test_a_share_alone_gives_the_count_and_the_year_and_assessment_may_come_from_the_form(
    world: World,
) -> None:
    header = ["ИНН", "Предмет", "Класс", "Количество участников", "Доля «2», %"]
    data = results_csv([[world.s1.inn, "Физика", 8, 30, "10,0"]], header=header)
    plan = check_results(data, "r.csv", world.region, year=2023, assessment="vpr")
    assert plan.problems == []
    assert plan.rows[0]["failed"] == 3 and plan.rows[0]["year"] == 2023


def problems_of(world: World, rows: list[list[object]]) -> list[str]:
    plan = check_results(results_xlsx(rows), "bad.xlsx", world.region)
    return [str(p) for p in plan.problems]


def test_every_bad_row_is_reported_in_russian_and_nothing_is_saved(world: World) -> None:
    w = world
    rows = [
        ["7203999999", "", 2024, "ВПР", "Математика", 5, 40, 10, 25, None],  # bad check digit
        [ELSEWHERE, "", 2024, "ВПР", "Математика", 5, 40, 10, 25, None],  # not in the region
        [w.s1.inn, "", 2024, "ВПР", "Математика", 5, 40, 10, 25, None],
        [w.s1.inn, "", 2024, "ВПР", "математика", 5, 41, 10, 24.4, None],  # the same again
        [w.s2.inn, "", 2024, "ВПР", "Математика", 5, 40, 10, 125, None],  # share out of 0–100
        [w.s2.inn, "", 2024, "ГИА-11", "Математика", 5, 40, 10, 25, None],  # unknown assessment
        [w.s3.inn, "", 2024, "ВПР", "Математика", 14, 40, 50, None, None],  # grade, failed > all
        [w.s3.inn, "", 2024, "ВПР", "Физика", 7, 40, 10, 40, None],  # share does not match
    ]
    found = problems_of(w, rows)
    text = "\n".join(found)
    assert "строка 4, столбец A «ИНН»: «7203999999» — ИНН «7203999999» не проходит проверку" in text
    assert (
        f"строка 5, столбец A «ИНН»: «{ELSEWHERE}» — нет школы с таким ИНН в реестре региона"
        in text
    )
    assert "строка 7" in text and "школа уже есть в строке 6 с тем же годом, процедурой" in text
    assert "строка 8, столбец I «Доля «2», %»: «125» — доля «2» — число от 0 до 100" in text
    assert "строка 9, столбец D «Процедура»: «ГИА-11» — неизвестная процедура" in text
    assert "строка 10, столбец F «Класс»: «14» — класс — число от 1 до 11" in text
    assert "строка 10, столбец H «Получили «2», чел.»: «50» — получивших «2» больше" in text
    assert (
        "строка 11, столбец I «Доля «2», %»: «40» — доля «2» не сходится с числом: 10 из 40" in text
    )
    with pytest.raises(ResultsRejected):
        apply_results(None, results_xlsx(rows), "bad.xlsx", w.region)
    assert not AssessmentResult.objects.exists()


def test_missing_columns_are_named(world: World) -> None:
    data = results_csv([[world.s1.inn, "Физика"]], header=["ИНН", "Предмет"])
    problems = [str(p) for p in check_results(data, "r.csv", world.region).problems]
    assert problems == ["файл — Не найдены обязательные столбцы: Класс, Участников (лист «r»)."]
    no_counts = results_csv(
        [[world.s1.inn, 2024, "ВПР", "Физика", 7, 20]],
        header=["ИНН", "Год", "Процедура", "Предмет", "Класс", "Участников"],
    )
    problems = [str(p) for p in check_results(no_counts, "r.csv", world.region).problems]
    assert len(problems) == 1 and "нет столбца с числом или долей «2»" in problems[0]
    no_year = results_csv(
        [[world.s1.inn, "ВПР", "Физика", 7, 20, 2]],
        header=["ИНН", "Процедура", "Предмет", "Класс", "Участников", "Получили «2»"],
    )
    problems = [str(p) for p in check_results(no_year, "r.csv", world.region).problems]
    assert "нет столбца «Год»: укажите год в форме загрузки" in problems[0]


def test_the_operator_uploads_a_file_and_a_bad_one_is_refused_on_the_page(world: World) -> None:
    client = world.client("operator")
    bad = results_xlsx([[ELSEWHERE, "", 2024, "ВПР", "Математика", 5, 40, 10, 25, None]])
    page = client.post(
        "/shnor/cohort/results/import/", {"file": SimpleUploadedFile("bad.xlsx", bad)}
    )
    assert page.status_code == 400
    assert "нет школы с таким ИНН в реестре региона" in page.content.decode()
    assert not ImportBatch.objects.filter(status=ImportBatch.Status.CHECKED).exists()
    good = results_xlsx(good_rows(world))
    page = client.post(
        "/shnor/cohort/results/import/", {"file": SimpleUploadedFile("good.xlsx", good)}
    )
    assert page.status_code == 302
    batch = ImportBatch.objects.get(kind="shnor_results", status=ImportBatch.Status.CHECKED)
    assert "Будет добавлено 4" in client.get(page["Location"]).content.decode()
    client.post(f"/shnor/cohort/results/import/{batch.pk}/apply/")
    from marshrut.lib.imports import run_apply

    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.APPLYING:  # queued for the worker: run it here
        run_apply(batch, world.users["operator"])
    assert AssessmentResult.objects.count() == 4


def test_others_cannot_upload_results(world: World) -> None:
    for persona in ("coordinator", "curator", "head", "outsider"):
        assert world.client(persona).get("/shnor/cohort/results/import/").status_code == 403
