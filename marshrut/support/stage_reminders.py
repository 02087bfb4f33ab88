"""Reminders before a stage's control date: to the schools whose documents are not all in.

The mechanism is the roadmaps' (:mod:`marshrut.plans.reminders`): a command run daily by cron
(``marshrut shnor remind``) collects, then sends one e-mail per person. «Today» is each region's
own. A reminder goes at each horizon («за 7 дней», «за 1 день») once: the row
:class:`~marshrut.support.models.stages.StageReminder` is written before the letters, and a
second run the same day — or the next day within the same horizon — finds it and sends nothing.
A returned document counts as not sent: the school has to send it again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from marshrut.lib.plural import plural
from marshrut.orgs.context import by_region_date
from marshrut.orgs.models import Membership, School
from marshrut.orgs.roles import ROLES, Cap, Node
from marshrut.support.models import Participation
from marshrut.support.models.stages import Stage, StageReminder, StageSubmission, SubmissionStatus

logger = logging.getLogger(__name__)

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
    recipients: list[tuple[str, str]] = field(default_factory=list)  # (e-mail, name)

    @property
    def emails(self) -> list[str]:
        return [e for e, _n in self.recipients]

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
    people: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for m in (
        Membership.objects.mailable()
        .filter(role__in=SCHOOL_ROLES, school_id__in={r.school.pk for r in found})
        .select_related("person")
        .order_by("person__last_name", "pk")
    ):
        pair = (m.person.email, m.person.full_name)
        if pair not in people[m.school_id]:  # type: ignore[index]
            people[m.school_id].append(pair)  # type: ignore[index]
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
    """Send each school's reminder once: its row is claimed first, then the letters go."""
    sent = 0
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
            continue  # another run has sent it
        link = (
            f"{base_url.rstrip('/')}{reverse('support:school_stages', args=[r.school.pk])}"
            f"?year={r.stage.year}"
        )
        for email, name in r.recipients:
            body = render_to_string(
                "support/stage_remind_email.txt", {"r": r, "name": name, "link": link}
            )
            try:
                sent += EmailMessage(subject(r), body, settings.DEFAULT_FROM_EMAIL, [email]).send()
            except Exception:
                logger.exception("Напоминание об этапе ШНОР не отправлено: %s", email)
    return sent
