"""Reminders before a stage's control date: to the schools whose documents are not all in.

The mechanism is the roadmaps' (:mod:`marshrut.plans.reminders`): a command run daily by cron
(``marshrut shnor remind``) collects, then writes one notification per person to the outbox
(:mod:`marshrut.notify`; ``marshrut notify send`` delivers it). «Today» is each region's
own. A reminder goes at each horizon («за 7 дней», «за 1 день») once: the row
:class:`~marshrut.support.models.stages.StageReminder` is written before the notifications, and a
second run the same day — or the next day within the same horizon — finds it and sends nothing.
A returned document counts as not sent: the school has to send it again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from marshrut.lib.plural import plural
from marshrut.notify.actions import Draft, notify
from marshrut.notify.models import Kind
from marshrut.orgs.context import by_region_date
from marshrut.orgs.models import Membership, Person, School
from marshrut.orgs.roles import ROLES, Cap, Node
from marshrut.support.models import Participation
from marshrut.support.models.stages import Stage, StageReminder, StageSubmission, SubmissionStatus

# Who sends a school's documents: the school roles that hold SHNOR_SUBMIT (head, coordinator).
SCHOOL_ROLES = [
    spec.role.value
    for spec in ROLES.values()
    if spec.node == Node.SCHOOL and Cap.SHNOR_SUBMIT in spec.caps
]


@dataclass
class Reminder:
    stage: Stage
    school: School
    on: dt.date
    days_before: int
    missing: list[str]
    recipients: list[Person] = field(default_factory=list)

    @property
    def emails(self) -> list[str]:
        return [p.email for p in self.recipients]

    @property
    def days_left(self) -> int:
        return (self.stage.control_on - self.on).days


def collect(horizons: Sequence[int], on: dt.date | None = None) -> list[Reminder]:
    """The reminders due now: schools with documents missing at a stage within a horizon."""
    longest = max(horizons)

    def window(day: dt.date) -> Q:
        return Q(control_on__gte=day, control_on__lte=day + dt.timedelta(days=longest))

    stages = list(
        Stage.objects.filter(window(on) if on else by_region_date("region", window))
        .select_related("region")
        .prefetch_related("documents")
        .order_by("control_on", "pk")
    )
    if not stages:
        return []
    due: dict[int, tuple[dt.date, int]] = {}
    for stage in stages:
        day = on or stage.region.today()
        left = (stage.control_on - day).days
        due[stage.pk] = (day, min(h for h in horizons if h >= left))
    years = Q(pk__in=[])
    for s in {(s.region_id, s.year) for s in stages}:
        years |= Q(school__municipality__region_id=s[0], year=s[1])
    members = Participation.objects.current().filter(years).select_related("school__municipality")
    schools_of: dict[tuple[int, int], list[School]] = defaultdict(list)
    for p in members:
        schools_of[(p.school.municipality.region_id, p.year)].append(p.school)
    done = {
        (s["document_id"], s["school_id"])
        for s in StageSubmission.objects.filter(
            stage__in=stages, status__in=[SubmissionStatus.SENT, SubmissionStatus.ACCEPTED]
        ).values("document_id", "school_id")
    }
    already = set(
        StageReminder.objects.filter(stage__in=stages).values_list(
            "stage_id", "school_id", "days_before"
        )
    )
    found: list[Reminder] = []
    for stage in stages:
        day, tier = due[stage.pk]
        for school in schools_of[(stage.region_id, stage.year)]:
            if (stage.pk, school.pk, tier) in already:
                continue
            missing = [d.title for d in stage.documents.all() if (d.pk, school.pk) not in done]
            if missing:
                found.append(Reminder(stage, school, day, tier, missing))
    people: dict[int, list[Person]] = defaultdict(list)
    for m in (
        Membership.objects.mailable()
        .filter(role__in=SCHOOL_ROLES, school_id__in={r.school.pk for r in found})
        .select_related("person")
        .order_by("person__last_name", "pk")
    ):
        known = {p.email.lower() for p in people[m.school_id]}  # type: ignore[index]
        if m.person.email.lower() not in known:
            people[m.school_id].append(m.person)  # type: ignore[index]
    for r in found:
        r.recipients = people.get(r.school.pk, [])
    return found


def subject(r: Reminder) -> str:
    when = "сегодня" if r.days_left == 0 else f"через {plural(r.days_left, 'день', 'дня', 'дней')}"
    return (
        f"Маршрут: ШНОР, этап {r.stage.number} — контрольная дата {when}, "
        f"не отправлено {plural(len(r.missing), 'документ', 'документа', 'документов')}"
    )


def send(reminders: list[Reminder], *, base_url: str = "") -> int:
    """Write each school's reminder once: its row is claimed first, then the notifications.

    Returns how many notifications were written.
    """
    base_url = base_url or settings.SITE_URL
    drafts = []
    for r in reminders:
        if not r.recipients:
            continue
        try:
            with transaction.atomic():
                StageReminder.objects.create(
                    stage=r.stage,
                    school=r.school,
                    days_before=r.days_before,
                    sent_on=r.on,
                    recipients=len(r.recipients),
                    missing=len(r.missing),
                )
        except IntegrityError:
            continue  # another run has written it
        path = f"{reverse('support:school_stages', args=[r.school.pk])}?year={r.stage.year}"
        link = f"{base_url.rstrip('/')}{path}"
        for person in r.recipients:
            drafts.append(
                Draft(
                    recipient=person,
                    kind=Kind.STAGE_DUE,
                    subject=subject(r),
                    body=render_to_string(
                        "support/stage_remind_email.txt",
                        {"r": r, "name": person.full_name, "link": link},
                    ),
                    link=path,
                    region=r.stage.region,
                    key=f"stage:{r.stage.pk}:{r.school.pk}:{r.days_before}",
                    on=r.on,
                )
            )
    return len(notify(drafts))
