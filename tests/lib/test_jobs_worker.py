"""A real ``marshrut worker`` killed mid-job, and what the next worker makes of it.

Everything runs as separate processes on the demo's file SQLite (as on a server): the worker is
SIGKILLed while it holds a job, so the job row and django-tasks' task row both stay «running».
The next worker settles both when it starts: the apply fails with nothing written and the page
says to upload the file again; the sheets archive is built again.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import demo_site as demo


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo")
    demo.build(path)
    return path


def start_worker(var: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        demo.command("worker"),
        env=demo.env(var, JOB_BEAT_SECONDS="1"),
        cwd=demo.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def job_row(var: Path, table: str, job_id: str) -> dict[str, object]:
    rows = demo.query(
        var,
        f"SELECT status, progress, heartbeat_at, worker_id, task_id, notice, attempts "
        f"FROM {table} WHERE id = ?",
        job_id.replace("-", ""),
    )
    keys = ("status", "progress", "heartbeat_at", "worker_id", "task_id", "notice", "attempts")
    return dict(zip(keys, rows[0], strict=True))


def task_row(var: Path, task_id: str) -> tuple[str, str]:
    status, exception = demo.query(
        var,
        "SELECT status, exception_class_path FROM django_tasks_database_dbtaskresult WHERE id = ?",
        task_id.replace("-", ""),
    )[0]
    return status, exception


def kill_while_it_holds(
    var: Path, worker: subprocess.Popen[bytes], table: str, job_id: str
) -> dict[str, object]:
    """SIGKILL the worker once it has taken the job and before it can write anything more.

    The test takes SQLite's write lock as soon as the job is marked taken: the worker can go on
    reading but not finish, so the kill lands mid-job on every run, however fast the job is.
    """
    demo.wait_until(
        lambda: job_row(var, table, job_id)["heartbeat_at"], 60, "обработчик взял задачу", 0.01
    )
    lock = sqlite3.connect(var / "marshrut.sqlite3", timeout=30, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        lock.execute("ROLLBACK")
    finally:
        lock.close()
    return job_row(var, table, job_id)


def page(var: Path, url: str) -> str:
    """The page as the operator sees it (Django's test client inside the demo)."""
    code = (
        "from django.test import Client; from marshrut.accounts.models import User; "
        "c = Client(HTTP_HOST='127.0.0.1'); c.force_login(User.objects.get(username='operator')); "
        f"r = c.get('{url}'); print(r.status_code, ' '.join(r.content.decode().split()))"
    )
    return demo.run(var, "shell", "-v", "0", "-c", code, DEBUG="1").strip().splitlines()[-1]


def test_an_apply_killed_with_its_worker_fails_cleanly_and_says_so(
    var: Path, workers: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    results = tmp_path / "results.xlsx"
    pk = demo.shell(
        var, f"from tests.demo_site import results_file; print(results_file(2026, '{results}'))"
    )
    job_id = demo.shell(
        var,
        "from django.core.files.base import ContentFile; "
        "from marshrut.diagnostics.models import Campaign; "
        "from marshrut.lib.imports import ImportBatch, apply_batch; from marshrut.lib import jobs; "
        f"data = open('{results}', 'rb').read(); "
        f"c = Campaign.objects.get(pk={pk}); "
        "job = ImportBatch(kind='results', region=c.region, params={'campaign': c.pk}, "
        "filename='results.xlsx', "
        "size=len(data), sha256='-', status='checked', progress=100); "
        "job.file.save('results.xlsx', ContentFile(data), save=False); job.save(); "
        "jobs.enqueue(job, apply_batch, str(job.pk), None, status='applying', progress=0); "
        "print(job.pk)",
    )
    imported = f"SELECT count(*) FROM diagnostics_submission WHERE campaign_id = {pk} AND source = 'import'"
    assert demo.query(var, imported) == [(0,)]

    first = start_worker(var)
    workers.append(first)
    stuck = kill_while_it_holds(var, first, "lib_importbatch", job_id)
    # Today's trap: both rows say «running» and nobody will ever take them again.
    assert stuck["status"] == "applying" and stuck["heartbeat_at"]
    assert task_row(var, str(stuck["task_id"]))[0] == "RUNNING"
    assert demo.query(var, imported) == [(0,)]  # all or nothing: nothing

    workers.append(start_worker(var))
    settled = demo.wait_until(
        lambda: (row := job_row(var, "lib_importbatch", job_id))["status"] == "failed" and row,
        30,
        "новый обработчик разобрался с брошенной задачей",
    )
    assert str(settled["notice"]).startswith(
        "Обработка прервалась: обработчик задач остановился; в базе ничего не изменилось"
    )
    assert task_row(var, str(stuck["task_id"])) == ("FAILED", "marshrut.lib.jobs.WorkerLost")
    assert demo.query(var, imported) == [(0,)]
    html = page(var, f"/diagnostics/imports/{job_id}/")
    assert html.startswith("200 ")
    assert "Обработка прервалась: обработчик задач остановился" in html
    assert "Загрузите файл снова" in html


def test_a_sheets_archive_killed_with_its_worker_is_built_by_the_next_one(
    var: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    job_id = demo.shell(
        var,
        "from marshrut.analytics.models import SheetsJob; "
        "from marshrut.analytics.tasks import build_sheets; "
        "from marshrut.diagnostics.models import Campaign; from marshrut.lib import jobs; "
        "c = Campaign.objects.get(year=2024); "
        "m = c.region.municipalities.order_by('pk').first(); "
        "job = SheetsJob.objects.create(campaign=c, municipality=m); "
        "jobs.enqueue(job, build_sheets, str(job.pk)); print(job.pk)",
    )
    first = start_worker(var)
    workers.append(first)
    stuck = kill_while_it_holds(var, first, "analytics_sheetsjob", job_id)
    assert stuck["status"] == "running" and stuck["attempts"] == 1

    workers.append(start_worker(var))
    done = demo.wait_until(
        lambda: (row := job_row(var, "analytics_sheetsjob", job_id))["status"] == "done" and row,
        120,
        "архив собран заново",
        0.5,
    )
    assert done["attempts"] == 2 and "задача перезапущена" in str(done["notice"])
    assert task_row(var, str(stuck["task_id"])) == ("FAILED", "marshrut.lib.jobs.WorkerLost")
    assert task_row(var, str(done["task_id"]))[0] == "SUCCESSFUL"
    html = page(var, f"/analytics/sheets/{job_id}/")
    assert "Скачать ZIP" in html
