"""Execution figures: one aggregate query per table, never a query per plan or per item.

The figures of one plan (or of the copies of one item) are counted over its items. The figures
across plans read the execution summary (``PlanTally``) instead: a few rows per plan, whatever
the number of items and of their organisations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from marshrut.orgs.context import by_region_date
from marshrut.plans.models import CLOSED_STATUSES, ItemStatus, Level, Plan, PlanItem, PlanTally

SOON_DAYS = 30


def _dated(today: dt.date | None, region: str, make: Callable[[dt.date], Q]) -> Q:
    """``make(today)``; with no ``today``, each row by its own region's «today»."""
    return make(today) if today is not None else by_region_date(region, make)


def _overdue(p: str) -> Callable[[dt.date], Q]:
    return lambda day: Q(**{f"{p}next_due_on__lt": day})


def _soon(p: str) -> Callable[[dt.date], Q]:
    return lambda day: Q(
        **{f"{p}next_due_on__gte": day, f"{p}next_due_on__lte": day + dt.timedelta(days=SOON_DAYS)}
    )


def _filters(prefix: str, today: dt.date | None) -> dict[str, Q]:
    """``today`` None: across regions, each item by its plan's region's date."""
    p = prefix
    # Overdue and due soon count only items still open in plans in force, as PlanItem.objects does.
    open_ = ~Q(**{f"{p}status__in": CLOSED_STATUSES}) & Q(**{f"{p}plan__status__in": Plan.IN_FORCE})
    return {
        "done": Q(**{f"{p}status": ItemStatus.DONE}),
        "in_progress": Q(**{f"{p}status": ItemStatus.IN_PROGRESS}),
        "cancelled": Q(**{f"{p}status": ItemStatus.CANCELLED}),
        "overdue": open_ & _dated(today, f"{p}plan__region", _overdue(p)),
        "soon": open_ & _dated(today, f"{p}plan__region", _soon(p)),
    }


def counts(prefix: str, today: dt.date | None) -> dict[str, Any]:
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


def totals(items: QuerySet[PlanItem], today: dt.date | None) -> dict[str, Any]:
    return with_share(items.aggregate(**counts("", today)))


def by_section(items: QuerySet[PlanItem], today: dt.date | None) -> list[dict[str, Any]]:
    rows = (
        items.order_by()
        .values("section_id", "section__number", "section__title", "section__position")
        .annotate(**counts("", today))
        .order_by("section__position")
    )
    return [with_share(dict(r)) for r in rows]


def by_organisation(items: QuerySet[PlanItem], today: dt.date | None) -> list[dict[str, Any]]:
    rows = (
        items.order_by()
        .values(abbreviation=F("organisations__abbreviation"))
        .annotate(**counts("", today))
        .order_by("-total", "abbreviation")
    )
    return [with_share(dict(r)) for r in rows]


def tally_sums(today: dt.date | None) -> dict[str, Any]:
    """Annotations over ``PlanTally`` rows: the same figures as ``counts`` gives over items."""
    open_ = F("total_items") - F("done_items") - F("cancelled_items")
    in_force = Q(plan__status__in=Plan.IN_FORCE)
    soon = _dated(today, "plan__region", _soon(""))
    sums = {
        "total": Sum("total_items"),
        "done": Sum("done_items"),
        "in_progress": Sum("in_progress_items"),
        "cancelled": Sum("cancelled_items"),
        "overdue": Sum(open_, filter=in_force & _dated(today, "plan__region", _overdue(""))),
        "soon": Sum(open_, filter=in_force & soon),
    }
    return {name: Coalesce(value, 0, output_field=IntegerField()) for name, value in sums.items()}


def _tallies(plans: QuerySet[Plan], scope: str) -> QuerySet[PlanTally]:
    return PlanTally.objects.filter(plan__in=plans.order_by().values("pk"), scope=scope).order_by()


def totals_by_level(
    plans: QuerySet[Plan], today: dt.date | None
) -> tuple[dict[str, Any], list[Any]]:
    """Figures of all the items of ``plans`` and by level of plan, in one query."""
    rows = [
        with_share(dict(row))
        for row in _tallies(plans, PlanTally.Scope.PLAN)
        .values("plan__level")
        .annotate(**tally_sums(today))
        .order_by("plan__level")
    ]
    total = {name: sum(row[name] for row in rows) for name in tally_sums(today)}
    return with_share(total), rows


def tally_by_organisation(plans: QuerySet[Plan], today: dt.date | None) -> list[dict[str, Any]]:
    """Figures of the items of ``plans`` by responsible organisation, the largest first."""
    rows = (
        _tallies(plans, PlanTally.Scope.ORGANISATION)
        .values(abbreviation=F("organisation__abbreviation"))
        .annotate(**tally_sums(today))
        .order_by("-total", "abbreviation")
    )
    return [with_share(dict(r)) for r in rows]


def attach_counts(plans: list[Any], today: dt.date | None) -> list[Any]:
    """Set the item counts on a page of plans with one query over their summary rows only."""
    found = {
        row["plan_id"]: row
        for row in PlanTally.objects.filter(
            plan_id__in=[p.pk for p in plans], scope=PlanTally.Scope.PLAN
        )
        .order_by()
        .values("plan_id")
        .annotate(**tally_sums(today))
    }
    empty = dict.fromkeys(("total", *_filters("", today)), 0)
    for plan in plans:
        for name, value in found.get(plan.pk, empty).items():
            if name != "plan_id":
                setattr(plan, name, value)
    return plans


def with_rollup(items: QuerySet[PlanItem], today: dt.date | None) -> QuerySet[PlanItem]:
    """Items annotated with the execution of the copies handed down from them."""
    return items.annotate(
        children_total=Count("children"),
        children_done=Count("children", filter=Q(children__status=ItemStatus.DONE)),
        children_overdue=Count("children", filter=_filters("children__", today)["overdue"]),
    )


def handed_down(items: QuerySet[PlanItem], today: dt.date | None) -> QuerySet[PlanItem]:
    """The items that were handed down, with :func:`with_rollup`'s figures.

    Filtered on the count itself: a second join on ``children`` would multiply every count by
    the number of copies.
    """
    return with_rollup(items, today).filter(Q(children_total__gt=0))


# Whom an item of a plan of each level is handed to, in the genitive after «из N» (one, many).
_HANDED_TO: dict[str, tuple[str, str]] = {
    Level.REGION: ("муниципалитета", "муниципалитетов"),
    Level.MUNICIPALITY: ("школы", "школ"),
}


def rollup_text(item: Any, level: str) -> str:
    """«выполнено в 3 из 5 муниципалитетов; просрочено в 1» from :func:`with_rollup`'s figures.

    ``level`` is the level of the item's plan; empty when the item was handed down to nobody.
    The page shows the same three numbers, read by the same query.
    """
    total = getattr(item, "children_total", 0)
    if not total:
        return ""
    one, many = _HANDED_TO.get(level, ("участника", "участников"))
    # After «из» the noun is genitive: singular for 1, 21, 31…, plural otherwise.
    noun = one if total % 10 == 1 and total % 100 != 11 else many
    text = f"выполнено в {item.children_done} из {total} {noun}"
    if item.children_overdue:
        text += f"; просрочено в {item.children_overdue}"
    return text
