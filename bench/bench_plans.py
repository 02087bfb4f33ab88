"""Benchmark of roadmaps: parsing a 300-row DOCX plan, and the cross-plan execution page.

1. Builds a DOCX plan of 300+ rows (seed 001's rows repeated, merged section rows, as the
   kernel tests build them) and times ``read_document`` on it (target: under 3 s).
2. Generates a region with 1,000 plans of 30 items each (1 regional, 99 municipal, 900 school
   plans) with random statuses and reports, then times the execution page across all plans as
   the operator sees it, in process through Django's test client (target: under 300 ms of server
   time), and prints its query count. The items are written in bulk, so the execution summary
   is rebuilt after them (``rebuild_tallies``), and PostgreSQL's statistics are gathered, as
   autovacuum would. ``--year`` sets the plans' year: with 2024 every open item is overdue by
   now; with the current year the page has both overdue and coming items.

Run on SQLite (a temporary database) or PostgreSQL::

    .venv/bin/python bench/bench_plans.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_plans .venv/bin/python bench/bench_plans.py

Prints figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import io
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
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-plans-")
SEED = ROOT.parent / "shared" / "seeds" / "001_25124ddb0d9dfe29.txt"


def docx_plan(rows: int) -> bytes:
    """A DOCX with the seed's table repeated to at least ``rows`` item rows."""
    import docx

    from marshrut.kernels.plan_reader import read_plan

    plan = read_plan(SEED.read_bytes(), SEED.name, 2024)
    document = docx.Document()
    document.add_paragraph("План мероприятий («дорожная карта»)")
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ["№ п/п", "Наименование мероприятия", "Сроки", "Ответственный", "Ожидаемый результат"],
        strict=True,
    ):
        cell.text = text
    written = 0
    while written < rows:
        for section in plan.sections:
            row = table.add_row()
            merged = row.cells[0].merge(row.cells[-1])
            merged.paragraphs[0].add_run(f"{section.number}. {section.title}").bold = True
            for item in section.items:
                cells = table.add_row().cells
                values = [
                    item.number or "",
                    item.title,
                    item.deadlines[0].schedule.text if item.deadlines else "",
                    item.responsible_text or "",
                    item.expected_result or "",
                ]
                for cell, value in zip(cells, values, strict=True):
                    cell.text = value
                written += 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def bench_parse(rows: int, repeat: int) -> None:
    from marshrut.plans.importing import read_document

    data = docx_plan(rows)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        plan = read_document(data, "plan.docx", 2024)
        times.append(time.perf_counter() - started)
    print(
        f"разбор DOCX: {len(plan.items)} строк, {len(data) // 1024} КБ — "
        f"медиана {statistics.median(times):.2f} с, лучшее {min(times):.2f} с (повторов {repeat})"
    )


