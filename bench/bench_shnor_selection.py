"""Benchmark of the ШНОР selection rule over a region's assessment results.

Generates a region of 3,000 schools (the size of the federal cohort) with three years of results
(ВПР in five grades, ОГЭ and ЕГЭ, two subjects each: 42 rows per school, 126,000 rows), a
fifth of them with high shares of «2». Times ``cohort_queries.proposals`` — the aggregate query
and the kernel — against the raw baseline: the same aggregate query through a cursor with no
model, no kernel; then the selection page through Django's test client. Prints figures only:
``X ms; raw: Y ms; ratio Z``.

    .venv/bin/python bench/bench_shnor_selection.py [--schools 3000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_shnor .venv/bin/python bench/bench_shnor_selection.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
if "DATABASE_URL" not in os.environ and "MARSHRUT_VAR_DIR" not in os.environ:
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-shnor-")


def median_ms(call: Callable[[], Any], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=3000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from marshrut.accounts.models import User
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Membership, Municipality, Person, Region, School
    from marshrut.orgs.roles import Role
    from marshrut.support import cohort_queries
    from marshrut.support.models.assessments import AssessmentResult, SelectionRule

    setup_test_environment()
    call_command("migrate", verbosity=0)
    rng = random.Random(12)
    region, created = Region.objects.get_or_create(code="96", defaults={"name": "Бенч ШНОР"})
    if created:
        ms = Municipality.objects.bulk_create(
            Municipality(region=region, name=f"МО {i}", oktmo=f"96{i:03d}000") for i in range(60)
        )
        schools = School.objects.bulk_create(
            School(
                municipality=ms[i % 60],
                full_name=f"Школа {i}",
                short_name=f"Школа {i}",
                inn=make_inn(70000 + i),
            )
            for i in range(args.schools)
        )
        sittings = [*(("vpr", g) for g in (4, 5, 6, 7, 8)), ("oge", 9), ("ege", 11)]
        rows = []
        for school in schools:
            base = rng.uniform(0.15, 0.35) if rng.random() < 0.2 else rng.uniform(0.0, 0.08)
            for year in (2024, 2025, 2026):
                for assessment, grade in sittings:
                    for subject in ("Математика", "Русский язык"):
                        n = rng.randint(10, 60)
                        failed = min(n, round(n * base * rng.uniform(0.7, 1.3)))
                        rows.append(
                            AssessmentResult(
                                school=school,
                                year=year,
                                assessment=assessment,
                                subject=subject,
                                grade=grade,
                                participants=n,
                                failed=failed,
                                failed_share=(Decimal(failed) * 100 / n).quantize(Decimal("0.01")),
                            )
                        )
        AssessmentResult.objects.bulk_create(rows, batch_size=5000)
        SelectionRule.objects.create(region=region, threshold=15, assessments=["vpr", "oge", "ege"])
        user = User.objects.create_user("bench-shnor-operator", password="x")
        person = Person.objects.create(
            region=region, last_name="Оператор", first_name="Б", user=user
        )
        Membership.objects.create(person=person, role=Role.OPERATOR, region=region)
    _stored, rule = cohort_queries.rule_of(region)
    table = AssessmentResult._meta.db_table
    raw_sql = (
        f"SELECT r.school_id, r.year, r.assessment, SUM(r.participants), SUM(r.failed) "
        f"FROM {table} r JOIN orgs_school s ON s.id = r.school_id "
        f"JOIN orgs_municipality m ON m.id = s.municipality_id WHERE m.region_id = %s "
        f"GROUP BY r.school_id, r.year, r.assessment"
    )

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [region.pk])
            cursor.fetchall()

    found: list[Any] = []

    def ours() -> None:
        found[:] = cohort_queries.proposals(region, 2027, rule)

    rows_count = AssessmentResult.objects.filter(school__municipality__region=region).count()
    print(f"schools: {args.schools}, result rows: {rows_count}, vendor: {connection.vendor}")
    raw_ms = median_ms(raw)
    ours_ms = median_ms(ours)
    print(
        f"proposals for 2027 ({len(found)} schools): {ours_ms:.0f} ms; raw: {raw_ms:.0f} ms; "
        f"ratio {ours_ms / raw_ms:.2f}"
    )
    client = Client()
    client.force_login(User.objects.get(username="bench-shnor-operator"))
    client.get("/shnor/cohort/selection/?year=2027")
    page_ms = median_ms(lambda: client.get("/shnor/cohort/selection/?year=2027"), repeat=5)
    print(f"selection page: {page_ms:.0f} ms; raw: {raw_ms:.0f} ms; ratio {page_ms / raw_ms:.2f}")


if __name__ == "__main__":
    main()
