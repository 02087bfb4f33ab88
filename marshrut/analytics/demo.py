"""Demo of the effectiveness page: a year of school roadmaps between the 2023 and 2024 campaigns.

The demo's synthetic campaigns 2022–2024 are successive (each the ``previous`` of the next, the
criteria linked by the indicator mapping), but nothing was done between them. Here part of the
schools with deficits in 2023 get their 2024 roadmap drafted from those deficits — from the
measures library where it has a measure — through the same action a school uses, and approved.
By the end of 2024 a school carried out most items whose deficit it then closed in the 2024
campaign, and fewer of the others: the story the page should tell, that deficits closed more
often where the school did the work. Events of 2024 (built by the events demo with random
attendance) are left as they are: the page honestly sees no effect there.

Keyed by the roadmaps themselves: a second run adds nothing.
"""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from marshrut.analytics.effectiveness import facts
from marshrut.audit.log import Source
from marshrut.diagnostics.models import Campaign, Submission
from marshrut.orgs.models import Region, School

BEFORE = "Самодиагностика 2023 (синтетические данные)"
AFTER = "Самодиагностика 2024 (синтетические данные)"
SHARE = 0.35
"""Of the schools with deficits in 2023 (and answers in 2024), the share that drafts a roadmap."""
DONE_IF_CLOSED = 0.85
"""How likely a school carried out an item whose deficit it closed by the 2024 campaign…"""
DONE_IF_OPEN = 0.35
"""…and an item whose deficit stayed."""


@transaction.atomic
def build_demo(region: Region, stdout: Any) -> None:
    from marshrut.plans.actions import (
        do_draft_school_roadmap,
        drafted_roadmap,
        refresh_tallies,
        roadmap_title,
    )
    from marshrut.plans.models import ItemStatus, Level, Plan, PlanItem

    before = Campaign.objects.filter(region=region, title=BEFORE).select_related("criteria").first()
    after = Campaign.objects.filter(region=region, title=AFTER).select_related("criteria").first()
    if before is None or after is None or after.previous_id != before.pk:
        return
    year = before.year + 1
    prefix = roadmap_title(School(short_name=""), year).split(":")[0]
    if Plan.objects.filter(
        region=region, level=Level.SCHOOL, year=year, title__startswith=prefix
    ).exists():
        stdout.write("Эффективность механизмов: дорожные карты школ на 2024 год уже составлены.")
        return
    found, _mapping = facts(before, after)
    closed = {(f.school, f.indicator) for f in found if f.closed}
    rng = random.Random(2024_11)
    chosen = [s for s in sorted({f.school for f in found}) if rng.random() < SHARE]
    submissions = Submission.objects.filter(campaign=before, school_id__in=chosen).select_related(
        "campaign__criteria", "campaign__region", "school__municipality"
    )
    plans = []
    for submission in submissions.order_by("school_id"):
        if drafted_roadmap(submission.school, year) is None:
            plans.append(do_draft_school_roadmap(None, submission, source=Source.DEMO))
    Plan.objects.filter(pk__in=[p.pk for p in plans]).update(status=Plan.Status.CLOSED)
    items = list(
        PlanItem.objects.filter(plan__in=plans)
        .exclude(indicator_code="")
        .select_related("plan")
        .order_by("pk")
    )
    for item in items:
        chance = (
            DONE_IF_CLOSED
            if (item.plan.school_id, item.indicator_code) in closed
            else (DONE_IF_OPEN)
        )
        item.status = ItemStatus.DONE if rng.random() < chance else ItemStatus.NOT_DONE
        item.next_due_on = None
    PlanItem.objects.bulk_update(items, ["status", "next_due_on"], batch_size=1000)
    refresh_tallies(p.pk for p in plans)
    done = sum(1 for i in items if i.status == ItemStatus.DONE)
    stdout.write(
        f"Эффективность механизмов: дорожных карт школ на {year} год по дефицитам {before.year} "
        f"года — {len(plans)}, мероприятий выполнено {done} из {len(items)}."
    )
