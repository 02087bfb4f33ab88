"""The library of good practices (лучшие практики): horizontal learning between schools.

A school team describes what it does well — the directions and indicators of the model it
addresses, for which education levels, what it gave in numbers, its materials — and sends it to
moderation; the region's methodologists publish it or return it with remarks. Every school of the
region reads the published practices, is offered those that match its deficits, and marks those it
adopts, with the indicators it targets and the date: what the effectiveness analysis later measures.

Who sees what: published (and archived) practices — everybody who reads the library in the region;
drafts, practices in moderation and returned ones — the author school's team and the moderators.
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

from marshrut.kernels.criteria import EDUCATION_LEVEL_NAMES, MODEL_DIRECTIONS
from marshrut.lib.concurrency import Versioned
from marshrut.lib.files import PrivateUploadTo, remove_files_on_delete
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Person, Region, School
from marshrut.orgs.roles import Cap

DIRECTION_CHOICES = [(code, name) for code, name, _kind in MODEL_DIRECTIONS]
DIRECTION_NAMES = dict(DIRECTION_CHOICES)
LEVEL_CHOICES = list(EDUCATION_LEVEL_NAMES.items())
PATHS = {"region": "region_id", "municipality": "municipality_id", "school": "school_id"}


class Status(models.TextChoices):
    DRAFT = "draft", _("черновик")
    MODERATION = "moderation", _("на модерации")
    RETURNED = "returned", _("возвращена на доработку")
    PUBLISHED = "published", _("опубликована")
    ARCHIVED = "archived", _("в архиве")


# What every reader of the library sees; the rest only the authors and the moderators.
PUBLIC = (Status.PUBLISHED, Status.ARCHIVED)
# What the author school may still change.
EDITABLE = (Status.DRAFT, Status.RETURNED)


class PracticeQuerySet(models.QuerySet["Practice"]):
    def for_user(self, user: Any) -> PracticeQuerySet:
        """Published and archived practices of the regions where the user reads the library, and
        the unpublished ones of the schools they write for or the regions they moderate."""
        readable = Region.objects.for_user(user, Cap.PRACTICE_VIEW).values("pk")
        q = Q(status__in=PUBLIC, region__in=readable)
        q |= grant(user, Cap.PRACTICE_SUBMIT).q(**PATHS)
        q |= grant(user, Cap.PRACTICE_MODERATE).q(**PATHS)
        return self.filter(q)

    def published(self) -> PracticeQuerySet:
        return self.filter(status=Status.PUBLISHED)


class Practice(Versioned):
    """One practice card."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="practices")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="practices", verbose_name=_("школа-автор")
    )
    # The school's, kept here so that a municipal scope filters without a join.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("название практики"), max_length=300)
    authors = models.ManyToManyField(
        Person, blank=True, related_name="practices", verbose_name=_("авторы")
    )
    directions = models.JSONField(_("направления"), default=list, blank=True)
    indicators = models.JSONField(_("показатели"), default=list, blank=True)
    levels = models.JSONField(_("уровни образования"), default=list, blank=True)
    description = models.TextField(
        _("описание"), help_text=_("суть практики, как она устроена, кому и чем полезна")
    )
    # [{"what": …, "before": …, "after": …, "unit": …}]: results in numbers.
    results = models.JSONField(_("результаты"), default=list, blank=True)
    results_note = models.TextField(_("результаты (текстом)"), blank=True)
    contact = models.CharField(
        _("контакт"), max_length=300, blank=True, help_text=_("кому писать или звонить")
    )
    status = models.CharField(
        _("состояние"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    # What full-text search reads: title, description, results, school and authors.
    search_document = models.TextField(editable=False, blank=True, default="")
    submitted_at = models.DateTimeField(_("отправлена на модерацию"), null=True, blank=True)
    published_at = models.DateTimeField(_("опубликована"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("практика")
        verbose_name_plural = _("библиотека лучших практик")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["region", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="practice_published_has_date",
                violation_error_message=_("У опубликованной практики должна быть дата публикации."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def direction_names(self) -> list[str]:
        return [DIRECTION_NAMES.get(c, c) for c in self.directions]

    @property
    def level_names(self) -> list[str]:
        return [EDUCATION_LEVEL_NAMES.get(c, c) for c in self.levels]

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC


class CodeKind(models.TextChoices):
    DIRECTION = "direction", _("направление")
    INDICATOR = "indicator", _("показатель")
    LEVEL = "level", _("уровень образования")


class PracticeCode(models.Model):
    """One direction, indicator or level of a practice: the rows filters and deficits join on.

    Rebuilt from the card's lists by the action that saves it.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="codes")
    kind = models.CharField(max_length=10, choices=CodeKind.choices)
    code = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("код практики")
        verbose_name_plural = _("коды практик")
        indexes = [models.Index(fields=["kind", "code"])]
        constraints = [
            models.UniqueConstraint(fields=["practice", "kind", "code"], name="practice_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class Material(models.Model):
    """A material of a practice: an uploaded file or a link."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("название"), max_length=300, blank=True)
    file = models.FileField(
        upload_to=PrivateUploadTo("practices/materials"), max_length=300, blank=True
    )
    filename = models.CharField(_("файл"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("размер"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(_("ссылка"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("материал практики")
        verbose_name_plural = _("материалы практик")
        ordering = ["added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="material_file_or_link",
                violation_error_message=_("Материал — это файл или ссылка."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.filename or self.url

    @property
    def is_file(self) -> bool:
        return bool(self.file)


class Review(models.Model):
    """One step of moderation; the rows are the practice's history of remarks."""

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", _("отправлена на модерацию")
        PUBLISHED = "published", _("опубликована")
        RETURNED = "returned", _("возвращена с замечаниями")
        ARCHIVED = "archived", _("убрана в архив")

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(_("решение"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("замечания"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("модерация практики")
        verbose_name_plural = _("модерация практик")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comment=""),
                name="practice_review_return_has_comment",
                violation_error_message=_("Возвращая практику, напишите замечания."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice}: {self.get_decision_display()}"


class Adoption(models.Model):
    """A school adopted a practice: which indicators it targets, since when."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="adoptions")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="adopted_practices")
    indicators = models.JSONField(_("показатели, на которые нацелено внедрение"), default=list)
    adopted_on = models.DateField(_("дата внедрения"))
    note = models.TextField(_("комментарий"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("внедрение практики")
        verbose_name_plural = _("внедрения практик")
        ordering = ["-adopted_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "school"], name="adoption_once_per_school")
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.practice}"


# --- who may do what with one practice ------------------------------------------------------------


def _covers(user: Any, cap: Cap, p: Practice) -> bool:
    return grant(user, cap).covers(p.region_id, p.municipality_id, p.school_id)


def can_moderate(user: Any, p: Practice) -> bool:
    return grant(user, Cap.PRACTICE_MODERATE).covers(p.region_id, None, None)


def can_edit(user: Any, p: Practice) -> bool:
    """The author school's team while the card is theirs to change; moderators until archived."""
    if p.status == Status.ARCHIVED:
        return False
    if can_moderate(user, p):
        return True
    return p.status in EDITABLE and _covers(user, Cap.PRACTICE_SUBMIT, p)


def can_submit(user: Any, p: Practice) -> bool:
    return p.status in EDITABLE and _covers(user, Cap.PRACTICE_SUBMIT, p)


def adopting_schools(user: Any, p: Practice) -> models.QuerySet[School]:
    """The schools for which the user may mark this practice adopted (never its author)."""
    if p.status != Status.PUBLISHED:
        return School.objects.none()
    return (
        School.objects.for_user(user, Cap.PRACTICE_ADOPT)
        .filter(municipality__region_id=p.region_id)
        .exclude(pk=p.school_id)
    )


def get_practice_for_user(user: Any, pk: int) -> Practice:
    """The practice if the user may read it; 404 otherwise."""
    return get_object_or_404(
        Practice.objects.for_user(user).select_related("region", "school", "municipality"), pk=pk
    )


def get_practice_to_edit(user: Any, pk: int) -> Practice:
    practice = get_practice_for_user(user, pk)
    if not can_edit(user, practice):
        raise PermissionDenied
    return practice


def get_material_for_user(user: Any, pk: int) -> Material:
    return get_object_or_404(
        Material.objects.filter(practice__in=Practice.objects.for_user(user)).exclude(file=""),
        pk=pk,
    )


remove_files_on_delete(Material, "file")
