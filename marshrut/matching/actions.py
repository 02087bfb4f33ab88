"""Writes of matching: saving a plan of project sessions, atomically and to the audit log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record
from marshrut.diagnostics.models import Campaign
from marshrut.matching.models import ProjectSession, ProjectSessionMember, ProjectSessionPlan
from marshrut.orgs.models import Municipality


@transaction.atomic
def do_save_session_plan(
    actor: Any,
    campaign: Campaign,
    *,
    title: str,
    assignment: Mapping[int, int],
    shared: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
    titles: Mapping[int, str] | None = None,
    source: str = Source.WEB,
) -> ProjectSessionPlan:
    """Save a plan: ``assignment`` maps each municipality id to its session number (1…N).

    Every active municipality of the campaign's region must be in exactly one session, and the
    session numbers must run 1…N without gaps; otherwise nothing is saved.
    """
    title = title.strip()
    if not title:
        raise ValidationError(_("Укажите название плана."))
    if ProjectSessionPlan.objects.filter(campaign=campaign, title=title).exists():
        raise ValidationError(_("План с таким названием уже есть у этой кампании."))
    region_ids = set(
        Municipality.objects.filter(region_id=campaign.region_id, is_active=True).values_list(
            "pk", flat=True
        )
    )
    given = set(assignment)
    if given != region_ids:
        raise ValidationError(_("Каждый муниципалитет региона должен войти ровно в одну сессию."))
    numbers = sorted(set(assignment.values()))
    if not numbers or numbers != list(range(1, len(numbers) + 1)):
        raise ValidationError(_("Номера сессий должны идти подряд с 1, без пустых сессий."))
    plan = ProjectSessionPlan.objects.create(
        campaign=campaign, title=title, created_by=actor if getattr(actor, "pk", None) else None
    )
    sessions = ProjectSession.objects.bulk_create(
        ProjectSession(
            plan=plan,
            number=n,
            title=(titles or {}).get(n, "") or f"Проектная сессия {n}",
            shared=list((shared or {}).get(n, [])),
        )
        for n in numbers
    )
    by_number = {s.number: s for s in sessions}
    ProjectSessionMember.objects.bulk_create(
        ProjectSessionMember(plan=plan, session=by_number[n], municipality_id=m)
        for m, n in sorted(assignment.items())
    )
    record(
        actor,
        Action.CREATE,
        plan,
        changes={
            "title": [None, title],
            "sessions": [
                None,
                {str(n): sorted(m for m, k in assignment.items() if k == n) for n in numbers},
            ],
        },
        source=source,
        region_id=campaign.region_id,
    )
    return plan


@transaction.atomic
def do_delete_session_plan(
    actor: Any, plan: ProjectSessionPlan, *, source: str = Source.WEB
) -> None:
    record(
        actor,
        Action.DELETE,
        plan,
        changes={"title": [plan.title, None]},
        source=source,
        region_id=plan.campaign.region_id,
    )
    plan.delete()
