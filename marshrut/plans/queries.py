"""Execution figures: one aggregate query per table, never a query per plan or per item."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from marshrut.plans.models import CLOSED_STATUSES, ItemStatus, PlanItem

SOON_DAYS = 30


def _filters(prefix: str, today: dt.date) -> dict[str, Q]:
    p = prefix
    open_ = ~Q(**{f"{p}status__in": CLOSED_STATUSES})
    return {
        "done": Q(**{f"{p}status": ItemStatus.DONE}),
        "in_progress": Q(**{f"{p}status": ItemStatus.IN_PROGRESS}),
        "cancelled": Q(**{f"{p}status": ItemStatus.CANCELLED}),
        "overdue": open_ & Q(**{f"{p}next_due_on__lt": today}),
        "soon": open_
        & Q(
            **{
                f"{p}next_due_on__gte": today,
                f"{p}next_due_on__lte": today + dt.timedelta(days=SOON_DAYS),
            }
        ),
    }


def counts(prefix: str, today: dt.date) -> dict[str, Any]:
    """Annotations: total, done, in_progress, cancelled, overdue and soon of items at ``prefix``."""
    field = prefix.rstrip("_") or "id"
    result: dict[str, Any] = {"total": Count(field)}
    for name, q in _filters(prefix, today).items():
        result[name] = Count(field, filter=q)
    return result


def with_share(row: dict[str, Any]) -> dict[str, Any]:
    """Add the share done, in percent of the items that were not cancelled."""
    base = row["total"] - row.get("cancelled", 0)
    row["share"] = round(100 * row["done"] / base) if base else 0
    return row


def totals(items: QuerySet[PlanItem], today: dt.date) -> dict[str, Any]:
    return with_share(items.aggregate(**counts("", today)))


def by_field(items: QuerySet[PlanItem], field: str, today: dt.date) -> list[dict[str, Any]]:
    rows = items.order_by().values(field).annotate(**counts("", today)).order_by(field)
    return [with_share(dict(r)) for r in rows]


def by_section(items: QuerySet[PlanItem], today: dt.date) -> list[dict[str, Any]]:
    rows = (
        items.order_by()
        .values("section_id", "section__number", "section__title", "section__position")
        .annotate(**counts("", today))
        .order_by("section__position")
    )
    return [with_share(dict(r)) for r in rows]


def by_organisation(items: QuerySet[PlanItem], today: dt.date) -> list[dict[str, Any]]:
    rows = (
        items.order_by()
        .values("organisations__abbreviation")
        .annotate(**counts("", today))
        .order_by("-total", "organisations__abbreviation")
    )
    return [with_share(dict(r)) for r in rows]


def attach_counts(plans: list[Any], today: dt.date) -> list[Any]:
    """Set the item counts on a page of plans with one query over their items only."""
    found = {
        row["plan_id"]: row
        for row in PlanItem.objects.filter(plan_id__in=[p.pk for p in plans])
        .order_by()
        .values("plan_id")
        .annotate(**counts("", today))
    }
    empty = dict.fromkeys(("total", *_filters("", today)), 0)
    for plan in plans:
        for name, value in found.get(plan.pk, empty).items():
            if name != "plan_id":
                setattr(plan, name, value)
    return plans


def with_rollup(items: QuerySet[PlanItem], today: dt.date) -> QuerySet[PlanItem]:
    """Items annotated with the execution of the copies handed down from them."""
    return items.annotate(
        children_total=Count("children"),
        children_done=Count("children", filter=Q(children__status=ItemStatus.DONE)),
        children_overdue=Count(
            "children",
            filter=~Q(children__status__in=CLOSED_STATUSES) & Q(children__next_due_on__lt=today),
        ),
    )
