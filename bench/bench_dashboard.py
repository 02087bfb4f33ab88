"""Analytics aggregates and the region dashboard at regional and federal scale.

    python bench/bench_dashboard.py                          # 1,000 schools, SQLite file in /tmp
    SCHOOLS=40000 DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_dash python bench/bench_dashboard.py

Builds a fresh database with SCHOOLS schools in SCHOOLS/35 municipalities and three campaigns,
each with one result row per school and scope (8 directions + overall) and about ten deficit
rows per school. Prints, per aggregate of marshrut.analytics.queries, the median time of the ORM
function and of the same aggregate written as one raw SQL query, and their ratio; then the server
time of the whole region dashboard page (GET through Django's test client, median of 15).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
if "DATABASE_URL" not in os.environ:
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-")
SCHOOLS = int(os.environ.get("SCHOOLS", "1000"))
RUNS = int(os.environ.get("RUNS", "7"))


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    import django

    django.setup()
    import datetime as dt
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from marshrut.accounts.models import User
    from marshrut.analytics import queries
    from marshrut.diagnostics.actions import do_load_criteria
    from marshrut.diagnostics.models import Campaign, Deficit, Result, Status, Submission
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Membership, Municipality, Person, Region, School

    if connection.vendor == "postgresql":
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    build_start = time.perf_counter()
    region = Region.objects.create(name="Область для замеров", code="95")
    n_mun = max(30, SCHOOLS // 35)
    municipalities = Municipality.objects.bulk_create(
        [
            Municipality(region=region, name=f"Район {i:04d}", oktmo=f"95{i:06d}")
            for i in range(n_mun)
        ]
    )
    rng = random.Random(3)
    School.objects.bulk_create(
        [
            School(
                municipality=municipalities[i % n_mun],
                full_name=f"Школа {i}",
                short_name=f"Школа {i:05d}",
                inn=make_inn(i),
                settlement=rng.choice(["urban", "rural"]),
                is_shnor=rng.random() < 0.1,
            )
            for i in range(SCHOOLS)
        ],
        batch_size=5000,
    )
    school_ids = list(School.objects.values_list("pk", flat=True))
    path = ROOT / "marshrut" / "data" / "criteria" / "demo-2024.yaml"
    version = do_load_criteria(None, path.read_text(encoding="utf-8"), path.name)
    catalogue = version.catalogue
    codes = list(catalogue.indicators)
    scopes = catalogue.scope_codes
    levels = ["below_basic", "basic", "medium", "high"]
    previous = None
    for year in (2022, 2023, 2024):
        campaign = Campaign.objects.create(
            region=region,
            criteria=version,
            title=f"Кампания {year}",
            year=year,
            opens_on=dt.date(year, 11, 1),
            closes_on=dt.date(year, 11, 15),
            previous=previous,
        )
        Submission.objects.bulk_create(
            [
                Submission(
                    campaign=campaign,
                    school_id=s,
                    status=Status.VERIFIED if rng.random() < 0.95 else Status.DRAFT,
                )
                for s in school_ids
            ],
            batch_size=5000,
        )
        subs = dict(Submission.objects.filter(campaign=campaign).values_list("school_id", "pk"))
        results, deficits = [], []
        for s in school_ids:
            for scope in scopes:
                share = min(1.0, max(0.0, rng.gauss(0.6 + 0.03 * (year - 2022), 0.2)))
                results.append(
                    Result(
                        submission_id=subs[s],
                        campaign=campaign,
                        school_id=s,
                        scope=scope,
                        points=round(share * 20, 1),
                        max_points=20,
                        level=levels[min(3, int(share * 4))],
                    )
                )
            for code in rng.sample(codes, 10):
                deficits.append(
                    Deficit(
                        submission_id=subs[s],
                        campaign=campaign,
                        school_id=s,
                        code=code,
                        direction=catalogue.indicators[code].direction,
                        kind="zero",
                        points=0,
                        max_points=1,
                    )
                )
            if len(results) > 50000:
                Result.objects.bulk_create(results, batch_size=10000)
                Deficit.objects.bulk_create(deficits, batch_size=10000)
                results, deficits = [], []
        Result.objects.bulk_create(results, batch_size=10000)
        Deficit.objects.bulk_create(deficits, batch_size=10000)
        previous = campaign
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    print(
        f"{connection.vendor}, {SCHOOLS} schools, {n_mun} municipalities, 3 campaigns: "
        f"{Result.objects.count()} result rows, {Deficit.objects.count()} deficit rows "
        f"(built in {time.perf_counter() - build_start:.0f} s)"
    )

    campaign = previous
    f = queries.Filters()
    cid = campaign.pk
    raw = {
        "participation": (
            "SELECT status, COUNT(*) FROM diagnostics_submission WHERE campaign_id = %s GROUP BY status",
            [cid],
        ),
        "level_distribution": (
            "SELECT scope, level, COUNT(*) FROM diagnostics_result WHERE campaign_id = %s GROUP BY scope, level",
            [cid],
        ),
        "heatmap": (
            "SELECT s.municipality_id, r.scope, COUNT(*), SUM(CASE WHEN r.level = 'below_basic' THEN 1 ELSE 0 END), "
            "AVG(r.points / r.max_points) FROM diagnostics_result r JOIN orgs_school s ON s.id = r.school_id "
            "WHERE r.campaign_id = %s GROUP BY s.municipality_id, r.scope",
            [cid],
        ),
        "frequent_deficits": (
            "SELECT code, direction, COUNT(*), SUM(CASE WHEN kind = 'critical' THEN 1 ELSE 0 END) AS c "
            "FROM diagnostics_deficit WHERE campaign_id = %s GROUP BY code, direction "
            "ORDER BY COUNT(*) DESC, code LIMIT 20",
            [cid],
        ),
        "deficits_by_direction": (
            "SELECT direction, COUNT(*) FROM diagnostics_deficit WHERE campaign_id = %s GROUP BY direction",
            [cid],
        ),
        "dynamics": (
            "SELECT campaign_id, school_id, level FROM diagnostics_result WHERE scope = 'overall' "
            "AND campaign_id IN (%s, %s)",
            [cid, campaign.previous_id],
        ),
        "mean_shares": (
            "SELECT scope, AVG(points / max_points) FROM diagnostics_result WHERE campaign_id = %s GROUP BY scope",
            [cid],
        ),
    }
    orm = {
        "participation": lambda: queries.participation(campaign, f),
        "level_distribution": lambda: queries.level_distribution(campaign, f),
        "heatmap": lambda: queries.heatmap(campaign, f),
        "frequent_deficits": lambda: queries.frequent_deficits(campaign, f),
        "deficits_by_direction": lambda: queries.deficits_by_direction(campaign, f),
        "dynamics": lambda: queries.dynamics(campaign, f),
        "mean_shares": lambda: queries.mean_shares(campaign, f),
    }

    def run_raw(sql: str, params: list[object]) -> list[tuple[object, ...]]:
        with connection.cursor() as c:
            c.execute(sql, params)
            return c.fetchall()

    total_orm = total_raw = 0.0
    print(f"{'aggregate':<24}{'ORM, ms':>10}{'raw SQL, ms':>14}{'ratio':>8}")
    for name, fn in orm.items():
        fn()
        t_orm = median_ms(fn)
        t_raw = median_ms(lambda sql=raw[name]: run_raw(*sql))
        total_orm += t_orm
        total_raw += t_raw
        print(f"{name:<24}{t_orm:>10.1f}{t_raw:>14.1f}{t_orm / t_raw:>8.2f}")
    print(
        f"{'all aggregates':<24}{total_orm:>10.1f}{total_raw:>14.1f}{total_orm / total_raw:>8.2f}"
    )

    user = User.objects.create_user("bench-operator", password="x")
    person = Person.objects.create(
        region=region, last_name="Оператор", first_name="Замер", user=user
    )
    Membership.objects.create(person=person, role="operator", region=region)
    client = Client()
    client.force_login(user)
    url = f"/analytics/?campaign={cid}"
    assert client.get(url).status_code == 200
    page = median_ms(lambda: client.get(url), runs=15 if SCHOOLS <= 5000 else 5)
    print(f"region dashboard page (server time, median): {page:.0f} ms")
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(client.get, url)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
