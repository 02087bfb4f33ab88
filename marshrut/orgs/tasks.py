"""Background work of the registry: applying a checked registry file, with progress.

The task runs in ``marshrut worker`` (django-tasks, database backend); the preview page polls the
:class:`~marshrut.orgs.models.RegistryImport` row it updates. Thousands of changed schools take
longer than a web request may (47 s for 5,000 against gunicorn's 120 s), hence the worker.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from marshrut.audit.log import Source
from marshrut.lib import jobs
from marshrut.orgs.importing import ImportRejected, apply_file, summary
from marshrut.orgs.models import RegistryImport

logger = logging.getLogger(__name__)

FAILURE = "Внутренняя ошибка при применении файла; реестр не изменился. Сообщите администратору."
CHANGED = "Файл не применён: реестр изменился после проверки, см. ошибки; реестр не изменился."


@task()
def apply_registry(batch_id: str, user_id: int | None) -> str:
    """Check the file again against the registry as it is now and write it whole, or nothing."""
    batch = RegistryImport.objects.select_related("region").get(pk=batch_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        # Marked applied in the transaction that writes the registry: a worker killed at any
        # moment leaves both or neither.
        with jobs.running(batch) as progress, transaction.atomic():
            with batch.file.open("rb") as f:
                data = f.read()
            plan = apply_file(
                user, data, batch.filename, batch.region, source=Source.WEB, progress=progress
            )
            batch.status = RegistryImport.Status.APPLIED
            batch.summary = summary(plan)
            batch.progress = 100
            batch.applied_by = user
            batch.applied_at = timezone.now()
            batch.save(update_fields=["status", "summary", "progress", "applied_by", "applied_at"])
    except ImportRejected as e:
        batch.status, batch.summary, batch.notice = (
            RegistryImport.Status.FAILED,
            summary(e.plan),
            CHANGED,
        )
        batch.save(update_fields=["status", "summary", "notice"])
    except Exception:
        logger.exception("registry import %s: apply failed", batch_id)
        batch.status, batch.notice = RegistryImport.Status.FAILED, FAILURE
        batch.applied_by = batch.applied_at = None
        batch.save(update_fields=["status", "notice", "applied_by", "applied_at"])
        raise
    return str(batch.status)
