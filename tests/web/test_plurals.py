"""Numbers agree with their nouns where people read them: pages, messages, documents, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.contrib.messages import get_messages
from django.urls import reverse

from marshrut.diagnostics import actions as diagnostics_actions
from marshrut.diagnostics.models import Campaign
from marshrut.events.queries import PeriodFigures, default_analysis
from marshrut.lib.plural import plural
from marshrut.plans.models import Plan
from marshrut.web.management.commands.demo import Command as DemoCommand
from tests.conftest import World
from tests.diagnostics.test_flow import campaign, fill  # noqa: F401 (a fixture)
from tests.plans.conftest import regional  # noqa: F401 (fixture)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_figures_agree_with_their_numbers(world: World) -> None:
    # The region's figures are for those who work on the region; a coordinator's home is the
    # work queue («1 муниципалитетов» meant nothing to them).
    page = _text(world.client("coordinator").get(reverse("home")).content.decode())
    assert "Что сделать сейчас" in page and "муниципалитетов" not in page
    operator = _text(world.client("operator").get(reverse("home")).content.decode())
    assert "2 муниципалитета " in operator and "3 школы " in operator


def test_a_list_counts_its_records_in_russian(world: World) -> None:
    page = world.client("coordinator").get(reverse("orgs:school_list")).content.decode()
    assert re.search(r'data-testid="total">2 записи<', page)


def test_handing_an_item_down_reports_the_roadmaps_in_the_accusative(
    world: World,
    regional: Plan,  # noqa: F811
) -> None:
    seminar = regional.items.get(number="1.1")
    response = world.client("operator").post(
        reverse("plans:item_hand_down", args=[seminar.pk]),
        {"municipalities": [world.m1.pk, world.m2.pk]},
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Мероприятие передано в 2 дорожные карты." in texts


def test_the_period_analysis_counts_people_without_a_double_dot() -> None:
    figures = PeriodFigures(
        dt.date(2024, 1, 1),
        dt.date(2024, 6, 30),
        events=3,
        regional=1,
        municipal=2,
        people=23,
        by_category=[("Педагоги", 2), ("Директора", 21)],
    )
    text = default_analysis(figures)
    assert "Участников всего — 23 человека." in text
    assert "Педагоги — 2 человека; Директора — 21 человек." in text
    assert ".." not in text


def test_the_next_level_path_counts_points_with_a_sign(
    world: World,
    campaign: Campaign,  # noqa: F811
) -> None:
    sub = campaign.submissions.get(school=world.s1)
    fill(sub, strength=0.2, seed=1)
    diagnostics_actions.do_submit(None, sub)
    page = _text(
        world.client("head")
        .get(reverse("diagnostics:result", kwargs={"pk": sub.pk}))
        .content.decode()
    )
    gains = re.findall(r"\+(\d+(?:,\d+)?) (балл\w*)", page)
    assert gains and "балл." not in page
    for number, word in gains:
        n = float(number.replace(",", "."))
        assert f"+{number} {word}" == plural(n, "балл", "балла", "баллов", signed=True)


def test_the_demo_report_line_agrees(world: World) -> None:
    out = io.StringIO()
    command: Any = DemoCommand(stdout=out)
    command.report(world.region, {}, {"addr": "127.0.0.1:8000", "no_server": True})
    assert "Тестовая область: 2 муниципалитета, 3 школы " in out.getvalue()
