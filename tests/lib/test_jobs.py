"""Background jobs (marshrut/lib/jobs.py): a queued job nobody takes, a job whose worker died.

These run in-process against worker traces a real worker would leave; the killed worker process
itself is in test_jobs_worker.py.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from marshrut.analytics.models import SheetsJob
from marshrut.diagnostics.models import Campaign, Status
from marshrut.lib import jobs
from marshrut.lib.imports import ImportBatch as ImportJob
from marshrut.lib.models import WorkerBeat
from tests.conftest import World
from tests.diagnostics.conftest import wide_rows, xlsx
from tests.diagnostics.factories import campaign_for


@pytest.fixture
def campaign(world: World) -> Campaign:
    return campaign_for(world)


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def worker(pid: int, *, host: str = jobs.HOST, beat_ago: int = 0) -> WorkerBeat:
    at = timezone.now() - dt.timedelta(seconds=beat_ago)
    return WorkerBeat.objects.create(
        id=f"{host}-{pid}-test", host=host, pid=pid, started_at=at, beat_at=at
    )


def upload(world: World, campaign: Campaign) -> ImportJob:
    """A results file uploaded through the page; the database queue holds its task, no worker."""
    response = world.client("operator").post(
        reverse("diagnostics:import_upload", kwargs={"pk": campaign.pk}),
        {"file": SimpleUploadedFile("fed.xlsx", xlsx(wide_rows(campaign, [world.s1])))},
    )
    assert response.status_code == 302
    return ImportJob.objects.get()


def status_html(world: World, job: ImportJob) -> str:
    url = reverse("diagnostics:import_job_status", kwargs={"pk": job.pk})
    return world.client("operator").get(url).content.decode()


def test_a_queued_job_nobody_takes_says_no_worker_runs(world: World, campaign: Campaign) -> None:
    job = upload(world, campaign)
    assert job.status == ImportJob.Status.CHECKING and job.waiting and job.task_id
    # Just queued: the worker gets a moment before the page complains.
    assert "Обработчик задач не запущен" not in status_html(world, job)
    ImportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=3))
    html = status_html(world, job)
    assert "Обработчик задач не запущен: запустите marshrut worker" in html
    assert "Задача ждёт уже 3 мин" in html
    # A worker that died long ago does not count; a live one (this very process) does.
    worker(dead_pid(), beat_ago=5)
    assert "Обработчик задач не запущен" in status_html(world, job)
    import os

    worker(os.getpid())
    html = status_html(world, job)
    assert "Обработчик задач не запущен" not in html
    assert "Задача ждёт в очереди уже 3 мин: обработчик задач занят другими задачами" in html


def taken(job: Any, beat: WorkerBeat, *, seconds_ago: int = 2) -> DBTaskResult:
    """Leave the traces a worker leaves when it takes the job's task: both rows say running."""
    row = DBTaskResult.objects.get(id=job.task_id)
    row.claim(beat.id)
    at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    type(job).objects.filter(pk=job.pk).update(heartbeat_at=at, worker_id=beat.id, attempts=1)
    job.refresh_from_db()
    return row


def test_an_apply_whose_worker_died_fails_and_the_page_says_so(
    world: World, campaign: Campaign, settings: Any
) -> None:
    job = upload(world, campaign)
    # The check ran; the apply was queued and a worker on this server took it, then was killed.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED, progress=100)
    response = world.client("operator").post(
        reverse("diagnostics:import_apply", kwargs={"pk": job.pk})
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLYING
    row = taken(job, worker(dead_pid()))
    ImportJob.objects.filter(pk=job.pk).update(progress=40)

    html = status_html(world, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.notice.startswith("Обработка прервалась: обработчик задач остановился")
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED and row.exception_class_path == jobs.LOST_TASK
    # The fragment tells the polling page to reload; the page shows why the file is not in.
    assert "40 %" not in html
    page = world.client("operator").get(reverse("diagnostics:import_job", kwargs={"pk": job.pk}))
    text = page.content.decode()
    assert "Обработка прервалась: обработчик задач остановился" in text
    assert "Загрузите файл снова" in text
    assert campaign.submissions.get(school=world.s1).status == Status.NOT_STARTED


def test_a_job_on_a_live_worker_is_left_alone(world: World, campaign: Campaign) -> None:
    import os

    job = upload(world, campaign)
    row = taken(job, worker(os.getpid(), beat_ago=0), seconds_ago=600)
    assert jobs.sweep() == 0
    job.refresh_from_db()
    row.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKING and not job.notice
    assert row.status == TaskResultStatus.RUNNING


def test_a_worker_on_another_server_is_dead_once_silent_past_the_lease(
    world: World, campaign: Campaign, settings: Any
) -> None:
    settings.JOB_LEASE_SECONDS = 60
    job = upload(world, campaign)
    beat = worker(4242, host="other-server", beat_ago=30)
    taken(job, beat, seconds_ago=30)
    assert jobs.sweep() == 0
    WorkerBeat.objects.filter(pk=beat.pk).update(beat_at=timezone.now() - dt.timedelta(minutes=2))
    assert jobs.sweep() == 1
    job.refresh_from_db()
    # A check writes nothing but its job: it is queued again, once, and says so.
    assert job.status == ImportJob.Status.CHECKING and job.waiting and job.attempts == 1
    assert job.notice.startswith(
        "Обработчик задач остановился во время работы; задача перезапущена"
    )
    again = DBTaskResult.objects.get(id=job.task_id)
    assert again.status == TaskResultStatus.READY
    # Dying a second time on the same job ends it.
    taken(job, beat, seconds_ago=300)
    ImportJob.objects.filter(pk=job.pk).update(attempts=2)
    job.refresh_from_db()
    assert jobs.sweep() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "останавливался дважды" in job.notice


def test_a_sheets_archive_whose_worker_died_is_built_again(
    world: World, campaign: Campaign
) -> None:
    client = world.client("operator")
    start = reverse("analytics:sheets_start", kwargs={"pk": campaign.pk})
    assert client.post(start, {"place": "region"}).status_code == 302
    job = SheetsJob.objects.get()
    row = taken(job, worker(dead_pid()))
    SheetsJob.objects.filter(pk=job.pk).update(status=SheetsJob.Status.RUNNING, progress=40)
    html = client.get(reverse("analytics:sheets_job", kwargs={"pk": job.pk})).content.decode()
    job.refresh_from_db()
    assert job.status == SheetsJob.Status.QUEUED and job.progress == 0 and job.waiting
    assert "задача перезапущена" in html
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert DBTaskResult.objects.get(id=job.task_id).status == TaskResultStatus.READY


def test_a_task_claimed_by_a_worker_that_died_at_once_does_not_wait_forever(
    world: World, campaign: Campaign
) -> None:
    # Killed between taking the task row and marking the job: the job still looks queued.
    job = upload(world, campaign)
    DBTaskResult.objects.get(id=job.task_id).claim(worker(dead_pid()).id)
    assert jobs.sweep() == 1
    job.refresh_from_db()
    assert job.waiting and "перезапущена" in job.notice
    assert DBTaskResult.objects.get(id=job.task_id).status == TaskResultStatus.READY


@pytest.mark.parametrize(
    ("seconds", "text"), [(40, "40 с"), (180, "3 мин"), (3 * 3600 + 300, "3 ч 5 мин")]
)
def test_waiting_time_reads_in_russian(seconds: int, text: str) -> None:
    assert jobs.duration(dt.timedelta(seconds=seconds)) == text
