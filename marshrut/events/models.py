"""Events of the region and of municipalities, their participants, and the coordinator's reports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.kernels.participants import CATEGORY_LABELS, Category, Unit
from marshrut.lib.concurrency import Versioned
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Person, Region, School
from marshrut.orgs.roles import Cap


class Direction(models.TextChoices):
    """The eight directions of the model of the Project."""

    KNOWLEDGE = "knowledge", _("Знание")
    HEALTH = "health", _("Здоровье")
    CREATIVITY = "creativity", _("Творчество")
    UPBRINGING = "upbringing", _("Воспитание")
    CAREER = "career", _("Профориентация")
    TEACHER = "teacher", _("Учитель. Школьная команда")
    CLIMATE = "climate", _("Школьный климат")
    ENVIRONMENT = "environment", _("Образовательная среда")


class EventQuerySet(models.QuerySet["Event"]):
    def for_user(self, user: Any, cap: Cap = Cap.EVENT_VIEW) -> EventQuerySet:
        """Events a user may see (or manage).

        Managing follows the hierarchy strictly. Seeing is wider: a regional event is announced to
        the whole region, so whoever sees a municipality or a school also sees the region's own
        events and those of that municipality. Named participants stay scoped by the registry.
        """
        g = grant(user, cap)
        q = g.q(region="region_id", municipality="municipality_id", school="")
        if cap != Cap.EVENT_VIEW or g.everything:
            return self.filter(q)
        if g.municipalities or g.schools:
            municipalities = Municipality.objects.filter(
                Q(pk__in=g.municipalities) | Q(schools__in=g.schools)
            )
            q |= Q(municipality__in=municipalities.values("pk"))
            q |= Q(municipality__isnull=True, region__in=municipalities.values("region_id"))
        return self.filter(q)

    def in_period(self, start: Any, end: Any) -> EventQuerySet:
        """Events that overlap the period [start, end]."""
        return self.filter(starts_on__lte=end, ends_on__gte=start)


class Event(Versioned):
    """A seminar, course, practicum, session or meeting run for schools of the region."""

    class Form(models.TextChoices):
        SEMINAR = "seminar", _("семинар")
        WEBINAR = "webinar", _("вебинар")
        COURSE = "course", _("курсы повышения квалификации (ДПП ПК)")
        INTERNSHIP = "internship", _("стажировочная площадка")
        PRACTICUM = "practicum", _("практикум")
        PROJECT_SESSION = "project_session", _("проектная сессия")
        DESANT = "desant", _("педагогический десант")
        FORUM = "forum", _("форум, конференция")
        OLYMPIAD = "olympiad", _("олимпиада управленческих команд")
        MEETING = "meeting", _("заседание (РУМО, коллегия, совещание)")
        CONSULTATION = "consultation", _("консультации, сопровождение")
        AUDIT = "audit", _("аудит, мониторинг")
        EXHIBITION = "exhibition", _("выставка, вернисаж")
        OTHER = "other", _("другое")

    class Basis(models.TextChoices):
        SCHOOLS = "schools", _("доля школ, чьи представители участвовали")
        PEOPLE = "people", _("доля приглашённых, кто участвовал")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="events")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("муниципалитет"),
        help_text=_("пусто — региональное мероприятие (организует оператор)"),
    )
    form = models.CharField(_("форма"), max_length=20, choices=Form.choices, default=Form.OTHER)
    title = models.TextField(_("форма и тема мероприятия"))
    date_text = models.CharField(
        _("дата, как написано"), max_length=100, blank=True, help_text=_("«Сентябрь- октябрь»")
    )
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    organiser = models.CharField(_("организатор"), max_length=300, blank=True)
    link = models.CharField(_("ссылка на материалы"), max_length=500, blank=True)
    hours = models.PositiveSmallIntegerField(_("часов (для курсов)"), null=True, blank=True)
    audience = models.CharField(_("категории участников"), max_length=300, blank=True)
    participants_text = models.TextField(_("количество и категория участников"), blank=True)
    participants_total = models.PositiveIntegerField(_("участников всего"), null=True, blank=True)
    planned_coverage = models.PositiveSmallIntegerField(
        _("плановый охват, %"), null=True, blank=True, help_text=_("«Охват участников – 40%»")
    )
    coverage_basis = models.CharField(
        _("охват считается как"), max_length=10, choices=Basis.choices, default=Basis.SCHOOLS
    )
    directions = models.JSONField(_("направления"), default=list, blank=True)
    roadmap_item = models.ForeignKey(
        "plans.PlanItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("пункт дорожной карты"),
    )
    # The reference as an import or the seed wrote it; shown when no item is linked.
    roadmap_item_ref = models.CharField(
        _("пункт дорожной карты (как написано)"), max_length=100, blank=True
    )
    number = models.PositiveIntegerField(_("№ в таблице"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("мероприятие")
        verbose_name_plural = _("мероприятия")
        ordering = ["starts_on", "ends_on", "pk"]
        indexes = [models.Index(fields=["region", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="event_dates_in_order",
                violation_error_message=_("Окончание не может быть раньше начала."),
            ),
            models.CheckConstraint(
                condition=Q(planned_coverage__isnull=True) | Q(planned_coverage__lte=100),
                name="event_planned_coverage_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:120]

    @property
    def level_label(self) -> str:
        return str(self.municipality) if self.municipality_id else str(_("регион"))

    @property
    def dates(self) -> str:
        if self.date_text:
            return self.date_text
        if self.starts_on == self.ends_on:
            return self.starts_on.strftime("%d.%m.%Y")
        return f"{self.starts_on:%d.%m.%Y} – {self.ends_on:%d.%m.%Y}"

    def direction_labels(self) -> list[str]:
        labels = dict(Direction.choices)
        return [str(labels.get(d, d)) for d in self.directions]

    def roadmap_text(self, visible: bool = True) -> str:
        """«План: № title» of the linked item, or the reference as written.

        ``visible`` is whether the reader may see the linked item's plan; if not, only the written
        reference is shown, so a linked item never tells more than the plans scoping allows.
        """
        item = self.roadmap_item if self.roadmap_item_id and visible else None
        if item is None:
            return self.roadmap_item_ref
        return f"{item.plan.title}: {f'{item.number} ' if item.number else ''}{item.title}"


class ParticipantCount(models.Model):
    """How many took part, by category: «Педагоги из 5 ОО – 146 человек»."""

    CATEGORY_CHOICES = [(c.value, CATEGORY_LABELS[c]) for c in Category]
    UNIT_CHOICES = [
        (Unit.PEOPLE.value, _("человек")),
        (Unit.SCHOOLS.value, _("ОО")),
        (Unit.MUNICIPALITIES.value, _("муниципалитетов")),
        (Unit.TEAMS.value, _("команд")),
    ]

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="counts")
    category = models.CharField(_("категория"), max_length=20, choices=CATEGORY_CHOICES)
    unit = models.CharField(_("что считаем"), max_length=20, choices=UNIT_CHOICES)
    number = models.PositiveIntegerField(_("количество"))

    class Meta:
        verbose_name = _("участники по категории")
        verbose_name_plural = _("участники по категориям")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "category", "unit"], name="participant_count_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.number} {self.get_unit_display()}"


class Participation(models.Model):
    """A named person or school of the registry invited to an event, with attendance."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="participations"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="participations"
    )
    attended = models.BooleanField(_("присутствовал"), default=True)
    role = models.CharField(_("в качестве"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("участник")
        verbose_name_plural = _("участники")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(school__isnull=False),
                name="participation_person_or_school",
            ),
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=Q(person__isnull=False),
                name="participation_person_once",
            ),
            models.UniqueConstraint(
                fields=["event", "school"],
                condition=Q(person__isnull=True),
                name="participation_school_once",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person or self.school)


