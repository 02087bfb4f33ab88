"""Small filters for roadmap pages: parsed deadlines and statuses in Russian."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

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
        text = f"{deadline['times_per_year']} раз(а) в год; {text}"
    return text


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def target_text(target: dict[str, Any]) -> str:
    if target.get("value") is None:
        return str(target.get("metric") or target.get("text") or "")
    metric = target.get("metric") or ""
    unit = target.get("unit") or ""
    value = str(target["value"]).replace(".", ",")
    return f"{metric} {target.get('comparator') or ''} {value}{unit}".strip()
