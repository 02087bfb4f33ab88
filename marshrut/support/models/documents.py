"""The documents of a ШНОР school (and a municipality's programme) with versions and expert review.

A :class:`Document` is one document of one owner for one year: a school's concept of development,
mid-term programme, an anti-risk programme per chosen priority risk, its roadmap, or a
municipality's programme of transition of schools to an effective mode of work. Its content lives
in :class:`DocumentVersion` rows: each upload is a new version, never overwritten; a roadmap's
version may point to the school's ШНОР plan instead of carrying a file. Reviews
(:class:`DocumentReview`) score a version by the kind's rubric and decide: accepted, or returned
with remarks, after which the school uploads the next version.

For other parts of the programme (the monitoring stages' confirming documents): a stage that asks
for one of these documents refers to a ``DocumentVersion`` (a foreign key to
``support.DocumentVersion`` — a fixed, reviewed text); a stage that needs some other paper owns
its file itself, stored the same way (``PrivateUploadTo``, served by ``lib.files.download``).
``DocumentVersion.file`` may be empty only when ``plan`` is set.

Scoping: every document records its municipality and region (a school document: the school's),
so ``Grant.q`` with :data:`DOCUMENT_PATHS` is the one filter.
"""

from __future__ import annotations

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
from marshrut.orgs.models import Municipality, Region, School
from marshrut.orgs.roles import Cap

DOCUMENT_PATHS = {"region": "region_id", "municipality": "municipality_id", "school": "school_id"}
VERSION_PATHS = {k: f"document__{v}" for k, v in DOCUMENT_PATHS.items()}

#: How many priority risks a school works on, hence anti-risk programmes it may have a year.
MAX_PRIORITY_RISKS = 3


class FederalRisk(models.TextChoices):
    """The ten federal risk factors, by code.

    The risk-profile part of the programme keeps the factors as versioned data; until the two
    meet, an anti-risk programme names its factor by one of these codes.
    """

    EQUIPMENT = "equipment", _("Низкий уровень оснащения школы")
    STAFF_SHORTAGE = "staff_shortage", _("Дефицит педагогических кадров")
    TEACHER_COMPETENCE = (
        "teacher_competence",
        _("Недостаточная предметная и методическая компетентность педагогов"),
    )
    ADAPTIVITY = "adaptivity", _("Риски низкой адаптивности учебного процесса")
    TRAINING_SYSTEM = (
        "training_system",
        _("Несформированность внутришкольной системы повышения квалификации"),
    )
    BARRIERS = "barriers", _("Низкое качество преодоления языковых и культурных барьеров")
    ENVIRONMENT = (
        "environment",
        _("Пониженный уровень качества школьной образовательной и воспитательной среды"),
    )
    FAILURE_RISK = (
        "failure_risk",
        _("Высокая доля обучающихся с рисками учебной неуспешности"),
    )
    PARENTS = "parents", _("Низкий уровень вовлечённости родителей")
    MOTIVATION = "motivation", _("Низкая учебная мотивация обучающихся")


class DocumentKind(models.TextChoices):
    CONCEPT = "concept", _("Концепция развития")
    MIDTERM = "midterm", _("Среднесрочная программа развития")
    ANTIRISK = "antirisk", _("Программа антирисковых мер")
    ROADMAP = "roadmap", _("Дорожная карта")
    TRANSITION = "transition", _("Муниципальная программа перехода в эффективный режим работы")


SCHOOL_KINDS = (
    DocumentKind.CONCEPT,
    DocumentKind.MIDTERM,
    DocumentKind.ANTIRISK,
    DocumentKind.ROADMAP,
)


class DocumentQuerySet(models.QuerySet["Document"]):
    def for_user(self, user: Any, cap: Cap = Cap.SHNOR_VIEW) -> DocumentQuerySet:
        return self.filter(grant(user, cap).q(**DOCUMENT_PATHS))

    def in_region(self, region: Region) -> DocumentQuerySet:
        return self.filter(region=region)

    def of_year(self, year: int) -> DocumentQuerySet:
        return self.filter(year=year)


