"""SQLite planner statistics: the analytics pages without them and after the product collects them.

    SCHOOLS=10000 .venv/bin/python bench/bench_sqlite_statistics.py

Builds the data of ``bench_dashboard.py`` (SCHOOLS schools, three scored campaigns, rows written
straight into the tables), then serves the municipality and the region dashboard pages (server
time through Django's test client, median) three ways: with no statistics at all (``sqlite_stat1``
emptied — what the product had before: it never ran ANALYZE), with the statistics ``migrate``
left (collected on empty tables), and after :func:`marshrut.diagnostics.partitions.analyse`, which
the results import now runs after it commits (and ``migrate`` after it migrates). Prints each
figure beside the no-statistics one as a ratio.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SCHOOLS", "10000")
import bench_dashboard  # sets the environment up


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from marshrut.accounts.models import User
    from marshrut.diagnostics.partitions import analyse
    from marshrut.orgs.models import Membership, Municipality, Person

    assert connection.vendor == "sqlite", "this benchmark is about SQLite"
    campaign = bench_dashboard.build()
    with connection.cursor() as cursor:
        # build() ran migrate on an empty database and then wrote the rows around the product.
        cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = 'diagnostics_result'")
        after_migrate = cursor.fetchall()
    region = campaign.region
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
        "municipality page": f"/analytics/?campaign={campaign.pk}&municipality={first.pk}",
        "region page": f"/analytics/?campaign={campaign.pk}",
    }
    saved: list[tuple[object, ...]] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1")
        saved = cursor.fetchall()

    def measure(state: str) -> dict[str, float]:
        connection.close()  # SQLite reads sqlite_stat1 when a connection opens
        out = {}
        for label, url in pages.items():
            assert client.get(url).status_code == 200
            times, cpu = [], []
            for _ in range(int(os.environ.get("RUNS", "7"))):
                start, start_cpu = time.perf_counter(), time.process_time()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            # The page runs in this process: its CPU time says what the wall time says on an
            # idle machine (the machine is shared; SQLite has no server).
            out[label] = sorted(times)[len(times) // 2]
            out[label + ", CPU"] = sorted(cpu)[len(cpu) // 2]
        print(f"{state}: " + ", ".join(f"{k} {v:.0f} ms" for k, v in out.items()))
        return out

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1")
    none = measure("no statistics (the product before)")
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", saved)
    print(f"  statistics of diagnostics_result left by migrate: {after_migrate or 'none'}")
    stale = measure("statistics as migrate left them")
    started = time.perf_counter()
    analyse()
    took = time.perf_counter() - started
    print(f"analyse() of the whole database: {took:.1f} s")
    fresh = measure("after analyse()")
    for label in [*pages, *(f"{p}, CPU" for p in pages)]:
        print(
            f"{label}: no statistics {none[label]:.0f} ms; after migrate {stale[label]:.0f} ms; "
            f"after analyse() {fresh[label]:.0f} ms; ratio {fresh[label] / none[label]:.2f}"
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
