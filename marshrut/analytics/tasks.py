"""Background work of analytics: the ZIP of school result sheets, with progress.

The task runs in ``marshrut worker`` (django-tasks, database backend); the job page polls the
:class:`~marshrut.analytics.models.SheetsJob` row it updates.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from marshrut.analytics.models import SheetsJob
from marshrut.analytics.sheets import build_zip
from marshrut.lib import jobs
from marshrut.lib.replica import reads_from_replica

logger = logging.getLogger(__name__)


@task()
@reads_from_replica
def build_sheets(job_id: str) -> str:
    """Lay out the sheets of the job's schools and store them as one ZIP."""
    job = SheetsJob.objects.select_related(
        "campaign__criteria", "campaign__region", "municipality"
    ).get(pk=job_id)
    SheetsJob.objects.filter(pk=job.pk).update(status=SheetsJob.Status.RUNNING, progress=0)
    job.status = SheetsJob.Status.RUNNING

    try:
        with jobs.running(job) as report:

            def progress(done: int, total: int) -> None:
                if total != job.total:
                    job.total = total
                    SheetsJob.objects.filter(pk=job.pk).update(total=total)
                report(min(99, 100 * done // total) if total else 99)

            data, total = build_zip(job.campaign, job.municipality, progress)
    except Exception as e:
        logger.exception("school sheets %s failed", job_id)
        SheetsJob.objects.filter(pk=job.pk).update(
            status=SheetsJob.Status.FAILED,
            error=f"{type(e).__name__}: {e}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    job.refresh_from_db()
    job.file.save(f"sheets-{job.pk}.zip", ContentFile(data), save=False)
    job.status, job.progress, job.total = SheetsJob.Status.DONE, 100, total
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "progress", "total", "finished_at"])
    return str(job.status)