def prepare(plans: int, items: int, year: int) -> object:
    """A fresh database with one region, its plans and reports; returns the operator user."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from marshrut.accounts.models import User
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Membership, Municipality, Person, Region, School
    from marshrut.orgs.roles import Role
    from marshrut.plans.actions import do_create_plan, rebuild_tallies
    from marshrut.plans.models import ControlDate, ItemStatus, Level, Plan, PlanItem, PlanSection

    started = time.monotonic()
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="Область для замеров", code="95")
    municipal_plans = max(1, plans // 10) - 1
    school_plans = plans - 1 - municipal_plans
    municipalities = Municipality.objects.bulk_create(
        [
            Municipality(region=region, name=f"Район {i}", oktmo=f"95{i:03d}000")
            for i in range(max(municipal_plans, 1))
        ]
    )
    schools = School.objects.bulk_create(
        [
            School(
                municipality=municipalities[i % len(municipalities)],
                full_name=f"Школа № {i}",
                short_name=f"Школа № {i}",
                inn=make_inn(50_000 + i),
            )
            for i in range(school_plans)
        ],
        batch_size=2000,
    )
    user = User.objects.create_user("bench-operator", password="x")
    person = Person.objects.create(
        region=region, last_name="Оператор", first_name="Замер", user=user
    )
    Membership.objects.create(person=person, role=Role.OPERATOR, region=region)

    seed_rows = _seed_rows(region, year)
    rows = [seed_rows[i % len(seed_rows)] for i in range(items)]
    # One plan through the action, the rest copied from it in bulk: the page is measured, not this.
    model = do_create_plan(
        None, level=Level.REGION, year=year, title="Региональная", rows=rows, region=region
    )
    owners: list[dict[str, object]] = [
        {"municipality": m} for m in municipalities[:municipal_plans]
    ]
    owners += [{"school": s, "municipality_id": s.municipality_id} for s in schools]
    copies = Plan.objects.bulk_create(
        [
            Plan(
                region=region,
                level=Level.SCHOOL if "school" in owner else Level.MUNICIPALITY,
                title=f"Карта {n}",
                year=year,
                starts_on=model.starts_on,
                ends_on=model.ends_on,
                **owner,
            )
            for n, owner in enumerate(owners)
        ],
        batch_size=2000,
    )
    sections = list(model.sections.all())
    new_sections = PlanSection.objects.bulk_create(
        [
            PlanSection(plan=p, position=s.position, number=s.number, title=s.title)
            for p in copies
            for s in sections
        ],
        batch_size=5000,
    )
    section_of = {(s.plan_id, s.position): s for s in new_sections}
    position_of = {s.pk: s.position for s in sections}
    source = list(model.items.prefetch_related("organisations", "control_dates"))
    new_items = PlanItem.objects.bulk_create(
        [
            PlanItem(
                plan=p,
                section=section_of[(p.pk, position_of[i.section_id])],
                position=i.position,
                number=i.number,
                title=i.title,
                deadline_text=i.deadline_text,
                deadlines=i.deadlines,
                responsible_text=i.responsible_text,
                responsible=i.responsible,
                expected_result=i.expected_result,
                targets=i.targets,
                starts_on=i.starts_on,
                due_on=i.due_on,
                next_due_on=i.next_due_on,
            )
            for p in copies
            for i in source
        ],
        batch_size=5000,
    )
    through = PlanItem.organisations.through
    links, dates = [], []
    for n, new in enumerate(new_items):
        old = source[n % len(source)]
        links += [
            through(planitem_id=new.pk, organisation_id=o.pk) for o in old.organisations.all()
        ]
        dates += [
            ControlDate(item=new, label=c.label, starts_on=c.starts_on, due_on=c.due_on)
            for c in old.control_dates.all()
        ]
    through.objects.bulk_create(links, batch_size=5000)
    ControlDate.objects.bulk_create(dates, batch_size=5000)
    rng = random.Random(7)
    ids = list(PlanItem.objects.values_list("pk", flat=True))
    done = rng.sample(ids, len(ids) // 2)
    PlanItem.objects.filter(pk__in=done).update(status=ItemStatus.DONE, next_due_on=None)
    ControlDate.objects.filter(item_id__in=done).update(met_on=dt.date(year, 12, 1))
    in_progress = rng.sample(sorted(set(ids) - set(done)), len(ids) // 5)
    PlanItem.objects.filter(pk__in=in_progress).update(status=ItemStatus.IN_PROGRESS)
    # The items were written in bulk, past the actions that keep the execution summary.
    rebuild_tallies()
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load; without it the planner guesses one plan.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"база: {connection.vendor}, дорожных карт {plans}, мероприятий {PlanItem.objects.count()}: "
        f"подготовлено за {time.monotonic() - started:.1f} с"
    )
    return user


def _seed_rows(region: object, year: int) -> list[dict]:
    from marshrut.plans.importing import dictionary_for, draft_from_plan, read_document

    plan = read_document(SEED.read_bytes(), SEED.name, year, dictionary_for(region))  # type: ignore[arg-type]
    return draft_from_plan(plan)["rows"]


def bench_page(user: object, repeat: int, year: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)  # type: ignore[arg-type]
    url = f"/plans/execution/?year={year}"
    assert client.get(url).status_code == 200
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
    assert response.status_code == 200
    print(
        f"страница исполнения по всем картам: медиана {statistics.median(times) * 1000:.0f} мс, "
        f"лучшее {min(times) * 1000:.0f} мс, запросов к базе {len(queries)} (повторов {repeat})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--year",
        type=int,
        default=2024,
        help="год карт; 2024 — всё открытое уже просрочено, текущий год — смесь просроченного "
        "и ближайшего",
    )
    args = parser.parse_args()
    import django

    django.setup()
    bench_parse(args.rows, args.repeat)
    user = prepare(args.plans, args.items, args.year)
    bench_page(user, args.repeat, args.year)


if __name__ == "__main__":
    main()
