"""Demo self-diagnostics: the three demonstration catalogues and campaigns 2022–2024 (synthetic),
plus a campaign open now, so the school personas can fill in the questionnaire."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from marshrut.audit.log import Source
from marshrut.diagnostics.actions import (
    do_attach_to_series,
    do_create_series,
    do_load_criteria,
    do_open_campaign,
    finish,
)
from marshrut.diagnostics.models import (
    Answer,
    Campaign,
    CampaignSeries,
    CriteriaVersion,
    Status,
    Submission,
)
from marshrut.diagnostics.synthetic import answers_for
from marshrut.orgs.models import Region

CATALOGUES = Path(__file__).resolve().parent.parent / "data" / "criteria"
PERSONA_SCHOOL_INN_EMAIL = "head."  # the persona school is left unanswered in the open campaign


def load_demo_catalogues() -> dict[int, CriteriaVersion]:
    versions = {}
    for year in (2022, 2023, 2024):
        path = CATALOGUES / f"demo-{year}.yaml"
        version = CriteriaVersion.objects.filter(code=f"demo-{year}").first()
        if version is None:
            version = do_load_criteria(
                None, path.read_text(encoding="utf-8"), path.name, source=Source.DEMO
            )
        versions[year] = version
    return versions


@transaction.atomic
def _campaign(
    region: Region,
    version: CriteriaVersion,
    year: int,
    title: str,
    opens: dt.date,
    closes: dt.date,
    done_share: float,
    persona_school_id: int | None,
) -> tuple[Campaign, bool]:
    existing = Campaign.objects.filter(region=region, title=title).first()
    if existing:
        return existing, False
    campaign = do_open_campaign(
        None,
        region,
        version,
        title=title,
        year=year,
        opens_on=opens,
        closes_on=closes,
        source=Source.DEMO,
    )
    catalogue = version.catalogue
    rng = random.Random(year)
    submissions = list(campaign.submissions.select_related("school"))
    answers: list[Answer] = []
    finished: list[Submission] = []
    now = timezone.now()
    for sub in submissions:
        school_rng = random.Random(sub.school.inn)
        strength = (
            school_rng.gauss(0.3, 0.9)
            + 0.2 * (min(year, 2025) - 2022)
            + (0.4 if sub.school.is_rip else 0)
            - (0.5 if sub.school.is_shnor else 0)
        )
        roll = rng.random()
        if sub.school_id == persona_school_id or roll > done_share:
            # Not everybody finishes: some have not started, some left a draft.
            if sub.school_id == persona_school_id or roll > done_share + (1 - done_share) / 2:
                continue
            values = dict(
                list(answers_for(catalogue, sub.profile, strength, rng, sub.school.inn).items())[
                    : rng.randint(5, 40)
                ]
            )
            sub.status = Status.DRAFT
        else:
            values = answers_for(catalogue, sub.profile, strength, rng, sub.school.inn)
            sub.status = Status.VERIFIED if rng.random() < 0.7 else Status.SUBMITTED
            sub.submitted_at = now
            finished.append(sub)
        for code, value in values.items():
            # Schools mostly back their critical answers with a document; not always.
            backed = rng.random() < (0.96 if catalogue.indicators[code].critical else 0.5)
            answers.append(
                Answer(
                    submission=sub,
                    code=code,
                    value=list(value) if isinstance(value, tuple) else value,
                    evidence_url=f"https://school{sub.school_id}.example/docs/{code}"
                    if backed
                    else "",
                )
            )
        sub.answered = len(values)
        sub.source = "demo"
    Answer.objects.bulk_create(answers, batch_size=5000)
    Submission.objects.bulk_update(
        submissions, ["status", "submitted_at", "answered", "source"], batch_size=1000
    )
    finish(finished)
    return campaign, True


def build_demo(region: Region, stdout: Any) -> None:
    versions = load_demo_catalogues()
    from marshrut.orgs.models import Person

    persona = Person.objects.filter(user__username="head").select_related("school").first()
    persona_school_id = persona.school_id if persona else None
    created = []
    for year in (2022, 2023, 2024):
        campaign, new = _campaign(
            region,
            versions[year],
            year,
            f"Самодиагностика {year} (синтетические данные)",
            dt.date(year, 11, 1),
            dt.date(year, 11, 15),
            0.93 + 0.02 * (year - 2022),
            None,
        )
        created += [campaign.title] if new else []
    today = region.today()
    campaign, new = _campaign(
        region,
        versions[2024],
        today.year,
        f"Самодиагностика {today.year} (идёт сейчас, синтетические данные)",
        today - dt.timedelta(days=10),
        today + dt.timedelta(days=20),
        0.55,
        persona_school_id,
    )
    created += [campaign.title] if new else []
    _federal_demo(region, versions[2024])
    stdout.write(
        f"Самодиагностика: каталоги demo-2022/2023/2024 (демонстрационные); кампаний добавлено: {len(created)}"
    )


SERIES_TITLE = "Самодиагностика 2024 (межрегиональная, синтетические данные)"


def _federal_demo(region: Region, version: CriteriaVersion) -> None:
    """A series holding the region's 2024 campaign, for the federal persona's summary.

    No second region: the console commands of a one-region database (``report period``,
    ``registry import``) would then ask for ``--region`` in the demo too.
    """
    window = dt.date(2024, 11, 1), dt.date(2024, 11, 15)
    series = CampaignSeries.objects.filter(title=SERIES_TITLE).first()
    if series is None:
        series = do_create_series(
            None,
            version,
            title=SERIES_TITLE,
            year=2024,
            opens_on=window[0],
            closes_on=window[1],
            source=Source.DEMO,
        )
    own = Campaign.objects.filter(
        region=region, title="Самодиагностика 2024 (синтетические данные)", series=None
    ).first()
    if own is not None:
        do_attach_to_series(None, own, series, source=Source.DEMO)
