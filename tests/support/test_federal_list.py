"""The federal list of ШНОР schools: by INN into the cohort of a year, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marshrut.lib.imports import ImportBatch, run_apply
from marshrut.orgs.demo import make_inn
from marshrut.orgs.models import School
from marshrut.support.importer_federal import ListRejected, apply_list, check_list
from marshrut.support.models import Participation
from tests.conftest import World
from tests.support.files import list_csv, list_xlsx

ON = dt.date(2025, 2, 1)


@pytest.mark.parametrize("build", [list_xlsx, list_csv], ids=["xlsx", "csv"])
def test_the_list_puts_schools_into_the_cohort_of_the_year(world: World, build: object) -> None:
    Participation.objects.create(school=world.s1, year=2025, entered_on=dt.date(2025, 1, 10))
    data = build([world.s1.inn, world.s2.inn])  # type: ignore[operator]
    plan = check_list(data, "list", world.region, 2025)
    assert plan.problems == []
    assert [(r["inn"], r["action"]) for r in plan.rows] == [
        (world.s1.inn, "same"),
        (world.s2.inn, "create"),
    ]
    apply_list(None, data, "list", world.region, year=2025, entered_on=ON, reason="письмо № 1")
    added = Participation.objects.get(school=world.s2, year=2025)
    assert added.source == Participation.Source.FEDERAL_LIST
    assert (added.entered_on, added.entry_reason) == (ON, "письмо № 1")
    # The school already in the cohort stays as it was.
    kept = Participation.objects.get(school=world.s1, year=2025)
    assert kept.source == Participation.Source.MANUAL
    # The registry's mark follows the cohort.
    assert School.objects.get(pk=world.s2.pk).is_shnor is True


def test_unknown_and_repeated_inns_are_problems_and_nothing_is_saved(world: World) -> None:
    elsewhere = make_inn(777)
    data = list_xlsx([world.s2.inn, elsewhere, world.s2.inn, "12345"])
    problems = [str(p) for p in check_list(data, "l.xlsx", world.region, 2025).problems]
    assert problems == [
        f"лист «Sheet», строка 4, столбец B «ИНН»: «{elsewhere}» — нет школы с таким ИНН в "
        "реестре региона",
        f"лист «Sheet», строка 5, столбец B «ИНН»: «{world.s2.inn}» — школа уже есть в перечне "
        "в строке 3",
        "лист «Sheet», строка 6, столбец B «ИНН»: «12345» — ИНН организации — 10 цифр, "
        "получено «12345»",
    ]
    with pytest.raises(ListRejected):
        apply_list(None, data, "l.xlsx", world.region, year=2025, entered_on=ON)
    assert not Participation.objects.exists()


def test_the_operator_loads_the_list_on_the_page(world: World) -> None:
    client = world.client("operator")
    page = client.post(
        "/shnor/cohort/list/import/",
        {
            "file": SimpleUploadedFile("list.xlsx", list_xlsx([world.s3.inn])),
            "year": 2025,
            "entered_on": "2025-02-01",
        },
    )
    assert page.status_code == 302
    batch = ImportBatch.objects.get(kind="shnor_federal_list")
    assert "Будет включено 1" in client.get(page["Location"]).content.decode()
    client.post(f"/shnor/cohort/list/import/{batch.pk}/apply/")
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.APPLYING:  # queued for the worker: run it here
        run_apply(batch, world.users["operator"])
    assert Participation.objects.get(school=world.s3).entered_on == ON
    assert world.client("coordinator").get("/shnor/cohort/list/import/").status_code == 403
