"""Roadmaps («дорожные карты») of three levels, their items, control dates and progress reports.

A plan belongs to one node of the hierarchy: the region, a municipality or a school (a school plan
also records its municipality, so that the municipal coordinator's grant covers it). Items carry
what the document said (texts) beside what was read from it (schedule, organisations, targets).

Monitoring rests on one denormalised column, ``PlanItem.next_due_on``: the earliest control date
not yet met, kept by the actions that change dates and statuses. «Overdue» and «due soon» are then
plain indexed comparisons with today, which keeps the cross-plan page to a handful of queries.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.kernels.criteria import MODEL_DIRECTIONS
from marshrut.lib.concurrency import Versioned
from marshrut.lib.files import PrivateUploadTo, remove_files_on_delete
from marshrut.orgs.access import Grant, grant
from marshrut.orgs.models import Municipality, Region, School
from marshrut.orgs.roles import Cap

DIRECTION_CHOICES = [(code, name) for code, name, _kind in MODEL_DIRECTIONS]


class Level(models.TextChoices):
    REGION = "region", _("региональная")
    MUNICIPALITY = "municipality", _("муниципальная")
    SCHOOL = "school", _("школьная")


class Programme(models.TextChoices):
    """The federal programme a roadmap belongs to."""

    SCHOOL = "school", _("Школа Минпросвещения России")
    SHNOR = "shnor", _("ШНОР: адресная помощь школам с низкими образовательными результатами")


class Organisation(Versioned):
    """An organisation named in responsible cells, kept by the operator for their region."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="organisations")
    abbreviation = models.CharField(_("сокращение"), max_length=100)
    full_name = models.CharField(_("полное наименование"), max_length=500, blank=True)
    aliases = models.JSONField(
        _("другие написания"),
        default=list,
        blank=True,
        help_text=_("варианты сокращений и названий, которые встречаются в документах"),
    )

    class Meta:
        verbose_name = _("организация")
        verbose_name_plural = _("справочник организаций")
        ordering = ["abbreviation"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "abbreviation"], name="organisation_abbreviation_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.abbreviation

    @property
    def names(self) -> list[str]:
        return [n for n in (self.full_name, *self.aliases) if n]


def _own_level_q(g: Grant) -> Q:
    """Plans at the very nodes of a grant, not the ones below them."""
    if g.everything:
        return Q(level=Level.REGION)
    q = Q(pk__in=[])
    if g.regions:
        q |= Q(level=Level.REGION, region_id__in=g.regions)
    if g.municipalities:
        q |= Q(level=Level.MUNICIPALITY, municipality_id__in=g.municipalities)
    if g.schools:
        q |= Q(level=Level.SCHOOL, school_id__in=g.schools)
    return q


class PlanQuerySet(models.QuerySet["Plan"]):
    def for_user(self, user: Any, cap: Cap = Cap.PLAN_VIEW) -> PlanQuerySet:
        """Plans on the nodes where ``cap`` holds, and below them.

        Reading (``PLAN_VIEW``) also reaches upwards: a school sees its municipality's roadmap and
        the regional one, because their items are what it executes.
        """
        g = grant(user, cap)
        q = g.q(region="region_id", municipality="municipality_id", school="school_id")
        if cap == Cap.PLAN_VIEW and g and not g.everything:
            municipalities = Municipality.objects.filter(id__in=g.municipalities)
            schools = School.objects.filter(id__in=g.schools)
            q |= Q(
                level=Level.REGION,
                region_id__in=municipalities.values("region_id"),
            )
            q |= Q(level=Level.REGION, region_id__in=schools.values("municipality__region_id"))
            q |= Q(level=Level.MUNICIPALITY, municipality_id__in=schools.values("municipality_id"))
        return self.filter(q)

    def own_level(self, user: Any, cap: Cap) -> PlanQuerySet:
        """Plans of the user's own level: the regional plan for the operator, not school plans."""
        return self.filter(_own_level_q(grant(user, cap)))


