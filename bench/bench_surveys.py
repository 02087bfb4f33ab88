"""Benchmark of survey results: 3,000 responses × 40 questions.

Generates a survey of 40 questions (single, multiple, scale, number, text, matrix) and 3,000
responses across 20 municipalities (about 150,000 answer rows), then times ``compute`` for the
whole survey and for one municipality (target: under 1 s), the results page through the test
client with its query count, and the XLSX export. Prints figures only.

Run on SQLite (a temporary database) or PostgreSQL::

    .venv/bin/python bench/bench_surveys.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench_surveys .venv/bin/python bench/bench_surveys.py
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
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-surveys-")

KINDS = (
    ["single"] * 14
    + ["multiple"] * 8
    + ["scale"] * 8
    + ["number"] * 3
    + ["text"] * 3
    + ["matrix"] * 4
)


def median_ms(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from marshrut.accounts.models import User
    from marshrut.orgs.models import Membership, Municipality, Person, Region
    from marshrut.orgs.roles import Role
    from marshrut.surveys.models import Answer, Question, Response, Survey
    from marshrut.surveys.results import compute, response_rates, to_xlsx

    setup_test_environment()
    call_command("migrate", verbosity=0)
    rng = random.Random(3)
    region, created = Region.objects.get_or_create(code="96", defaults={"name": "Бенч-анкеты"})
    if created:
        ms = Municipality.objects.bulk_create(
            Municipality(region=region, name=f"МО {i}", oktmo=f"96{i:03d}000") for i in range(20)
        )
        survey = Survey.objects.create(region=region, title="Бенч", status=Survey.Status.OPEN)
        questions = Question.objects.bulk_create(
            Question(
                survey=survey,
                position=i + 1,
                kind=kind,
                text=f"Вопрос {i + 1}",
                options=["а", "б", "в", "г"] if kind in ("single", "multiple", "matrix") else [],
                rows=["строка 1", "строка 2", "строка 3"] if kind == "matrix" else [],
            )
            for i, kind in enumerate(KINDS)
        )
        responses = Response.objects.bulk_create(
            Response(survey=survey, municipality=ms[rng.randrange(20)]) for _ in range(3000)
        )
        batch: list[Answer] = []
        for r in responses:
            for q in questions:
                if q.kind == "single":
                    batch.append(
                        Answer(
                            survey=survey,
                            response=r,
                            municipality_id=r.municipality_id,
                            question=q,
                            choice=rng.randint(1, 4),
                        )
                    )
                elif q.kind == "multiple":
                    for c in rng.sample([1, 2, 3, 4], 2):
                        batch.append(
                            Answer(
                                survey=survey,
                                response=r,
                                municipality_id=r.municipality_id,
                                question=q,
                                choice=c,
                            )
                        )
                elif q.kind == "scale":
                    v = rng.randint(1, 5)
                    batch.append(
                        Answer(
                            survey=survey,
                            response=r,
                            municipality_id=r.municipality_id,
                            question=q,
                            choice=v,
                            number=float(v),
                        )
                    )
                elif q.kind == "number":
                    batch.append(
                        Answer(
                            survey=survey,
                            response=r,
                            municipality_id=r.municipality_id,
                            question=q,
                            number=rng.random() * 40,
                        )
                    )
                elif q.kind == "text":
                    if rng.random() < 0.3:
                        batch.append(
                            Answer(
                                survey=survey,
                                response=r,
                                municipality_id=r.municipality_id,
                                question=q,
                                text="ответ",
                            )
                        )
                else:
                    for row in (1, 2, 3):
                        batch.append(
                            Answer(
                                survey=survey,
                                response=r,
                                municipality_id=r.municipality_id,
                                question=q,
                                row=row,
                                choice=rng.randint(1, 4),
                            )
                        )
            if len(batch) > 20000:
                Answer.objects.bulk_create(batch)
                batch = []
        Answer.objects.bulk_create(batch)
        user = User.objects.create_user("bench-surveys", password="x")
        person = Person.objects.create(
            region=region, last_name="Оператор", first_name="Бенч", user=user
        )
        Membership.objects.create(person=person, role=Role.OPERATOR, region=region)
    survey = Survey.objects.get(region=region)
    group = Municipality.objects.filter(region=region).first()
    print(
        f"responses: {survey.responses.count()}, questions: {survey.questions.count()}, answer rows: {Answer.objects.filter(survey=survey).count()}"
    )
    with CaptureQueriesContext(connection) as ctx:
        compute(survey)
    print(
        f"{'compute(survey)':40s} {median_ms(lambda: compute(survey)):8.1f} ms (median of 5), {len(ctx.captured_queries)} queries"
    )
    print(
        f"{'compute(survey, one municipality)':40s} {median_ms(lambda: compute(survey, group)):8.1f} ms"
    )
    print(
        f"{'XLSX of the results':40s} {median_ms(lambda: to_xlsx(compute(survey), response_rates(survey))):8.1f} ms"
    )
    client = Client()
    client.force_login(User.objects.get(username="bench-surveys"))
    client.get(f"/surveys/{survey.pk}/results/")
    # The query log keeps the last 9,000 queries: full after building the data, it would count
    # none (CaptureQueriesContext counts by its length).
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/surveys/{survey.pk}/results/")
    page = median_ms(lambda: client.get(f"/surveys/{survey.pk}/results/"))
    print(f"{'results page (test client)':40s} {page:8.1f} ms, {len(ctx.captured_queries)} queries")


if __name__ == "__main__":
    main()