class Document(Versioned):
    """One document of a school (or a municipality) for a year, with its versions and reviews."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("черновик")
        REVIEW = "review", _("на экспертизе")
        ACCEPTED = "accepted", _("принят")
        RETURNED = "returned", _("возвращён с замечаниями")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="shnor_documents",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shnor_documents",
        verbose_name=_("школа"),
    )
    year = models.PositiveSmallIntegerField(_("год"))
    kind = models.CharField(_("документ"), max_length=12, choices=DocumentKind.choices)
    risk_code = models.CharField(
        _("риск"), max_length=20, choices=FederalRisk.choices, blank=True, default=""
    )
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто создал"),
    )
    created_at = models.DateTimeField(_("создан"), default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("документ ШНОР")
        verbose_name_plural = _("документы ШНОР")
        ordering = ["year", "kind", "risk_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="transition", school__isnull=True)
                | (~Q(kind="transition") & Q(school__isnull=False)),
                name="shnor_document_owner_matches_kind",
                violation_error_message=_(
                    "Программа перехода принадлежит муниципалитету, остальные документы — школе."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind="antirisk", risk_code__gt="")
                | (~Q(kind="antirisk") & Q(risk_code="")),
                name="shnor_document_risk_for_antirisk",
                violation_error_message=_("Программа антирисковых мер называет свой риск."),
            ),
            models.UniqueConstraint(
                fields=["school", "year", "kind", "risk_code"],
                condition=Q(school__isnull=False),
                name="shnor_document_one_per_school_kind",
            ),
            models.UniqueConstraint(
                fields=["municipality", "year", "kind"],
                condition=Q(school__isnull=True),
                name="shnor_document_one_per_municipality_kind",
            ),
        ]
        indexes = [models.Index(fields=["region", "year", "kind"])]

    def __str__(self) -> str:
        return f"{self.title} — {self.owner}, {self.year}"

    @property
    def owner(self) -> School | Municipality:
        return self.school or self.municipality

    @property
    def title(self) -> str:
        name = str(self.get_kind_display())
        if self.risk_code:
            return f"{name}: {self.get_risk_code_display()}"
        return name


class DocumentVersion(models.Model):
    """One uploaded text of a document (or, for a roadmap, a reference to the ШНОР plan)."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="versions", verbose_name=_("документ")
    )
    number = models.PositiveSmallIntegerField(_("версия"))
    file = models.FileField(
        upload_to=PrivateUploadTo("support/documents"),
        max_length=300,
        blank=True,
        verbose_name=_("файл версии"),
    )
    filename = models.CharField(_("файл"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("размер"), default=0)
    sha256 = models.CharField(_("контрольная сумма файла"), max_length=64, blank=True)
    plan = models.ForeignKey(
        "plans.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("дорожная карта в системе"),
    )
    note = models.TextField(_("комментарий к версии"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто загрузил"),
    )
    uploaded_at = models.DateTimeField(_("загружена"), default=timezone.now)
    submitted_at = models.DateTimeField(_("отправлена на экспертизу"), null=True, blank=True)

    class Meta:
        verbose_name = _("версия документа ШНОР")
        verbose_name_plural = _("версии документов ШНОР")
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="shnor_version_number"),
            models.CheckConstraint(
                condition=~Q(file="") | Q(plan__isnull=False),
                name="shnor_version_has_content",
                violation_error_message=_("Загрузите файл или укажите дорожную карту."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.title}, версия {self.number}"

    @property
    def content_name(self) -> str:
        if self.file:
            return self.filename
        return f"дорожная карта в системе: {self.plan}" if self.plan_id else ""


remove_files_on_delete(DocumentVersion, "file")


class DocumentReview(models.Model):
    """A reviewer's scores by the rubric and the decision on one version; the rows are history."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("принят")
        RETURNED = "returned", _("возвращён с замечаниями")

    version = models.ForeignKey(
        DocumentVersion,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("версия документа"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("эксперт (учётная запись)"),
    )
    reviewer_name = models.CharField(_("эксперт"), max_length=200, blank=True)
    decision = models.CharField(_("решение"), max_length=10, choices=Decision.choices)
    remarks = models.TextField(_("замечания"), blank=True)
    # [{"code", "title", "max", "score", "comment"}]: the rubric as scored, kept with the review.
    scores = models.JSONField(_("оценки по критериям"), default=list)
    rubric_version = models.CharField(_("версия рубрики"), max_length=40, blank=True)
    total = models.PositiveSmallIntegerField(_("сумма баллов"))
    max_total = models.PositiveSmallIntegerField(_("максимум баллов"))
    at = models.DateTimeField(_("когда"), default=timezone.now)

    class Meta:
        verbose_name = _("экспертиза документа ШНОР")
        verbose_name_plural = _("экспертизы документов ШНОР")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__lte=models.F("max_total")),
                name="shnor_review_total_within_max",
                violation_error_message=_("Сумма баллов больше максимальной."),
            ),
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(remarks=""),
                name="shnor_review_return_has_remarks",
                violation_error_message=_("Возвращая документ, напишите замечания."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.get_decision_display()}"

    @property
    def percent(self) -> int:
        return round(100 * self.total / self.max_total) if self.max_total else 0


# --- single objects -------------------------------------------------------------------------


def can_on_document(user: Any, cap: Cap, document: Document) -> bool:
    return grant(user, cap).covers(document.region_id, document.municipality_id, document.school_id)


def can_review(user: Any, document: Document) -> bool:
    """Reviewers of schools' documents; a municipality's programme only by the region.

    A municipal coordinator reviews the schools of the municipality but not the programme the
    municipality itself wrote.
    """
    g = grant(user, Cap.SHNOR_REVIEW)
    if document.school_id is None:
        return g.covers(document.region_id, None, None)
    return g.covers(document.region_id, document.municipality_id, document.school_id)


def get_document_for_user(user: Any, pk: int, cap: Cap = Cap.SHNOR_VIEW) -> Document:
    """The document if the user sees it (404 otherwise); 403 when ``cap`` does not hold on it."""
    document = get_object_or_404(
        Document.objects.for_user(user).select_related("region", "municipality", "school"), pk=pk
    )
    if cap != Cap.SHNOR_VIEW and not can_on_document(user, cap, document):
        raise PermissionDenied
    return document


def get_version_for_user(user: Any, pk: int) -> DocumentVersion:
    return get_object_or_404(
        DocumentVersion.objects.filter(document__in=Document.objects.for_user(user)).select_related(
            "document"
        ),
        pk=pk,
    )
