"""The regional report and the school sheets for a region of 1,000 schools.

    python bench/bench_reports.py                 # SQLite file in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench python bench/bench_reports.py
    SCHOOLS=200 python bench/bench_reports.py     # a smaller region
    OUT=/tmp/bench-out python bench/bench_reports.py   # keep the DOCX, PDF and ZIP to look at

Builds a fresh database: a region of 1,000 schools in 26 municipalities, two campaigns (2023 and
2024) with generated answers (``marshrut.diagnostics.synthetic``) scored by
``actions.finish``; then times the regional report (collect + DOCX, and PDF), and the ZIP of the
1,000 school sheets, and prints the figures. Targets: DOCX under 15 s, ZIP under 2 minutes.
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
if "DATABASE_URL" not in os.environ:
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-")

SCHOOLS = int(os.environ.get("SCHOOLS", "1000"))
MUNICIPALITIES = 26


def build() -> object:
    import datetime as dt
    import random

    from django.core.management import call_command
    from django.db import connection

    from marshrut.diagnostics import actions
    from marshrut.diagnostics.models import Answer, Status, Submission
    from marshrut.diagnostics.synthetic import answers_for, schools
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Municipality, Region, School

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="Область для замеров", code="96")
    municipalities = Municipality.objects.bulk_create(
        [
            Municipality(region=region, name=f"Район {i:02d}", oktmo=f"96{i:03d}000")
            for i in range(MUNICIPALITIES)
        ]
    )
    profiles = list(schools(SCHOOLS, seed=11))
    School.objects.bulk_create(
        [
            School(
                municipality=municipalities[i % MUNICIPALITIES],
                full_name=f"Муниципальное автономное общеобразовательное учреждение «Средняя школа № {i}»",
                short_name=f"МАОУ СОШ № {i}",
                inn=make_inn(i + 1),
                offers_soo="soo" in profiles[i][0].levels,
            )
            for i in range(SCHOOLS)
        ],
        batch_size=2000,
    )
    campaign = None
    for year in (2023, 2024):
        path = ROOT / "marshrut" / "data" / "criteria" / f"demo-{year}.yaml"
        version = actions.do_load_criteria(None, path.read_text(encoding="utf-8"), path.name)
        campaign = actions.do_open_campaign(
            None,
            region,
            version,
            title=f"Самодиагностика {year}",
            year=year,
            opens_on=dt.date(year, 3, 1),
            closes_on=dt.date(year, 4, 1),
        )
        catalogue = version.catalogue
        rng = random.Random(year)
        subs = list(campaign.submissions.select_related("school").order_by("school_id"))
        answers = []
        done = []
        for n, sub in enumerate(subs):
            if rng.random() < 0.03:
                continue  # a few schools never answer
            strength = profiles[n % len(profiles)][1] + (0.15 if year == 2024 else 0.0)
            for code, value in answers_for(
                catalogue, sub.profile, strength, rng, sub.school.inn
            ).items():
                answers.append(
                    Answer(
                        submission=sub,
                        code=code,
                        value=list(value) if isinstance(value, tuple) else value,
                    )
                )
            sub.status, sub.answered = Status.SUBMITTED, sub.applicable
            done.append(sub)
        Answer.objects.bulk_create(answers, batch_size=5000)
        Submission.objects.bulk_update(done, ["status", "answered"], batch_size=2000)
        actions.finish(done)
    return campaign


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from marshrut.analytics import report, sheets

    t = time.perf_counter()
    campaign = build()
    print(
        f"data: {SCHOOLS} schools, 2 campaigns, {connection.vendor}: {time.perf_counter() - t:.1f} s"
    )
    out = Path(os.environ["OUT"]) if os.environ.get("OUT") else None
    if out:
        out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    data = report.collect(campaign)  # type: ignore[arg-type]
    t1 = time.perf_counter()
    texts = report.generated_texts(data)
    pictures = report.render_charts(data)
    t2 = time.perf_counter()
    body = report.build_docx(data, texts, pictures)
    t3 = time.perf_counter()
    print(
        f"regional report DOCX: {t3 - t0:.1f} s (collect {t1 - t0:.1f} s, text+charts {t2 - t1:.1f} s, "
        f"write {t3 - t2:.1f} s), {len(body) / 1024:.0f} KB, {data.scored} schools, {len(data.risk)} at risk"
    )
    if out:
        (out / "report.docx").write_bytes(body)
    t = time.perf_counter()
    pdf = report.build_pdf(data, texts, pictures)
    print(
        f"regional report PDF (same data and charts): {time.perf_counter() - t:.1f} s, {len(pdf) / 1024:.0f} KB"
    )
    if out:
        (out / "report.pdf").write_bytes(pdf)

    t = time.perf_counter()
    last = [t]

    def progress(done: int, total: int) -> None:
        if done == total or time.perf_counter() - last[0] > 15:
            last[0] = time.perf_counter()
            print(f"  sheets {done}/{total}: {last[0] - t:.1f} s", flush=True)

    archive, total = sheets.build_zip(campaign, None, progress)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t
    print(
        f"ZIP of school sheets: {total} sheets in {elapsed:.1f} s ({1000 * elapsed / max(total, 1):.0f} ms per sheet), {len(archive) / 2**20:.1f} MB"
    )
    if out:
        (out / "sheets.zip").write_bytes(archive)


if __name__ == "__main__":
    main()
