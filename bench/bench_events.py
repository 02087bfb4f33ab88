"""Benchmark of the events list: a year of 500 events with 20,000 named participations.

Generates a region (20 municipalities, 400 schools, 4,000 people), 500 events of one year and
20,000 participations, then times as the operator sees them, in process through Django's test
client: the list page of the year (target: under 200 ms of server time), its XLSX export (all
500 rows) and the calendar of a month; prints the query counts. Prints figures only.

Run on SQLite (a temporary database) or PostgreSQL::

    .venv/bin/python bench/bench_events.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_events .venv/bin/python bench/bench_events.py
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
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-events-")


def timed(client, url: str, repeat: int = 7) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries


def main() -> None:
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from marshrut.accounts.models import User
    from marshrut.events.models import Event, Participation
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Membership, Municipality, Person, Region, School
    from marshrut.orgs.roles import Role

    setup_test_environment()
    call_command("migrate", verbosity=0)
    rng = random.Random(5)
    region, created = Region.objects.get_or_create(code="97", defaults={"name": "Бенч-область"})
    if created:
        ms = Municipality.objects.bulk_create(
            Municipality(region=region, name=f"МО {i}", oktmo=f"97{i:03d}000") for i in range(20)
        )
        schools = School.objects.bulk_create(
            School(
                municipality=ms[i % 20],
                full_name=f"Школа {i}",
                short_name=f"Школа {i}",
                inn=make_inn(90000 + i),
            )
            for i in range(400)
        )
        people = Person.objects.bulk_create(
            Person(
                region=region,
                municipality=s.municipality,
                school=s,
                last_name=f"Фамилия{k}",
                first_name="Имя",
            )
            for k, s in enumerate(schools * 10)
        )
        events = Event.objects.bulk_create(
            Event(
                region=region,
                municipality=ms[i % 20] if i % 3 else None,
                title=f"Семинар {i}: управление качеством образования",
                starts_on=(d := dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 360))),
                ends_on=d + dt.timedelta(days=rng.choice([0, 0, 1, 30])),
                organiser="ИРО",
                participants_text="Педагоги – 40 человек",
                participants_total=40,
            )
            for i in range(500)
        )
        # 40 distinct people per event.
        pick = [people[((i % 500) * 40 + i // 500) % len(people)] for i in range(20000)]
        Participation.objects.bulk_create(
            Participation(
                event=events[i % 500], person=p, school_id=p.school_id, attended=rng.random() < 0.9
            )
            for i, p in enumerate(pick)
        )
        user = User.objects.create_user("bench-operator", password="x")
        person = Person.objects.create(
            region=region, last_name="Оператор", first_name="Бенч", user=user
        )
        Membership.objects.create(person=person, role=Role.OPERATOR, region=region)
    user = User.objects.get(username="bench-operator")
    client = Client()
    client.force_login(user)
    print(
        f"events: {Event.objects.filter(region=region).count()}, participations: {Participation.objects.count()}"
    )
    for label, url in [
        ("list of the year, page 1", "/events/?year=2024"),
        ("list of the year, search", "/events/?year=2024&q=семинар"),
        ("XLSX export of the year (500 rows)", "/events/?year=2024&export=xlsx"),
        ("calendar of a month", "/events/calendar/?month=2024-03"),
    ]:
        ms_, queries = timed(client, url)
        print(f"{label:40s} {ms_:8.1f} ms (median of 7), {queries} queries")


if __name__ == "__main__":
    main()
