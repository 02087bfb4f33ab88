"""Benchmark of the ШНОР monitoring stages table: 300 cohort schools × 6 stages × 3 documents.

Generates a region (15 municipalities, 300 schools, all in the year's cohort), 6 stages with 3
required documents each, and about 4,300 school documents in every status (about a fifth not sent),
then times as the operator sees it, in process through Django's test client: the region's
schools × stages page (target: under 200 ms of server time) against the raw SQL of the same
aggregation (the cohort with its schools and municipalities, and the submissions grouped by school
and stage, in one statement, plus the stages with their document counts). Prints the query count
of the page too. Also times the federal XLSX of the year (5,400 rows).

Run on SQLite (a temporary database) or PostgreSQL::

    .venv/bin/python bench/bench_shnor_stages.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_shnor .venv/bin/python bench/bench_shnor_stages.py
"""

from __future__ import annotations

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
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-shnor-")

YEAR = 2022
SCHOOLS = 300
STAGES = 6
DOCUMENTS = 3

RAW = """
SELECT s.id, s.short_name, s.inn, m.name, g.stage_id, g.accepted, g.sent, g.returned
FROM support_participation p
JOIN orgs_school s ON s.id = p.school_id
JOIN orgs_municipality m ON m.id = s.municipality_id
LEFT JOIN (
    SELECT school_id, stage_id,
           SUM(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END) AS accepted,
           SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent,
           SUM(CASE WHEN status = 'returned' THEN 1 ELSE 0 END) AS returned
    FROM support_stagesubmission
    WHERE stage_id IN (SELECT id FROM support_stage WHERE region_id = %s AND year = %s)
    GROUP BY school_id, stage_id
) g ON g.school_id = p.school_id
WHERE p.year = %s AND p.left_on IS NULL AND m.region_id = %s
ORDER BY m.name, s.short_name, s.id
"""
RAW_STAGES = """
SELECT st.id, st.number, st.title, st.control_on, COUNT(d.id)
FROM support_stage st LEFT JOIN support_stagedocument d ON d.stage_id = st.id
WHERE st.region_id = %s AND st.year = %s
GROUP BY st.id, st.number, st.title, st.control_on
ORDER BY st.number
"""


def median_ms(work, repeat: int = 9) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def build() -> None:
    import datetime as dt

    from django.utils import timezone

    from marshrut.accounts.models import User
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Membership, Municipality, Person, Region, School
    from marshrut.orgs.roles import Role
    from marshrut.support.models import Participation
    from marshrut.support.models.stages import Stage, StageDocument, StageSubmission

    rng = random.Random(12)
    region = Region.objects.create(code="97", name="Бенч-область")
    ms = Municipality.objects.bulk_create(
        Municipality(region=region, name=f"МО {i:02d}", oktmo=f"97{i:03d}000") for i in range(15)
    )
    schools = School.objects.bulk_create(
        School(
            municipality=ms[i % 15],
            full_name=f"Школа {i}",
            short_name=f"МБОУ СОШ № {i}",
            inn=make_inn(70000 + i),
            is_shnor=True,
        )
        for i in range(SCHOOLS)
    )
    Participation.objects.bulk_create(
        Participation(school=s, year=YEAR, entered_on=dt.date(YEAR, 1, 15)) for s in schools
    )
    stages = Stage.objects.bulk_create(
        Stage(
            region=region,
            year=YEAR,
            number=n + 1,
            title=f"Этап {n + 1}",
            control_on=dt.date(YEAR, 2 + 2 * n, 15),
        )
        for n in range(STAGES)
    )
    documents = StageDocument.objects.bulk_create(
        StageDocument(stage=st, position=k + 1, title=f"Документ {k + 1} этапа {st.number}")
        for st in stages
        for k in range(DOCUMENTS)
    )
    now = timezone.now()
    rows = []
    for s in schools:
        for d in documents:
            roll = rng.random()
            if roll < 0.2:
                continue  # not sent
            status = "accepted" if roll < 0.75 else "sent" if roll < 0.93 else "returned"
            rows.append(
                StageSubmission(
                    document=d,
                    stage_id=d.stage_id,
                    school=s,
                    status=status,
                    remark="исправить" if status == "returned" else "",
                    sent_at=now,
                    decided_at=None if status == "sent" else now,
                )
            )
    StageSubmission.objects.bulk_create(rows, batch_size=2000)
    user = User.objects.create_user("bench-operator", password="x")
    person = Person.objects.create(
        region=region, last_name="Оператор", first_name="Бенч", user=user
    )
    Membership.objects.create(
        person=person, role=Role.OPERATOR, region=region, started_on=dt.date(2020, 1, 1)
    )


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )

    from marshrut.accounts.models import User
    from marshrut.orgs.models import Region
    from marshrut.support.models.stages import StageSubmission

    setup_test_environment()
    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code="97").exists():
        build()
    region = Region.objects.get(code="97")
    client = Client()
    client.force_login(User.objects.get(username="bench-operator"))
    url = f"/shnor/stages/?year={YEAR}"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    table = response.context["table"]
    assert len(table.rows) == SCHOOLS and len(table.stages) == STAGES
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx.captured_queries)
    # Timed as served: without the test environment's instrumented template rendering.
    teardown_test_environment()
    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(username="bench-operator"))
    cpu: list[float] = []

    def page_request() -> None:
        started = time.process_time()
        assert client.get(url).status_code == 200
        cpu.append(time.process_time() - started)

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW_STAGES, [region.pk, YEAR])
            cursor.fetchall()
            cursor.execute(RAW, [region.pk, YEAR, YEAR, region.pk])
            cursor.fetchall()

    page = median_ms(page_request)
    baseline = median_ms(raw)
    export = median_ms(lambda: client.get(f"{url}&export=xlsx"), repeat=3)
    print(
        f"{connection.vendor}: {SCHOOLS} schools × {STAGES} stages × {DOCUMENTS} documents, "
        f"{StageSubmission.objects.count()} submissions; page: {queries} queries; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"stages table: {page:.1f} ms; raw SQL: {baseline:.1f} ms; ratio {page / baseline:.1f}")
    print(f"stages table, CPU time of the request: {statistics.median(cpu) * 1000:.1f} ms")
    print(f"federal XLSX of the year ({SCHOOLS * STAGES * DOCUMENTS} rows): {export:.0f} ms")


if __name__ == "__main__":
    main()
