"""Writes on visits: a curator or mentor plans a visit to an assigned school and reports on it.

Only the person assigned to the school as its curator or mentor plans a visit there (holding
``SHNOR_VISIT`` over the whole region, as the operator does, is not enough: a visit is somebody's
own work), and only the visitor reports on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, diff, record, snapshot, user_or_none
from marshrut.lib.concurrency import claim
from marshrut.orgs.models import Membership, Person, School
from marshrut.support.models.visits import Visit, VisitFile


def visitor_role(user: Any, school: School) -> tuple[Person, str] | None:
    """The user's person and role if they are the school's assigned curator or mentor."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = (
        Membership.objects.active()
        .filter(
            person__user=user,
            person__is_active=True,
            role__in=[r.value for r in Visit.VISITOR_ROLES],
            schools=school,
        )
        .select_related("person")
        .order_by("role")
        .first()
    )
    return (membership.person, membership.role) if membership else None


def assigned_schools(user: Any) -> Any:
    """The schools the user visits as a curator or mentor."""
    return School.objects.filter(
        assigned_memberships__in=Membership.objects.active().filter(
            person__user=user, role__in=[r.value for r in Visit.VISITOR_ROLES]
        )
    ).distinct()


@transaction.atomic
def do_plan_visit(
    actor: Any,
    school: School,
    *,
    planned_on: dt.date,
    purpose: str,
    source: str = Source.WEB,
) -> Visit:
    found = visitor_role(actor, school)
    if found is None:
        raise PermissionDenied
    person, role = found
    if not purpose.strip():
        raise ValidationError(_("Укажите цель посещения."))
    visit = Visit(
        school=school,
        visitor=person,
        visitor_role=role,
        planned_on=planned_on,
        purpose=purpose.strip(),
        created_by=user_or_none(actor),
    )
    visit.full_clean()
    visit.save()
    record(
        actor,
        Action.CREATE,
        visit,
        changes={k: [None, v] for k, v in snapshot(visit).items()},
        source=source,
        region_id=school.municipality.region_id,
    )
    return visit


@transaction.atomic
def do_report_visit(
    actor: Any,
    visit: Visit,
    *,
    version: int | None,
    visited_on: dt.date,
    participants: str,
    findings: str,
    recommendations: str = "",
    next_steps: str = "",
    files: Iterable[Any] = (),
    source: str = Source.WEB,
) -> Visit:
    """The visitor's report; ``StaleEdit`` if the visit changed since the form was opened."""
    user = user_or_none(actor)
    if user is None or visit.visitor.user_id != user.pk:
        raise PermissionDenied
    if visit.status == Visit.Status.CANCELLED:
        raise ValidationError(_("Посещение отменено: отчёт по нему не принимается."))
    if not findings.strip():
        raise ValidationError(_("Напишите, что выявлено при посещении."))
    before = snapshot(visit)
    visit.status = Visit.Status.REPORTED
    visit.visited_on = visited_on
    visit.participants = participants.strip()
    visit.findings = findings.strip()
    visit.recommendations = recommendations.strip()
    visit.next_steps = next_steps.strip()
    visit.reported_at = visit.reported_at or timezone.now()
    visit.full_clean()
    claim(visit, version)
    visit.save()
    for upload in files:
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        stored = VisitFile(
            visit=visit,
            filename=(upload.name or "file")[:255],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        stored.file.save(stored.filename, upload, save=False)
        stored.save()
    record(
        actor,
        Action.UPDATE,
        visit,
        changes=diff(before, snapshot(visit)),
        source=source,
        region_id=visit.school.municipality.region_id,
    )
    return visit


@transaction.atomic
def do_cancel_visit(actor: Any, visit: Visit, *, source: str = Source.WEB) -> Visit:
    user = user_or_none(actor)
    if user is None or visit.visitor.user_id != user.pk:
        raise PermissionDenied
    if visit.status != Visit.Status.PLANNED:
        raise ValidationError(_("Отменить можно только запланированное посещение."))
    before = snapshot(visit)
    visit.status = Visit.Status.CANCELLED
    claim(visit, None)
    visit.save()
    record(
        actor,
        Action.UPDATE,
        visit,
        changes=diff(before, snapshot(visit)),
        source=source,
        region_id=visit.school.municipality.region_id,
    )
    return visit
