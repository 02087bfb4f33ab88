"""The development programme of a school (программа развития) in the federal constructor's structure.

A programme belongs to a school and follows it: its municipality is always the school's, read
through ``school__municipality``, so a school that moves to another municipality takes its
programme along and the new municipality's coordinator reviews it. Sections are rows with the
text people write and the table the data gave (``table``: the figures of the campaign the
programme was drafted from, kept as they were so that a later campaign can be compared with them).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.diagnostics.models import Campaign, Submission
from marshrut.lib import jobs
from marshrut.lib.concurrency import Versioned
from marshrut.lib.files import PrivateUploadTo, remove_files_on_delete
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Region, School
from marshrut.orgs.roles import Cap
from marshrut.plans.models import Plan

# The structure of the federal constructor: code, heading, what the data fills in.
STRUCTURE: tuple[tuple[str, str], ...] = (
    ("1", "Паспорт программы развития"),
    ("2", "Информационная справка об общеобразовательной организации"),
    ("3", "Проблемно-ориентированный анализ"),
    ("3.1", "Результаты самодиагностики"),
    ("3.2", "Дефициты по магистральным направлениям и ключевым условиям"),
    ("3.2.1", "Причины и факторы дефицитов"),
    ("3.2.2", "Анализ и перспективы развития"),
    ("4", "Основные направления развития"),
    ("4.1", "Возможные действия по направлениям"),
    ("4.2", "Управленческие решения, направленные на устранение причин дефицитов"),
    ("5", "Ожидаемые результаты реализации программы развития"),
    ("6", "Механизмы реализации программы развития"),
    ("7", "Критерии и показатели оценки реализации программы развития"),
)
TITLES = dict(STRUCTURE)
# Sections whose table comes from the data: redrawn when the programme takes a newer campaign.
DATA_SECTIONS = ("1", "2", "3.1", "3.2", "4.1", "5", "7")

# The reviewer's rubric: each criterion scored 0 (нет), 1 (частично), 2 (да).
RUBRIC: tuple[tuple[str, str], ...] = (
    ("analysis", "Анализ опирается на результаты самодиагностики"),
    ("causes", "Причины дефицитов выявлены и обоснованы"),
    ("actions", "Действия направлены на устранение дефицитов"),
    ("results", "Ожидаемые результаты достижимы и согласуются с дорожной картой"),
    ("indicators", "Показатели измеримы и имеют целевые значения по годам"),
    ("mechanisms", "Механизмы реализации и ответственные определены"),
)
RUBRIC_SCORES = ((0, _("нет")), (1, _("частично")), (2, _("да")))


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def for_user(self, user: Any, cap: Cap = Cap.PLAN_VIEW) -> ProgrammeQuerySet:
        """Programmes of the schools where ``cap`` holds: the school's, its municipality's."""
        return self.filter(
            grant(user, cap).q(
                region="region_id", municipality="school__municipality_id", school="school_id"
            )
        )


class Programme(Versioned):
    """A school's development programme for a period, drafted from its self-diagnostics."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("черновик")
        SUBMITTED = "submitted", _("на рассмотрении")
        RETURNED = "returned", _("возвращена на доработку")
        APPROVED = "approved", _("согласована")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("школа")
    )
    title = models.CharField(_("название"), max_length=500)
    starts_year = models.PositiveSmallIntegerField(_("начало периода"))
    ends_year = models.PositiveSmallIntegerField(_("окончание периода"))
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кампания самодиагностики"),
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    roadmap = models.ForeignKey(
        Plan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("дорожная карта"),
    )
    # What 3.1 showed when drafted: scope → {"points", "max_points", "level"}.
    basis = models.JSONField(_("результаты при составлении"), default=dict, blank=True)
    submit_by = models.DateField(_("представить до"), null=True, blank=True)
    # «СОГЛАСОВАНА»: the founder (the municipal body) agrees when the reviewer approves.
    agreed_on = models.DateField(_("согласована"), null=True, blank=True)
    agreed_by = models.CharField(_("согласовал"), max_length=300, blank=True)
    agreed_body = models.CharField(_("учредитель"), max_length=500, blank=True)
    # «УТВЕРЖДЕНА приказом …»: the school's own order, entered after the agreement.
    order_number = models.CharField(_("номер приказа"), max_length=50, blank=True)
    order_date = models.DateField(_("дата приказа"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("программа развития")
        verbose_name_plural = _("программы развития")
        ordering = ["school__municipality__name", "school__short_name", "-starts_year"]
        indexes = [models.Index(fields=["region", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "starts_year"], name="programme_once_per_school_period"
            ),
            models.CheckConstraint(
                condition=Q(ends_year__gte=models.F("starts_year")),
                name="programme_period_in_order",
                violation_error_message=_("Окончание периода раньше его начала."),
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(agreed_on__isnull=False),
                name="programme_approved_is_agreed",
            ),
            models.CheckConstraint(
                condition=Q(order_number="", order_date__isnull=True)
                | (~Q(order_number="") & Q(order_date__isnull=False) & Q(status="approved")),
                name="programme_order_after_approval",
                violation_error_message=_(
                    "Приказ об утверждении вносится после согласования: номер и дата вместе."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period(self) -> str:
        return f"{self.starts_year}–{self.ends_year}"

    @property
    def editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def approved_line(self) -> str:
        if not self.order_number:
            return "УТВЕРЖДЕНА приказом от «___» ________ 20__ г. № ____"
        return f"УТВЕРЖДЕНА приказом от {self.order_date:%d.%m.%Y} № {self.order_number}"


class ProgrammeSection(Versioned):
    """One section of a programme: the text people write and the table the data gave."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("программа развития"),
    )
    code = models.CharField(_("раздел"), max_length=10)
    position = models.PositiveSmallIntegerField(_("порядок"))
    text = models.TextField(_("текст"), blank=True)
    # {"head": [...], "rows": [[...], ...], "flags": [...]} — from the data, not typed.
    table = models.JSONField(_("таблица"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("раздел программы развития")
        verbose_name_plural = _("разделы программ развития")
        ordering = ["programme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="programme_section_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    @property
    def title(self) -> str:
        return TITLES.get(self.code, self.code)

    @property
    def depth(self) -> int:
        return self.code.count(".") + 1

    @property
    def region_id(self) -> int:
        return self.programme.region_id


class ProgrammeRevision(models.Model):
    """A saved text of a section: the history and its diff. Autosaves of one person in a row
    are one revision, so the history reads as edits, not keystrokes."""

    section = models.ForeignKey(
        ProgrammeSection, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("редакция"))
    text = models.TextField(_("текст"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("редакция раздела")
        verbose_name_plural = _("редакции разделов")
        ordering = ["section", "number"]
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="programme_revision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.section.code} #{self.number}"


class ProgrammeComment(models.Model):
    """A remark anchored to a section, by a reviewer or the school."""

    section = models.ForeignKey(ProgrammeSection, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("замечание"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(_("учтено"), default=False)

    class Meta:
        verbose_name = _("замечание к разделу")
        verbose_name_plural = _("замечания к разделам")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="programme_comment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text[:100]


class ProgrammeReview(models.Model):
    """One step of the review: submitted, returned with remarks, approved; with the rubric."""

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", _("представлена на рассмотрение")
        RETURNED = "returned", _("возвращена на доработку")
        APPROVED = "approved", _("согласована")

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("программа развития"),
    )
    decision = models.CharField(_("решение"), max_length=10, choices=Decision.choices)
    rubric = models.JSONField(_("оценка по критериям"), default=dict, blank=True)
    comment = models.TextField(_("замечания"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("рассмотрение программы развития")
        verbose_name_plural = _("рассмотрение программ развития")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comment=""),
                name="programme_review_return_has_comment",
                violation_error_message=_("Возвращая программу, напишите замечания."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.get_decision_display()}"

    @property
    def score(self) -> int:
        return sum(int(v) for v in self.rubric.values())

    @property
    def rubric_rows(self) -> list[tuple[str, int]]:
        return [(label, int(self.rubric.get(code, 0))) for code, label in RUBRIC]


class Defence(models.Model):
    """The public defence of a programme at municipal level."""

    class Result(models.TextChoices):
        PLANNED = "planned", _("назначена")
        DEFENDED = "defended", _("защищена")
        REWORK = "rework", _("направлена на доработку")

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="defences",
        verbose_name=_("программа развития"),
    )
    held_on = models.DateField(_("дата защиты"))
    committee = models.TextField(_("состав комиссии"), blank=True)
    result = models.CharField(
        _("результат"), max_length=10, choices=Result.choices, default=Result.PLANNED
    )
    notes = models.TextField(_("примечания"), blank=True)
    protocol = models.FileField(
        _("протокол"), upload_to=PrivateUploadTo("programmes/protocols"), max_length=300, blank=True
    )
    protocol_name = models.CharField(_("файл протокола"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("защита программы развития")
        verbose_name_plural = _("защиты программ развития")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.programme}: {self.held_on:%d.%m.%Y}"

    @property
    def region_id(self) -> int:
        return self.programme.region_id


class ProgrammeArchiveJob(jobs.Job):
    """A ZIP of the programmes (DOCX) of one municipality's schools, built in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("формируется")
        DONE = "done", _("готово")
        FAILED = "failed", _("ошибка")

    RUNNING = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("выполнено, %"), default=0)
    total = models.PositiveIntegerField(_("программ"), default=0)
    file = models.FileField(upload_to=PrivateUploadTo("programmes/archives"), blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("архив программ развития")
        verbose_name_plural = _("архивы программ развития")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="programme_archive_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.created_at:%d.%m.%Y}"

    def lost(self) -> None:
        from marshrut.programmes.tasks import build_archive

        if self.attempts < jobs.MAX_ATTEMPTS:
            self.retry(
                build_archive,
                str(self.pk),
                notice=str(jobs.RESTARTED),
                status=self.Status.QUEUED,
                progress=0,
            )
            return
        self.fail(str(jobs.GAVE_UP), status=self.Status.FAILED, finished_at=timezone.now())


# --- single objects -------------------------------------------------------------------------


def can_on_programme(user: Any, cap: Cap, programme: Programme) -> bool:
    school = programme.school
    return grant(user, cap).covers(programme.region_id, school.municipality_id, school.pk)


def get_programme_for_user(user: Any, pk: int, cap: Cap = Cap.PLAN_VIEW) -> Programme:
    """The programme if the user reads it (404 otherwise); 403 when ``cap`` does not hold."""
    programme = get_object_or_404(
        Programme.objects.for_user(user).select_related(
            "region", "school__municipality", "campaign", "submission", "roadmap"
        ),
        pk=pk,
    )
    if cap != Cap.PLAN_VIEW and not can_on_programme(user, cap, programme):
        raise PermissionDenied
    return programme


def get_defence_for_user(user: Any, pk: int) -> Defence:
    return get_object_or_404(
        Defence.objects.filter(programme__in=Programme.objects.for_user(user)).select_related(
            "programme"
        ),
        pk=pk,
    )


remove_files_on_delete(Defence, "protocol")
remove_files_on_delete(ProgrammeArchiveJob, "file")
