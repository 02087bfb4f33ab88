"""The status badge of a management decision: its status, or «просрочено» by the region's date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from marshrut.plans.templatetags.plans_tags import STATUS_CLASSES
from marshrut.programmes.models.decisions import OVERDUE_LABEL

register = template.Library()

# The roadmap's colours, so that a decision reads like a roadmap item.
CLASSES = {
    "accepted": STATUS_CLASSES["planned"],
    "in_progress": STATUS_CLASSES["in_progress"],
    "done": STATUS_CLASSES["done"],
    "cancelled": STATUS_CLASSES["cancelled"],
}


@register.simple_tag
def decision_badge(decision: Any, today: dt.date | None = None) -> SafeString:
    badge = format_html(
        '<span class="badge {}" data-testid="status">{}</span>',
        CLASSES.get(decision.status, "text-bg-light"),
        decision.get_status_display(),
    )
    if decision.is_overdue(today):
        badge = format_html(
            '{} <span class="badge text-bg-danger" data-testid="overdue">{}</span>',
            badge,
            OVERDUE_LABEL,
        )
    return badge
