"""Fixtures of the self-diagnostics tests: the demo-2024 catalogue and a campaign of the test world."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from marshrut.diagnostics.actions import do_load_criteria, do_open_campaign
from marshrut.diagnostics.models import Campaign, CriteriaVersion, Submission
from marshrut.diagnostics.synthetic import answers_for
from marshrut.orgs.models import School

CRITERIA = Path(__file__).resolve().parents[2] / "marshrut" / "data" / "criteria" / "demo-2024.yaml"


@pytest.fixture
def criteria(db: Any) -> CriteriaVersion:
    return do_load_criteria(None, CRITERIA.read_text(encoding="utf-8"), CRITERIA.name)


@pytest.fixture
def campaign(world: Any, criteria: CriteriaVersion) -> Campaign:
    return do_open_campaign(
        None,
        world.region,
        criteria,
        title="Самодиагностика 2024",
        year=2024,
        opens_on=dt.date(2024, 11, 1),
        closes_on=dt.date(2024, 11, 15),
    )


def cell(value: object) -> object:
    """An answer as a person types it into a spreadsheet cell."""
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if isinstance(value, tuple | list):
        return ", ".join(value) or "нет"
    return value


def answers_of_school(campaign: Campaign, school: School, seed: int = 1) -> dict[str, object]:
    """Plausible answers to every indicator that applies to the school, as spreadsheet cells."""
    sub = Submission.objects.get(campaign=campaign, school=school)
    values = answers_for(
        campaign.criteria.catalogue, sub.profile, 0.8, random.Random(seed), school.inn
    )
    return {code: cell(v) for code, v in values.items()}


def xlsx(rows: list[list[Any]], *, title: str = "Результаты") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def wide_rows(
    campaign: Campaign, schools: list[School], *, codes: list[str] | None = None
) -> list[list[Any]]:
    """A wide table: ИНН, name, then one column per indicator code, a row per school."""
    codes = codes or list(campaign.criteria.catalogue.indicators)
    rows: list[list[Any]] = [["ИНН", "Наименование ОО", *codes]]
    for school in schools:
        answers = answers_of_school(campaign, school)
        rows.append([school.inn, school.short_name, *[answers.get(c) for c in codes]])
    return rows
