"""The regional operator's work queue over 1,000 schools: «Что сделать сейчас» on the home page.

    python bench/bench_work_queue.py                 # SQLite file in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_queue python bench/bench_work_queue.py

Builds a fresh database: a region of SCHOOLS schools (1,000) in 30 municipalities, an open
campaign with every status, the regional roadmap with 300 items (overdue, due this week, later,
done), 300 management decisions, ШНОР documents on review and stage documents sent, import
batches waiting to be applied. Then prints, as the median and 95th percentile of 30 runs:

* ``tasks_for(operator)`` — the queue itself (a fresh user object each run, so the memberships
  are read too), with its number of queries;
* the raw baseline: the same figures (campaign progress by municipality, items overdue and due,
  decisions overdue and due, batches, documents, stage documents) by hand-written SQL, and the
  ratio queue / raw;
* GET / — the whole home page on the server, its body rendered afresh (cache cleared) and
  served from the page cache.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
if "DATABASE_URL" not in os.environ:
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-")

SCHOOLS = int(os.environ.get("SCHOOLS", "1000"))
RUNS = 30


def timed(func: Callable[[], Any]) -> tuple[float, float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def build() -> Any:
    import datetime as dt
    import random

    from django.utils import timezone

    from marshrut.accounts.models import User
    from marshrut.diagnostics.actions import do_load_criteria, do_open_campaign
    from marshrut.diagnostics.models import Status, Submission
    from marshrut.lib.imports import ImportBatch
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Membership, Municipality, Person, Region, School
    from marshrut.plans.models import ItemStatus, Level, Plan, PlanItem, PlanSection
    from marshrut.programmes.models import Decision
    from marshrut.support.models import Participation
    from marshrut.support.models.documents import Document, DocumentKind
    from marshrut.support.models.stages import Stage, StageDocument, StageSubmission

    rng = random.Random(1)
    region = Region.objects.create(name="Область для замеров", code="96")
    today = region.today()
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Район {i}", oktmo=f"96{i:03d}000") for i in range(30)]
    )
    schools = School.objects.bulk_create(
        [
            School(
                municipality=municipalities[i % 30],
                full_name=f"Школа {i}",
                short_name=f"Школа {i}",
                inn=make_inn(i),
                is_shnor=i % 10 == 0,
            )
            for i in range(SCHOOLS)
        ]
    )
    path = ROOT / "marshrut" / "data" / "criteria" / "demo-2024.yaml"
    version = do_load_criteria(None, path.read_text(encoding="utf-8"), path.name)
    campaign = do_open_campaign(
        None,
        region,
        version,
        title="Замер",
        year=today.year,
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=10),
    )
    subs = list(campaign.submissions.all())
    for s in subs:
        s.status = rng.choice(list(Status))
        if s.status in (Status.SUBMITTED, Status.VERIFIED, Status.RETURNED):
            s.submitted_at = timezone.now()
    Submission.objects.bulk_update(subs, ["status", "submitted_at"], batch_size=2000)
    plan = Plan.objects.create(
        region=region,
        level=Level.REGION,
        title="Региональная дорожная карта",
        year=today.year,
        starts_on=dt.date(today.year, 1, 1),
        ends_on=dt.date(today.year, 12, 31),
    )
    section = PlanSection.objects.create(plan=plan, position=1, number="1", title="Раздел")
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                plan=plan,
                section=section,
                position=n,
                number=f"1.{n}",
                title=f"Мероприятие {n}",
                next_due_on=today + dt.timedelta(days=rng.randint(-60, 60)),
                status=rng.choice([ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.DONE]),
            )
            for n in range(1, 301)
        ]
    )
    Decision.objects.bulk_create(
        [
            Decision(
                region=region,
                subject="school",
                municipality=s.municipality,
                school=s,
                source="other",
                decided_by="Комиссия",
                decided_on=today - dt.timedelta(days=90),
                text="Решение",
                due_on=today + dt.timedelta(days=rng.randint(-40, 60)),
            )
            for s in rng.sample(schools, 300)
        ]
    )
    shnor = [s for s in schools if s.is_shnor]
    Participation.objects.bulk_create(
        [Participation(school=s, year=today.year, entered_on=today) for s in shnor]
    )
    Document.objects.bulk_create(
        [
            Document(
                region=region,
                municipality=s.municipality,
                school=s,
                year=today.year,
                kind=DocumentKind.CONCEPT,
                status=rng.choice(list(Document.Status)),
            )
            for s in shnor
        ]
    )
    stage = Stage.objects.create(
        region=region, year=today.year, number=1, title="Этап", control_on=today
    )
    docs = [StageDocument.objects.create(stage=stage, position=i, title=f"Д{i}") for i in (1, 2)]
    StageSubmission.objects.bulk_create(
        [StageSubmission(document=docs[0], stage=stage, school=s) for s in shnor]
    )
    for n in range(5):
        ImportBatch.objects.create(
            kind="registry",
            region=region,
            file=f"imports/{n}.xlsx",
            filename=f"реестр-{n}.xlsx",
            size=1,
            sha256="0" * 64,
            status=ImportBatch.Status.CHECKED,
        )
    user = User.objects.create_user("bench-operator", password="x")
    person = Person.objects.create(
        region=region, last_name="Оператор", first_name="Замер", user=user
    )
    Membership.objects.create(
        person=person, role="operator", region=region, started_on=today - dt.timedelta(days=1)
    )
    return region, user


RAW = [
    # Campaign progress and late municipalities: open campaigns × municipality.
    """SELECT c.id, s.municipality_id, COUNT(*), SUM(CASE WHEN sub.status IN ('submitted','verified')
       THEN 1 ELSE 0 END) FROM diagnostics_submission sub
       JOIN diagnostics_campaign c ON c.id = sub.campaign_id
       JOIN orgs_school s ON s.id = sub.school_id
       WHERE c.region_id = %(region)s AND c.opens_on <= %(today)s AND c.closes_on >= %(today)s
       GROUP BY c.id, s.municipality_id""",
    # Roadmap items overdue and due this week.
    """SELECT SUM(CASE WHEN i.next_due_on < %(today)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN i.next_due_on >= %(today)s AND i.next_due_on <= %(week)s THEN 1 ELSE 0 END),
       MIN(i.next_due_on) FROM plans_planitem i JOIN plans_plan p ON p.id = i.plan_id
       WHERE p.level = 'region' AND p.region_id = %(region)s AND p.status IN ('approved','active')
       AND i.status NOT IN ('done','cancelled') AND i.next_due_on <= %(week)s""",
    # Decisions overdue and due within 30 days.
    """SELECT SUM(CASE WHEN due_on < %(today)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN due_on >= %(today)s THEN 1 ELSE 0 END), MIN(due_on)
       FROM programmes_decision WHERE region_id = %(region)s
       AND status IN ('accepted','in_progress') AND due_on <= %(month)s""",
    """SELECT id, filename FROM lib_importbatch WHERE region_id = %(region)s
       AND status = 'checked' ORDER BY created_at""",
    """SELECT COUNT(*) FROM support_document WHERE region_id = %(region)s AND status = 'review'""",
    """SELECT COUNT(*) FROM support_stagesubmission ss JOIN orgs_school s ON s.id = ss.school_id
       JOIN orgs_municipality m ON m.id = s.municipality_id
       WHERE m.region_id = %(region)s AND ss.status = 'sent'""",
]


def main() -> None:
    import django

    django.setup()
    import datetime as dt

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from marshrut.accounts.models import User
    from marshrut.notify.queue import tasks_for

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    region, user = build()
    today = region.today()
    params = {
        "region": region.pk,
        "today": today,
        "week": today + dt.timedelta(days=7),
        "month": today + dt.timedelta(days=30),
    }

    def queue() -> list[Any]:
        return tasks_for(User.objects.get(pk=user.pk))

    def raw() -> None:
        with connection.cursor() as cursor:
            for sql in RAW:
                cursor.execute(sql, params)
                cursor.fetchall()

    tasks = queue()
    with CaptureQueriesContext(connection) as captured:
        queue()
    q_median, q_p95 = timed(queue)
    r_median, r_p95 = timed(raw)
    print(
        f"work queue of the operator, {SCHOOLS} schools, {connection.vendor}: {len(tasks)} tasks, "
        f"{len(captured)} queries; tasks_for median {q_median:.1f} ms (p95 {q_p95:.1f}); "
        f"raw SQL of the same figures median {r_median:.1f} ms (p95 {r_p95:.1f}); "
        f"ratio {q_median / r_median:.1f}"
    )
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200

    def fresh() -> None:
        cache.clear()
        assert client.get("/").status_code == 200

    def cached() -> None:
        assert client.get("/").status_code == 200

    with CaptureQueriesContext(connection) as captured:
        fresh()
    page_queries = len(captured)
    f_median, f_p95 = timed(fresh)
    c_median, c_p95 = timed(cached)
    print(
        f"home page GET /: body rendered afresh median {f_median:.1f} ms (p95 {f_p95:.1f}), "
        f"{page_queries} queries; from the page cache median {c_median:.1f} ms (p95 {c_p95:.1f})"
    )
    for task in tasks:
        print(f"  {'!' if task.overdue else ' '} {task.title} — {task.detail}")


if __name__ == "__main__":
    main()
