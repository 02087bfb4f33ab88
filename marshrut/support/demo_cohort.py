"""The demo's ШНОР cohort: three years of assessment results, the cohort of two years, the team.

Everything comes from a fixed seed over the schools in INN order and is keyed by natural keys
(school, year, assessment, subject, grade; school and year; membership), so a second run adds
nothing. The schools the registry marks «ШНОР» (``orgs.demo``) are the cohort of the current
year, so the mark and the cohort agree: 15 of them came from the federal list last year and stay
this year, the rest were proposed by the rule on the last two years' results and accepted. Three
schools outside the cohort have results the rule proposes (the selection page shows them), and
two cohort schools have recovered: the cohort page says they meet the exit condition.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from marshrut.audit.log import Source
from marshrut.lib.plural import plural
from marshrut.orgs.models import Membership, Region, School
from marshrut.orgs.roles import Role
from marshrut.support import cohort_queries, selection
from marshrut.support.actions_cohort import do_enter
from marshrut.support.models import Participation
from marshrut.support.models.assessments import (
    Appointment,
    Assessment,
    AssessmentResult,
    CandidateTest,
    SelectionRule,
)

SEED = 12_500
FROM_LIST = 15  # schools of the federal list, two years in the programme
RECOVERING = (3, 9)  # positions among them whose results recovered
PROPOSED = 3  # schools outside the cohort the rule proposes this year
SUBJECTS = ("Математика", "Русский язык")
# (assessment, grade) of a school's year; ЕГЭ only where the school teaches grade 11.
SITTINGS = [
    *((Assessment.VPR, grade) for grade in (4, 5, 6, 7, 8)),
    (Assessment.OGE, 9),
    (Assessment.EGE, 11),
]


def _rate(kind: str, year_index: int, rng: random.Random) -> float:
    """The share of «2» a school of this kind has in year 0, 1, 2 of the history."""
    if kind == "low":
        return rng.uniform(0.01, 0.05)
    if kind == "recovering":
        return rng.uniform(0.24, 0.32) if year_index == 0 else rng.uniform(0.02, 0.06)
    return rng.uniform(0.2, 0.34)


def _results(school: School, kind: str, years: tuple[int, ...], rng: random.Random) -> list[Any]:
    rows = []
    per_grade = max(12, min(60, (school.pupils or 300) // 11))
    for index, year in enumerate(years):
        rate = _rate(kind, index, rng)
        for assessment, grade in SITTINGS:
            if assessment == Assessment.EGE and not school.offers_soo:
                continue
            for subject in SUBJECTS:
                participants = max(8, per_grade + rng.randint(-5, 5))
                if assessment == Assessment.EGE:
                    participants = max(5, participants // 2)
                failed = min(participants, round(participants * rate * rng.uniform(0.8, 1.2)))
                share = (Decimal(failed) * 100 / participants).quantize(Decimal("0.01"))
                if assessment == Assessment.EGE:
                    mean = Decimal(round(72 - 120 * rate + rng.uniform(-3, 3), 1))
                else:
                    mean = Decimal(round(4.2 - 3.5 * rate + rng.uniform(-0.1, 0.1), 2))
                rows.append(
                    AssessmentResult(
                        school=school,
                        year=year,
                        assessment=assessment,
                        subject=subject,
                        grade=grade,
                        participants=participants,
                        failed=failed,
                        failed_share=share,
                        mean_mark=mean,
                    )
                )
    return rows


@transaction.atomic
def build_cohort_demo(region: Region, stdout: Any) -> None:
    year = region.today().year
    years = (year - 2, year - 1, year)
    rng = random.Random(SEED)
    schools = list(
        School.objects.filter(municipality__region=region, is_active=True).order_by("inn")
    )
    marked = [s for s in schools if s.is_shnor]
    listed = marked[:FROM_LIST]
    by_rule = marked[FROM_LIST:]
    # Proposed schools look like the cohort's: ordinary schools, not gymnasiums or innovation sites.
    outside = [
        s
        for s in schools
        if not s.is_shnor and not s.is_rip and s.kind in (School.Kind.SOSH, School.Kind.OOSH)
    ]
    proposed = outside[:: max(1, len(outside) // PROPOSED)][:PROPOSED]
    kinds: dict[int, str] = {s.pk: "low" for s in schools}
    for s in [*by_rule, *proposed, *listed]:
        kinds[s.pk] = "high"
    for position in RECOVERING:
        if position < len(listed):
            kinds[listed[position].pk] = "recovering"

    SelectionRule.objects.get_or_create(
        region=region,
        defaults={
            "threshold": Decimal(15),
            "assessments": [Assessment.VPR, Assessment.OGE, Assessment.EGE],
        },
    )

    have = set(
        AssessmentResult.objects.filter(school__in=schools, year__in=years)
        .values_list("school_id", "year", "assessment", "subject", "grade")
        .distinct()
    )
    # Every school draws from the generator whether its rows exist or not: the same seed gives
    # the same numbers on every run.
    new = [
        r
        for s in schools
        for r in _results(s, kinds[s.pk], years, rng)
        if (r.school_id, r.year, r.assessment, r.subject, r.grade) not in have
    ]
    AssessmentResult.objects.bulk_create(new, batch_size=1000)

    entered = do_enter(
        None,
        listed,
        year - 1,
        source=Participation.Source.FEDERAL_LIST,
        entered_on=dt.date(year - 1, 2, 1),
        reasons=f"федеральный перечень школ ШНОР на {year - 1} год",
        audit_source=Source.DEMO,
    )
    entered += do_enter(
        None,
        listed,
        year,
        source=Participation.Source.FEDERAL_LIST,
        entered_on=dt.date(year, 2, 1),
        reasons=f"федеральный перечень школ ШНОР на {year} год",
        audit_source=Source.DEMO,
    )
    _stored, kernel_rule = cohort_queries.rule_of(region)
    fired = selection.propose(cohort_queries.results_of(s.pk for s in by_rule), kernel_rule, year)
    reasons = {
        pk: "; ".join(selection.describe(t, cohort_queries.LABELS) for t in triggers)
        for pk, triggers in fired.items()
    }
    entered += do_enter(
        None,
        by_rule,
        year,
        source=Participation.Source.RULE,
        entered_on=dt.date(year, 3, 1),
        reasons={s.pk: reasons.get(s.pk, "решение регионального оператора") for s in by_rule},
        audit_source=Source.DEMO,
    )

    team = list(
        Membership.objects.filter(
            region=region, role__in=[Role.CURATOR, Role.MENTOR], ended_on=None
        ).order_by("role", "pk")
    )
    orders = 0
    for number, membership in enumerate(team, start=1):
        _appointment, created = Appointment.objects.get_or_create(
            membership=membership,
            defaults={"order_number": f"{40 + number}-о", "order_date": dt.date(year, 1, 20)},
        )
        orders += created
        CandidateTest.objects.get_or_create(
            person_id=membership.person_id,
            role=membership.role,
            year=year,
            defaults={
                "score": 60 + (number * 13) % 39,
                "max_score": 100,
                "tested_on": dt.date(year, 1, 15),
            },
        )
    stdout.write(
        f"ШНОР: когорта {year} — {plural(len(marked), 'школа', 'школы', 'школ')}; добавлено: "
        f"результатов {len(new)}, включений в когорту {len(entered)}, приказов {orders}"
    )
