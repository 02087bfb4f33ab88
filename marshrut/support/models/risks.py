"""Risk profiles of the cohort's schools: the model (методика), its questionnaires, the profiles.

The model is versioned data loaded from a file (``marshrut/support/data/risks/``); its factors,
items and options are also kept as rows, so that a profile of every school of a year comes from
one grouped query over the surveys' answers. The questionnaires themselves are surveys of the
surveys engine, one per school and respondent group, answered through their public links.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.kernels import risks as kernel
from marshrut.lib.concurrency import Versioned
from marshrut.orgs.access import grant
from marshrut.orgs.roles import Cap
from marshrut.support.models.cohort import SCHOOL_PATHS, Participation
from marshrut.surveys.models import Question, Survey

__all__ = [
    "PriorityRisk",
    "RiskFactor",
    "RiskItem",
    "RiskLevel",
    "RiskModel",
    "RiskOption",
    "RiskPriorities",
    "RiskProfile",
    "RiskQuestion",
    "RiskSurvey",
    "RiskWeight",
]

GROUP_CHOICES = [(code, name) for code, name, _gen, _min in kernel.GROUPS]


@lru_cache(maxsize=16)
def _parsed(sha256: str, text: str, name: str) -> kernel.RiskModelDef:
    return kernel.parse_model(text, name)


class RiskModel(models.Model):
    """A version of the risk model (методика) as loaded from its file."""

    code = models.CharField(_("версия"), max_length=50, unique=True)
    title = models.CharField(_("название"), max_length=300)
    source = models.TextField(_("источник"), blank=True)
    is_illustrative = models.BooleanField(_("иллюстративная"), default=False)
    notice = models.TextField(_("примечание"), blank=True)
    source_text = models.TextField(_("файл методики"))
    source_name = models.CharField(_("имя файла"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("загружена"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("методика профиля рисков")
        verbose_name_plural = _("методики профиля рисков")
        ordering = ["-loaded_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def definition(self) -> kernel.RiskModelDef:
        """The parsed model, parsed once per process and version."""
        return _parsed(self.sha256, self.source_text, self.source_name or self.code)


class RiskFactor(models.Model):
    model = models.ForeignKey(
        RiskModel, on_delete=models.CASCADE, related_name="factors", verbose_name=_("методика")
    )
    code = models.CharField(_("код"), max_length=10)
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("фактор риска"), max_length=300)
    medium = models.FloatField(_("порог среднего уровня"))
    high = models.FloatField(_("порог высокого уровня"))

    class Meta:
        verbose_name = _("фактор риска")
        verbose_name_plural = _("факторы риска")
        ordering = ["model", "position"]
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="risk_factor_code_once"),
            models.CheckConstraint(
                condition=Q(medium__gt=0, high__gt=models.F("medium"), high__lte=100),
                name="risk_factor_thresholds_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RiskItem(models.Model):
    """A question of a group's questionnaire."""

    model = models.ForeignKey(
        RiskModel, on_delete=models.CASCADE, related_name="items", verbose_name=_("методика")
    )
    code = models.CharField(_("код"), max_length=40)
    group = models.CharField(_("респонденты"), max_length=10, choices=GROUP_CHOICES)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("вопрос"))

    class Meta:
        verbose_name = _("вопрос анкеты рисков")
        verbose_name_plural = _("вопросы анкет рисков")
        ordering = ["model", "position"]
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="risk_item_code_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"


class RiskOption(models.Model):
    """An answer option of an item; ``number`` is the surveys' ``choice`` (from 1)."""

    item = models.ForeignKey(RiskItem, on_delete=models.CASCADE, related_name="options")
    number = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    risk = models.FloatField(verbose_name=_("вклад ответа в риск"))

    class Meta:
        verbose_name = _("вариант ответа")
        verbose_name_plural = _("варианты ответов")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="risk_option_number_once"),
            models.CheckConstraint(
                condition=Q(risk__gte=0, risk__lte=1), name="risk_option_risk_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text} (риск {self.risk:g})"


class RiskWeight(models.Model):
    """How much an item counts in a factor."""

    item = models.ForeignKey(RiskItem, on_delete=models.CASCADE, related_name="weights")
    factor = models.ForeignKey(
        RiskFactor, on_delete=models.CASCADE, related_name="weights", verbose_name=_("фактор риска")
    )
    weight = models.FloatField(verbose_name=_("вес"))

    class Meta:
        verbose_name = _("вес вопроса в факторе")
        verbose_name_plural = _("веса вопросов в факторах")
        constraints = [
            models.UniqueConstraint(fields=["item", "factor"], name="risk_weight_once"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="risk_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.factor_id}: {self.weight:g}"


class RiskSurveyQuerySet(models.QuerySet["RiskSurvey"]):
    def for_user(self, user: Any, cap: Cap = Cap.SHNOR_VIEW) -> RiskSurveyQuerySet:
        return self.filter(
            grant(user, cap).q(**{k: f"participation__{v}" for k, v in SCHOOL_PATHS.items()})
        )


class RiskSurvey(models.Model):
    """The survey one respondent group of one school answers for one model."""

    participation = models.ForeignKey(
        Participation,
        on_delete=models.CASCADE,
        related_name="risk_surveys",
        verbose_name=_("участие школы"),
    )
    model = models.ForeignKey(
        RiskModel, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("методика")
    )
    group = models.CharField(_("респонденты"), max_length=10, choices=GROUP_CHOICES)
    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="risk")

    objects = RiskSurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("анкета рисков школы")
        verbose_name_plural = _("анкеты рисков школ")
        ordering = ["participation", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "model", "group"], name="risk_survey_once"
            ),
        ]

    def __str__(self) -> str:
        return str(self.survey)


