"""Full-text search over 10,000 practices: ``practices.queries.search`` against the bare SQL query.

    python bench/bench_practices_search.py                 # SQLite file in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_practices python bench/bench_practices_search.py

Builds a fresh database (a region, 200 schools, PRACTICES=10000 published practices whose texts
are drawn from a few hundred Russian phrases in different word forms), indexes them the way the
actions do (codes, the SQLite FTS5 table of stems; the PostgreSQL GIN index follows the column),
then for each query times ``search(region, text, filters)`` — scope, filters, ranking, the 50 best
with snippets — and the bare full-text query over the whole table (the 20 best ids), median of 30
runs each. Prints ``search: X ms; raw: Y ms; ratio Z`` per query. Goal: search < 100 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
if "DATABASE_URL" not in os.environ:
    os.environ.setdefault("MARSHRUT_VAR_DIR", tempfile.mkdtemp(prefix="marshrut-bench-"))

PRACTICES = int(os.environ.get("PRACTICES", "10000"))
SCHOOLS = 200
RUNS = 30

SUBJECTS = [
    "учитель",
    "учителя",
    "учителями",
    "педагоги",
    "педагогов",
    "наставник",
    "наставники",
    "классные руководители",
    "родители",
    "родителей",
    "обучающиеся",
    "школьники",
    "ученики",
    "управленческая команда",
    "советник директора",
    "педагог-психолог",
    "методисты",
]
ACTIONS = [
    "проводят",
    "организуют",
    "ведут",
    "разрабатывают",
    "посещают",
    "обсуждают",
    "планируют",
    "готовят",
    "оценивают",
    "сопровождают",
]
OBJECTS = [
    "уроки функциональной грамотности",
    "мастер-классы",
    "проектные сессии",
    "профессиональные пробы",
    "занятия школьного спортивного клуба",
    "спектакли школьного театра",
    "заседания совета обучающихся",
    "встречи клуба молодого педагога",
    "консультации для родителей",
    "олимпиадную подготовку",
    "экскурсии в школьный музей",
    "дни открытых дверей",
    "курсы повышения квалификации",
    "стажировки в школах-партнёрах",
    "работу службы примирения",
    "цифровые уроки в ФГИС «Моя школа»",
    "индивидуальные образовательные маршруты",
    "наставничество",
    "волонтёрские акции",
    "сдачу норм ГТО",
    "экологические проекты",
    "занятия по робототехнике",
]
WHEN = ["каждую неделю", "раз в месяц", "в течение года", "по четвергам", "во время каникул", ""]
TITLES = [
    "Школа молодого учителя",
    "Наставничество «Учитель — учителю»",
    "Функциональная грамотность",
    "Школьный спортивный клуб",
    "Школьный театр",
    "Совет обучающихся",
    "Профессиональные пробы",
    "Служба примирения",
    "Цифровая школа",
    "Школьный музей",
    "Родительский университет",
    "Методический абонемент",
    "Открытая библиотека",
    "Точка роста",
    "Экошкола",
]
DIRECTIONS = [
    "znanie",
    "zdorovie",
    "tvorchestvo",
    "vospitanie",
    "proforientatsiya",
    "uchitel",
    "klimat",
    "sreda",
]
QUERIES = [
    ("учителями", {}),
    ("наставничество молодых педагогов", {}),
    ("функциональной грамотности", {"direction": "znanie"}),
    ("родителям", {"level": "noo"}),
    ("школьного театра спектакль", {}),
]


def median_ms(fn: object, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def sentence(rng: random.Random) -> str:
    when = rng.choice(WHEN)
    text = f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
    return f"{text} {when}." if when else f"{text}."


def build(connection: Any) -> None:
    """A fresh region of SCHOOLS schools and PRACTICES practices, indexed."""
    from django.core.management import call_command
    from django.utils import timezone

    from marshrut.orgs.demo import make_inn, make_ogrn
    from marshrut.orgs.models import Municipality, Region, School
    from marshrut.practices import search as fts
    from marshrut.practices.actions import search_text
    from marshrut.practices.models import CodeKind, Practice, PracticeCode, Status

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    print(f"{connection.vendor}: database migrated", flush=True)
    rng = random.Random(14)
    start = time.perf_counter()
    region = Region.objects.create(name="Замерная область", code="77")
    municipalities = [
        Municipality.objects.create(region=region, name=f"Район {n}", oktmo=f"{77_700_000 + n}")
        for n in range(20)
    ]
    schools = School.objects.bulk_create(
        [
            School(
                municipality=municipalities[n % 20],
                full_name=f"Школа № {n}",
                short_name=f"СОШ № {n}",
                inn=make_inn(50_000 + n),
                ogrn=make_ogrn(50_000 + n),
            )
            for n in range(SCHOOLS)
        ]
    )
    now = timezone.now()
    cards = []
    for n in range(PRACTICES):
        school = schools[n % SCHOOLS]
        p = Practice(
            region=region,
            school=school,
            municipality_id=school.municipality_id,
            title=f"{rng.choice(TITLES)} ({n})",
            description=" ".join(sentence(rng) for _ in range(rng.randint(4, 10))),
            directions=rng.sample(DIRECTIONS, rng.randint(1, 2)),
            indicators=[f"ZN.{rng.randint(1, 20):02d}"],
            levels=rng.sample(["noo", "ooo", "soo"], rng.randint(1, 3)),
            status=Status.PUBLISHED,
            published_at=now,
        )
        p.search_document = search_text(p)
        cards.append(p)
    Practice.objects.bulk_create(cards, batch_size=1000)
    PracticeCode.objects.bulk_create(
        [
            PracticeCode(practice=p, kind=kind, code=code)
            for p in cards
            for kind, codes in (
                (CodeKind.DIRECTION, p.directions),
                (CodeKind.INDICATOR, p.indicators),
                (CodeKind.LEVEL, p.levels),
            )
            for code in codes
        ],
        batch_size=2000,
    )
    fts.reindex_all()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE practices_practice")
            cursor.execute("ANALYZE practices_practicecode")
    print(
        f"{connection.vendor}: {PRACTICES} practices built and indexed in "
        f"{time.perf_counter() - start:.1f} s"
    )


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from marshrut.orgs.models import Region
    from marshrut.practices import search as fts
    from marshrut.practices.models import Practice
    from marshrut.practices.queries import search

    reuse = os.environ.get("REUSE") and Practice.objects.filter(region__code="77").exists()
    if not reuse:
        build(connection)
    region = Region.objects.get(code="77")
    worst = 0.0
    for text, filters in QUERIES:
        hits = search(region, text, filters)
        ms = median_ms(lambda t=text, f=filters: search(region, t, f))  # type: ignore[misc]
        raw = median_ms(lambda t=text: fts.raw_baseline(t))  # type: ignore[misc]
        worst = max(worst, ms)
        label = f"«{text}»" + (f" {filters}" if filters else "")
        print(
            f"{label}: {len(hits)} shown; search: {ms:.1f} ms; raw: {raw:.1f} ms; "
            f"ratio {ms / raw if raw else float('inf'):.1f}"
        )
    print(f"worst search: {worst:.1f} ms (goal < 100 ms: {'met' if worst < 100 else 'NOT met'})")


if __name__ == "__main__":
    main()
