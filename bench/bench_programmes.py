"""The region's overview of 1,000 development programmes: server time, queries, a raw baseline.

    python bench/bench_programmes.py                 # SQLite file in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_prog python bench/bench_programmes.py

Builds a fresh database (a region, 1,000 schools in 30 municipalities, a programme of every
school in one of four states, some overdue), times GET /programmes/overview/ through Django's test
client (median of 30 runs), and compares the two aggregates the page runs with the same figures
written as one raw SQL query. Also times one programme's DOCX of a realistic size. Prints
``overview: X ms; raw: Y ms; ratio Z`` and the query count.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
if "DATABASE_URL" not in os.environ:
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-")

SCHOOLS = int(os.environ.get("SCHOOLS", "1000"))
RUNS = 30

RAW = """
SELECT m.id, m.name,
       (SELECT COUNT(*) FROM orgs_school s WHERE s.municipality_id = m.id AND s.is_active),
       COUNT(p.id),
       SUM(CASE WHEN p.status = 'draft' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status = 'submitted' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status = 'returned' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status = 'approved' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status IN ('draft', 'returned') AND p.submit_by < %s THEN 1 ELSE 0 END),
       MIN(CASE WHEN p.status IN ('draft', 'returned') THEN p.submit_by END)
FROM orgs_municipality m
LEFT JOIN orgs_school s2 ON s2.municipality_id = m.id
LEFT JOIN programmes_programme p ON p.school_id = s2.id AND p.region_id = m.region_id
WHERE m.region_id = %s
GROUP BY m.id, m.name
ORDER BY m.name
"""


def median_ms(fn: object, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from marshrut.accounts.models import User
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Membership, Municipality, Person, Region, School
    from marshrut.programmes.models import Programme, ProgrammeSection
    from marshrut.programmes.models.programme import STRUCTURE
    from marshrut.programmes.programme_docx import programme_docx

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="Область для замеров", code="96")
    municipalities = Municipality.objects.bulk_create(
        [
            Municipality(region=region, name=f"Район {i:02d}", oktmo=f"96{i:03d}000")
            for i in range(30)
        ]
    )
    schools = School.objects.bulk_create(
        [
            School(
                municipality=municipalities[i % 30],
                full_name=f"Муниципальное автономное общеобразовательное учреждение «Школа {i}»",
                short_name=f"Школа {i}",
                inn=make_inn(i),
            )
            for i in range(SCHOOLS)
        ]
    )
    states = ["draft", "submitted", "returned", "approved"]
    programmes = Programme.objects.bulk_create(
        [
            Programme(
                region=region,
                school=s,
                title=f"Программа развития {s.short_name} на 2025–2028 годы",
                starts_year=2025,
                ends_year=2028,
                status=states[i % 4],
                submit_by=dt.date(2025, 4, 1) if i % 3 else dt.date(2020, 4, 1),
                agreed_on=dt.date(2025, 5, 1) if states[i % 4] == "approved" else None,
            )
            for i, s in enumerate(schools)
        ],
        batch_size=1000,
    )
    user = User.objects.create_user("bench-operator", password="x")
    person = Person.objects.create(
        region=region, last_name="Оператор", first_name="Замер", user=user
    )
    Membership.objects.create(person=person, role="operator", region=region)
    client = Client()
    client.force_login(user)
    url = "/programmes/overview/"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    page = median_ms(lambda: client.get(url))

    from marshrut.programmes.views import overview_rows

    today = region.today()
    listed = list(Municipality.objects.filter(region=region).order_by("name"))
    orm = median_ms(lambda: overview_rows(region, listed, today))

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW, [today, region.pk])
            cursor.fetchall()

    baseline = median_ms(raw)
    print(f"programmes: {len(programmes)}, municipalities: {len(municipalities)}")
    print(f"overview page: {page:.1f} ms (median of {RUNS}), {len(queries)} queries")
    print(f"overview: {orm:.1f} ms; raw: {baseline:.1f} ms; ratio {orm / baseline:.2f}")

    # One programme's DOCX of a realistic size: 8 directions, 40 deficits, a roadmap of 40 rows.
    target = programmes[0]
    text = "Причины и факторы дефицитов по направлению. " * 20
    ProgrammeSection.objects.bulk_create(
        [
            ProgrammeSection(
                programme=target,
                code=code,
                position=n,
                text=text,
                table={
                    "head": ["Направление", "Код", "Показатель", "Дефицит"],
                    "rows": [
                        [f"Направление {k % 8}", f"ZN.{k:02d}", "Показатель " * 6, "ноль баллов"]
                        for k in range(40)
                    ],
                },
            )
            for n, (code, _t) in enumerate(STRUCTURE, start=1)
        ]
    )
    target.refresh_from_db()
    docx_ms = median_ms(lambda: programme_docx(target), runs=5)
    print(
        f"programme DOCX ({len(STRUCTURE)} sections, 40-row tables): {docx_ms:.0f} ms (median of 5)"
    )


if __name__ == "__main__":
    main()