class Plan(models.Model):
    """A roadmap of one node for a period.

    ``status`` has room for the school roadmap workflow (draft → submitted → approved/returned);
    imported and created plans of the region and municipalities start ``active``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("черновик")
        SUBMITTED = "submitted", _("на согласовании")
        RETURNED = "returned", _("возвращена на доработку")
        APPROVED = "approved", _("утверждена")
        ACTIVE = "active", _("исполняется")
        CLOSED = "closed", _("завершена")

    # Only a plan in force commits anybody to its deadlines: the items of a draft, of a plan on
    # review or returned for rework are neither overdue nor due soon, and nobody is reminded.
    IN_FORCE = (Status.APPROVED, Status.ACTIVE)

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="plans")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("школа"),
    )
    level = models.CharField(_("уровень"), max_length=12, choices=Level.choices)
    programme = models.CharField(
        _("программа"), max_length=10, choices=Programme.choices, default=Programme.SCHOOL
    )
    title = models.CharField(_("название"), max_length=500)
    year = models.PositiveSmallIntegerField(_("год"))
    starts_on = models.DateField(_("начало периода"))
    ends_on = models.DateField(_("окончание периода"))
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    source_filename = models.CharField(_("исходный документ"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("дорожная карта")
        verbose_name_plural = _("дорожные карты")
        ordering = ["-year", "level", "title"]
        indexes = [models.Index(fields=["year", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="region", municipality__isnull=True, school__isnull=True)
                | Q(level="municipality", municipality__isnull=False, school__isnull=True)
                | Q(level="school", municipality__isnull=False, school__isnull=False),
                name="plan_owner_matches_level",
                violation_error_message=_("Владелец дорожной карты не соответствует её уровню."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="plan_period_in_order",
                violation_error_message=_("Окончание периода раньше его начала."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shnor(self) -> bool:
        return self.programme == Programme.SHNOR

    @property
    def programme_short(self) -> str:
        """The programme as the lists name it: «ШНОР» or «Школа Минпросвещения»."""
        return "ШНОР" if self.is_shnor else "Школа Минпросвещения"

    @property
    def owner(self) -> Region | Municipality | School:
        return self.school or self.municipality or self.region

    @property
    def owner_name(self) -> str:
        return str(self.owner)


class PlanSection(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(_("порядок"))
    number = models.CharField(_("номер"), max_length=20, blank=True)
    title = models.CharField(_("раздел"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("раздел дорожной карты")
        verbose_name_plural = _("разделы дорожной карты")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="plan_section_position"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}" if self.number else (self.title or "—")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("запланировано")
    IN_PROGRESS = "in_progress", _("выполняется")
    DONE = "done", _("выполнено")
    NOT_DONE = "not_done", _("не выполнено")
    CANCELLED = "cancelled", _("отменено")


CLOSED_STATUSES = (ItemStatus.DONE, ItemStatus.CANCELLED)


class PlanItemQuerySet(models.QuerySet["PlanItem"]):
    def for_user(self, user: Any, cap: Cap = Cap.PLAN_VIEW) -> PlanItemQuerySet:
        if cap == Cap.PLAN_VIEW:
            return self.filter(plan__in=Plan.objects.for_user(user, cap))
        return self.filter(
            grant(user, cap).q(
                region="plan__region_id",
                municipality="plan__municipality_id",
                school="plan__school_id",
            )
        )

    def open(self) -> PlanItemQuerySet:
        return self.exclude(status__in=CLOSED_STATUSES)

    def in_force(self) -> PlanItemQuerySet:
        """Items of plans in force (see ``Plan.IN_FORCE``): the only ones with deadlines to keep."""
        return self.filter(plan__status__in=Plan.IN_FORCE)

    def overdue(self, on: dt.date | None = None) -> PlanItemQuerySet:
        """Open items past their date; without ``on``, by each plan's region's «today»."""
        return self.open().in_force().filter(_by_day(on, lambda day: Q(next_due_on__lt=day)))

    def due_soon(self, on: dt.date | None = None, days: int = 30) -> PlanItemQuerySet:
        def window(day: dt.date) -> Q:
            return Q(next_due_on__gte=day, next_due_on__lte=day + dt.timedelta(days=days))

        return self.open().in_force().filter(_by_day(on, window))


def _by_day(on: dt.date | None, make: Any) -> Q:
    """``make(on)``, or ``make`` with the «today» of each item's plan's region."""
    from marshrut.orgs.context import by_region_date

    return make(on) if on is not None else by_region_date("plan__region", make)


class PlanItem(Versioned):
    """One event of a plan, with the texts of the document and what was read from them."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(PlanSection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("порядок"))
    number = models.CharField(_("№"), max_length=20, blank=True)
    title = models.TextField(_("мероприятие"))
    deadline_text = models.TextField(_("сроки"), blank=True)
    # [{"label", "text", "kind", "windows": [[start, end]], "times_per_year"}], as the CLI prints.
    deadlines = models.JSONField(_("сроки (разобранные)"), default=list, blank=True)
    # A ШНОР roadmap has two date columns: the federal deadline (shown beside, no control dates)
    # and the region's own one above (what the monitoring, reminders and reports follow).
    federal_deadline_text = models.TextField(_("срок (федеральный)"), blank=True)
    federal_deadlines = models.JSONField(
        _("срок (федеральный, разобранный)"), default=list, blank=True
    )
    responsible_text = models.TextField(_("ответственные"), blank=True)
    # [{"text", "organisation"}]: every party named, also those not in the dictionary.
    responsible = models.JSONField(_("ответственные (разобранные)"), default=list, blank=True)
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="items", verbose_name=_("организации")
    )
    expected_result = models.TextField(_("ожидаемый результат"), blank=True)
    indicator = models.TextField(_("показатель"), blank=True)
    # The self-diagnostics indicator whose deficit the item removes (school roadmaps, part 5).
    indicator_code = models.CharField(_("код показателя"), max_length=30, blank=True)
    # [{"text", "metric", "comparator", "value", "unit"}]
    targets = models.JSONField(_("целевые значения"), default=list, blank=True)
    directions = models.JSONField(_("направления модели"), default=list, blank=True)
    status = models.CharField(
        _("исполнение"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PLANNED
    )
    starts_on = models.DateField(_("начало"), null=True, blank=True)
    due_on = models.DateField(_("срок"), null=True, blank=True)
    next_due_on = models.DateField(_("ближайшая контрольная дата"), null=True, blank=True)
    # The item of the plan above that was handed down to this plan's node.
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("передано из"),
    )
    source_row = models.PositiveIntegerField(_("строка документа"), default=0)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("мероприятие")
        verbose_name_plural = _("мероприятия")
        ordering = ["plan", "position"]
        indexes = [
            models.Index(fields=["plan", "status"]),
            models.Index(fields=["next_due_on"]),
            # The overdue and due-soon lists of a set of plans: a date range within each plan.
            models.Index(fields=["plan", "next_due_on"], name="plans_item_plan_next_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="plan_item_position"),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(due_on__gte=models.F("starts_on")),
                name="plan_item_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()[:200]

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def is_overdue(self, on: dt.date | None = None) -> bool:
        """The same rule as ``PlanItem.objects.overdue``, for one item whose plan is at hand."""
        day = on or self.plan.region.today()
        return (
            not self.is_closed
            and self.next_due_on is not None
            and self.next_due_on < day
            and self.plan.status in Plan.IN_FORCE
        )

    @property
    def deadline_kinds(self) -> list[str]:
        return [d.get("kind", "") for d in self.deadlines]

    @property
    def unparsed(self) -> bool:
        return "unknown" in self.deadline_kinds

    @property
    def direction_names(self) -> list[str]:
        names = dict(DIRECTION_CHOICES)
        return [names.get(code, code) for code in self.directions]


class ControlDate(models.Model):
    """A date by which (part of) an item is due: the end of one window of its schedule."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="control_dates")
    label = models.CharField(_("столбец сроков"), max_length=200, blank=True)
    starts_on = models.DateField(_("начало"), null=True, blank=True)
    due_on = models.DateField(_("контрольная дата"))
    met_on = models.DateField(_("выполнено"), null=True, blank=True)

    class Meta:
        verbose_name = _("контрольная дата")
        verbose_name_plural = _("контрольные даты")
        ordering = ["item", "due_on"]
        indexes = [models.Index(fields=["due_on"])]

    def __str__(self) -> str:
        return f"{self.due_on:%d.%m.%Y}"


class ProgressReport(models.Model):
    """What the responsible reported on an item: status, comment, actual value, evidence."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="reports")
    status = models.CharField(_("исполнение"), max_length=12, choices=ItemStatus.choices)
    comment = models.TextField(_("комментарий"), blank=True)
    actual_value = models.DecimalField(
        _("фактическое значение"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    links = models.JSONField(_("ссылки на подтверждающие материалы"), default=list, blank=True)
    control_date = models.ForeignKey(
        ControlDate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("контрольная дата"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("отчёт об исполнении")
        verbose_name_plural = _("отчёты об исполнении")
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_status_display()}"


class PlanTally(models.Model):
    """Item counts of one plan, grouped by next control date, for the pages across plans.

    Rows with ``scope = plan`` count all the plan's items; rows with ``scope = organisation``
    count the items of one responsible organisation (``organisation`` empty: items naming none
    from the dictionary), so an item with three organisations is in three of them. Each row holds
    the items that share a ``next_due_on``, which is what keeps the counts true as days pass:
    «overdue» and «due soon» are compared with today when read, never stored.

    Rebuilt for a plan by ``actions.refresh_tallies`` whenever its items change, and by
    ``marshrut plan tally`` for all plans after bulk loads.
    """

    class Scope(models.TextChoices):
        PLAN = "plan", _("вся карта")
        ORGANISATION = "organisation", _("организация")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tallies")
    scope = models.CharField(max_length=12, choices=Scope.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    next_due_on = models.DateField(null=True, blank=True)
    total_items = models.PositiveIntegerField(default=0)
    done_items = models.PositiveIntegerField(default=0)
    in_progress_items = models.PositiveIntegerField(default=0)
    cancelled_items = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("сводка исполнения")
        verbose_name_plural = _("сводки исполнения")
        indexes = [models.Index(fields=["plan", "scope"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope="plan") | Q(organisation__isnull=True),
                name="plan_tally_plan_scope_without_organisation",
            ),
            models.CheckConstraint(
                condition=Q(
                    total_items__gte=models.F("done_items")
                    + models.F("in_progress_items")
                    + models.F("cancelled_items")
                ),
                name="plan_tally_counts_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.scope} {self.organisation_id} {self.next_due_on}: {self.total_items}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # Old migrations name this function; files are stored under token names now.
    return f"plans/evidence/{instance.report.item.plan_id}/{uuid.uuid4().hex}/{filename}"


class Evidence(models.Model):
    """A confirming document attached to a progress report."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=PrivateUploadTo("plans/evidence"), max_length=300)
    filename = models.CharField(_("файл"), max_length=255)
    size = models.PositiveBigIntegerField(_("размер"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("подтверждающий документ")
        verbose_name_plural = _("подтверждающие документы")

    def __str__(self) -> str:
        return self.filename


class CalendarToken(models.Model):
    """The secret in a user's calendar feed address: calendar clients cannot log in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ключ календаря")
        verbose_name_plural = _("ключи календаря")

    def __str__(self) -> str:
        return f"{self.user}: {self.key[:6]}…"

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)


# --- single objects -------------------------------------------------------------------------


def get_plan_for_user(user: Any, pk: int, cap: Cap = Cap.PLAN_VIEW) -> Plan:
    """The plan if the user may see it (404 otherwise); 403 when ``cap`` does not hold on it."""
    from django.core.exceptions import PermissionDenied

    plan = get_object_or_404(
        Plan.objects.for_user(user).select_related("region", "municipality", "school"), pk=pk
    )
    if cap != Cap.PLAN_VIEW and not can_on_plan(user, cap, plan):
        raise PermissionDenied
    return plan


def get_item_for_user(user: Any, pk: int, cap: Cap = Cap.PLAN_VIEW) -> PlanItem:
    from django.core.exceptions import PermissionDenied

    item = get_object_or_404(
        PlanItem.objects.for_user(user).select_related(
            "plan__region", "plan__municipality", "plan__school", "section", "parent__plan"
        ),
        pk=pk,
    )
    if cap != Cap.PLAN_VIEW and not can_on_plan(user, cap, item.plan):
        raise PermissionDenied
    return item


def get_evidence_for_user(user: Any, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.filter(report__item__in=PlanItem.objects.for_user(user)).select_related(
            "report__item"
        ),
        pk=pk,
    )


def can_on_plan(user: Any, cap: Cap, plan: Plan) -> bool:
    return grant(user, cap).covers(plan.region_id, plan.municipality_id, plan.school_id)


# --- school roadmaps from deficits: the measures library and the approval history -------------


class MeasureQuerySet(models.QuerySet["Measure"]):
    def for_user(self, user: Any, cap: Cap = Cap.PLAN_VIEW) -> MeasureQuerySet:
        """Measures of the regions where ``cap`` holds on some node: a school reads its region's."""
        g = grant(user, cap)
        if g.everything:
            return self
        regions = set(g.regions)
        regions |= set(
            Municipality.objects.filter(pk__in=g.municipalities).values_list("region_id", flat=True)
        )
        regions |= set(
            School.objects.filter(pk__in=g.schools).values_list(
                "municipality__region_id", flat=True
            )
        )
        return self.filter(region_id__in=regions)

    def active(self) -> MeasureQuerySet:
        return self.filter(is_active=True)


class Measure(Versioned):
    """A typical measure against a deficit in one indicator, kept by the region's operator."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="measures")
    indicator = models.CharField(_("показатель"), max_length=30, help_text=_("код показателя"))
    direction = models.CharField(_("направление"), max_length=30, choices=DIRECTION_CHOICES)
    title = models.CharField(_("мера"), max_length=500)
    expected_result = models.TextField(_("ожидаемый результат"), blank=True)
    responsible = models.CharField(
        _("типовой ответственный"),
        max_length=300,
        blank=True,
        help_text=_("сокращения из справочника организаций, например «ОО, МОУО»"),
    )
    is_active = models.BooleanField(
        _("действует"), default=True, help_text=_("недействующая мера в дорожные карты не попадает")
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("типовая мера")
        verbose_name_plural = _("библиотека типовых мер")
        ordering = ["indicator", "pk"]
        indexes = [models.Index(fields=["region", "indicator"])]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "title"], name="measure_once_per_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.title}"[:200]


def measures_by_indicator(region_id: int, codes: Iterable[str]) -> dict[str, list[Measure]]:
    """Indicator code → the region's active typical measures for it, in library order (one query):
    what a school roadmap drafts from and what the report recommends."""
    out: dict[str, list[Measure]] = {}
    for measure in Measure.objects.active().filter(region_id=region_id, indicator__in=set(codes)):
        out.setdefault(measure.indicator, []).append(measure)
    return out


class PlanReview(models.Model):
    """One step of a school roadmap's approval; the rows are the history of remarks."""

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", _("отправлена на согласование")
        APPROVED = "approved", _("утверждена")
        RETURNED = "returned", _("возвращена на доработку")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(_("решение"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("замечания"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("согласование дорожной карты")
        verbose_name_plural = _("согласование дорожных карт")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comment=""),
                name="plan_review_return_has_comment",
                violation_error_message=_("Возвращая дорожную карту, напишите замечания."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_decision_display()}"


def get_measure_for_user(user: Any, pk: int, cap: Cap = Cap.PLAN_VIEW) -> Measure:
    """The measure if the user reads its region's library (404 otherwise); 403 without ``cap``."""
    from django.core.exceptions import PermissionDenied

    measure = get_object_or_404(Measure.objects.for_user(user).select_related("region"), pk=pk)
    if cap != Cap.PLAN_VIEW and not (
        grant(user, cap).everything or measure.region_id in grant(user, cap).regions
    ):
        raise PermissionDenied
    return measure


remove_files_on_delete(Evidence, "file")
