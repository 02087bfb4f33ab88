"""``marshrut diagnostics import`` of a wide XLSX at federal scale: wall time and peak memory.

    python bench/bench_diagnostics_import.py                 # SQLite file in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marshrut_bench python bench/bench_diagnostics_import.py

Builds a fresh database (migrations, a region of 40,000 schools in 80 municipalities with the
profiles of :mod:`marshrut.diagnostics.synthetic`, the demo-2024 catalogue, an open campaign),
writes the wide XLSX the federal service would export — a row per school, a column per indicator,
plausible synthetic answers — with xlsxwriter in constant-memory mode, then runs
``marshrut diagnostics import FILE --campaign ID`` as a separate process and prints its wall time
and peak memory (the child's maximum resident set size), and what landed in the database.
Targets (issue 3): at most 60 s and under 1 GiB, on SQLite and on PostgreSQL.

``--prepare`` stops before the import and prints the command, to run it under ``/usr/bin/time -v``
or a profiler (``py-spy record -o import.svg -- …``).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
# Production settings: DEBUG would log every query.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
# A federal file of 40,000 schools is bigger than the default upload limit of the web form.
os.environ.setdefault("IMPORT_MAX_BYTES", str(200 * 2**20))
# A directory of its own: other benchmarks clean up /tmp/marshrut-bench-*.
BENCH_DIR = Path(tempfile.gettempdir()) / "mr-diagnostics-import-bench"
if "DATABASE_URL" not in os.environ and "MARSHRUT_VAR_DIR" not in os.environ:
    BENCH_DIR.mkdir(exist_ok=True)
    for name in ("marshrut.sqlite3", "marshrut.sqlite3-wal", "marshrut.sqlite3-shm"):
        (BENCH_DIR / name).unlink(missing_ok=True)
    os.environ["MARSHRUT_VAR_DIR"] = str(BENCH_DIR)


def cell(value: object) -> object:
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if isinstance(value, tuple):
        return ", ".join(value) or "нет"
    return value


def prepare(schools: int, path: Path) -> int:
    """A fresh database with the region and the campaign, and the results file; the campaign id."""
    import django

    django.setup()
    import datetime as dt

    import xlsxwriter
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from marshrut.diagnostics.actions import do_load_criteria, do_open_campaign
    from marshrut.diagnostics.synthetic import answers_for
    from marshrut.diagnostics.synthetic import schools as synthetic_schools
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import Municipality, Region, School

    started = time.monotonic()
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="Область для замеров", code="96")
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Район {i}", oktmo=f"96{i:03d}000") for i in range(80)]
    )
    profiles = list(synthetic_schools(schools, seed=7))
    School.objects.bulk_create(
        [
            School(
                municipality=municipalities[i % 80],
                full_name=f"Муниципальное общеобразовательное учреждение «Школа № {i}»",
                short_name=f"Школа № {i}",
                inn=make_inn(i),
                offers_noo="noo" in profile.levels,
                offers_ooo="ooo" in profile.levels,
                offers_soo="soo" in profile.levels,
                teaches_ovz=profile.ovz,
            )
            for i, (profile, _strength) in enumerate(profiles)
        ],
        batch_size=5000,
    )
    source = ROOT / "marshrut" / "data" / "criteria" / "demo-2024.yaml"
    version = do_load_criteria(None, source.read_text(encoding="utf-8"), source.name)
    today = timezone.localdate()
    campaign = do_open_campaign(
        None,
        region,
        version,
        title="Замер загрузки",
        year=today.year,
        opens_on=today - dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=3),
    )
    print(
        f"база: {connection.vendor}, {schools} школ, кампания {campaign.pk}: {time.monotonic() - started:.1f} с"
    )

    if path.exists():
        # The answers are seeded: a file written earlier for as many schools is the same file.
        print(f"файл: {path}, {path.stat().st_size / 2**20:.1f} МБ (написан раньше)")
        return campaign.pk
    started = time.monotonic()
    catalogue = version.catalogue
    codes = list(catalogue.indicators)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = book.add_worksheet("Результаты")
    ws.write_row(0, 0, ["ИНН", "Наименование ОО", "Муниципалитет", *codes])
    rng = random.Random(2024)
    cells = 0
    # Answer sets are drawn for 500 schools of each profile and strength band and then reused:
    # drawing 40,000 would take minutes, and a column holds few distinct values anyway.
    pool: dict[tuple[object, int], dict[str, object]] = {}
    for i, (profile, strength) in enumerate(profiles):
        inn = make_inn(i)
        key = (profile, int(strength * 2), i % 500)
        answers = pool.get(key)
        if answers is None:
            answers = pool[key] = answers_for(catalogue, profile, strength, rng, inn)
        ws.write_string(i + 1, 0, inn)
        ws.write_string(i + 1, 1, f"Школа № {i}")
        ws.write_string(i + 1, 2, f"Район {i % 80}")
        for col, code in enumerate(codes, start=3):
            if code in answers:
                value = cell(answers[code])
                cells += 1
                if isinstance(value, str):
                    ws.write_string(i + 1, col, value)
                else:
                    ws.write_number(i + 1, col, value)  # type: ignore[arg-type]
    book.close()
    size = path.stat().st_size
    print(
        f"файл: {path}, {size / 2**20:.1f} МБ, {cells} ответов: {time.monotonic() - started:.1f} с"
    )
    return campaign.pk


def raw(path: Path, campaign_id: int) -> None:
    """The raw work of the same run, for the ratio: calamine reads the sheet, each filled cell
    becomes an answer row (submission, code, the value as JSON), and the rows go into a table
    shaped like the answers table but with no index or constraint, by ``COPY`` on PostgreSQL and
    one ``executemany`` on SQLite, in one transaction. No checks, no scores, no results."""
    import json

    import django

    django.setup()
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from marshrut.diagnostics.models import Submission

    started = time.monotonic()
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    header = [str(c) for c in rows[0]]
    by_inn = dict(
        Submission.objects.filter(campaign_id=campaign_id).values_list("school__inn", "pk")
    )
    now = connection.ops.adapt_datetimefield_value(time_now())
    answers = []
    for row in rows[1:]:
        sid = by_inn[str(row[0])]
        for code, value in zip(header[3:], row[3:], strict=True):
            if value != "":
                answers.append((sid, code, json.dumps(value, ensure_ascii=False), now))
    read = time.monotonic() - started
    columns = "submission_id, code, value, comment, evidence_url, evidence_file, updated_at"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_answer")
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TABLE bench_raw_answer (id bigint GENERATED BY DEFAULT AS IDENTITY, "
                "submission_id bigint NOT NULL, code varchar(30) NOT NULL, value jsonb, "
                "comment text NOT NULL DEFAULT '', evidence_url varchar(500) NOT NULL DEFAULT '', "
                "evidence_file varchar(100) NOT NULL DEFAULT '', "
                "updated_at timestamptz NOT NULL, updated_by_id bigint)"
            )
            with cursor.cursor.copy(
                "COPY bench_raw_answer (submission_id, code, value, updated_at) FROM STDIN"
            ) as copy:
                for answer in answers:
                    copy.write_row(answer)
        else:
            cursor.execute(
                "CREATE TABLE bench_raw_answer (id integer PRIMARY KEY AUTOINCREMENT, "
                "submission_id bigint NOT NULL, code varchar(30) NOT NULL, value text, "
                "comment text NOT NULL DEFAULT '', evidence_url varchar(500) NOT NULL DEFAULT '', "
                "evidence_file varchar(100) NOT NULL DEFAULT '', "
                "updated_at datetime NOT NULL, updated_by_id bigint)"
            )
            cursor.executemany(
                f"INSERT INTO bench_raw_answer ({columns}) VALUES (%s, %s, %s, '', '', '', %s)",
                answers,
            )
    print(
        f"сырая работа: {len(answers)} ответов; чтение calamine и строки {read:.1f} с, "
        f"вставка {time.monotonic() - started - read:.1f} с"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_answer")


def time_now() -> object:
    from django.utils import timezone

    return timezone.now()


def run(command: list[str]) -> tuple[int, float, float, float]:
    """Run a child process: its exit code, wall time, CPU time and peak memory (MiB)."""
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    return (
        os.waitstatus_to_exitcode(status),
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,  # KiB on Linux
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=40_000)
    parser.add_argument("--file", help="the results file (written if missing)")
    parser.add_argument(
        "--prepare", action="store_true", help="only build the database and the file"
    )
    parser.add_argument("--no-raw", action="store_true", help="skip the raw baseline")
    parser.add_argument("--raw-only", nargs=2, metavar=("FILE", "CAMPAIGN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_only:
        raw(Path(args.raw_only[0]), int(args.raw_only[1]))
        return
    BENCH_DIR.mkdir(exist_ok=True)
    path = Path(args.file or BENCH_DIR / f"results-{args.schools}.xlsx")
    campaign_id = prepare(args.schools, path)
    keys = (
        "DATABASE_URL",
        "MARSHRUT_VAR_DIR",
        "IMPORT_MAX_BYTES",
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
    )
    env = {k: v for k, v in os.environ.items() if k in keys}
    command = [
        sys.executable,
        "-m",
        "marshrut",
        "diagnostics",
        "import",
        str(path),
        "--campaign",
        str(campaign_id),
    ]
    shown = " ".join(f"{k}={v}" for k, v in env.items()) + " " + " ".join(command)
    if args.prepare:
        print(f"команда загрузки (из {ROOT}):\n  /usr/bin/time -v env {shown}")
        return
    base = None
    if not args.no_raw:
        print("сырая работа: calamine + вставка тех же ответов без индексов")
        base = run([sys.executable, __file__, "--raw-only", str(path), str(campaign_id)])
        print(f"  время {base[1]:.1f} с, процессор {base[2]:.1f} с, пик памяти {base[3]:.0f} МиБ")
    print(f"загрузка: {shown}")
    code, wall, cpu, peak = run(command)
    print(
        f"код возврата {code}; загрузка {wall:.1f} с, процессор {cpu:.1f} с; "
        f"пик памяти {peak:.0f} МиБ (цель < 1024 МиБ)"
    )
    if base is not None:
        print(
            f"загрузка: {wall:.1f} с; сырая работа: {base[1]:.1f} с; "
            f"отношение {wall / base[1]:.2f} (цель ≤ 3)"
        )

    from django.db.models import Count

    from marshrut.diagnostics.models import Answer, Deficit, Flag, Result, Submission

    statuses = dict(
        Submission.objects.filter(campaign_id=campaign_id)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    print(
        f"в базе: ответов {Answer.objects.count()}, результатов {Result.objects.count()}, "
        f"дефицитов {Deficit.objects.count()}, замечаний {Flag.objects.count()}, анкеты {statuses}"
    )
    sys.exit(code)


if __name__ == "__main__":
    main()
