"""Practices for tests, saved through the actions so that codes and the search index follow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from marshrut.practices import actions
from marshrut.practices.models import Practice, Status


def practice(
    school: Any,
    *,
    title: str = "Наставничество молодых учителей",
    description: str = "Опытные учителя ведут молодых коллег: посещают уроки и разбирают их вместе.",
    directions: list[str] | None = None,
    indicators: list[str] | None = None,
    levels: list[str] | None = None,
    status: str = Status.PUBLISHED,
    actor: Any = None,
    **fields: Any,
) -> Practice:
    p = Practice(
        school=school,
        region_id=school.municipality.region_id,
        title=title,
        description=description,
        directions=directions if directions is not None else ["uchitel"],
        indicators=indicators or [],
        levels=levels if levels is not None else ["ooo"],
        **fields,
    )
    actions.do_save_practice(actor, p, authors=[])
    if status != Status.DRAFT:
        p.status = status
        if status == Status.MODERATION:
            p.submitted_at = timezone.now()
        if status in (Status.PUBLISHED, Status.ARCHIVED):
            p.published_at = timezone.now() - dt.timedelta(days=1)
        Practice.objects.filter(pk=p.pk).update(
            status=p.status, submitted_at=p.submitted_at, published_at=p.published_at
        )
    return p
