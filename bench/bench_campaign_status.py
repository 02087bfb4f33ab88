"""Campaign status page for a region of 1,000 schools: server time of one request.

    python bench/bench_campaign_status.py                 # SQLite file in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench python bench/bench_campaign_status.py

Builds a fresh database (migrations, a region, 1,000 schools in 30 municipalities, a campaign
with every status, scored results), then times GET /diagnostics/campaigns/<id>/ through Django's
test client — the whole server side: middleware, queries, template — and prints the median and
the 95th percentile of 30 runs and the number of queries.
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


def main() -> None:
    import django

    django.setup()
    import datetime as dt
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from marshrut.accounts.models import User
    from marshrut.diagnostics.actions import do_load_criteria, do_open_campaign
    from marshrut.diagnostics.models import Result, Status, Submission
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Membership, Municipality, Person, Region, School

    call_command(
        "flush", interactive=False, verbosity=0
    ) if connection.vendor == "postgresql" else None
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="Область для замеров", code="96")
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Район {i}", oktmo=f"96{i:03d}000") for i in range(30)]
    )
    School.objects.bulk_create(
        [
            School(
                municipality=municipalities[i % 30],
                full_name=f"Школа {i}",
                short_name=f"Школа {i}",
                inn=make_inn(i),
            )
            for i in range(SCHOOLS)
        ]
    )
    path = ROOT / "marshrut" / "data" / "criteria" / "demo-2024.yaml"
    version = do_load_criteria(None, path.read_text(encoding="utf-8"), path.name)
    today = timezone.localdate()
    campaign = do_open_campaign(
        None,
        region,
        version,
        title="Замер",
        year=today.year,
        opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=3),
    )
    rng = random.Random(1)
    subs = list(campaign.submissions.all())
    for s in subs:
        s.status = rng.choice(list(Status))
    Submission.objects.bulk_update(subs, ["status"], batch_size=2000)
    Result.objects.bulk_create(
        [
            Result(
                submission=s,
                campaign=campaign,
                school_id=s.school_id,
                scope="overall",
                points=50,
                max_points=100,
                level=rng.choice(["below_basic", "basic", "medium", "high"]),
            )
            for s in subs
            if s.status in (Status.SUBMITTED, Status.VERIFIED)
        ],
        batch_size=2000,
    )
    user = User.objects.create_user("bench-operator", password="x")
    person = Person.objects.create(
        region=region, last_name="Оператор", first_name="Замер", user=user
    )
    Membership.objects.create(person=person, role="operator", region=region)
    client = Client()
    client.force_login(user)
    url = f"/diagnostics/campaigns/{campaign.pk}/"
    assert client.get(url).status_code == 200
    times = []
    for _ in range(30):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    print(
        f"campaign status page, {SCHOOLS} schools, {connection.vendor}: "
        f"median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, "
        f"{len(queries)} queries"
    )


if __name__ == "__main__":
    main()
