"""Analytics aggregates and the dashboards at regional and federal scale.

    python bench/bench_dashboard.py                          # 1,000 schools, SQLite file in /tmp
    SCHOOLS=40000 DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_dash python bench/bench_dashboard.py

Builds a fresh database with SCHOOLS schools in SCHOOLS/35 municipalities and three campaigns,
each with one result row per school and scope (8 directions + overall) and ten deficit rows per
school (result and deficit rows go in with COPY on PostgreSQL, one ``executemany`` on SQLite).
Prints, per aggregate of marshrut.analytics.queries, the median time of the ORM function and of
the same aggregate written as one raw SQL query, and their ratio; then the server time and the
query count of the region dashboard and of one municipality's dashboard (GET through Django's
test client in this process).

``REUSE=1`` keeps the data of an earlier run on the same PostgreSQL database when it has SCHOOLS
schools (building 40,000 schools takes a minute and a half). ``PROFILE=1`` prints a profile of
the region page.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
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
REGION_CODE = "95"
YEARS = (2022, 2023, 2024)


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build() -> object:
    """A region of SCHOOLS schools and three scored campaigns; returns the newest campaign."""
    import datetime as dt
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from marshrut.diagnostics.actions import do_load_criteria
    from marshrut.diagnostics.bulk import insert_rows
    from marshrut.diagnostics.models import Campaign, Deficit, Result, Status, Submission
    from marshrut.diagnostics.scoring import DEFICIT_COLUMNS, RESULT_COLUMNS
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Municipality, Region, School

    call_command("migrate", verbosity=0)
    if os.environ.get("REUSE") and connection.vendor == "postgresql":
        region = Region.objects.filter(code=REGION_CODE).first()
        if (
            region is not None
            and School.objects.filter(municipality__region=region).count() == SCHOOLS
            and Campaign.objects.filter(region=region).count() == len(YEARS)
        ):
            print("REUSE: the data of an earlier run")
            return Campaign.objects.filter(region=region).order_by("-year").first()
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    build_start = time.perf_counter()
    region = Region.objects.create(name="Область для замеров", code=REGION_CODE)
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
    school_ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
    path = ROOT / "marshrut" / "data" / "criteria" / "demo-2024.yaml"
    version = do_load_criteria(None, path.read_text(encoding="utf-8"), path.name)
    catalogue = version.catalogue
    codes = list(catalogue.indicators)
    scopes = catalogue.scope_codes
    levels = ["below_basic", "basic", "medium", "high"]
    now = timezone.now()
    previous = None
    for year in YEARS:
        campaign = Campaign.objects.create(
            region=region,
            criteria=version,
            title=f"Кампания {year}",
            year=year,
            opens_on=dt.date(year, 11, 1),
            closes_on=dt.date(year, 11, 15),
            previous=previous,
        )
        cid = campaign.pk
        insert_rows(
            Submission,
            (
                "campaign_id",
                "school_id",
                "status",
                "levels",
                "ovz",
                "answered",
                "applicable",
                "review_comment",
                "source",
                "updated_at",
            ),
            (
                (
                    cid,
                    s,
                    Status.VERIFIED if rng.random() < 0.95 else Status.DRAFT,
                    "noo,ooo,soo",
                    False,
                    0,
                    0,
                    "",
                    "web",
                    now,
                )
                for s in school_ids
            ),
        )
        subs = dict(Submission.objects.filter(campaign=campaign).values_list("school_id", "pk"))

        def result_rows(
            cid: int = cid, year: int = year, subs: dict[int, int] = subs
        ) -> Iterable[tuple[object, ...]]:
            for s in school_ids:
                for scope in scopes:
                    share = min(1.0, max(0.0, rng.gauss(0.6 + 0.03 * (year - 2022), 0.2)))
                    level = levels[min(3, int(share * 4))]
                    yield (subs[s], cid, s, scope, round(share * 20, 1), 20.0, level, 0, 0)

        insert_rows(
            Result,
            RESULT_COLUMNS,
            result_rows(),
        )

        def deficit_rows(
            cid: int = cid, subs: dict[int, int] = subs
        ) -> Iterable[tuple[object, ...]]:
            for s in school_ids:
                for code in rng.sample(codes, 10):
                    direction = catalogue.indicators[code].direction
                    yield (subs[s], cid, s, code, direction, "zero", 0.0, 1.0)

        insert_rows(
            Deficit,
            DEFICIT_COLUMNS,
            deficit_rows(),
        )
        previous = campaign
    if connection.vendor == "postgresql":
        # What autovacuum does on a live database: statistics, and the visibility map that lets
        # the planner answer from an index alone.
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - build_start:.0f} s")
    return previous


def main() -> None:
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from marshrut.accounts.models import User
    from marshrut.analytics import queries, views
    from marshrut.diagnostics.models import Deficit, Result
    from marshrut.orgs.models import Membership, Municipality, Person

    campaign = build()
    n_mun = Municipality.objects.filter(region=campaign.region).count()
    print(
        f"{connection.vendor}, {SCHOOLS} schools, {n_mun} municipalities, 3 campaigns: "
        f"{Result.objects.count()} result rows, {Deficit.objects.count()} deficit rows; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )

    f = queries.Filters()
    cid, pid = campaign.pk, campaign.previous_id
    rank = "CASE {0} WHEN 'below_basic' THEN 0 WHEN 'basic' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
    raw = {
        "participation": (
            "SELECT status, COUNT(*) FROM diagnostics_submission WHERE campaign_id = %s GROUP BY status",
            [cid],
        ),
        "participation_by_municipality": (
            "SELECT s.municipality_id, b.status, COUNT(*) FROM diagnostics_submission b "
            "JOIN orgs_school s ON s.id = b.school_id WHERE b.campaign_id = %s "
            "GROUP BY s.municipality_id, b.status",
            [cid],
        ),
        "level_distribution": (
            "SELECT scope, level, COUNT(*) FROM diagnostics_result WHERE campaign_id = %s GROUP BY scope, level",
            [cid],
        ),
        "levels_by_municipality": (
            "SELECT s.municipality_id, r.level, COUNT(*) FROM diagnostics_result r "
            "JOIN orgs_school s ON s.id = r.school_id WHERE r.campaign_id = %s "
            "AND r.scope = 'overall' GROUP BY s.municipality_id, r.level",
            [cid],
        ),
        "heatmap": (
            "SELECT s.municipality_id, r.scope, COUNT(*), AVG(r.points / r.max_points), "
            + ", ".join(
                f"SUM(CASE WHEN r.level = '{level}' THEN 1 ELSE 0 END)"
                for level in queries.LEVEL_CODES
            )
            + " FROM diagnostics_result r JOIN orgs_school s ON s.id = r.school_id "
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
            [cid, pid],
        ),
        "mean_shares": (
            "SELECT scope, AVG(points / max_points) FROM diagnostics_result WHERE campaign_id = %s GROUP BY scope",
            [cid],
        ),
        "risk_zone": (
            # The previous campaign as a materialised CTE: joined directly, SQLite scans the previous
            # campaign's results once per school through the (campaign, scope, level) index.
            "WITH p AS MATERIALIZED (SELECT school_id, level FROM diagnostics_result "
            "WHERE campaign_id = %s AND scope = 'overall') "
            "SELECT s.id, s.short_name, m.name, r.level, p.level FROM diagnostics_result r "
            "JOIN orgs_school s ON s.id = r.school_id "
            "JOIN orgs_municipality m ON m.id = s.municipality_id "
            "LEFT JOIN p ON p.school_id = r.school_id "
            "WHERE r.campaign_id = %s AND r.scope = 'overall' AND (r.level = 'below_basic' "
            f"OR {rank.format('r.level')} < {rank.format('p.level')}) ORDER BY m.name, s.short_name",
            [pid, cid],
        ),
    }
    dyn = queries.dynamics(campaign, f)
    orm: dict[str, Callable[[], object]] = {
        "participation": lambda: queries.participation(campaign, f),
        "participation_by_municipality": lambda: queries.participation_by_municipality(campaign, f),
        "level_distribution": lambda: queries.level_distribution(campaign, f),
        "levels_by_municipality": lambda: queries.levels_by_municipality(campaign, f),
        "heatmap": lambda: queries.heatmap(campaign, f),
        "frequent_deficits": lambda: queries.frequent_deficits(campaign, f),
        "deficits_by_direction": lambda: queries.deficits_by_direction(campaign, f),
        "dynamics": lambda: queries.dynamics(campaign, f),
        "mean_shares": lambda: queries.mean_shares(campaign, f),
        # as the dashboard and the report call it, with the dynamics they have already read
        "risk_zone": lambda: queries.risk_zone(campaign, f, dyn),
    }

    def run_raw(sql: str, params: list[object]) -> list[tuple[object, ...]]:
        with connection.cursor() as c:
            c.execute(sql, params)
            return c.fetchall()

    # PAGES=1: only the pages (weight and server time), e.g. at 10,000 schools on a busy machine.
    if not os.environ.get("PAGES"):
        total_orm = total_raw = 0.0
        print(f"{'aggregate':<32}{'ORM, ms':>10}{'raw SQL, ms':>14}{'ratio':>8}")
        for name, fn in orm.items():
            fn()
            t_orm = median_ms(fn)
            t_raw = median_ms(lambda sql=raw[name]: run_raw(*sql))
            total_orm += t_orm
            total_raw += t_raw
            print(f"{name:<32}{t_orm:>10.1f}{t_raw:>14.1f}{t_orm / t_raw:>8.2f}")
        print(
            f"{'all aggregates':<32}{total_orm:>10.1f}{total_raw:>14.1f}{total_orm / total_raw:>8.2f}"
        )

        # What one region dashboard request reads and builds, without the template.
        build_ms = median_ms(lambda: views.build(campaign, f, None))
        print(f"region dashboard build() (every aggregate, table and chart): {build_ms:.0f} ms")

    region = campaign.region
    user = User.objects.filter(username="bench-operator").first()
    if user is None:
        user = User.objects.create_user("bench-operator", password="x")
        person = Person.objects.create(
            region=region, last_name="Оператор", first_name="Замер", user=user
        )
        Membership.objects.create(person=person, role="operator", region=region)
    client = Client()
    client.force_login(user)
    first = Municipality.objects.filter(region=region).order_by("name").first()
    assert first is not None
    pages = {
        "region dashboard page": f"/analytics/?campaign={cid}",
        "municipality dashboard page": f"/analytics/?campaign={cid}&municipality={first.pk}",
    }
    for label, url in pages.items():
        cache.clear()
        response = client.get(url)
        assert response.status_code == 200
        # Counted by a wrapper: the test client's request signal empties connection.queries.
        executed: list[str] = []

        def count(run: Callable[..., object], sql: str, *args: object) -> object:
            executed.append(sql)  # noqa: B023 - used only inside this iteration
            return run(sql, *args)

        cache.clear()
        with connection.execute_wrapper(count):
            client.get(url)
        cold_queries = len(executed)
        executed.clear()
        with connection.execute_wrapper(count):
            client.get(url)
        runs = 15 if SCHOOLS <= 5000 else 5

        def cold(url: str = url) -> object:
            cache.clear()  # as after a change of results: a new generation, nothing cached
            return client.get(url)

        page = median_ms(cold, runs=runs)
        warm = median_ms(lambda url=url: client.get(url), runs=runs)
        print(
            f"{label}: {len(response.content) / 1024:.0f} KB; server time, median: "
            f"{page:.0f} ms after a change ({cold_queries} queries), "
            f"{warm:.1f} ms unchanged ({len(executed)} queries)"
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if os.environ.get("PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(client.get, pages["region dashboard page"])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
