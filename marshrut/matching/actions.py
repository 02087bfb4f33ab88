"""Writes of matching: a plan of project sessions, an accepted partner assignment, a what-if plan
turned into a draft regional roadmap; each atomic and written to the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record
from marshrut.diagnostics.models import Campaign
from marshrut.kernels import whatif
from marshrut.kernels.criteria import MODEL_DIRECTIONS, Catalogue
from marshrut.lib.plural import plural
from marshrut.matching.models import (
    AssignmentPair,
    AssignmentRun,
    ProjectSession,
    ProjectSessionMember,
    ProjectSessionPlan,
)
from marshrut.matching.queries import AssignmentOutcome
from marshrut.orgs.models import Municipality
from marshrut.plans.actions import do_create_plan
from marshrut.plans.importing import dictionary_for, reparse_row
from marshrut.plans.models import DIRECTION_CHOICES, Level, Measure, measures_by_indicator
from marshrut.plans.models import Plan as PlanModel


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


# Partner assignment ------------------------------------------------------------------------------


@transaction.atomic
def do_accept_assignment(
    actor: Any,
    campaign: Campaign,
    outcome: AssignmentOutcome,
    *,
    starts_on: dt.date,
    source: str = Source.WEB,
) -> AssignmentRun:
    """Save an assignment the operator accepted: its parameters, both coverages, its pairs.

    From ``starts_on`` on, each pair is a partnership the effectiveness of mechanisms counts
    (:func:`marshrut.matching.queries.partnership_treatments`).
    """
    if not outcome.best.pairs:
        raise ValidationError(_("В распределении нет ни одной пары: сохранять нечего."))
    run = AssignmentRun.objects.create(
        campaign=campaign,
        capacity=outcome.capacity,
        near_penalty=outcome.costs.near,
        far_penalty=outcome.costs.far,
        max_ring=outcome.costs.max_ring,
        needs=outcome.best.needs,
        covered=outcome.best.covered,
        greedy_covered=outcome.greedy.covered,
        starts_on=starts_on,
        accepted_by=actor if getattr(actor, "pk", None) else None,
    )
    AssignmentPair.objects.bulk_create(
        AssignmentPair(
            run=run,
            school_id=p.need.school,
            direction=p.need.direction,
            partner_id=p.partner,
            ring=p.ring,
        )
        for p in outcome.best.pairs
    )
    record(
        actor,
        Action.CREATE,
        run,
        changes={
            "capacity": [None, run.capacity],
            "pairs": [None, len(outcome.best.pairs)],
            "coverage": [None, round(run.coverage, 3)],
            "greedy_coverage": [None, round(run.greedy_coverage, 3)],
            "starts_on": [None, starts_on.isoformat()],
        },
        source=source,
        region_id=campaign.region_id,
    )
    return run


# What-if planner: the accepted plan as a draft regional roadmap ----------------------------------

WHATIF_RESPONSIBLE = "МОУО, ОО"


def whatif_roadmap_rows(
    plan: whatif.Plan,
    catalogue: Catalogue,
    measures: Mapping[str, Sequence[Measure]],
    year: int,
) -> list[dict[str, Any]]:
    """Draft rows: a section per direction, an item per indicator of the chosen schools' paths,
    worded from the measures library (or from the indicator itself), with its schools named."""
    schools_of: dict[str, list[str]] = {}
    for school in plan.chosen:
        for code in school.steps or ():
            schools_of.setdefault(code, []).append(school.name)
    names = dict(DIRECTION_CHOICES)
    order = {code: n for n, (code, _name, _kind) in enumerate(MODEL_DIRECTIONS)}
    position = {code: n for n, code in enumerate(catalogue.indicators)}
    by_direction: dict[str, list[str]] = {}
    for code in sorted(schools_of, key=lambda c: (position.get(c, len(position)), c)):
        indicator = catalogue.indicators.get(code)
        by_direction.setdefault(indicator.direction if indicator else "", []).append(code)
    rows: list[dict[str, Any]] = []
    directions = sorted(by_direction, key=lambda c: (order.get(c, len(order)), c))
    for n, direction in enumerate(directions, start=1):
        for k, code in enumerate(by_direction[direction], start=1):
            indicator = catalogue.indicators.get(code)
            text = indicator.text if indicator else code
            found = list(measures.get(code, ()))
            schools = schools_of[code]
            title = (
                "; ".join(m.title.strip().rstrip(".;") for m in found)
                if found
                else f"Устранить дефицит: {text}"
            )
            rows.append(
                {
                    "section_number": str(n),
                    "section_title": names.get(direction, direction) or "Прочие показатели",
                    "number": f"{n}.{k}",
                    "title": f"{title} (ОО: {', '.join(schools)})",
                    "deadline_texts": [f"до 30.11.{year}"],
                    "responsible_text": ", ".join(
                        dict.fromkeys(m.responsible for m in found if m.responsible)
                    )
                    or WHATIF_RESPONSIBLE,
                    "expected_result": (
                        f"Показатель «{text}» выполнен в полном объёме в "
                        f"{plural(len(schools), 'школе', 'школах', 'школах')}: {', '.join(schools)}"
                    ),
                    "indicator": f"{code}. {text}",
                    "indicator_code": code,
                    "directions": [direction] if direction else [],
                    "measures": [m.pk for m in found],
                }
            )
    return rows


@transaction.atomic
def do_draft_whatif_roadmap(
    actor: Any, campaign: Campaign, plan: whatif.Plan, *, source: str = Source.WEB
) -> PlanModel:
    """A DRAFT regional roadmap for the year after the campaign from an accepted what-if plan."""
    if not plan.chosen:
        raise ValidationError(
            _("В плане нет ни одной школы: составлять дорожную карту не из чего.")
        )
    region = campaign.region
    year = campaign.year + 1
    codes = {code for s in plan.chosen for code in s.steps or ()}
    rows = whatif_roadmap_rows(
        plan, campaign.criteria.catalogue, measures_by_indicator(region.pk, codes), year
    )
    orgs = dictionary_for(region)
    parsed = [reparse_row(row, year=year, labels=["Сроки"], orgs=orgs, mappings={}) for row in rows]
    roadmap = do_create_plan(
        actor,
        level=Level.REGION,
        year=year,
        title=(
            f"Проект региональной дорожной карты: повышение уровня "
            f"{plural(len(plan.chosen), 'школы', 'школ', 'школ')} ({year} год)"
        ),
        rows=parsed,
        region=region,
        status=PlanModel.Status.DRAFT,
        source=source,
    )
    record(
        actor,
        Action.CREATE,
        roadmap,
        source=source,
        message=f"составлена планировщиком «что если» по кампании «{campaign}»: "
        f"школ {len(plan.chosen)}, мер {plan.measures}, мероприятий {len(rows)}",
    )
    return roadmap
