"""Background work of self-diagnostics: checking and applying a results file with progress.

The tasks run in ``marshrut worker`` (django-tasks, database backend); the job page polls the
:class:`~marshrut.diagnostics.models.ImportJob` row they update.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from marshrut.audit.log import Source
from marshrut.diagnostics.importing import ImportRejected, Plan, apply_file, check_file, summary
from marshrut.diagnostics.models import ImportJob
from marshrut.lib import jobs
from marshrut.lib.files import delete_on_commit

logger = logging.getLogger(__name__)

FAILURE = (
    "Внутренняя ошибка при обработке файла; в базе ничего не изменилось. Сообщите администратору."
)


def _store(job: ImportJob, plan: Plan, status: str) -> None:
    report = summary(plan)
    job.status = status
    job.layout = plan.layout
    job.problems = report.pop("problems")
    job.counts = report
    job.progress = 100


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as f:
        return f.read()


@task()
def check_import(job_id: str) -> str:
    """Check an uploaded results file against its campaign; nothing is written but the job."""
    job = ImportJob.objects.select_related("campaign__criteria", "campaign__region").get(pk=job_id)
    try:
        with jobs.running(job) as progress:
            plan = check_file(_read(job), job.filename, job.campaign, progress=progress)
    except Exception:
        logger.exception("results import %s: check failed", job_id)
        job.status, job.problems = ImportJob.Status.FAILED, [_failure()]
        job.save(update_fields=["status", "problems"])
        raise
    _store(job, plan, ImportJob.Status.CHECKED if plan.ok else ImportJob.Status.FAILED)
    fields = ["status", "layout", "problems", "counts", "progress"]
    if not plan.ok:
        # A file that failed its check can never be applied: only its report is kept.
        delete_on_commit(job.file.name)
        job.file = ""  # type: ignore[assignment]
        fields.append("file")
    job.save(update_fields=fields)
    return str(job.status)


@task()
def apply_import(job_id: str, user_id: int | None) -> str:
    """Check the file again and write it whole, or mark the job failed with the new problems."""
    job = ImportJob.objects.select_related("campaign__criteria", "campaign__region").get(pk=job_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        with jobs.running(job) as progress:
            data = _read(job)
            plan = check_file(data, job.filename, job.campaign, progress=_scaled(progress, 0, 40))
            # The job is marked applied in the transaction that writes the file: a worker killed
            # at any moment leaves both or neither, so a job still «applying» after its worker
            # died has written nothing (marshrut/lib/jobs.py tells the user so).
            with transaction.atomic():
                plan = apply_file(
                    user,
                    data,
                    job.filename,
                    job.campaign,
                    source=Source.WEB,
                    plan=plan,
                    progress=_scaled(progress, 40, 100),
                )
                _store(job, plan, ImportJob.Status.APPLIED)
                job.applied_by = user
                job.applied_at = timezone.now()
                job.save(
                    update_fields=[
                        "status",
                        "layout",
                        "problems",
                        "counts",
                        "progress",
                        "applied_by",
                        "applied_at",
                    ]
                )
    except ImportRejected as e:
        _store(job, e.plan, ImportJob.Status.FAILED)
        job.save(update_fields=["status", "layout", "problems", "counts", "progress"])
        return str(job.status)
    except Exception:
        logger.exception("results import %s: apply failed", job_id)
        job.status, job.problems = ImportJob.Status.FAILED, [_failure()]
        job.applied_by = job.applied_at = None
        job.save(update_fields=["status", "problems", "applied_by", "applied_at"])
        raise
    return str(job.status)


def _scaled(report: jobs.Progress, low: int, high: int) -> jobs.Progress:
    return lambda percent: report(low + (high - low) * percent // 100)


def _failure() -> dict[str, Any]:
    return {"sheet": "", "row": None, "column": "", "value": "", "reason": FAILURE}
