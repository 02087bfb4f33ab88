"""Assessment results of schools, the region's selection rule, and the management team's records.

Results are facts as the region receives them from the federal and regional assessments: one row
per school, year, assessment, subject and grade. The selection rule (``selection.py``) reads them
aggregated per school, year and assessment. The management team itself is the curators' and
mentors' memberships (``orgs.Membership.schools``); here are only what a membership does not hold:
the order that appointed a person, and a candidate's test score.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import Versioned
from marshrut.orgs.access import grant
from marshrut.orgs.models import Membership, Person, Region, School
from marshrut.orgs.roles import Cap, Role
from marshrut.support.models.cohort import SCHOOL_PATHS


class Assessment(models.TextChoices):
    VPR = "vpr", _("ВПР")
    OGE = "oge", _("ОГЭ")
    EGE = "ege", _("ЕГЭ")
    NIKO = "niko", _("НИКО")
    REGIONAL = "regional", _("региональная диагностика")


class AssessmentResultQuerySet(models.QuerySet["AssessmentResult"]):
    def for_user(self, user: Any, cap: Cap = Cap.SHNOR_VIEW) -> AssessmentResultQuerySet:
        return self.filter(grant(user, cap).q(**SCHOOL_PATHS))

    def in_region(self, region: Region) -> AssessmentResultQuerySet:
        return self.filter(school__municipality__region=region)


class AssessmentResult(models.Model):
    """One school's result in one assessment of one subject and grade in a year."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="shnor_results", verbose_name=_("школа")
    )
    year = models.PositiveSmallIntegerField(_("год"))
    assessment = models.CharField(_("оценочная процедура"), max_length=10, choices=Assessment)
    subject = models.CharField(_("предмет"), max_length=100)
    grade = models.PositiveSmallIntegerField(
        _("класс"), validators=[MinValueValidator(1), MaxValueValidator(11)]
    )
    participants = models.PositiveIntegerField(_("участников"))
    failed = models.PositiveIntegerField(_("получили отметку 2"))
    failed_share = models.DecimalField(
        _("доля отметок 2, %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    # The mean mark (2–5); for ЕГЭ the mean test score (0–100).
    mean_mark = models.DecimalField(
        _("средняя отметка (балл)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    imported_at = models.DateTimeField(default=timezone.now, verbose_name=_("загружено"))

    objects = AssessmentResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("результат оценочной процедуры")
        verbose_name_plural = _("результаты оценочных процедур")
        ordering = ["school", "-year", "assessment", "subject", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "assessment", "subject", "grade"],
                name="shnor_result_once",
            ),
            models.CheckConstraint(
                condition=Q(failed__lte=models.F("participants")),
                name="shnor_result_failed_within_participants",
            ),
            models.CheckConstraint(
                condition=Q(failed_share__gte=0, failed_share__lte=100),
                name="shnor_result_share_percent",
            ),
            models.CheckConstraint(
                condition=Q(mean_mark__isnull=True) | Q(mean_mark__gte=0, mean_mark__lte=100),
                name="shnor_result_mean_mark_range",
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=11), name="shnor_grade"),
        ]
        indexes = [models.Index(fields=["year", "assessment"])]

    def __str__(self) -> str:
        return f"{self.school} — {self.get_assessment_display()} {self.year}, {self.subject}, {self.grade} кл."


def default_assessments() -> list[str]:
    return [Assessment.VPR, Assessment.OGE, Assessment.EGE]


class SelectionRule(Versioned):
    """The region's rule that proposes the cohort from assessment results.

    A school is proposed when its share of «2» (over all subjects and grades of an assessment in
    a year) is at least ``threshold`` per cent in two different counted assessments of one year,
    or in the same counted assessment two years running.
    """

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="shnor_rule", verbose_name=_("регион")
    )
    threshold = models.DecimalField(
        _("порог доли отметок 2, %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(15),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    assessments = models.JSONField(
        _("учитываемые процедуры"), default=default_assessments, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("правило отбора школ ШНОР")
        verbose_name_plural = _("правила отбора школ ШНОР")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gt=0, threshold__lte=100), name="shnor_rule_threshold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region}: ≥ {self.threshold} %"

    @classmethod
    def of(cls, region: Region) -> SelectionRule:
        """The region's rule; the default one (unsaved) until the operator sets it."""
        found = cls.objects.filter(region=region).first()
        return found if found is not None else cls(region=region)


class Appointment(models.Model):
    """The order (приказ) by which a curator, mentor or coordinator joined the management team."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="shnor_appointment"
    )
    order_number = models.CharField(_("номер приказа"), max_length=50)
    order_date = models.DateField(_("дата приказа"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто записал"),
    )
    recorded_at = models.DateTimeField(default=timezone.now, verbose_name=_("когда записано"))

    class Meta:
        verbose_name = _("приказ о назначении")
        verbose_name_plural = _("приказы о назначении")

    def __str__(self) -> str:
        return f"№ {self.order_number} от {self.order_date:%d.%m.%Y}"


class CandidateTest(models.Model):
    """A candidate curator's or mentor's questionnaire score (the surveys engine scores nothing)."""

    ROLES = [(Role.CURATOR.value, Role.CURATOR.label), (Role.MENTOR.value, Role.MENTOR.label)]

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="shnor_tests", verbose_name=_("кандидат")
    )
    role = models.CharField(_("кандидат в"), max_length=30, choices=ROLES)
    year = models.PositiveSmallIntegerField(_("год"))
    score = models.PositiveSmallIntegerField(_("балл"))
    max_score = models.PositiveSmallIntegerField(_("наибольший балл"), default=100)
    tested_on = models.DateField(_("дата тестирования"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто записал"),
    )

    class Meta:
        verbose_name = _("тестирование кандидата")
        verbose_name_plural = _("тестирование кандидатов")
        ordering = ["-year", "person__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "role", "year"], name="shnor_test_once"),
            models.CheckConstraint(
                condition=Q(score__lte=models.F("max_score")) & Q(max_score__gte=1),
                name="shnor_test_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.score}/{self.max_score}"

    @property
    def percent(self) -> int:
        return round(self.score * 100 / self.max_score)
