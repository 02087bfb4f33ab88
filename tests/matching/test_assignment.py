"""Partner assignment: the region's data, the page, accepting, the treatments, the CLI.

The world (tests/matching/conftest.py): s1 (m1) is below basic with deficits in ZN.01, KL.01 and
PF.01 — three directions; s3 (m1) is basic, not strong anywhere; s2 (m2, a neighbour of m1) is
high; s4 and s5 (m3, far away) are high and medium. So s1 has three needs, and s2, s4, s5 are the
candidates (s4 is short in ZN.01 but strong in its direction, which is what assignment asks).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from marshrut.audit.models import AuditEvent
from marshrut.kernels.assignment import Costs
from marshrut.matching.actions import do_accept_assignment
from marshrut.matching.models import AssignmentPair, AssignmentRun
from marshrut.matching.queries import assignment_data, partnership_treatments, run_assignment
from tests.matching.conftest import Scored

ZN, KL, PF = "znanie", "klimat", "proforientatsiya"


def _url(scored: Scored) -> str:
    return reverse("matching:assignment", args=[scored.campaign.pk])


def test_needs_are_the_risk_zone_deficit_directions(scored: Scored) -> None:
    data = assignment_data(scored.campaign)
    w = scored.world
    assert data.risk == [w.s1.pk]
    assert {(n.school, n.direction) for n in data.needs} == {
        (w.s1.pk, ZN),
        (w.s1.pk, KL),
        (w.s1.pk, PF),
    }
    assert {c.school for c in data.candidates} == {w.s2.pk, scored.s4.pk, scored.s5.pk}
    assert w.s1.pk not in {c.school for c in data.candidates}


def test_the_nearest_partner_takes_all_when_room_allows(scored: Scored) -> None:
    outcome = run_assignment(scored.campaign, capacity=5)
    assert outcome.best.coverage == 1.0
    assert {p.partner for p in outcome.best.pairs} == {scored.world.s2.pk}
    assert {p.ring for p in outcome.best.pairs} == {1}  # m2 borders m1


def test_capacity_one_spreads_the_directions_over_three_partners(scored: Scored) -> None:
    outcome = run_assignment(scored.campaign, capacity=1)
    assert outcome.best.covered == 3
    assert {p.partner for p in outcome.best.pairs} == {
        scored.world.s2.pk,
        scored.s4.pk,
        scored.s5.pk,
    }
    assert outcome.best.coverage >= outcome.greedy.coverage


def test_own_municipality_only_leaves_the_needs_open(scored: Scored) -> None:
    outcome = run_assignment(scored.campaign, costs=Costs(max_ring=0))
    assert outcome.best.covered == 0
    assert len(outcome.uncovered()) == 3


def test_operator_sees_coverage_against_greedy(
    scored: Scored, django_assert_max_num_queries: object
) -> None:
    client = scored.world.client("operator")
    with django_assert_max_num_queries(30):  # type: ignore[operator]
        response = client.get(_url(scored), {"capacity": 1})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="coverage">100 %' in html
    assert 'data-testid="greedy-coverage">100 %' in html
    assert "СОШ № 5 Дальнего района" in html  # capacity 1: the far ones too
    assert html.count('data-testid="pair"') == 3


def test_bad_parameters_show_an_error_and_the_defaults(scored: Scored) -> None:
    response = scored.world.client("operator").get(_url(scored), {"capacity": 0})
    assert response.status_code == 200
    assert "больше либо равно 1" in response.content.decode()


def test_coordinator_cannot_run_the_assignment(scored: Scored) -> None:
    assert scored.world.client("coordinator").get(_url(scored)).status_code == 403


def test_export_lists_every_need_with_its_partner(scored: Scored) -> None:
    response = scored.world.client("operator").get(_url(scored), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[1] == "МАОУ СОШ № 1"]
    assert len(rows) == 3
    assert {r[3] for r in rows} == {"МАОУ «Вторая ООШ»"}
    assert {r[5] for r in rows} == {"соседний муниципалитет"}


def test_accept_saves_the_partnerships_with_a_start_date(scored: Scored) -> None:
    client = scored.world.client("operator")
    response = client.post(
        _url(scored),
        {"capacity": 1, "near": 1, "far": 3, "max_ring": 2, "starts_on": "2025-09-01"},
    )
    run = AssignmentRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:assignment_detail", args=[run.pk])
    assert (run.capacity, run.needs, run.covered, run.greedy_covered) == (1, 3, 3, 3)
    assert run.starts_on == dt.date(2025, 9, 1)
    assert run.pairs.count() == 3
    assert AuditEvent.objects.filter(target_type__endswith="assignmentrun").exists()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "01.09.2025" in detail.content.decode()
    assert detail.content.decode().count('data-testid="pair"') == 3


def test_accepting_nothing_is_refused(scored: Scored) -> None:
    outcome = run_assignment(scored.campaign, costs=Costs(max_ring=0))
    with pytest.raises(ValidationError, match="ни одной пары"):
        do_accept_assignment(None, scored.campaign, outcome, starts_on=dt.date(2025, 9, 1))
    assert not AssignmentRun.objects.exists()


def test_a_school_is_never_its_own_partner_in_the_database(scored: Scored) -> None:
    run = do_accept_assignment(
        None, scored.campaign, run_assignment(scored.campaign), starts_on=dt.date(2025, 9, 1)
    )
    s1 = scored.world.s1
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentPair.objects.create(run=run, school=s1, direction="sreda", partner=s1, ring=0)


def test_partnership_treatments_take_the_earliest_start(scored: Scored) -> None:
    region = scored.world.region
    assert partnership_treatments(region) == []
    do_accept_assignment(
        None, scored.campaign, run_assignment(scored.campaign), starts_on=dt.date(2025, 10, 1)
    )
    do_accept_assignment(
        None,
        scored.campaign,
        run_assignment(scored.campaign, capacity=1),
        starts_on=dt.date(2025, 9, 1),
    )
    s1 = scored.world.s1.pk
    assert partnership_treatments(region) == sorted(
        [
            (s1, f"direction:{KL}", dt.date(2025, 9, 1)),
            (s1, f"direction:{PF}", dt.date(2025, 9, 1)),
            (s1, f"direction:{ZN}", dt.date(2025, 9, 1)),
        ]
    )


def test_cli_prints_coverage_and_greedy_coverage(
    scored: Scored, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command(
        "matching",
        "assign",
        "--campaign",
        str(scored.campaign.pk),
        "--capacity",
        "1",
        "--format",
        "json",
    )
    body = json.loads(capsys.readouterr().out)
    assert body["coverage"] == 1.0
    assert body["greedy_coverage"] == 1.0
    assert {p["partner_name"] for p in body["pairs"]} == {
        "МАОУ «Вторая ООШ»",
        "СОШ № 4 Дальнего района",
        "СОШ № 5 Дальнего района",
    }
    assert all(p["school"] != p["partner"] for p in body["pairs"])


def test_cli_text_summary_in_russian(scored: Scored, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("matching", "assign", "--campaign", str(scored.campaign.pk), "--max-ring", "0")
    out = capsys.readouterr().out
    assert "закрыто 0 (0\u00a0%), жадным выбором 0 (0\u00a0%)" in out


def test_demo_accepts_an_assignment_once(scored: Scored) -> None:
    from marshrut.matching.demo import DEMO_CAPACITY, build_demo

    out = io.StringIO()
    build_demo(scored.world.region, out)
    build_demo(scored.world.region, out)
    run = AssignmentRun.objects.get()
    assert (run.campaign, run.capacity, run.covered) == (scored.campaign, DEMO_CAPACITY, 3)
    assert "уже принято" in out.getvalue()
    assert len(partnership_treatments(scored.world.region)) == 3
