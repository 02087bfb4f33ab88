"""Benchmark of ШНОР risk profiles: a federal cohort of 3,000 schools, goal < 5 s for all.

Generates 30 regions × 100 cohort schools (5 municipalities each), opens the shipped model's
questionnaires for every school and group (12,000 surveys of the surveys engine), and answers
them as the demo does (head 1, teachers 6–14, pupils 10–25, parents 6–15; about 80,000
responses and 700,000 answer rows). Then times ``compute_profiles`` for the whole cohort — the
grouped counts, the rule for every school and factor, the upsert of 3,000 profiles and 30,000
levels — against a raw baseline: the same aggregation (factor scores of every school) as one SQL
query, which neither checks missing data nor writes anything. Prints figures only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_risks .venv/bin/python bench/bench_shnor_risks.py
    .venv/bin/python bench/bench_shnor_risks.py --schools 300     # SQLite, a smaller cohort
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
if "DATABASE_URL" not in os.environ and "MARSHRUT_VAR_DIR" not in os.environ:
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-risks-")

YEAR = 2024
PER_REGION = 100

RAW = """
WITH item_risk AS (
    SELECT rs.participation_id AS school, rq.item_id AS item, AVG(ro.risk) AS risk
    FROM surveys_answer a
    JOIN support_risksurvey rs ON rs.survey_id = a.survey_id
    JOIN support_riskquestion rq ON rq.question_id = a.question_id
    JOIN support_riskoption ro ON ro.item_id = rq.item_id AND ro.number = a.choice
    JOIN support_participation p ON p.id = rs.participation_id
    WHERE rs.model_id = %s AND p.year = %s AND p.left_on IS NULL
    GROUP BY rs.participation_id, rq.item_id
)
SELECT ir.school, w.factor_id, 100.0 * SUM(w.weight * ir.risk) / SUM(w.weight)
FROM item_risk ir JOIN support_riskweight w ON w.item_id = ir.item
GROUP BY ir.school, w.factor_id
"""


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from marshrut.orgs.demo import make_inn, make_ogrn
    from marshrut.orgs.models import Municipality, Region, School
    from marshrut.support import risks
    from marshrut.support.demo_risks import answers_for, save_answers
    from marshrut.support.models import Participation
    from marshrut.support.models.risks import RiskLevel, RiskProfile, RiskSurvey
    from marshrut.surveys.models import Answer, Response

    call_command("migrate", verbosity=0)
    model = risks.shipped_model()
    regions = max(1, args.schools // PER_REGION)
    if not Participation.objects.filter(year=YEAR).exists():
        started = time.perf_counter()
        made = Region.objects.bulk_create(
            Region(name=f"Бенч-регион {i + 1:02d}", code=f"{i + 1:02d}") for i in range(regions)
        )
        munis = Municipality.objects.bulk_create(
            Municipality(region=r, name=f"Район {r.code}-{j}", oktmo=f"{r.code}{j:06d}")
            for r in made
            for j in range(5)
        )
        schools = School.objects.bulk_create(
            School(
                municipality=munis[i % len(munis)],
                full_name=f"Школа № {i}",
                short_name=f"СОШ № {i}",
                inn=make_inn(10_000 + i),
                ogrn=make_ogrn(10_000 + i),
                is_shnor=True,
            )
            for i in range(regions * PER_REGION)
        )
        cohort = Participation.objects.bulk_create(
            Participation(school=s, year=YEAR, entered_on=dt.date(YEAR, 1, 15)) for s in schools
        )
        cohort = list(
            Participation.objects.filter(year=YEAR).select_related("school__municipality")
        )
        risks.do_open_risk_surveys(None, model, cohort)
        surveys: dict[int, list[RiskSurvey]] = {}
        for rs in RiskSurvey.objects.filter(model=model).prefetch_related(
            "survey__questions__risk__item"
        ):
            surveys.setdefault(rs.participation_id, []).append(rs)
        for start in range(0, len(cohort), 300):
            responses: list[Response] = []
            values: list[list[dict]] = []  # type: ignore[type-arg]
            for k, p in enumerate(cohort[start : start + 300], start):
                r, v = answers_for(model, surveys[p.pk], random.Random(k), thin=k % 50 == 7)
                responses += r
                values += v
            save_answers(responses, values)
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("ANALYZE")
        print(f"generated in {time.perf_counter() - started:.0f} s")
    cohort_qs = Participation.objects.filter(year=YEAR).current()
    print(
        f"schools: {cohort_qs.count()}, surveys: {RiskSurvey.objects.count()}, "
        f"responses: {Response.objects.count()}, answer rows: {Answer.objects.count()}"
    )

    def ours() -> None:
        risks.compute_profiles(model, cohort_qs)

    def raw() -> list[tuple[int, int, float]]:
        with connection.cursor() as c:
            c.execute(RAW, [model.pk, YEAR])
            return c.fetchall()

    # The first computation writes every profile and level; later ones only what changed.
    RiskProfile.objects.filter(model=model).delete()
    first_ms = median_ms(ours, 1)
    print(f"first computation (every level written): {first_ms:.0f} ms")
    counts_ms = median_ms(lambda: risks.school_data(model, cohort_qs), args.repeat)
    ours_ms = median_ms(ours, args.repeat)
    raw_ms = median_ms(raw, args.repeat)
    # The same numbers both ways, where the profile has a score.
    stored = {
        (p, f): s
        for p, f, s in RiskLevel.objects.filter(score__isnull=False).values_list(
            "profile__participation_id", "factor_id", "score"
        )
    }
    rows = raw()
    agree = sum(1 for p, f, s in rows if (p, f) in stored and abs(stored[(p, f)] - s) < 0.051)
    print(f"scores equal to the raw query's: {agree} of {len(stored)} stored scores")
    print(f"grouped counts alone: {counts_ms:.0f} ms")
    print(
        f"risk profiles: {ours_ms:.0f} ms; raw SQL: {raw_ms:.0f} ms; "
        f"ratio {ours_ms / raw_ms:.2f} ({connection.vendor}, recomputation, median of "
        f"{args.repeat}); first computation: ratio {first_ms / raw_ms:.2f}"
    )


if __name__ == "__main__":
    main()
