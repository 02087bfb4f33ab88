"""Every matching page refuses those who may not see it: 404 outside the scope, 403 without the right."""

from __future__ import annotations

from django.urls import reverse

from marshrut.matching.actions import do_save_session_plan
from marshrut.matching.models import ProjectSessionPlan
from tests.matching.conftest import Scored


def _plan(scored: Scored) -> ProjectSessionPlan:
    w = scored.world
    return do_save_session_plan(
        None, scored.campaign, title="A", assignment={w.m1.pk: 1, w.m2.pk: 1, scored.m3.pk: 2}
    )


def test_anonymous_is_sent_to_log_in(scored: Scored) -> None:
    client = scored.world.client(None)
    for url in (
        reverse("matching:index"),
        reverse("matching:partners", args=[scored.sub("s1").pk]),
        reverse("matching:grouping", args=[scored.campaign.pk]),
        reverse("matching:plan_list"),
    ):
        assert client.get(url).status_code == 302


def test_the_head_cannot_open_partners_of_another_school(scored: Scored) -> None:
    client = scored.world.client("head")
    assert client.get(reverse("matching:partners", args=[scored.sub("s3").pk])).status_code == 404
    assert client.get(reverse("matching:partners", args=[scored.sub("s1").pk])).status_code == 200


def test_the_coordinator_cannot_open_partners_in_another_municipality(scored: Scored) -> None:
    client = scored.world.client("coordinator")
    assert client.get(reverse("matching:partners", args=[scored.sub("s2").pk])).status_code == 404


def test_an_outsider_sees_nothing(scored: Scored) -> None:
    client = scored.world.client("outsider")
    assert client.get(reverse("matching:index")).status_code == 403
    assert client.get(reverse("matching:partners", args=[scored.sub("s1").pk])).status_code == 404
    assert client.get(reverse("matching:grouping", args=[scored.campaign.pk])).status_code == 404
    assert client.get(reverse("matching:plan_list")).status_code == 403
    assert client.get(reverse("matching:plan_detail", args=[_plan(scored).pk])).status_code == 404


def test_only_the_operator_groups_municipalities(scored: Scored) -> None:
    url = reverse("matching:grouping", args=[scored.campaign.pk])
    for persona in ("department", "methodologist", "coordinator", "head", "curator"):
        assert scored.world.client(persona).get(url).status_code == 403, persona
    assert scored.world.client("operator").get(url).status_code == 200


def test_the_department_reads_plans_but_cannot_delete_them(scored: Scored) -> None:
    plan = _plan(scored)
    client = scored.world.client("department")
    assert client.get(reverse("matching:plan_detail", args=[plan.pk])).status_code == 200
    assert client.post(reverse("matching:plan_delete", args=[plan.pk])).status_code == 403
    assert ProjectSessionPlan.objects.filter(pk=plan.pk).exists()


def test_people_of_one_municipality_or_school_do_not_see_regional_plans(scored: Scored) -> None:
    plan = _plan(scored)
    for persona in ("coordinator", "head", "school", "curator", "mentor"):
        client = scored.world.client(persona)
        assert client.get(reverse("matching:plan_list")).status_code == 403, persona
        assert client.get(reverse("matching:plan_detail", args=[plan.pk])).status_code == 404
