"""What analytics keeps: the operator's edits of a report, and the jobs that build school sheets."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.diagnostics.models import Campaign
from marshrut.lib import jobs
from marshrut.lib.concurrency import Versioned
from marshrut.lib.files import PrivateUploadTo, remove_files_on_delete
from marshrut.orgs.models import Municipality


class ReportDraft(Versioned):
    """The editable sections of an information-analytical report, as the operator left them.

    ``generated`` holds the text the rules produced when the draft was last saved, so the page can
    tell the operator that the data has changed since. An empty edited section means «use the
    generated text».
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="report_drafts")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    generated = models.JSONField(_("сформированный текст"), default=dict)
    conclusions = models.TextField(_("выводы"), blank=True)
    decisions = models.TextField(_("управленческие решения"), blank=True)
    recommendations = models.TextField(_("адресные рекомендации"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("черновик справки")
        verbose_name_plural = _("черновики справок")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(municipality__isnull=True),
                name="report_draft_once_per_region",
            ),
            models.UniqueConstraint(
                fields=["campaign", "municipality"], name="report_draft_once_per_municipality"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.municipality or self.campaign.region}"


class SheetsJob(jobs.Job):
    """A ZIP of one-page result sheets for the schools of a region or a municipality."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("формируется")
        DONE = "done", _("готово")
        FAILED = "failed", _("ошибка")

    RUNNING = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sheet_jobs")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("выполнено, %"), default=0)
    total = models.PositiveIntegerField(_("школ"), default=0)
    file = models.FileField(upload_to=PrivateUploadTo("analytics/sheets"), blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("листы результатов школ")
        verbose_name_plural = _("листы результатов школ")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="sheets_job_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.municipality or self.campaign.region}"

    @property
    def place(self) -> str:
        return str(self.municipality or self.campaign.region)

    def lost(self) -> None:
        # Building the archive writes nothing else, so it is safe to run it again (once).
        from marshrut.analytics.tasks import build_sheets

        if self.attempts < jobs.MAX_ATTEMPTS:
            self.retry(
                build_sheets,
                str(self.pk),
                notice=str(jobs.RESTARTED),
                status=self.Status.QUEUED,
                progress=0,
            )
            return
        self.fail(
            str(jobs.GAVE_UP),
            status=self.Status.FAILED,
            error=str(jobs.GAVE_UP),
            finished_at=timezone.now(),
        )


remove_files_on_delete(SheetsJob, "file")