class PeriodReport(Versioned):
    """The coordinator's report for a period (seed 000): the prose; figures come from the data."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="period_reports")
    starts_on = models.DateField(_("период с"))
    ends_on = models.DateField(_("период по"))
    title = models.CharField(_("заголовок"), max_length=300, blank=True)
    goal = models.TextField(_("цель на период"), blank=True)
    tasks = models.JSONField(_("задачи и их решение"), default=list, blank=True)
    analysis = models.TextField(_("обобщённый анализ проведённых мероприятий"), blank=True)
    # The form offers a draft from the latest finished self-diagnostics campaign
    # (queries.difficulties_draft); what is saved here is what the DOCX prints.
    difficulties = models.TextField(_("сложности и дефициты по направлениям"), blank=True)
    good_practices = models.TextField(_("ресурсные, инновационные решения"), blank=True)
    next_goal = models.TextField(_("цель на следующий период"), blank=True)
    next_tasks = models.TextField(_("задачи на следующий период"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("отчёт координатора")
        verbose_name_plural = _("отчёты координатора")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_report_dates_in_order"
            ),
            models.UniqueConstraint(
                fields=["region", "starts_on", "ends_on"], name="period_report_unique_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%d.%m.%Y} – {self.ends_on:%d.%m.%Y}"


def get_event_for_user(user: Any, pk: int, cap: Cap = Cap.EVENT_VIEW) -> Event:
    return get_object_or_404(
        Event.objects.for_user(user, cap).select_related("region", "municipality"), pk=pk
    )


def reports_for_user(user: Any, cap: Cap = Cap.EVENT_MANAGE) -> models.QuerySet[PeriodReport]:
    g = grant(user, cap)
    if g.everything:
        return PeriodReport.objects.all()
    return PeriodReport.objects.filter(region_id__in=g.regions)


def get_report_for_user(user: Any, pk: int, cap: Cap = Cap.EVENT_MANAGE) -> PeriodReport:
    return get_object_or_404(reports_for_user(user, cap).select_related("region"), pk=pk)
