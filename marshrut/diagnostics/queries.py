"""Reading self-diagnostics in bulk: how far campaigns have got, for lists and overviews."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from marshrut.diagnostics.models import DONE, EDITABLE, Status, Submission


@dataclass(frozen=True)
class Progress:
    """How many schools of a campaign have sent their questionnaire, are filling it, or not begun."""

    total: int = 0
    done: int = 0
    in_progress: int = 0
    not_started: int = 0

    @property
    def share(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress_by_campaign(submissions: QuerySet[Submission]) -> dict[int, Progress]:
    """Progress per campaign over the given questionnaires (already scoped), in one query."""
    filling = [s for s in EDITABLE if s != Status.NOT_STARTED]
    rows: Any = (
        submissions.order_by()
        .values("campaign_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status__in=DONE)),
            in_progress=Count("id", filter=Q(status__in=filling)),
            not_started=Count("id", filter=Q(status=Status.NOT_STARTED)),
        )
    )
    return {
        r["campaign_id"]: Progress(r["total"], r["done"], r["in_progress"], r["not_started"])
        for r in rows
    }
