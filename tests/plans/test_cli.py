"""``marshrut plan parse`` prints the JSON contract; ``plan import`` saves; ``plan remind`` mails."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from marshrut.kernels.plan_reader import plan_to_dict, read_plan
from marshrut.plans.actions import do_report_progress
from marshrut.plans.models import ItemStatus, Level, Plan
from tests.conftest import World
from tests.notify.helpers import deliver
from tests.plans.conftest import SEED_001, SEED_004, SEEDS, make_plan


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("name", [SEED_001, SEED_004])
def test_parse_prints_the_json_contract(seed_bytes: Any, name: str) -> None:
    printed = json.loads(run("parse", str(SEEDS / name), "--year", "2024", "--format", "json"))
    assert printed == plan_to_dict(read_plan(seed_bytes(name), name, 2024))
    assert list(printed) == ["sections"]
    item = printed["sections"][0]["items"][0]
    assert list(item) == [
        "number",
        "title",
        "deadlines",
        "responsible",
        "expected_result",
        "targets",
    ]
    assert list(item["deadlines"][0]) == ["label", "text", "kind", "windows", "times_per_year"]
    assert list(item["responsible"][0]) == ["text", "organisation"]


def test_parse_of_a_bad_file_fails_with_the_reason(tmp_path: Any) -> None:
    path = tmp_path / "letter.txt"
    path.write_text("Письмо без таблицы", encoding="utf-8")
    with pytest.raises(CommandError, match="Не найдена таблица плана"):
        run("parse", str(path), "--year", "2024")


def test_import_saves_plans_of_every_level(world: World, seed_bytes: Any) -> None:
    output = run(
        "import", str(SEEDS / SEED_001), "--year", "2024", "--level", "region", "--owner", "98"
    )
    plan = Plan.objects.get(level=Level.REGION)
    assert "мероприятий 39" in output and plan.region == world.region
    assert (
        next(s.title for s in plan.sections.order_by("position"))
        == "Нормативно-правовое обеспечение"
    )
    run(
        "import",
        str(SEEDS / SEED_004),
        "--year",
        "2024",
        "--level",
        "municipality",
        "--owner",
        world.m1.oktmo,
    )
    run(
        "import",
        str(SEEDS / SEED_004),
        "--year",
        "2024",
        "--level",
        "school",
        "--owner",
        world.s1.inn,
    )
    assert Plan.objects.get(level=Level.SCHOOL).school == world.s1
    assert Plan.objects.get(level=Level.MUNICIPALITY).items.count() == 17
    with pytest.raises(CommandError, match="Нет школы"):
        run(
            "import",
            str(SEEDS / SEED_004),
            "--year",
            "2024",
            "--level",
            "school",
            "--owner",
            "0000000000",
        )


def test_remind_mails_the_people_of_each_plan_about_late_and_coming_items(world: World) -> None:
    regional = make_plan(world, Level.REGION)
    school = make_plan(world, Level.SCHOOL)
    do_report_progress(None, school.items.get(number="1.1"), status=ItemStatus.DONE)
    output = run("remind", "--on", "2024-06-25", "--days", "7", "--base-url", "https://m.example")
    assert "Записано уведомлений: 3" in output
    assert deliver() == 3
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {"operator@test.local", "head@test.local", "school@test.local"}
    operator = by_person["operator@test.local"]
    assert operator.subject == "Маршрут: просрочено 1, срок скоро 1"
    assert "Семинар для координаторов" in operator.body and "Совещание по итогам" in operator.body
    assert f"https://m.example/plans/items/{regional.items.get(number='1.1').pk}/" in operator.body
    head = by_person["head@test.local"]
    assert head.subject == "Маршрут: просрочено 0, срок скоро 1"  # 1.1 was reported done


def test_remind_dry_run_sends_nothing(world: World) -> None:
    make_plan(world, Level.REGION)
    output = run("remind", "--on", "2024-06-25", "--dry-run")
    assert "operator@test.local: просрочено 1, срок скоро 1" in output
    assert mail.outbox == []


def test_nobody_is_reminded_when_nothing_is_due(world: World) -> None:
    plan = make_plan(world, Level.REGION)
    for item in plan.items.all():
        do_report_progress(None, item, status=ItemStatus.DONE, on=dt.date(2024, 1, 5))
    assert "Записано уведомлений: 0" in run("remind", "--on", "2024-06-25")
