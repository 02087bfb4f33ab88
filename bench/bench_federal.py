"""The federal view at country scale: its aggregates against raw SQL, and a region's page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_federal \\
        .venv/bin/python bench/bench_federal.py [--schools 40000 --regions 85] [--reuse] [--explain]

Builds a fresh database (PostgreSQL from ``DATABASE_URL``; without it a SQLite file in /tmp):
8 federal districts, R regions, N schools spread over them (about 35 schools a municipality),
three campaigns a region (2022–2024, each linked to the previous one), the 2024 ones in one
campaign series; one result row per school, campaign and scope (8 directions + overall) and ten
deficit rows per school and campaign. Registry rows go in with ``bulk_create``; submissions,
results and deficits with COPY (``executemany`` on SQLite) through
:func:`marshrut.diagnostics.bulk.insert_rows`, the federal import's own writer.

Then it times (medians of ``--runs``) the federal page's aggregates — the functions of
:mod:`marshrut.analytics.federal` that the page calls — against the same aggregates written as one
raw SQL query each, prints per aggregate and the line
``federal aggregates: X ms; raw SQL: Y ms; ratio Z``, then ``federal.build()`` (aggregates plus
rows), the federal page and one region's dashboard page through Django's test client (server
time, as the federal persona who drills down to it). ``--reuse`` keeps the data of an earlier run
of the same size; ``--explain`` prints EXPLAIN ANALYZE of each raw query.
"""

from __future__ import annotations

