"""Benchmark of the e-mail digests: building every daily digest of 10,000 people.

Generates a region with 10,000 people (each with an e-mail and a daily digest chosen), writes five
notifications to each through the outbox (``notify.actions.notify``: 50,000 notifications and
deliveries), then times what the morning run of ``marshrut notify send`` does before talking to
the mail server: claim the due deliveries, group them per person and build each letter (text and
HTML parts, headers, the signed unsubscribe link) down to its MIME bytes. Target: under 30 s.

Baseline: the same letters' text made by a bare loop over one raw SQL query (no ORM, no MIME, no
signing) — the floor of the job. Also timed: the whole run with Django's dummy mail backend (the
per-letter transactions included). Prints figures only.

    .venv/bin/python bench/bench_digests.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_digests .venv/bin/python bench/bench_digests.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SITE_URL", "https://marshrut.example")
if "DATABASE_URL" not in os.environ and "MARSHRUT_VAR_DIR" not in os.environ:
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-digests-")

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "10000"))
PER_PERSON = 5


def main() -> None:
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from marshrut.notify import sender
    from marshrut.notify.actions import Draft, notify
    from marshrut.notify.email import EmailChannel, build
    from marshrut.notify.models import Delivery, Kind, Mode, Notification, Preference
    from marshrut.orgs.models import Person, Region

    call_command("migrate", verbosity=0)
    Notification.objects.all().delete()
    region, _c = Region.objects.get_or_create(code="96", defaults={"name": "Бенч-область"})
    people = list(Person.objects.filter(region=region).order_by("pk"))
    if len(people) < PEOPLE:
        Person.objects.bulk_create(
            Person(
                region=region,
                last_name=f"Фамилия{i}",
                first_name="Имя",
                email=f"person{i}@bench.example",
            )
            for i in range(len(people), PEOPLE)
        )
        people = list(Person.objects.filter(region=region).order_by("pk"))
    people = people[:PEOPLE]
    kinds = [
        Kind.ITEMS_DUE,
        Kind.DECISIONS_DUE,
        Kind.STAGE_DUE,
        Kind.PLAN_RETURNED,
        Kind.ANSWERS_RETURNED,
    ]
    Preference.objects.filter(person__in=people).delete()
    Preference.objects.bulk_create(
        (Preference(person=p, kind=k, email=Mode.DAILY) for p in people for k in kinds),
        batch_size=2000,
    )
    start = time.perf_counter()
    notify(
        Draft(
            p,
            kinds[j],
            f"Маршрут: событие {j + 1} — мероприятие дорожной карты «Семинар для педагогов» ({i})",
            "Здравствуйте!\n\nТекст уведомления.",
            f"/plans/items/{i * PER_PERSON + j}/",
            region,
            f"bench{j}",
        )
        for i, p in enumerate(people)
        for j in range(PER_PERSON)
    )
    written = time.perf_counter() - start
    Delivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    deliveries = Delivery.objects.count()

    # Ours: claim, group per person, build each letter down to its bytes.
    start = time.perf_counter()
    claimed = sender.claim("email", "bench", 10 * deliveries)
    channel = EmailChannel()
    letters = 0
    size = 0
    for batch in channel.batches(claimed):
        message = build(batch)
        assert message is not None
        size += len(message.message().as_bytes())
        letters += 1
    ours = time.perf_counter() - start
    assert letters == len(people), (letters, len(people))
    Delivery.objects.update(claimed_by="", claimed_until=None)

    # Raw: one SQL query and a bare loop making the same text, no MIME.
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.email, p.last_name, p.first_name, n.subject, n.link "
            "FROM notify_delivery d JOIN notify_notification n ON n.id = d.notification_id "
            "JOIN orgs_person p ON p.id = n.recipient_id "
            "WHERE d.channel = 'email' AND d.status = 'pending' ORDER BY p.id, d.id"
        )
        rows = cursor.fetchall()
    texts = []
    current = None
    lines: list[str] = []
    for pid, _email, last, first, subject, link in rows:
        if pid != current:
            if lines:
                texts.append("\n".join(lines))
            current = pid
            lines = [f"Здравствуйте, {last} {first}!", ""]
        lines.append(f"• {subject}\n  https://marshrut.example{link}")
    texts.append("\n".join(lines))
    raw = time.perf_counter() - start
    assert len(texts) == len(people)

    # The whole run, with a mail backend that sends nothing.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        start = time.perf_counter()
        result = sender.run(["email"], limit=10 * deliveries)["email"]
        full = time.perf_counter() - start
    assert result.batches == len(people), result

    print(f"database: {connection.vendor}")
    print(f"people: {len(people)}, notifications: {deliveries} ({PER_PERSON} each)")
    print(f"writing the outbox (notify): {written:.1f} s")
    print(
        f"building all digests: {ours:.1f} s for {letters} letters "
        f"({size / letters / 1024:.1f} KiB each); raw loop: {raw:.2f} s; ratio {ours / raw:.0f}"
    )
    print(f"whole send run (dummy backend, per-letter transactions): {full:.1f} s")


if __name__ == "__main__":
    main()
