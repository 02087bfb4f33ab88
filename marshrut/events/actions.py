"""Writes to events and reports: each one atomic and each one written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from marshrut.audit.log import Action, Source, record, save_with_audit, snapshot
from marshrut.events.importing import merge_counts
from marshrut.events.models import Event, ParticipantCount, Participation, PeriodReport
from marshrut.kernels.participants import parse_participants
from marshrut.lib.concurrency import claim
from marshrut.orgs.models import Person, School


def _rebuild_counts(event: Event) -> None:
    parsed = parse_participants(event.participants_text)
    event.counts.all().delete()
    ParticipantCount.objects.bulk_create(
        ParticipantCount(event=event, category=c.category, unit=c.unit, number=c.number)
        for c in merge_counts(parsed.counts)
    )
    if event.participants_total != parsed.total:
        event.participants_total = parsed.total
        event.save(update_fields=["participants_total"])


@transaction.atomic
def do_save_event(
    actor: Any,
    event: Event,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> Event:
    """Save an event; counts by category follow the participants text whenever it changes."""
    if event.pk is None and event.created_by_id is None and getattr(actor, "pk", None):
        event.created_by = actor
    claim(event, version)
    save_with_audit(actor, event, before=before, source=source)
    if before is None or before.get("participants_text") != event.participants_text:
        _rebuild_counts(event)
    return event


@transaction.atomic
def do_delete_event(actor: Any, event: Event, *, source: str = Source.WEB) -> None:
    record(actor, Action.DELETE, event, changes={"title": [event.title, None]}, source=source)
    event.delete()


@transaction.atomic
def do_add_participants(
    actor: Any,
    event: Event,
    *,
    people: Iterable[Person] = (),
    schools: Iterable[School] = (),
    role: str = "",
    source: str = Source.WEB,
) -> int:
    """Add named people and schools of the registry; those already there are skipped."""
    have_people = set(event.participations.exclude(person=None).values_list("person_id", flat=True))
    have_schools = set(event.participations.filter(person=None).values_list("school_id", flat=True))
    rows = [
        Participation(event=event, person=p, school_id=p.school_id, role=role)
        for p in people
        if p.pk not in have_people
    ]
    rows += [
        Participation(event=event, school=s, role=role) for s in schools if s.pk not in have_schools
    ]
    Participation.objects.bulk_create(rows)
    if rows:
        record(
            actor,
            Action.UPDATE,
            event,
            changes={"participants": [None, [str(r) for r in rows][:50]]},
            source=source,
            message=f"добавлено участников: {len(rows)}",
        )
    return len(rows)


@transaction.atomic
def do_set_attendance(
    actor: Any, participation: Participation, attended: bool, *, source: str = Source.WEB
) -> Participation:
    before = snapshot(participation)
    participation.attended = attended
    save_with_audit(actor, participation, before=before, source=source)
    return participation


@transaction.atomic
def do_remove_participation(
    actor: Any, participation: Participation, *, source: str = Source.WEB
) -> None:
    record(
        actor,
        Action.DELETE,
        participation,
        changes={"participant": [str(participation), None]},
        source=source,
        region_id=participation.event.region_id,
    )
    participation.delete()


@transaction.atomic
def do_save_report(
    actor: Any,
    report: PeriodReport,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> PeriodReport:
    # Checked before the stamp below, which would make every save look like a change.
    claim(report, version)
    if getattr(actor, "is_authenticated", False):
        report.updated_by = actor
    from django.utils import timezone

    report.updated_at = timezone.now()
    save_with_audit(actor, report, before=before, source=source)
    return report
