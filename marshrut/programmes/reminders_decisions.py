"""Reminders of management decisions due soon or overdue, the way roadmap items are reminded.

The owner of a decision is written to (if the registry has their e-mail); a decision without a
reachable owner goes to the school's team (a decision about a school) or to those who keep the
register at its node. Each decision is reminded once per state — once when its date comes near,
once when it is overdue — so running the command again the same day (or every day) sends nothing
twice; editing the due date starts over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from marshrut.notify.actions import Draft, notify
from marshrut.notify.models import Kind
from marshrut.orgs.context import by_region_date
from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import ROLES, Cap, Node
from marshrut.plans.models import Level
from marshrut.plans.reminders import REPORTING_ROLES
from marshrut.programmes.models.decisions import OPEN_STATUSES, Decision

SOON, OVERDUE = "soon", "overdue"


@dataclass
class Reminder:
    """One letter: a person's decisions overdue and due soon (as ``plans.reminders.Reminder``)."""

    person: Person
    overdue: list[Decision] = field(default_factory=list)
    soon: list[Decision] = field(default_factory=list)
    on: dt.date | None = None

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def name(self) -> str:
        return self.person.full_name


_KEEPERS = {
    node: [s.role.value for s in ROLES.values() if s.node == node and Cap.DECISION_MANAGE in s.caps]
    for node in (Node.REGION, Node.MUNICIPALITY)
}


def _kind(decision: Decision, day: dt.date) -> str:
    return OVERDUE if decision.due_on < day else SOON


def _fallback(decisions: list[Decision]) -> dict[int, list[Person]]:
    """Decision id → the people who answer for it when the owner cannot be
    written to: one query."""
    schools = {d.school_id for d in decisions if d.school_id}
    municipalities = {d.municipality_id for d in decisions if d.municipality_id and not d.school_id}
    regions = {d.region_id for d in decisions if not d.municipality_id}
    rows = (
        Membership.objects.mailable()
        .filter(
            Q(role__in=REPORTING_ROLES[Level.SCHOOL], school_id__in=schools)
            | Q(role__in=_KEEPERS[Node.MUNICIPALITY], municipality_id__in=municipalities)
            | Q(role__in=_KEEPERS[Node.REGION], region_id__in=regions)
        )
        .select_related("person")
    )
    by_node: dict[tuple[str, int], list[Person]] = defaultdict(list)
    for m in rows:
        key = (
            ("school", m.school_id)
            if m.school_id
            else ("municipality", m.municipality_id)
            if m.municipality_id
            else ("region", m.region_id)
        )
        by_node[key].append(m.person)  # type: ignore[index]
    out: dict[int, list[Person]] = {}
    for d in decisions:
        key = (
            ("school", d.school_id)
            if d.school_id
            else ("municipality", d.municipality_id)
            if d.municipality_id
            else ("region", d.region_id)
        )
        out[d.pk] = by_node.get(key, [])  # type: ignore[arg-type]
    return out


def collect(on: dt.date | None = None, days: int = 7) -> tuple[list[Reminder], list[Any]]:
    """One reminder per person, and the (decision, kind, day) marks to store once sent."""

    def horizon(day: dt.date) -> Q:
        return Q(due_on__lte=day + dt.timedelta(days=days))

    decisions = list(
        Decision.objects.filter(status__in=OPEN_STATUSES)
        .filter(horizon(on) if on else by_region_date("region", horizon))
        .select_related("region", "municipality", "school", "owner")
        .order_by("due_on", "pk")
    )
    today: dict[int, dt.date] = {}
    pending: list[tuple[Decision, str, dt.date]] = []
    for d in decisions:
        day = on or today.setdefault(d.region_id, d.region.today())
        kind = _kind(d, day)
        if d.reminded_kind == kind or (d.reminded_kind == OVERDUE and kind == SOON):
            continue
        pending.append((d, kind, day))
    fallback = _fallback([d for d, _k, _day in pending if not (d.owner and d.owner.email)])
    reminders: dict[str, Reminder] = {}
    for d, kind, day in pending:
        people = (
            [d.owner]
            if d.owner is not None and d.owner.email and d.owner.is_active
            else fallback.get(d.pk, [])
        )
        for person in people:
            r = reminders.setdefault(person.email.lower(), Reminder(person, on=day))
            (r.overdue if kind == OVERDUE else r.soon).append(d)
    return list(reminders.values()), pending


def _key(r: Reminder) -> str:
    """The event: these decisions in these states with these dates (a new state is a new one)."""
    parts = sorted(
        f"{d.pk}:{d.due_on}:{OVERDUE if d in r.overdue else SOON}" for d in r.overdue + r.soon
    )
    return "decisions:" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]


def send(reminders: list[Reminder], pending: list[Any], *, base_url: str = "") -> int:
    """Write the reminders to the outbox and mark their decisions as reminded of their state."""
    base_url = base_url or settings.SITE_URL
    drafts = []
    for r in reminders:
        context = {"r": r, "on": r.on, "base_url": base_url.rstrip("/")}
        first = (r.overdue or r.soon)[0]
        drafts.append(
            Draft(
                recipient=r.person,
                kind=Kind.DECISIONS_DUE,
                subject=(
                    f"Маршрут: управленческие решения — просрочено {len(r.overdue)}, "
                    f"срок скоро {len(r.soon)}"
                ),
                body=render_to_string("programmes/decision_remind_email.txt", context),
                link=reverse("programmes:decision_list"),
                region=first.region,
                # The decisions and their states: a new state (or a new due date) is a new event.
                key=_key(r),
                on=r.on,
            )
        )
    written = len(notify(drafts))
    for d, kind, day in pending:
        Decision.objects.filter(pk=d.pk).update(reminded_on=day, reminded_kind=kind)
    return written
