"""The regional report and the school sheets for a region of 1,000 schools.

    python bench/bench_reports.py                 # SQLite file in a new directory under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench python bench/bench_reports.py
    SCHOOLS=200 python bench/bench_reports.py     # a smaller region
    OUT=/tmp/bench-out python bench/bench_reports.py   # keep the DOCX, PDF and ZIP to look at
    MARSHRUT_VAR_DIR=/tmp/bench-db python bench/bench_reports.py   # build once, reuse next time
    STEPS=docx,sheets python bench/bench_reports.py    # skip the PDF of the report

Builds a database: a region of 1,000 schools in 26 municipalities, two campaigns (2023 and 2024)
with generated answers (``marshrut.diagnostics.synthetic``) scored by ``actions.finish`` — or
reuses it when ``MARSHRUT_VAR_DIR`` (or ``DATABASE_URL``) points at one a previous run built;
then times the regional report (collect, text and charts, DOCX; PDF) and the ZIP of the school
sheets. Targets: DOCX under 15 s, ZIP under 2 minutes.

Each step prints wall time, CPU time (this process and the sheet workers it forked — less
sensitive to other load on the machine than wall time) and the load average before it.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
if "DATABASE_URL" not in os.environ and "MARSHRUT_VAR_DIR" not in os.environ:
    os.environ["MARSHRUT_VAR_DIR"] = tempfile.mkdtemp(prefix="marshrut-bench-")

SCHOOLS = int(os.environ.get("SCHOOLS", "1000"))
MUNICIPALITIES = 26
REGION = "Область для замеров"
STEPS = set(os.environ.get("STEPS", "docx,pdf,sheets").split(","))


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def step(name: str) -> Iterator[dict[str, str]]:
    """Print wall and CPU time of a step and the 1-minute load average before and after it."""
    note: dict[str, str] = {}
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), _cpu()
    yield note
    print(
        f"{name}: {time.perf_counter() - wall:.1f} s wall, {_cpu() - cpu:.1f} s CPU "
        f"(load average {load:.1f} → {os.getloadavg()[0]:.1f})"
        + (f"; {note['text']}" if note.get("text") else ""),
        flush=True,
    )


def existing() -> object | None:
    """The 2024 campaign of a region a previous run built, if the database has one."""
    from django.db.utils import OperationalError, ProgrammingError

    from marshrut.diagnostics.models import Campaign

    try:
        return (
            Campaign.objects.select_related("criteria", "region")
            .filter(region__name=REGION, year=2024)
            .first()
        )
    except (OperationalError, ProgrammingError):  # not migrated yet
        return None


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
    region = Region.objects.create(name=REGION, code="96")
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

    campaign = existing()
    if campaign is None:
        with step(f"data: {SCHOOLS} schools, 2 campaigns, {connection.vendor}"):
            campaign = build()
    else:
        print(f"data: reused the region in {connection.settings_dict['NAME']}")
    out = Path(os.environ["OUT"]) if os.environ.get("OUT") else None
    if out:
        out.mkdir(parents=True, exist_ok=True)

    if STEPS & {"docx", "pdf"}:
        total = time.perf_counter()
        with step("report: collect (figures, risk zone, partners)") as note:
            data = report.collect(campaign)  # type: ignore[arg-type]
            note["text"] = f"{data.scored} schools, {len(data.risk)} at risk"
        with step("report: text + 2 charts (vl-convert)"):
            texts = report.generated_texts(data)
            pictures = report.render_charts(data)
        if "docx" in STEPS:
            with step("report: DOCX write") as note:
                body = report.build_docx(data, texts, pictures)
                note["text"] = f"{len(body) / 1024:.0f} KB"
            print(f"regional report DOCX in all: {time.perf_counter() - total:.1f} s wall")
            if out:
                (out / "report.docx").write_bytes(body)
        if "pdf" in STEPS:
            with step("report: PDF (WeasyPrint, same data and charts)") as note:
                pdf = report.build_pdf(data, texts, pictures)
                note["text"] = f"{len(pdf) / 1024:.0f} KB"
            if out:
                (out / "report.pdf").write_bytes(pdf)

    if "sheets" in STEPS:
        t = time.perf_counter()
        last = [t]

        def progress(done: int, total: int) -> None:
            if done == total or time.perf_counter() - last[0] > 15:
                last[0] = time.perf_counter()
                print(f"  sheets {done}/{total}: {last[0] - t:.1f} s", flush=True)

        with step("ZIP of school sheets") as note:
            archive, total = sheets.build_zip(campaign, None, progress)  # type: ignore[arg-type]
            elapsed = time.perf_counter() - t
            note["text"] = (
                f"{total} sheets, {1000 * elapsed / max(total, 1):.0f} ms per sheet, "
                f"{len(archive) / 2**20:.1f} MB"
            )
        if out:
            (out / "sheets.zip").write_bytes(archive)


if __name__ == "__main__":
    main()
