"""Small filters for roadmap pages: parsed deadlines and statuses in Russian."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from marshrut.lib.plural import plural
from marshrut.plans.importing import SCAN_FIELDS

register = template.Library()

KIND_LABELS = {
    "window": _("период"),
    "windows": _("несколько периодов"),
    "due": _("до даты"),
    "throughout": _("в течение года"),
    "continuous": _("постоянно"),
    "recurring": _("периодически"),
    "on_request": _("по запросу"),
    "per_schedule": _("по графику"),
    "unknown": _("не распознано"),
}
STATUS_CLASSES = {
    "planned": "text-bg-light border",
    "in_progress": "text-bg-primary",
    "done": "text-bg-success",
    "not_done": "text-bg-danger",
    "cancelled": "text-bg-secondary",
}


def _day(value: str | None) -> str:
    return dt.date.fromisoformat(value).strftime("%d.%m.%Y") if value else "…"


@register.filter
def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@register.filter
def windows(deadline: dict[str, Any]) -> str:
    """«01.01.2024–31.01.2024; 01.06.2024–30.06.2024», a single day once."""
    parts = []
    for start, end in deadline.get("windows", []):
        parts.append(_day(start) if start == end else f"{_day(start)}–{_day(end)}")
    text = "; ".join(parts)
    if deadline.get("times_per_year"):
        times = plural(deadline["times_per_year"], "раз", "раза", "раз")
        text = f"{times} в год; {text}"
    return text


@register.filter
def overdue_on(item: Any, today: dt.date | None) -> bool:
    """``PlanItem.is_overdue``: a page marks «просрочено» by the same rule as the counts."""
    return bool(item.is_overdue(today))


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


_BADGES: dict[tuple[str, bool, str | None], SafeString] = {}


@register.simple_tag
def status_badge(item: Any, today: dt.date | None) -> SafeString:
    """What ``plans/_status.html`` shows, built once per status and language.

    A plan page lists hundreds of items: an include per row cost more than the rest of the row.
    """
    from marshrut.plans.models import ItemStatus

    key = (item.status, bool(item.is_overdue(today)), get_language())
    badge = _BADGES.get(key)
    if badge is None:
        badge = format_html(
            '<span class="badge {}" data-testid="status">{}</span>',
            status_class(item.status),
            ItemStatus(item.status).label,
        )
        if key[1]:
            badge = format_html(
                '{} <span class="badge text-bg-danger" data-testid="overdue">{}</span>',
                badge,
                gettext("просрочено"),
            )
        _BADGES[key] = badge
    return badge


@register.filter
def clip(text: str, length: int) -> str:
    """``truncatechars`` without its Unicode normalisation, which cost most of a long page."""
    text = str(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@register.filter
def doubt_text(reason: dict[str, Any]) -> str:
    """A row's doubt for the operator; a field read from a scan is named: «сроки: распознано…»."""
    if reason.get("scan"):
        field = str(reason.get("field", ""))
        return f"{SCAN_FIELDS.get(field, field)}: {reason['reason']}"
    return str(reason.get("reason", ""))


@register.filter
def target_text(target: dict[str, Any]) -> str:
    if target.get("value") is None:
        return str(target.get("metric") or target.get("text") or "")
    metric = target.get("metric") or ""
    unit = target.get("unit") or ""
    value = str(target["value"]).replace(".", ",")
    return f"{metric} {target.get('comparator') or ''} {value}{unit}".strip()


@register.inclusion_tag("plans/_review.html", takes_context=True)
def review_panel(context: template.Context, plan: Any) -> dict[str, Any]:
    """The approval history of a school roadmap and the buttons the user may press."""
    from marshrut.orgs.roles import Cap
    from marshrut.plans.forms import ReviewPlanForm, SubmitPlanForm
    from marshrut.plans.models import Level, Plan, can_on_plan

    user = context["request"].user
    is_school = plan.level == Level.SCHOOL
    reviews = list(plan.reviews.select_related("by")) if is_school else []
    in_workflow = plan.status in (Plan.Status.DRAFT, Plan.Status.SUBMITTED, Plan.Status.RETURNED)
    return {
        "plan": plan,
        "reviews": reviews,
        "show": is_school and (bool(reviews) or in_workflow),
        "can_submit": is_school
        and plan.status in (Plan.Status.DRAFT, Plan.Status.RETURNED)
        and can_on_plan(user, Cap.PLAN_MANAGE, plan),
        "can_review": is_school
        and plan.status == Plan.Status.SUBMITTED
        and can_on_plan(user, Cap.PLAN_APPROVE, plan),
        "submit_form": SubmitPlanForm(),
        "review_form": ReviewPlanForm(initial={"decision": ReviewPlanForm.APPROVE}),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def may_draft_roadmap(user: Any, submission: Any) -> bool:
    """Whether the user may draft the school's roadmap from this scored questionnaire."""
    from marshrut.diagnostics.models import DONE
    from marshrut.orgs.access import grant
    from marshrut.orgs.roles import Cap

    school = submission.school
    return submission.status in DONE and grant(user, Cap.PLAN_MANAGE).covers(
        submission.campaign.region_id, school.municipality_id, school.pk
    )
