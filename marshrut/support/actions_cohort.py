"""Writes to the cohort and the management team, each atomic and written to the audit log.

``School.is_shnor`` is the registry's mark «in the ШНОР programme now»; these actions keep it in
step with the participations: a school is marked when its latest participation has no exit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from marshrut.audit.log import Action, Source, record, user_or_none
from marshrut.lib.concurrency import claim
from marshrut.orgs.access import forget
from marshrut.orgs.models import Membership, Region, School
from marshrut.support.models import Participation
from marshrut.support.models.assessments import Appointment, CandidateTest, SelectionRule


def sync_is_shnor(school_ids: Iterable[int]) -> None:
    """Mark the schools whose latest participation has no exit; unmark the others."""
    ids = set(school_ids)
    if not ids:
        return
    latest: dict[int, bool] = {}
    for school_id, left_on in (
        Participation.objects.filter(school_id__in=ids)
        .order_by("school_id", "-year")
        .values_list("school_id", "left_on")
    ):
        latest.setdefault(school_id, left_on is None)
    current = {pk for pk, in_programme in latest.items() if in_programme}
    School.objects.filter(pk__in=current, is_shnor=False).update(is_shnor=True)
    School.objects.filter(pk__in=ids - current, is_shnor=True).update(is_shnor=False)


@transaction.atomic
def do_enter(
    actor: Any,
    schools: Iterable[School],
    year: int,
    *,
    source: str,
    entered_on: dt.date,
    reasons: dict[int, str] | str = "",
    audit_source: str = Source.WEB,
) -> list[Participation]:
    """Put schools into the cohort of a year; those already in it are left as they are."""
    schools = list(schools)
    have = set(
        Participation.objects.filter(school__in=schools, year=year).values_list(
            "school_id", flat=True
        )
    )
    user = user_or_none(actor)
    created = [
        Participation(
            school=school,
            year=year,
            source=source,
            entered_on=entered_on,
            entry_reason=(reasons.get(school.pk, "") if isinstance(reasons, dict) else reasons),
            created_by=user,
        )
        for school in schools
        if school.pk not in have
    ]
    Participation.objects.bulk_create(created)
    sync_is_shnor(p.school_id for p in created)
    for p in created:
        record(
            actor,
            Action.CREATE,
            p,
            source=audit_source,
            message=f"школа включена в когорту ШНОР {year}: {p.get_source_display()}",
        )
    return created


@transaction.atomic
def do_update_participation(
    actor: Any, participation: Participation, version: int | None, changes: dict[str, Any]
) -> Participation:
    """Change entry or exit (date, reason) of a participation; ``StaleEdit`` if it moved on."""
    before = {name: getattr(participation, name) for name in changes}
    for name, value in changes.items():
        setattr(participation, name, value)
    participation.full_clean(exclude=["created_by"])
    claim(participation, version)
    participation.save()
    sync_is_shnor([participation.school_id])
    diff: dict[str, list[Any]] = {
        name: [str(before[name]), str(value)]
        for name, value in changes.items()
        if before[name] != value
    }
    diff["version"] = [participation.version - 1, participation.version]
    record(actor, Action.UPDATE, participation, changes=diff)
    return participation


@transaction.atomic
def do_set_rule(
    actor: Any, region: Region, version: int | None, threshold: Decimal, assessments: list[str]
) -> SelectionRule:
    rule = SelectionRule.of(region)
    old = (rule.threshold, list(rule.assessments))
    rule.threshold, rule.assessments = threshold, list(assessments)
    rule.updated_by = user_or_none(actor)
    rule.full_clean(exclude=["updated_by"])
    if rule.pk:
        claim(rule, version)
    rule.save()
    record(
        actor,
        Action.UPDATE,
        rule,
        region_id=region.pk,
        changes={
            "threshold": [str(old[0]), str(threshold)],
            "assessments": [old[1], list(assessments)],
            "version": [rule.version - 1, rule.version],
        },
    )
    return rule


@transaction.atomic
def do_assign(actor: Any, membership: Membership, school: School, *, assign: bool) -> None:
    """Assign a school to a curator or mentor, or take it away."""
    if assign:
        membership.schools.add(school)
    else:
        membership.schools.remove(school)
    if actor is not None:
        forget(actor)
    record(
        actor,
        Action.GRANT if assign else Action.REVOKE,
        membership,
        region_id=school.municipality.region_id,
        message=f"{'закреплена' if assign else 'откреплена'} школа {school.short_name}",
    )


@transaction.atomic
def do_record_order(
    actor: Any, membership: Membership, order_number: str, order_date: dt.date
) -> Appointment:
    appointment, _created = Appointment.objects.update_or_create(
        membership=membership,
        defaults={
            "order_number": order_number,
            "order_date": order_date,
            "recorded_by": user_or_none(actor),
        },
    )
    record(
        actor,
        Action.UPDATE,
        membership,
        message=f"приказ о назначении № {order_number} от {order_date:%d.%m.%Y}",
    )
    return appointment


@transaction.atomic
def do_record_test(
    actor: Any,
    person: Any,
    role: str,
    year: int,
    score: int,
    max_score: int,
    tested_on: dt.date,
) -> CandidateTest:
    test, _created = CandidateTest.objects.update_or_create(
        person=person,
        role=role,
        year=year,
        defaults={
            "score": score,
            "max_score": max_score,
            "tested_on": tested_on,
            "recorded_by": user_or_none(actor),
        },
    )
    test.full_clean(exclude=["recorded_by"])
    record(actor, Action.UPDATE, person, message=f"тестирование кандидата: {score} из {max_score}")
    return test
