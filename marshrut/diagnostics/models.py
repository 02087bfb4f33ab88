"""Self-diagnostics: criteria versions, campaigns, a school's questionnaire, results, flags.

Answers are facts (submission, indicator, value); results are derived by the scoring kernel and
stored as one row per (submission, scope) — the 8 directions and "overall" — plus one row per
deficit, so dashboards aggregate result rows and never raw answers.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.kernels.criteria import Catalogue, SchoolProfile, codes_across, parse_catalogue
from marshrut.lib.files import PrivateUploadTo
from marshrut.orgs.access import grant
from marshrut.orgs.models import Region, School
from marshrut.orgs.roles import Cap

LEVEL_CHOICES = [
    ("below_basic", _("ниже базового")),
    ("basic", _("базовый")),
    ("medium", _("средний")),
    ("high", _("высокий")),
]


# Parsed catalogues by the digest of their text: a few versions per installation.
_catalogues: dict[str, Catalogue] = {}


def _parsed(sha256: str, text: str, source: str) -> Catalogue:
    found = _catalogues.get(sha256)
    if found is None:
        found = parse_catalogue(text, source)
        if len(_catalogues) >= 16:
            _catalogues.pop(next(iter(_catalogues)), None)
        _catalogues[sha256] = found
    return found


class CriteriaVersion(models.Model):
    """A criteria catalogue as loaded from its YAML file; campaigns are scored with it."""

    code = models.CharField(_("версия"), max_length=50, unique=True)
    title = models.CharField(_("название"), max_length=300)
    year = models.PositiveIntegerField(_("год"))
    illustrative = models.BooleanField(_("демонстрационный"), default=False)
    notice = models.TextField(_("примечание"), blank=True)
    source_text = models.TextField(_("файл каталога (YAML)"))
    source_name = models.CharField(_("имя файла"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("предыдущая версия"),
    )
    indicator_count = models.PositiveIntegerField(_("показателей"), default=0)
    loaded_at = models.DateTimeField(_("загружен"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("версия критериев")
        verbose_name_plural = _("версии критериев")
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def catalogue(self) -> Catalogue:
        """The parsed catalogue, parsed once per process and version.

        A version loaded without its text (``defer("source_text")``) reads it only when this
        process has not parsed that text yet.
        """
        found = _catalogues.get(self.sha256)
        if found is not None:
            return found
        return _parsed(self.sha256, self.source_text, self.source_name or self.code)

    def codes_in(self, older: CriteriaVersion) -> dict[str, str]:
        """Map this version's codes to the same indicators' codes in ``older``.

        ``older`` is this version or one before it; a campaign compares with its previous one
        through every mapping in between. Empty when ``older`` is not on that chain.
        """
        chain = [self]
        while chain[-1].pk != older.pk:
            previous = chain[-1].previous
            if previous is None or previous in chain:
                return {}
            chain.append(previous)
        try:
            return codes_across([v.catalogue for v in chain])
        except ValueError:  # a link whose catalogue names another previous version
            return {}


class CampaignSeries(models.Model):
    """Campaigns of several regions run on one criteria version in one window, so that the
    federal view compares them side by side.

    Series are created above the regions (an administrator, or ``marshrut series create``); a
    region's operator opening a campaign may join one, which fixes the campaign's criteria, year
    and window to the series'.
    """

    title = models.CharField(_("название"), max_length=200, unique=True)
    year = models.PositiveIntegerField(_("год"))
    criteria = models.ForeignKey(
        CriteriaVersion,
        on_delete=models.PROTECT,
        related_name="series",
        verbose_name=_("критерии"),
    )
    opens_on = models.DateField(_("начало приёма ответов"))
    closes_on = models.DateField(_("окончание приёма ответов"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("межрегиональная серия кампаний")
        verbose_name_plural = _("межрегиональные серии кампаний")
        ordering = ["-year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="series_window_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def for_user(self, user: Any, cap: Cap = Cap.DIAGNOSTICS_VIEW) -> CampaignQuerySet:
        g = grant(user, cap)
        if g.everything:
            return self
        regions = set(g.regions)
        if g.municipalities:
            regions |= set(
                Region.objects.filter(municipalities__in=g.municipalities).values_list(
                    "pk", flat=True
                )
            )
        if g.schools:
            regions |= set(
                School.objects.filter(pk__in=g.schools).values_list(
                    "municipality__region_id", flat=True
                )
            )
        return self.filter(region_id__in=regions)

    def results_changed(self) -> int:
        """Bump the results generation of these campaigns; see :func:`results_changed`."""
        return self.update(results_generation=models.F("results_generation") + 1)


def results_changed(*campaign_ids: int) -> None:
    """Say that what the dashboards show of these campaigns has changed.

    Every write that changes results, deficits, questionnaire statuses or the schools they are
    grouped by calls this in its own transaction, so the new generation becomes visible together
    with the new rows: a cache keyed by the generation is never stale, and a reader that saw the
    old generation can at worst store fresher figures under a key nobody asks for any more.
    """
    Campaign.objects.filter(pk__in=campaign_ids).results_changed()


class Campaign(models.Model):
    """A self-diagnostics campaign of a region: one criteria version, one window, its schools."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="campaigns")
    criteria = models.ForeignKey(
        CriteriaVersion,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("критерии"),
    )
    title = models.CharField(_("название"), max_length=200)
    year = models.PositiveIntegerField(_("год"))
    opens_on = models.DateField(_("начало приёма ответов"))
    closes_on = models.DateField(_("окончание приёма ответов"))
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("предыдущая кампания (для сравнения)"),
    )
    series = models.ForeignKey(
        CampaignSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("межрегиональная серия"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Bumped by results_changed() with every change of what the dashboards show: their cache key.
    results_generation = models.PositiveBigIntegerField(
        _("поколение результатов"), default=0, editable=False
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("кампания самодиагностики")
        verbose_name_plural = _("кампании самодиагностики")
        ordering = ["-year", "-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="campaign_window_in_order"
            ),
            models.UniqueConstraint(fields=["region", "title"], name="campaign_title_unique"),
            # A series compares regions: one campaign of each region in it.
            models.UniqueConstraint(fields=["series", "region"], name="campaign_once_per_series"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, on: Any = None) -> bool:
        """Whether answers are accepted on ``on`` — by default today in the campaign's region."""
        day = on or self.region.today()
        return self.opens_on <= day <= self.closes_on


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("не начата")
    DRAFT = "draft", _("черновик")
    SUBMITTED = "submitted", _("отправлена")
    RETURNED = "returned", _("возвращена на доработку")
    VERIFIED = "verified", _("проверена")


EDITABLE = (Status.NOT_STARTED, Status.DRAFT, Status.RETURNED)
DONE = (Status.SUBMITTED, Status.VERIFIED)


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def for_user(self, user: Any, cap: Cap = Cap.DIAGNOSTICS_VIEW) -> SubmissionQuerySet:
        return self.filter(
            grant(user, cap).q(
                region="campaign__region_id",
                municipality="school__municipality_id",
                school="school_id",
            )
        )


class Submission(models.Model):
    """One school's questionnaire in one campaign, with its workflow status."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="submissions")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(
        _("состояние"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    # The school's profile when the campaign opened: which indicators apply.
    levels = models.CharField(_("уровни образования"), max_length=20, default="noo,ooo,soo")
    ovz = models.BooleanField(_("обучаются дети с ОВЗ"), default=False)
    answered = models.PositiveIntegerField(_("отвечено"), default=0)
    applicable = models.PositiveIntegerField(_("показателей"), default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("комментарий проверяющего"), blank=True)
    reopened_until = models.DateField(_("приём открыт до"), null=True, blank=True)
    source = models.CharField(_("источник"), max_length=10, default="web")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("анкета школы")
        verbose_name_plural = _("анкеты школ")
        ordering = ["school__municipality__name", "school__short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "school"], name="submission_once_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(answered__lte=models.F("applicable")),
                name="submission_progress_bounded",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | ~Q(status="not_started"),
                name="submission_submitted_has_status",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.school} — {self.campaign}"

    @property
    def profile(self) -> SchoolProfile:
        return SchoolProfile(levels=frozenset(filter(None, self.levels.split(","))), ovz=self.ovz)

    @property
    def progress(self) -> int:
        return round(100 * self.answered / self.applicable) if self.applicable else 0

    def accepts_answers(self, on: Any = None) -> bool:
        """Answers may change while the window (or a reopening) is open and it is not sent."""
        day = on or self.campaign.region.today()
        window = self.campaign.is_open(day) or (
            self.reopened_until is not None and day <= self.reopened_until
        )
        return window and self.status in EDITABLE


def evidence_path(answer: Answer, filename: str) -> str:
    # Old migrations name this function; files are stored under token names now.
    return f"diagnostics/{answer.submission.campaign_id}/{answer.submission.school_id}/{filename}"


class AnswerQuerySet(models.QuerySet["Answer"]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Answer]:
        # The campaign is a copy of the submission's: fill it for callers that only name the
        # submission, as save() does.
        objs = list(objs)
        for obj in objs:
            if obj.campaign_id is None:
                obj.campaign_id = obj.submission.campaign_id
        return super().bulk_create(objs, *args, **kwargs)


class Answer(models.Model):
    # A federal import writes four million answers, and each index and constraint of the table
    # costs a step per row: no index of its own (the unique (submission, code, campaign) index
    # serves lookups by submission) and no database constraint (PostgreSQL would look the
    # submission up for every answer). Answers are written only with a submission in hand, and
    # submissions are deleted only through Django, which deletes their answers first.
    submission = models.ForeignKey(
        Submission,
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,
        db_constraint=False,
    )
    code = models.CharField(_("показатель"), max_length=30)
    value = models.JSONField(_("ответ"), null=True, blank=True)
    comment = models.TextField(_("комментарий"), blank=True)
    evidence_url = models.URLField(_("ссылка на подтверждение"), max_length=500, blank=True)
    evidence_file = models.FileField(
        _("файл-подтверждение"), upload_to=PrivateUploadTo("diagnostics/evidence"), blank=True
    )
    # The name the file had on the school's computer; the bulk import's COPY leaves it out, so
    # the database fills the default.
    evidence_name = models.CharField(
        _("имя файла"), max_length=255, blank=True, default="", db_default=""
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # A copy of the submission's campaign: on PostgreSQL the table is partitioned by it (one
    # partition per campaign, see partitions.py), so a campaign's answers are one table to load,
    # analyse and drop. Filled by save() and bulk_create() when only the submission is given.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    # Who wrote it, for the record. Neither a database constraint nor an index: the database
    # would check the key and file the row in the index millions of times per federal import, and
    # Django applies SET_NULL itself (one scan on the rare deletion of a user).
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ответ")
        verbose_name_plural = _("ответы")
        # The campaign is in the key because a unique index of a partitioned table must hold the
        # partition key; the submission leads, so the index still serves lookups by submission.
        constraints = [
            models.UniqueConstraint(fields=["submission", "code", "campaign"], name="answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.campaign_id is None:
            self.campaign_id = self.submission.campaign_id
        super().save(*args, **kwargs)

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url or self.evidence_file)


class Result(models.Model):
    """A scored scope of a submission: a direction or the school as a whole."""

    # Derived rows, rewritten whenever the answers are scored, by the hundred thousand in a federal
    # import: as for answers, the database checks none of the keys (Django cascades deletes).
    # Lookups by submission use the unique (submission, scope) index; campaign and school are
    # copies of the submission's, for the analytics queries.
    submission = models.ForeignKey(
        Submission,
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,
        db_constraint=False,
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    scope = models.CharField(_("направление"), max_length=30)
    points = models.FloatField(_("баллы"))
    max_points = models.FloatField(_("максимум"))
    level = models.CharField(_("уровень"), max_length=12, choices=LEVEL_CHOICES)
    deficits = models.PositiveIntegerField(_("дефицитов"), default=0)
    critical_failed = models.PositiveIntegerField(_("проваленных критических"), default=0)

    class Meta:
        verbose_name = _("результат")
        verbose_name_plural = _("результаты")
        constraints = [
            # With the campaign, the partition key on PostgreSQL (see Answer).
            models.UniqueConstraint(
                fields=["submission", "scope", "campaign"], name="result_once_per_scope"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0) & Q(points__lte=models.F("max_points") + 0.0001),
                name="result_points_in_range",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "scope", "level"])]

    def __str__(self) -> str:
        return f"{self.scope}: {self.level}"

    @property
    def share(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0


class Deficit(models.Model):
    """An applicable indicator where the school falls short."""

    class Kind(models.TextChoices):
        CRITICAL = "critical", _("провален критический показатель")
        ZERO = "zero", _("ноль баллов")
        BELOW_MAX = "below_max", _("ниже максимума")

    # Derived rows like Result, and like it unchecked by the database. A federal campaign has
    # 1.6 million of them, and each index costs a step per row on every import: two are kept,
    # one per way the rows are read — by submission (a school's result, plans, partners) and by
    # campaign (analytics, the export, events, partners; the wide index answers the most frequent
    # deficits alone, and by direction from the index too).
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="deficit_rows", db_constraint=False
    )
    # Copies of the submission's campaign and school. Nothing reads deficits by school alone
    # (always within a campaign), so the school has no index, and no cascade either: a school
    # with submissions cannot be deleted (Submission.school protects it), and a deficit always
    # belongs to a submission of its school — a cascade would only scan the table for nothing.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    school = models.ForeignKey(
        School,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    code = models.CharField(_("показатель"), max_length=30)
    direction = models.CharField(_("направление"), max_length=30)
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices)
    points = models.FloatField()
    max_points = models.FloatField()

    class Meta:
        verbose_name = _("дефицит")
        verbose_name_plural = _("дефициты")
        indexes = [
            # Wide enough to answer «the most frequent deficits» from the index alone; the keys
            # repeat, so it is no bigger than (campaign, code) was.
            models.Index(
                fields=["campaign", "code", "direction", "kind"], name="deficit_campaign_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Flag(models.Model):
    """A verification finding about a submitted answer and how it was resolved."""

    class Rule(models.TextChoices):
        JUMP = "jump", _("резкое изменение к прошлой кампании")
        CONTRADICTION = "contradiction", _("противоречие в ответах")
        NO_EVIDENCE = "no_evidence", _("высокий ответ без подтверждения")

    class Resolution(models.TextChoices):
        OPEN = "open", _("не рассмотрено")
        CONFIRMED = "confirmed", _("подтверждено")
        RETURNED = "returned", _("возвращено школе")
        REJECTED = "rejected", _("отклонено как ложное срабатывание")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="flags")
    rule = models.CharField(_("правило"), max_length=15, choices=Rule.choices)
    code = models.CharField(_("показатель"), max_length=30, blank=True)
    message = models.CharField(_("что замечено"), max_length=500)
    resolution = models.CharField(
        _("решение"), max_length=10, choices=Resolution.choices, default=Resolution.OPEN
    )
    comment = models.TextField(_("комментарий"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("замечание проверки")
        verbose_name_plural = _("замечания проверки")
        ordering = ["submission", "rule", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(resolution="open") & Q(resolved_at__isnull=True))
                | (~Q(resolution="open") & Q(resolved_at__isnull=False)),
                name="flag_resolved_at_with_resolution",
            ),
        ]

    def __str__(self) -> str:
        return self.message


def get_campaign_for_user(user: Any, pk: int, cap: Cap = Cap.DIAGNOSTICS_VIEW) -> Campaign:
    return get_object_or_404(
        Campaign.objects.for_user(user, cap).select_related("criteria", "region"), pk=pk
    )


def get_submission_for_user(user: Any, pk: int, cap: Cap = Cap.DIAGNOSTICS_VIEW) -> Submission:
    return get_object_or_404(
        Submission.objects.for_user(user, cap).select_related(
            "campaign__criteria", "campaign__region", "school__municipality"
        ),
        pk=pk,
    )


def get_answer_for_user(user: Any, pk: int) -> Answer:
    """An answer of a submission the user may see (404 outside the user's scope)."""
    return get_object_or_404(
        Answer.objects.filter(submission__in=Submission.objects.for_user(user)), pk=pk
    )


def _remove_evidence_files(
    sender: Any, instance: Submission, origin: Any = None, **kwargs: Any
) -> None:
    # A receiver on Answer would make Django delete answers one by one (millions in a campaign):
    # the submission collects its answers' files in one query instead. When a whole campaign is
    # deleted (``origin`` is the campaign or a queryset of campaigns), the first of its submissions
    # collects the files of all of them in one query and the others find nothing left to do.
    from marshrut.lib.files import delete_on_commit

    if isinstance(origin, Campaign | models.QuerySet) and (
        isinstance(origin, Campaign) or origin.model is Campaign
    ):
        if getattr(origin, "_evidence_collected", False):
            return
        origin._evidence_collected = True  # type: ignore[union-attr]
        campaigns = [origin.pk] if isinstance(origin, Campaign) else origin.values("pk")
        names = Answer.objects.filter(campaign__in=campaigns)
    else:
        names = Answer.objects.filter(submission=instance, campaign=instance.campaign_id)
    for name in names.exclude(evidence_file="").values_list("evidence_file", flat=True):
        delete_on_commit(name)


models.signals.pre_delete.connect(
    _remove_evidence_files, sender=Submission, dispatch_uid="diagnostics-evidence-files"
)


def _campaign_created(sender: Any, instance: Campaign, created: bool, **kwargs: Any) -> None:
    # PostgreSQL: the campaign's own partitions of answers, results and deficits.
    if created and not kwargs.get("raw"):
        from django.db import connections

        from marshrut.diagnostics.partitions import create_partitions

        create_partitions(instance.pk, connections[kwargs.get("using") or "default"])


def _campaign_deleted(sender: Any, instance: Campaign, **kwargs: Any) -> None:
    # PostgreSQL: a campaign's answers, results and deficits go as three dropped partitions; the
    # row deletes Django then issues for them find nothing left.
    from django.db import connections

    from marshrut.diagnostics.partitions import drop_partitions

    drop_partitions(instance.pk, connections[kwargs.get("using") or "default"])


models.signals.post_save.connect(
    _campaign_created, sender=Campaign, dispatch_uid="diagnostics-campaign-partitions"
)
models.signals.pre_delete.connect(
    _campaign_deleted, sender=Campaign, dispatch_uid="diagnostics-campaign-drop-partitions"
)