import argparse
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
YEARS = (2022, 2023, 2024)
DISTRICTS = [
    ("Центральный федеральный округ", "ЦФО"),
    ("Северо-Западный федеральный округ", "СЗФО"),
    ("Южный федеральный округ", "ЮФО"),
    ("Северо-Кавказский федеральный округ", "СКФО"),
    ("Приволжский федеральный округ", "ПФО"),
    ("Уральский федеральный округ", "УФО"),
    ("Сибирский федеральный округ", "СФО"),
    ("Дальневосточный федеральный округ", "ДФО"),
]
SERIES = "Самодиагностика 2024 (замер)"


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build(schools: int, regions: int, reuse: bool) -> None:
    import datetime as dt
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from marshrut.diagnostics.actions import do_create_series, do_load_criteria
    from marshrut.diagnostics.bulk import insert_rows
    from marshrut.diagnostics.models import (
        Campaign,
        CampaignSeries,
        Deficit,
        Result,
        Status,
        Submission,
    )
    from marshrut.diagnostics.scoring import DEFICIT_COLUMNS, RESULT_COLUMNS
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import FederalDistrict, Municipality, Region, School

    call_command("migrate", verbosity=0)
    if (
        reuse
        and School.objects.count() == schools
        and Region.objects.count() == regions
        and CampaignSeries.objects.filter(title=SERIES).exists()
    ):
        print("--reuse: the data of an earlier run")
        return
    call_command("flush", interactive=False, verbosity=0)
    start = time.perf_counter()
    rng = random.Random(11)
    districts = FederalDistrict.objects.bulk_create(
        [FederalDistrict(name=name, code=code) for name, code in DISTRICTS]
    )
    region_rows = Region.objects.bulk_create(
        [
            Region(name=f"Регион {i + 1:02d}", code=f"{i + 1:02d}", district=districts[i % 8])
            for i in range(regions)
        ]
    )
    per_region = schools // regions
    municipalities = []
    for r in region_rows:
        for j in range(max(2, per_region // 35)):
            municipalities.append(
                Municipality(region=r, name=f"Район {r.code}-{j:03d}", oktmo=f"{r.code}{j:06d}")
            )
    municipalities = Municipality.objects.bulk_create(municipalities, batch_size=5000)
    by_region: dict[int, list[Municipality]] = {}
    for m in municipalities:
        by_region.setdefault(m.region_id, []).append(m)
    school_objs = []
    for i in range(schools):
        region = region_rows[i % regions]
        ms = by_region[region.pk]
        school_objs.append(
            School(
                municipality=ms[(i // regions) % len(ms)],
                full_name=f"Школа {i}",
                short_name=f"Школа {i:05d}",
                inn=make_inn(i),
                settlement=rng.choice(["urban", "rural"]),
                is_shnor=rng.random() < 0.1,
            )
        )
    School.objects.bulk_create(school_objs, batch_size=5000)
    region_of = dict(School.objects.values_list("pk", "municipality__region_id"))
    path = ROOT / "marshrut" / "data" / "criteria" / "demo-2024.yaml"
    version = do_load_criteria(None, path.read_text(encoding="utf-8"), path.name)
    catalogue = version.catalogue
    codes = list(catalogue.indicators)
    scopes = catalogue.scope_codes
    levels = ["below_basic", "basic", "medium", "high"]
    series = do_create_series(
        None,
        version,
        title=SERIES,
        year=2024,
        opens_on=dt.date(2024, 11, 1),
        closes_on=dt.date(2024, 11, 15),
    )
    previous: dict[int, int] = {}
    campaign_of: dict[tuple[int, int], int] = {}
    for year in YEARS:
        created = Campaign.objects.bulk_create(
            [
                Campaign(
                    region=r,
                    criteria=version,
                    title=f"Кампания {year}",
                    year=year,
                    opens_on=dt.date(year, 11, 1),
                    closes_on=dt.date(year, 11, 15),
                    previous_id=previous.get(r.pk),
                    series=series if year == YEARS[-1] else None,
                )
                for r in region_rows
            ]
        )
        for c in created:
            campaign_of[(c.region_id, year)] = c.pk
            previous[c.region_id] = c.pk
    now = timezone.now()
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
                campaign_of[(region_of[s], year)],
                s,
                Status.VERIFIED if rng.random() < 0.93 else Status.DRAFT,
                "noo,ooo,soo",
                False,
                0,
                0,
                "",
                "web",
                now,
            )
            for year in YEARS
            for s in region_of
        ),
    )
    subs = {
        (cid, sid): pk
        for pk, cid, sid in Submission.objects.values_list("pk", "campaign_id", "school_id")
    }
    # Regions differ in strength, so the federal view has something to show.
    strength = {r.pk: rng.gauss(0.0, 0.08) for r in region_rows}

    def result_rows() -> Iterable[tuple[object, ...]]:
        for year in YEARS:
            for s, rid in region_of.items():
                cid = campaign_of[(rid, year)]
                for scope in scopes:
                    share = rng.gauss(0.6 + 0.03 * (year - 2022) + strength[rid], 0.2)
                    share = min(1.0, max(0.0, share))
                    level = levels[min(3, int(share * 4))]
                    yield (subs[(cid, s)], cid, s, scope, round(share * 20, 1), 20.0, level, 0, 0)

    insert_rows(Result, RESULT_COLUMNS, result_rows())

    def deficit_rows() -> Iterable[tuple[object, ...]]:
        for year in YEARS:
            for s, rid in region_of.items():
                cid = campaign_of[(rid, year)]
                for code in rng.sample(codes, 10):
                    direction = catalogue.indicators[code].direction
                    yield (subs[(cid, s)], cid, s, code, direction, "zero", 0.0, 1.0)

    insert_rows(Deficit, DEFICIT_COLUMNS, deficit_rows())
    with connection.cursor() as c:
        # What autovacuum does on a live database: statistics and the visibility map.
        c.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"built in {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=40_000)
    parser.add_argument("--regions", type=int, default=85)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from marshrut.accounts.models import User
    from marshrut.analytics import federal
    from marshrut.diagnostics.models import CampaignSeries, Deficit, Result
    from marshrut.orgs.models import Membership, Person, Region

    build(args.schools, args.regions, args.reuse)
    print(
        f"{connection.vendor}, {args.schools} schools in {args.regions} regions × "
        f"{len(YEARS)} campaigns: {Result.objects.count()} result rows, "
        f"{Deficit.objects.count()} deficit rows; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    user = User.objects.filter(username="bench-federal").first()
    if user is None:
        user = User.objects.create_user("bench-federal", password="x")
        person = Person.objects.create(last_name="Федеральный", first_name="Замер", user=user)
        Membership.objects.create(person=person, role="federal")
    series = CampaignSeries.objects.get(title=SERIES)
    regions = federal.federal_regions(user)
    campaigns = federal.compared_campaigns(regions, series=series)
    ids = [c.pk for c in campaigns]
    region_ids = [c.region_id for c in campaigns]
    in_ids = ", ".join(str(i) for i in ids)
    in_regions = ", ".join(str(i) for i in region_ids)
    in_previous = ", ".join(str(c.previous_id) for c in campaigns if c.previous_id)
    rank = "CASE {0} WHEN 'below_basic' THEN 0 WHEN 'basic' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
    raw = {
        # The campaigns with their regions and districts, and the series' criteria catalogue.
        "compared_campaigns": (
            "SELECT c.*, r.*, d.*, v.source_text "
            "FROM diagnostics_campaign c JOIN orgs_region r ON r.id = c.region_id "
            "LEFT JOIN orgs_federaldistrict d ON d.id = r.district_id "
            "JOIN diagnostics_criteriaversion v ON v.id = c.criteria_id "
            f"WHERE c.series_id = {series.pk} AND c.id = (SELECT MIN(id) FROM diagnostics_campaign "
            f"WHERE series_id = {series.pk}) UNION ALL "
            "SELECT c.*, r.*, d.*, NULL FROM diagnostics_campaign c "
            "JOIN orgs_region r ON r.id = c.region_id "
            "LEFT JOIN orgs_federaldistrict d ON d.id = r.district_id "
            f"WHERE c.series_id = {series.pk}"
        ),
        "results_by_campaign": (
            "SELECT campaign_id, scope, COUNT(*), AVG(points / max_points), "
            + ", ".join(
                f"COUNT(*) FILTER (WHERE level = '{level}')"
                if connection.vendor == "postgresql"
                else f"SUM(level = '{level}')"
                for level in ("below_basic", "basic", "medium", "high")
            )
            + f" FROM diagnostics_result WHERE campaign_id IN ({in_ids}) "
            "GROUP BY campaign_id, scope"
        ),
        "fell_by_campaign": (
            "SELECT r.campaign_id, COUNT(*) FROM diagnostics_result r "
            "JOIN diagnostics_campaign c ON c.id = r.campaign_id "
            "JOIN diagnostics_result p ON p.campaign_id = c.previous_id "
            "AND p.school_id = r.school_id AND p.scope = 'overall' "
            f"AND p.campaign_id IN ({in_previous}) "
            f"WHERE r.campaign_id IN ({in_ids}) AND r.scope = 'overall' "
            f"AND r.level <> 'below_basic' AND {rank.format('p.level')} > {rank.format('r.level')} "
            "GROUP BY r.campaign_id"
        ),
        "participation_by_campaign": (
            "SELECT campaign_id, status, COUNT(*) FROM diagnostics_submission "
            f"WHERE campaign_id IN ({in_ids}) GROUP BY campaign_id, status"
        ),
        "registry_by_region": (
            "SELECT m.region_id, COUNT(*) FROM orgs_school s "
            "JOIN orgs_municipality m ON m.id = s.municipality_id "
            f"WHERE s.is_active AND m.region_id IN ({in_regions}) GROUP BY m.region_id"
        ),
    }
    orm: dict[str, Callable[[], object]] = {
        "compared_campaigns": lambda: federal.compared_campaigns(regions, series=series),
        "results_by_campaign": lambda: federal.results_by_campaign(ids),
        "fell_by_campaign": lambda: federal.fell_by_campaign(campaigns),
        "participation_by_campaign": lambda: federal.participation_by_campaign(ids),
        "registry_by_region": lambda: federal.registry_by_region(region_ids),
    }

    def run_raw(sql: str) -> list[tuple[object, ...]]:
        with connection.cursor() as c:
            c.execute(sql)
            return c.fetchall()

    # The same answers: the raw queries count what the functions count.
    fell_raw = dict(run_raw(raw["fell_by_campaign"]))  # type: ignore[arg-type]
    assert fell_raw == federal.fell_by_campaign(campaigns), "the falls differ"

    total_orm = total_raw = 0.0
    print(f"{'aggregate':<30}{'ORM, ms':>10}{'raw SQL, ms':>14}{'ratio':>8}")
    for name, fn in orm.items():
        fn()
        t_orm = median_ms(fn, args.runs)
        t_raw = median_ms(lambda sql=raw[name]: run_raw(sql), args.runs)
        total_orm += t_orm
        total_raw += t_raw
        print(f"{name:<30}{t_orm:>10.1f}{t_raw:>14.1f}{t_orm / t_raw:>8.2f}")
    print(
        f"federal aggregates: {total_orm:.0f} ms; raw SQL: {total_raw:.0f} ms; "
        f"ratio {total_orm / total_raw:.2f}"
    )
    if args.explain and connection.vendor == "postgresql":
        for name, sql in raw.items():
            print(f"--- EXPLAIN ANALYZE {name}")
            for (line,) in run_raw(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"):
                print(line)

    build_ms = median_ms(lambda: federal.build(regions, series=series), args.runs)
    print(f"federal.build() (aggregates and rows): {build_ms:.0f} ms")
    client = Client()
    client.force_login(user)
    pages = {
        "federal page": "/analytics/federal/",
        "region page": f"/analytics/?campaign={campaigns[0].pk}&region={campaigns[0].region.code}",
    }
    for label, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        page_ms = median_ms(lambda url=url: client.get(url), args.runs)
        print(f"{label} (server time, median): {page_ms:.0f} ms, {len(response.content)} bytes")
    region = Region.objects.get(pk=campaigns[0].region_id)
    print(
        f"(the region page: {region.name}, "
        f"{Result.objects.filter(campaign_id=campaigns[0].pk, scope='overall').count()} schools)"
    )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
