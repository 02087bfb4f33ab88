"""The register of management decisions (управленческие решения) and their execution.

A decision is taken by a person or a body (the operator, the department, a municipal commission)
about the region, a municipality or a school; it comes from the analytical report, an interview
(its protocol), the expert review of ШНОР documents or elsewhere; it has an owner and a due date
and is tracked like a roadmap item: the owner reports execution with evidence, and «overdue» is
an open decision past its date by the region's «today» — computed when read, never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import Versioned
from marshrut.lib.files import PrivateUploadTo, remove_files_on_delete
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Person, Region, School
from marshrut.orgs.roles import Cap
from marshrut.programmes.models.interviews import InterviewProtocol

DECISION_PATHS = {
    "region": "region_id",
    "municipality": "municipality_id",
    "school": "school_id",
}
SOON_DAYS = 14


class Subject(models.TextChoices):
    """Whom a decision is about."""

    REGION = "region", _("регион")
    MUNICIPALITY = "municipality", _("муниципалитет")
    SCHOOL = "school", _("школа")


class Source(models.TextChoices):
    REPORT = "report", _("аналитическая справка")
    INTERVIEW = "interview", _("собеседование")
    SHNOR = "shnor", _("экспертиза ШНОР")
    OTHER = "other", _("другое")


class DecisionStatus(models.TextChoices):
    ACCEPTED = "accepted", _("принято")
    IN_PROGRESS = "in_progress", _("исполняется")
    DONE = "done", _("исполнено")
    CANCELLED = "cancelled", _("отменено")


OPEN_STATUSES = (DecisionStatus.ACCEPTED, DecisionStatus.IN_PROGRESS)
# Not a stored status: an open decision past its date, by its region's «today».
OVERDUE = "overdue"
OVERDUE_LABEL = _("просрочено")


def _by_day(on: dt.date | None, make: Any) -> Q:
    from marshrut.orgs.context import by_region_date

    return make(on) if on is not None else by_region_date("region", make)


class DecisionQuerySet(models.QuerySet["Decision"]):
    def for_user(self, user: Any, cap: Cap = Cap.PLAN_VIEW) -> DecisionQuerySet:
        """Decisions about the nodes where ``cap`` holds and below (a school: its own)."""
        return self.filter(grant(user, cap).q(**DECISION_PATHS))

    def open(self) -> DecisionQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, on: dt.date | None = None) -> DecisionQuerySet:
        """Open decisions past their date; without ``on``, by each decision's region's «today»."""
        return self.open().filter(_by_day(on, lambda day: Q(due_on__lt=day)))

    def due_soon(self, on: dt.date | None = None, days: int = SOON_DAYS) -> DecisionQuerySet:
        def window(day: dt.date) -> Q:
            return Q(due_on__gte=day, due_on__lte=day + dt.timedelta(days=days))

        return self.open().filter(_by_day(on, window))

    def taken_between(self, start: dt.date, end: dt.date) -> DecisionQuerySet:
        return self.filter(decided_on__gte=start, decided_on__lte=end)


class Decision(Versioned):
    """One management decision of the register."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="decisions")
    subject = models.CharField(
        _("уровень"), max_length=12, choices=Subject.choices, default=Subject.SCHOOL
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("школа"),
    )
    source = models.CharField(_("основание"), max_length=10, choices=Source.choices)
    protocol = models.ForeignKey(
        InterviewProtocol,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("протокол собеседования"),
    )
    source_text = models.CharField(
        _("документ-основание"),
        max_length=500,
        blank=True,
        help_text=_("например, «Аналитическая справка по итогам самодиагностики 2025»"),
    )
    decided_by = models.CharField(
        _("кто принял"), max_length=300, help_text=_("должностное лицо или орган")
    )
    decided_on = models.DateField(_("дата решения"))
    text = models.TextField(_("решение"))
    owner = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("ответственный"),
    )
    owner_text = models.CharField(
        _("ответственный (текстом)"),
        max_length=300,
        blank=True,
        help_text=_("если ответственного нет в реестре людей"),
    )
    due_on = models.DateField(_("срок исполнения"))
    status = models.CharField(
        _("состояние"),
        max_length=12,
        choices=DecisionStatus.choices,
        default=DecisionStatus.ACCEPTED,
    )
    done_on = models.DateField(_("исполнено"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The last reminder sent, so that a second run on the same day sends nothing again.
    reminded_on = models.DateField(_("напомнили"), null=True, blank=True, editable=False)
    reminded_kind = models.CharField(
        max_length=8, blank=True, editable=False, verbose_name=_("последнее напоминание")
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("управленческое решение")
        verbose_name_plural = _("реестр управленческих решений")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["region", "status", "due_on"]),
            models.Index(fields=["region", "decided_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject="region", municipality__isnull=True, school__isnull=True)
                | Q(subject="municipality", municipality__isnull=False, school__isnull=True)
                | Q(subject="school", municipality__isnull=False, school__isnull=False),
                name="decision_subject_matches_level",
                violation_error_message=_("Укажите муниципалитет или школу, о которых решение."),
            ),
            models.CheckConstraint(
                condition=~Q(source="interview") | Q(protocol__isnull=False),
                name="decision_interview_has_protocol",
                violation_error_message=_("Решение по итогам собеседования ссылается на протокол."),
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False)
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="decision_done_has_date",
                violation_error_message=_("У исполненного решения должна быть дата исполнения."),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:200]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, on: dt.date | None = None) -> bool:
        """The same rule as ``Decision.objects.overdue``, for one decision."""
        day = on or self.region.today()
        return self.is_open and self.due_on < day

    def shown_status(self, on: dt.date | None = None) -> str:
        return OVERDUE if self.is_overdue(on) else self.status

    @property
    def subject_name(self) -> str:
        return str(self.school or self.municipality or self.region)

    @property
    def owner_name(self) -> str:
        return str(self.owner) if self.owner else self.owner_text


class DecisionReport(models.Model):
    """What the owner reported on the decision's execution: status, text, evidence."""

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="reports", verbose_name=_("решение")
    )
    status = models.CharField(_("исполнение"), max_length=12, choices=DecisionStatus.choices)
    comment = models.TextField(_("что сделано"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("отчёт об исполнении решения")
        verbose_name_plural = _("отчёты об исполнении решений")
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision}: {self.get_status_display()}"


class DecisionEvidence(models.Model):
    """A confirming document of a decision's execution."""

    report = models.ForeignKey(DecisionReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=PrivateUploadTo("programmes/decisions"), max_length=300)
    filename = models.CharField(_("файл"), max_length=255)
    size = models.PositiveBigIntegerField(_("размер"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("подтверждение исполнения решения")
        verbose_name_plural = _("подтверждения исполнения решений")

    def __str__(self) -> str:
        return self.filename


def can_on_decision(user: Any, cap: Cap, decision: Decision) -> bool:
    return grant(user, cap).covers(decision.region_id, decision.municipality_id, decision.school_id)


def can_report_decision(user: Any, decision: Decision) -> bool:
    """The owner reports; so may those who keep the register there, and the school's team on a
    decision about its school."""
    if decision.owner is not None and decision.owner.user_id == getattr(user, "pk", None):
        return bool(getattr(user, "is_active", False))
    if can_on_decision(user, Cap.DECISION_MANAGE, decision):
        return True
    return decision.school_id is not None and grant(user, Cap.PLAN_REPORT).covers(
        None, None, decision.school_id
    )


def get_decision_for_user(user: Any, pk: int, cap: Cap = Cap.PLAN_VIEW) -> Decision:
    """The decision if the user may read it (404 otherwise); 403 when ``cap`` does not hold."""
    decision = get_object_or_404(
        Decision.objects.for_user(user).select_related(
            "region", "municipality", "school", "owner", "protocol__slot__round"
        ),
        pk=pk,
    )
    if cap != Cap.PLAN_VIEW and not can_on_decision(user, cap, decision):
        raise PermissionDenied
    return decision


def get_decision_evidence_for_user(user: Any, pk: int) -> DecisionEvidence:
    return get_object_or_404(
        DecisionEvidence.objects.filter(
            report__decision__in=Decision.objects.for_user(user)
        ).select_related("report"),
        pk=pk,
    )


remove_files_on_delete(DecisionEvidence, "file")