class RiskQuestion(models.Model):
    """Which item a survey question asks: the link from the surveys' answers to the model."""

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, primary_key=True, related_name="risk"
    )
    item = models.ForeignKey(RiskItem, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("вопрос анкеты рисков в опросе")
        verbose_name_plural = _("вопросы анкет рисков в опросах")

    def __str__(self) -> str:
        return f"{self.question_id} → {self.item_id}"


class RiskProfileQuerySet(models.QuerySet["RiskProfile"]):
    def for_user(self, user: Any, cap: Cap = Cap.SHNOR_VIEW) -> RiskProfileQuerySet:
        return self.filter(
            grant(user, cap).q(**{k: f"participation__{v}" for k, v in SCHOOL_PATHS.items()})
        )


class RiskProfile(models.Model):
    """A school's profile as computed from its questionnaires: one per school, year and model."""

    participation = models.ForeignKey(
        Participation,
        on_delete=models.CASCADE,
        related_name="risk_profiles",
        verbose_name=_("участие школы"),
    )
    model = models.ForeignKey(
        RiskModel, on_delete=models.PROTECT, related_name="profiles", verbose_name=_("методика")
    )
    computed_at = models.DateTimeField(_("рассчитан"), default=timezone.now)
    # Responses per group, and the reasons a group's answers are not used: {"teachers": 3, …}.
    respondents = models.JSONField(default=dict, verbose_name=_("ответивших по группам"))
    missing = models.JSONField(default=list, verbose_name=_("недостающие данные"))

    objects = RiskProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("профиль рисков")
        verbose_name_plural = _("профили рисков")
        constraints = [
            models.UniqueConstraint(fields=["participation", "model"], name="risk_profile_once"),
        ]

    def __str__(self) -> str:
        return f"{self.participation}: {self.model.code}"

    @property
    def is_complete(self) -> bool:
        return not self.missing


class RiskLevel(models.Model):
    """A factor's score and level in a profile; no score and no level when data is missing."""

    class Level(models.TextChoices):
        HIGH = kernel.HIGH, _("высокий")
        MEDIUM = kernel.MEDIUM, _("средний")
        LOW = kernel.LOW, _("низкий")

    profile = models.ForeignKey(
        RiskProfile,
        on_delete=models.CASCADE,
        related_name="levels",
        verbose_name=_("профиль рисков"),
    )
    factor = models.ForeignKey(
        RiskFactor, on_delete=models.CASCADE, related_name="+", verbose_name=_("фактор риска")
    )
    score = models.FloatField(_("балл"), null=True, blank=True)
    level = models.CharField(_("уровень"), max_length=6, choices=Level.choices, blank=True)
    missing = models.JSONField(_("недостающие данные"), default=list)

    class Meta:
        verbose_name = _("уровень фактора риска")
        verbose_name_plural = _("уровни факторов риска")
        ordering = ["profile", "factor__position"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "factor"], name="risk_level_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True, level="")
                | Q(score__gte=0, score__lte=100) & ~Q(level=""),
                name="risk_level_with_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.factor_id}: {self.level or '—'}"

    @property
    def score_text(self) -> str:
        """The score as Russian text writes it: «41,4»; a dash when there is none."""
        return "—" if self.score is None else f"{self.score:.1f}".replace(".", ",")


class RiskPriorities(Versioned):
    """The school's choice of priority risks for a year (up to three), versioned against races."""

    MAX = 3

    participation = models.ForeignKey(
        Participation,
        on_delete=models.CASCADE,
        related_name="risk_priorities",
        verbose_name=_("участие школы"),
    )
    model = models.ForeignKey(
        RiskModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("методика")
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто выбрал"),
    )
    chosen_at = models.DateTimeField(default=timezone.now, verbose_name=_("когда выбрано"))

    class Meta:
        verbose_name = _("приоритетные риски")
        verbose_name_plural = _("приоритетные риски")
        constraints = [
            models.UniqueConstraint(fields=["participation", "model"], name="risk_priorities_once"),
        ]

    def __str__(self) -> str:
        return f"{self.participation}: приоритетные риски"


class PriorityRisk(models.Model):
    """One chosen factor; the rank 1–3 makes «no more than three» a rule of the database."""

    priorities = models.ForeignKey(
        RiskPriorities,
        on_delete=models.CASCADE,
        related_name="risks",
        verbose_name=_("выбор приоритетов"),
    )
    factor = models.ForeignKey(
        RiskFactor, on_delete=models.PROTECT, related_name="+", verbose_name=_("фактор риска")
    )
    rank = models.PositiveSmallIntegerField(verbose_name=_("порядок"))

    class Meta:
        verbose_name = _("приоритетный риск")
        verbose_name_plural = _("приоритетные риски")
        ordering = ["priorities", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["priorities", "rank"], name="priority_rank_once"),
            models.UniqueConstraint(fields=["priorities", "factor"], name="priority_factor_once"),
            models.CheckConstraint(
                condition=Q(rank__gte=1, rank__lte=3),
                name="priority_rank_at_most_three",
                violation_error_message=_("Приоритетных рисков может быть не больше трёх."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}: {self.factor_id}"
