"""Background work of programmes: the ZIP of a municipality's programmes, with progress."""

from __future__ import annotations

import io
import logging
import zipfile

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from marshrut.lib import jobs
from marshrut.programmes.models import Programme, ProgrammeArchiveJob
from marshrut.programmes.programme_docx import filename, programme_docx

logger = logging.getLogger(__name__)


def build_zip(municipality_id: int, progress: jobs.Progress) -> tuple[bytes, int]:
    programmes = list(
        Programme.objects.filter(school__municipality_id=municipality_id)
        .select_related("school__municipality", "roadmap")
        .order_by("school__short_name", "starts_year")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, programme in enumerate(programmes, start=1):
            archive.writestr(filename(programme, "docx"), programme_docx(programme))
            progress(min(99, 100 * n // len(programmes)))
    return buffer.getvalue(), len(programmes)


@task()
def build_archive(job_id: str) -> str:
    """Write the DOCX of every programme of the job's municipality into one ZIP."""
    job = ProgrammeArchiveJob.objects.select_related("municipality").get(pk=job_id)
    ProgrammeArchiveJob.objects.filter(pk=job.pk).update(
        status=ProgrammeArchiveJob.Status.RUNNING, progress=0
    )
    job.status = ProgrammeArchiveJob.Status.RUNNING
    try:
        with jobs.running(job) as report:
            total = Programme.objects.filter(school__municipality=job.municipality).count()
            ProgrammeArchiveJob.objects.filter(pk=job.pk).update(total=total)
            data, total = build_zip(job.municipality_id, report)
    except Exception as e:
        logger.exception("programme archive %s failed", job_id)
        ProgrammeArchiveJob.objects.filter(pk=job.pk).update(
            status=ProgrammeArchiveJob.Status.FAILED,
            error=f"{type(e).__name__}: {e}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    job.refresh_from_db()
    job.file.save(f"programmes-{job.pk}.zip", ContentFile(data), save=False)
    job.status, job.progress, job.total = ProgrammeArchiveJob.Status.DONE, 100, total
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "progress", "total", "finished_at"])
    return str(job.status)
