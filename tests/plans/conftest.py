"""Fixtures of the roadmap tests: plans of the three levels in the shared ``world``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from marshrut.plans.actions import do_create_plan
from marshrut.plans.importing import dictionary_for, reparse_row
from marshrut.plans.models import Level, Plan
from tests.conftest import World

SEEDS = Path("/work/shared/seeds")
SEED_001 = "001_25124ddb0d9dfe29.txt"
SEED_004 = "004_a776de1f393977ae.txt"
YEAR = 2024
# A day in the plans' year from which «overdue» and «due soon» are judged.
TODAY = dt.date(2024, 6, 10)


def rows(world_region: Any, specs: list[tuple[str, str, str]], year: int = YEAR) -> list[dict]:
    """Draft rows from (title, deadline, responsible) triples, read as an import would."""
    orgs = dictionary_for(world_region)
    return [
        reparse_row(
            {
                "section_number": "1",
                "section_title": "Организационное сопровождение",
                "number": f"1.{n}",
                "title": title,
                "deadline_texts": [deadline],
                "responsible_text": responsible,
                "expected_result": "Охват участников – 40%",
                "indicator": "",
            },
            year=year,
            labels=["Сроки"],
            orgs=orgs,
            mappings={},
        )
        for n, (title, deadline, responsible) in enumerate(specs, start=1)
    ]


SPECS = [
    ("Семинар для координаторов", "январь", "ТОГИРРО, МОУО"),
    ("Совещание по итогам", "июнь", "ДОиН ТО"),
    ("Курсы повышения квалификации", "июль – август", "ТОГИРРО ЦНППМ"),
    ("Методическая помощь", "по запросу", "ТОГИРРО"),
    ("Мониторинг", "4 квартал", "ТОГИРРО МОУО ОО"),
]


def make_plan(world: World, level: str = Level.REGION, **kwargs: Any) -> Plan:
    owner: dict[str, Any] = {
        Level.REGION: {"region": world.region},
        Level.MUNICIPALITY: {"municipality": kwargs.pop("municipality", world.m1)},
        Level.SCHOOL: {"school": kwargs.pop("school", world.s1)},
    }[level]
    return do_create_plan(
        None,
        level=level,
        year=kwargs.pop("year", YEAR),
        title=kwargs.pop("title", f"План ({level})"),
        rows=kwargs.pop("rows", None) or rows(world.region, SPECS),
        **owner,
        **kwargs,
    )


@pytest.fixture
def regional(world: World) -> Plan:
    return make_plan(world, Level.REGION, title="Региональная дорожная карта")


@pytest.fixture
def seed_bytes() -> Any:
    if not SEEDS.is_dir():
        pytest.skip("the seeds are not available")
    return lambda name: (SEEDS / name).read_bytes()
