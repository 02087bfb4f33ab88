"""Reminders of management decisions due soon or overdue, the way roadmap items are reminded.

The owner of a decision is written to (if the registry has their e-mail); a decision without a
reachable owner goes to the school's team (a decision about a school) or to those who keep the
register at its node. Each decision is reminded once per state — once when its date comes near,
once when it is overdue — so running the command again the same day (or every day) sends nothing
twice; editing the due date starts over.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string

from marshrut.orgs.context import by_region_date
from marshrut.orgs.models import Membership
from marshrut.orgs.roles import ROLES, Cap, Node
from marshrut.plans.models import Level
from marshrut.plans.reminders import REPORTING_ROLES
from marshrut.programmes.models.decisions import OPEN_STATUSES, Decision

SOON, OVERDUE = "soon", "overdue"


@dataclass
class Reminder:
    """One letter: a person's decisions overdue and due soon (as ``plans.reminders.Reminder``)."""

    email: str
    name: str
    overdue: list[Decision] = field(default_factory=list)
    soon: list[Decision] = field(default_factory=list)
    on: dt.date | None = None


_KEEPERS = {
    node: [s.role.value for s in ROLES.values() if s.node == node and Cap.DECISION_MANAGE in s.caps]
    for node in (Node.REGION, Node.MUNICIPALITY)
}


def _kind(decision: Decision, day: dt.date) -> str:
    return OVERDUE if decision.due_on < day else SOON


def _fallback(decisions: list[Decision]) -> dict[int, list[tuple[str, str]]]:
    """Decision id → (e-mail, name) of the people who answer for it when the owner cannot be
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
    by_node: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    for m in rows:
        key = (
            ("school", m.school_id)
            if m.school_id
            else ("municipality", m.municipality_id)
            if m.municipality_id
            else ("region", m.region_id)
        )
        by_node[key].append((m.person.email, m.person.full_name))  # type: ignore[index]
    out: dict[int, list[tuple[str, str]]] = {}
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
            [(d.owner.email, d.owner.full_name)]
            if d.owner is not None and d.owner.email and d.owner.is_active
            else fallback.get(d.pk, [])
        )
        for email, name in people:
            r = reminders.setdefault(email.lower(), Reminder(email, name, on=day))
            (r.overdue if kind == OVERDUE else r.soon).append(d)
    return list(reminders.values()), pending


def send(reminders: list[Reminder], pending: list[Any], *, base_url: str = "") -> int:
    """Send the reminders and mark their decisions as reminded of their state."""
    sent = 0
    for r in reminders:
        context = {"r": r, "on": r.on, "base_url": base_url.rstrip("/")}
        subject = (
            f"Маршрут: управленческие решения — просрочено {len(r.overdue)}, "
            f"срок скоро {len(r.soon)}"
        )
        body = render_to_string("programmes/decision_remind_email.txt", context)
        sent += EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [r.email]).send()
    for d, kind, day in pending:
        Decision.objects.filter(pk=d.pk).update(reminded_on=day, reminded_kind=kind)
    return sent
