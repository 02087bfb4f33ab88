"""Project sessions: the proposal, the operator's adjustment, saving, the plans and the export."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from marshrut.audit.models import AuditEvent
from marshrut.matching.actions import do_save_session_plan
from marshrut.matching.demo import DEMO_TITLE, build_demo
from marshrut.matching.models import ProjectSession, ProjectSessionMember, ProjectSessionPlan
from marshrut.matching.queries import municipality_profiles
from tests.matching.conftest import Scored


def _grouping(scored: Scored) -> str:
    return reverse("matching:grouping", args=[scored.campaign.pk])


def _members(plan: ProjectSessionPlan) -> dict[int, set[int]]:
    return {
        s.number: set(s.municipalities.values_list("pk", flat=True)) for s in plan.sessions.all()
    }


def test_profiles_count_schools_and_below_basic_per_direction(scored: Scored) -> None:
    data = municipality_profiles(scored.campaign)
    w = scored.world
    assert data.schools == {w.m1.pk: 2, w.m2.pk: 1, scored.m3.pk: 2}
    m1 = data.figures[w.m1.pk]["znanie"]
    assert (m1.schools, m1.below_basic) == (2, 1)
    assert m1.mean_share == pytest.approx(0.4)
    assert data.neighbours[w.m1.pk] == {w.m2.pk}


def test_the_proposal_has_n_groups_and_every_municipality_once(scored: Scored) -> None:
    response = scored.world.client("operator").get(_grouping(scored), {"n": 2})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="group"') == 2
    assert html.count('data-testid="member"') == 3
    assert "Общие дефициты" in html


def test_n_above_the_number_of_municipalities_is_capped(scored: Scored) -> None:
    html = scored.world.client("operator").get(_grouping(scored), {"n": 9}).content.decode()
    assert html.count('data-testid="group"') == 3


def test_the_operator_moves_a_municipality_previews_and_saves(scored: Scored) -> None:
    w = scored.world
    client = w.client("operator")
    everything_in_one = {f"m{m}": "1" for m in (w.m1.pk, w.m2.pk, scored.m3.pk)}
    data = {"n": "2", **everything_in_one, f"m{scored.m3.pk}": "2"}
    preview = client.post(_grouping(scored), {**data, "action": "preview"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'data-testid="adjusted"' in html or html.count('data-testid="group"') == 2
    assert ProjectSessionPlan.objects.count() == 0
    saved = client.post(_grouping(scored), {**data, "title": "Сессии весна", "action": "save"})
    plan = ProjectSessionPlan.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "matching:plan_detail", args=[plan.pk]
    )
    assert plan.title == "Сессии весна" and plan.created_by == w.users["operator"]
    assert _members(plan) == {1: {w.m1.pk, w.m2.pk}, 2: {scored.m3.pk}}
    assert all(s.shared for s in plan.sessions.all())
    assert AuditEvent.objects.filter(target_type="matching.projectsessionplan").exists()
    again = client.post(_grouping(scored), {**data, "title": "Сессии весна", "action": "save"})
    assert again.status_code == 200
    assert "уже есть" in again.content.decode()
    assert ProjectSessionPlan.objects.count() == 1


def test_an_empty_session_is_closed_up_on_saving(scored: Scored) -> None:
    w = scored.world
    data = {"n": "3", f"m{w.m1.pk}": "1", f"m{w.m2.pk}": "3", f"m{scored.m3.pk}": "3"}
    w.client("operator").post(_grouping(scored), {**data, "title": "Две", "action": "save"})
    plan = ProjectSessionPlan.objects.get()
    assert _members(plan) == {1: {w.m1.pk}, 2: {w.m2.pk, scored.m3.pk}}


def test_the_action_refuses_a_municipality_left_out_or_a_gap(scored: Scored) -> None:
    w = scored.world
    with pytest.raises(ValidationError):
        do_save_session_plan(None, scored.campaign, title="A", assignment={w.m1.pk: 1})
    full = {w.m1.pk: 1, w.m2.pk: 1, scored.m3.pk: 3}
    with pytest.raises(ValidationError):
        do_save_session_plan(None, scored.campaign, title="B", assignment=full)
    assert not ProjectSessionPlan.objects.exists()


def test_the_database_keeps_a_municipality_in_one_session_per_plan(scored: Scored) -> None:
    w = scored.world
    plan = do_save_session_plan(
        None, scored.campaign, title="A", assignment={w.m1.pk: 1, w.m2.pk: 2, scored.m3.pk: 2}
    )
    second = ProjectSession.objects.get(plan=plan, number=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectSessionMember.objects.create(plan=plan, session=second, municipality=w.m1)


def test_plans_are_listed_and_exported_to_xlsx(scored: Scored) -> None:
    w = scored.world
    plan = do_save_session_plan(
        w.users["operator"],
        scored.campaign,
        title="План А",
        assignment={w.m1.pk: 1, w.m2.pk: 1, scored.m3.pk: 2},
        shared={1: [{"direction": "znanie", "name": "Знание", "gap": 40, "excess": 5}]},
    )
    client = w.client("department")
    html = client.get(reverse("matching:plan_list")).content.decode()
    assert "План А" in html and "Дальний район" in html
    for url in (reverse("matching:plan_list"), reverse("matching:plan_detail", args=[plan.pk])):
        response = client.get(url, {"export": "xlsx"})
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [r for r in sheet.iter_rows(values_only=True) if any(r)]
        header = rows[1]
        assert header[:5] == ("План", "Кампания", "№ сессии", "Сессия", "Муниципалитет")
        body = rows[2:]
        assert sorted((r[2], r[4]) for r in body) == sorted(
            [(1, w.m1.name), (1, w.m2.name), (2, "Дальний район")]
        )
        assert "Знание (недобрано 40 %" in next(r[5] for r in body if r[2] == 1)


def test_the_operator_deletes_a_plan(scored: Scored) -> None:
    w = scored.world
    plan = do_save_session_plan(
        None, scored.campaign, title="A", assignment={w.m1.pk: 1, w.m2.pk: 1, scored.m3.pk: 1}
    )
    response = w.client("operator").post(reverse("matching:plan_delete", args=[plan.pk]))
    assert response.status_code == 302 and not ProjectSessionPlan.objects.exists()


def test_the_demo_saves_one_plan_for_the_latest_finished_campaign(scored: Scored) -> None:
    out = io.StringIO()
    build_demo(scored.world.region, out)
    build_demo(scored.world.region, out)
    plan = ProjectSessionPlan.objects.get()
    assert plan.title == DEMO_TITLE and plan.campaign == scored.campaign
    assert plan.sessions.count() == 3  # five wanted, three municipalities in the test region
    assert "уже есть" in out.getvalue()


def test_the_demo_without_a_finished_campaign_does_nothing(world: Any) -> None:
    out = io.StringIO()
    build_demo(world.region, out)
    assert not ProjectSessionPlan.objects.exists()
