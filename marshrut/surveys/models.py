"""Questionnaires of the region, their audiences and answers; documents put to discussion.

Answers are stored one row per (response, question[, matrix row][, chosen option]) with typed
value columns and the survey copied onto the row, so the results of a whole survey come from a
few grouped queries over one table, whatever the number of responses.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
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

# Answers of a group smaller than this are never shown separately (k-anonymity).
MIN_GROUP = 5


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SurveyQuerySet(models.QuerySet["Survey"]):
    def for_user(self, user: Any, cap: Cap = Cap.SURVEY_MANAGE) -> SurveyQuerySet:
        return self.filter(grant(user, cap).q(region="region_id", municipality="", school=""))


class Survey(Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("черновик")
        OPEN = "open", _("идёт приём ответов")
        CLOSED = "closed", _("завершено")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(_("название"), max_length=300)
    description = models.TextField(_("обращение к респондентам"), blank=True)
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    anonymous_link = models.BooleanField(
        _("анонимная ссылка"), default=True, help_text=_("отвечать может любой, у кого есть ссылка")
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    ask_municipality = models.BooleanField(
        _("спрашивать муниципалитет"),
        default=True,
        help_text=_("для ответов по анонимной ссылке: чтобы видеть отклик по муниципалитетам"),
    )
    closes_on = models.DateField(_("приём ответов до"), null=True, blank=True)
    document = models.ForeignKey(
        "surveys.Document",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="discussions",
        verbose_name=_("обсуждаемый документ"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("анкетирование")
        verbose_name_plural = _("анкетирования")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        if self.status != self.Status.OPEN:
            return False
        return self.closes_on is None or self.closes_on >= self.region.today()


class Question(Versioned):
    class Kind(models.TextChoices):
        SINGLE = "single", _("один вариант")
        MULTIPLE = "multiple", _("несколько вариантов")
        SCALE = "scale", _("шкала")
        NUMBER = "number", _("число")
        TEXT = "text", _("текст")
        MATRIX = "matrix", _("матрица (строки × варианты)")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.MATRIX)

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("порядок"), default=0)
    kind = models.CharField(_("тип"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    text = models.TextField(_("вопрос"))
    help_text = models.CharField(_("пояснение"), max_length=300, blank=True)
    required = models.BooleanField(_("обязательный"), default=False)
    options = models.JSONField(_("варианты ответа"), default=list, blank=True)
    rows = models.JSONField(_("строки матрицы"), default=list, blank=True)
    scale_min = models.SmallIntegerField(_("шкала от"), default=1)
    scale_max = models.SmallIntegerField(_("шкала до"), default=5)
    show_if_question = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("показывать, если на вопрос"),
    )
    show_if_values = models.JSONField(
        _("ответили одно из"),
        default=list,
        blank=True,
        help_text=_("номера вариантов (с 1) или значения шкалы"),
    )

    class Meta:
        verbose_name = _("вопрос")
        verbose_name_plural = _("вопросы")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")), name="question_scale_order"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:100]


class Invitation(models.Model):
    """A personal link for one person, school or municipality of the registry: one response."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("муниципалитет приглашённого: для отклика по муниципалитетам"),
    )
    email = models.EmailField(blank=True)
    label = models.CharField(max_length=300)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("приглашение")
        verbose_name_plural = _("приглашения")
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "person"],
                condition=Q(person__isnull=False),
                name="invitation_person_once",
            ),
            models.UniqueConstraint(
                fields=["survey", "school"],
                condition=Q(person__isnull=True, school__isnull=False),
                name="invitation_school_once",
            ),
            models.UniqueConstraint(
                fields=["survey", "municipality"],
                condition=Q(person__isnull=True, school__isnull=True),
                name="invitation_municipality_once",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.ForeignKey(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ответ")
        verbose_name_plural = _("ответы")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["survey", "municipality"])]
        constraints = [
            # One response per invitation, whatever the application does.
            models.UniqueConstraint(fields=["invitation"], name="response_one_per_invitation"),
        ]

    def __str__(self) -> str:
        return f"{self.survey}: {self.submitted_at:%d.%m.%Y %H:%M}"


class Answer(models.Model):
    """One value: a chosen option (``choice``), a number, a text; ``row`` for matrix rows.

    A scale answer is kept in both ``choice`` (for its distribution) and ``number`` (for the
    mean). ``survey`` and ``municipality`` are copied from the response so that results and their
    breakdown group one table without joins.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    row = models.SmallIntegerField(default=0)
    choice = models.SmallIntegerField(null=True, blank=True)
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("значение ответа")
        verbose_name_plural = _("значения ответов")
        # Covers the grouped counts of the results: no table access for choices.
        indexes = [models.Index(fields=["survey", "question", "row", "choice"])]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "row", "choice"],
                name="answer_value_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice if self.choice is not None else self.number}"


def get_survey_for_user(user: Any, pk: int, cap: Cap = Cap.SURVEY_MANAGE) -> Survey:
    return get_object_or_404(Survey.objects.for_user(user, cap).select_related("region"), pk=pk)


# Public discussion and expert review -----------------------------------------------------------


class DocumentQuerySet(models.QuerySet["Document"]):
    def for_user(self, user: Any, cap: Cap = Cap.SURVEY_MANAGE) -> DocumentQuerySet:
        return self.filter(grant(user, cap).q(region="region_id", municipality="", school=""))


class Document(models.Model):
    """A version of a model document put to public discussion and expert review."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("документ"), max_length=300)
    version = models.CharField(_("версия"), max_length=50, default="1")
    summary = models.TextField(_("о чём документ"), blank=True)
    file = models.FileField(_("файл"), upload_to=PrivateUploadTo("documents"), blank=True)
    filename = models.CharField(_("имя файла"), max_length=255, blank=True)
    link = models.URLField(_("ссылка на текст"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("документ на обсуждении")
        verbose_name_plural = _("документы на обсуждении")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "title", "version"], name="document_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (версия {self.version})"


class Criterion(models.Model):
    """A line of the expert rubric: what is scored and the highest score."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("критерий"), max_length=300)
    max_score = models.PositiveSmallIntegerField(_("наибольший балл"), default=3)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_score__gte=1), name="criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Review(models.Model):
    """An expert's review of a document, by a personal link."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reviews")
    expert = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    comment = models.TextField(_("заключение эксперта"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "expert"], name="review_expert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.expert}: {self.document}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_once"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


def get_document_for_user(user: Any, pk: int, cap: Cap = Cap.SURVEY_MANAGE) -> Document:
    return get_object_or_404(Document.objects.for_user(user, cap).select_related("region"), pk=pk)


remove_files_on_delete(Document, "file")
