"""Reminders to the people who report on a plan, about its items due soon and overdue.

``collect`` finds them; ``send`` writes one notification per person and day to the outbox
(:mod:`marshrut.notify`), which ``marshrut notify send`` delivers — so a second run the same day
tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from marshrut.notify.actions import Draft, notify
from marshrut.notify.models import Kind
from marshrut.orgs.context import by_region_date
from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import ROLES, Cap, Node
from marshrut.plans.models import Level, PlanItem

# Who reports on a plan of each level: the roles that hold PLAN_REPORT on that kind of node.
REPORTING_ROLES = {
    level: [
        spec.role.value
        for spec in ROLES.values()
        if spec.node == node and Cap.PLAN_REPORT in spec.caps
    ]
    for level, node in (
        (Level.REGION, Node.REGION),
        (Level.MUNICIPALITY, Node.MUNICIPALITY),
        (Level.SCHOOL, Node.SCHOOL),
    )
}


@dataclass
class Reminder:
    person: Person
    overdue: list[PlanItem] = field(default_factory=list)
    soon: list[PlanItem] = field(default_factory=list)
    # The date the reminder is written for: «today» in the region of the person's plans.
    on: dt.date | None = None

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def name(self) -> str:
        return self.person.full_name


def _node(
    level: str, region_id: int, municipality_id: int | None, school_id: int | None
) -> tuple[str, int]:
    if level == Level.SCHOOL:
        return ("school", school_id or 0)
    if level == Level.MUNICIPALITY:
        return ("municipality", municipality_id or 0)
    return ("region", region_id)


def collect(on: dt.date | None = None, days: int = 7) -> list[Reminder]:
    """One reminder per person with an e-mail, listing the items of their plans to look at.

    Only plans in force are reminded of: a draft's dates are proposals, not deadlines. «Overdue»
    and «soon» are by ``on``, or, without it, by «today» in each plan's region.
    """

    def horizon(day: dt.date) -> Q:
        return Q(next_due_on__lte=day + dt.timedelta(days=days))

    items = (
        PlanItem.objects.open()
        .in_force()
        .filter(horizon(on) if on else by_region_date("plan__region", horizon))
        .filter(next_due_on__isnull=False)
        .select_related("plan__region", "plan__municipality", "plan__school")
        .order_by("next_due_on", "plan_id", "position")
    )
    today: dict[int, dt.date] = {}
    by_node: dict[tuple[str, int], list[PlanItem]] = defaultdict(list)
    for item in items:
        p = item.plan
        by_node[_node(p.level, p.region_id, p.municipality_id, p.school_id)].append(item)
    if not by_node:
        return []
    memberships = (
        Membership.objects.mailable()
        .filter(
            Q(
                role__in=REPORTING_ROLES[Level.REGION],
                region_id__in=[k for n, k in by_node if n == "region"],
            )
            | Q(
                role__in=REPORTING_ROLES[Level.MUNICIPALITY],
                municipality_id__in=[k for n, k in by_node if n == "municipality"],
            )
            | Q(
                role__in=REPORTING_ROLES[Level.SCHOOL],
                school_id__in=[k for n, k in by_node if n == "school"],
            )
        )
        .select_related("person")
    )
    reminders: dict[str, Reminder] = {}
    for m in memberships:
        node = (
            ("school", m.school_id)
            if m.school_id
            else ("municipality", m.municipality_id)
            if m.municipality_id
            else ("region", m.region_id)
        )
        reminder = reminders.setdefault(m.person.email.lower(), Reminder(m.person))
        for item in by_node.get(node, []):  # type: ignore[arg-type]
            region = item.plan.region
            day = on or today.setdefault(region.pk, region.today())
            reminder.on = reminder.on or day
            target = (
                reminder.overdue if item.next_due_on and item.next_due_on < day else reminder.soon
            )
            if item not in target:
                target.append(item)
    return [r for r in reminders.values() if r.overdue or r.soon]


def send(reminders: list[Reminder], *, on: dt.date | None = None, base_url: str = "") -> int:
    """Write the reminders to the outbox; returns how many notifications are new."""
    base_url = base_url or settings.SITE_URL
    drafts = []
    for r in reminders:
        day = on or r.on
        context = {"r": r, "on": day, "base_url": base_url.rstrip("/")}
        first = (r.overdue or r.soon)[0]
        drafts.append(
            Draft(
                recipient=r.person,
                kind=Kind.ITEMS_DUE,
                subject=f"Маршрут: просрочено {len(r.overdue)}, срок скоро {len(r.soon)}",
                body=render_to_string("plans/remind_email.txt", context),
                link=reverse("plans:item_list") + ("?status=overdue" if r.overdue else ""),
                region=first.plan.region,
                key="items",
                on=day,
            )
        )
    return len(notify(drafts))
