"""Networks of horizontal learning (seed 003): project groups by direction and designated sites.

A **project group** (межмуниципальная проектная группа, ММПГ) works on one direction of the model
(or is the municipal group of МОУО specialists) in one region and year. Its members come from
several municipalities, each in a category — school staff, municipal bodies, the institute — as
the seed counts them (143 specialists: 107 / 26 / 10). The group moves through stages (distance
work, in-person sessions, evaluation) and produces model documents that go to public discussion
and expert review through the surveys app (``surveys.Document``: its discussion survey and expert
reviews are the evaluation). Its events are events of the events app, linked from here.

A **site** is a strong school designated for a direction: an internship site (стажировочная
площадка), a regional innovation site (РИП), or a methodologist of the regional methodological
active (РМА) — a person of that school. It has a period, a capacity (people or schools) and hosts
events of the events app; who came to them, from which school, is read from those events'
participants.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.kernels.criteria import MODEL_DIRECTIONS
from marshrut.lib.concurrency import Versioned
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Person, Region, School
from marshrut.orgs.roles import Cap

MUNICIPAL_GROUP = "municipal"
# The eight directions of the criteria (their codes, as the results of self-diagnostics use them)
# and the municipal group of seed 003.
GROUP_DIRECTIONS: list[tuple[str, str]] = [(code, name) for code, name, _k in MODEL_DIRECTIONS] + [
    (MUNICIPAL_GROUP, "Муниципальная группа (специалисты МОУО)")
]
SITE_DIRECTIONS: list[tuple[str, str]] = [(code, name) for code, name, _k in MODEL_DIRECTIONS]
DIRECTION_NAMES = dict(GROUP_DIRECTIONS)


class ProjectGroupQuerySet(models.QuerySet["ProjectGroup"]):
    def for_user(self, user: Any, cap: Cap = Cap.NETWORK_VIEW) -> ProjectGroupQuerySet:
        """Groups of the regions where the user holds ``cap``; for a municipal role, the groups
        with a member from the user's municipality (and only those members are shown)."""
        g = grant(user, cap)
        if g.everything:
            return self
        q = Q(region_id__in=g.regions)
        if g.municipalities:
            q |= Q(
                pk__in=GroupMember.objects.filter(municipality_id__in=g.municipalities).values(
                    "group_id"
                )
            )
        return self.filter(q)


class ProjectGroup(Versioned):
    """An inter-municipal project group of one direction, in one region and year."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="project_groups")
    year = models.PositiveSmallIntegerField(_("год"))
    direction = models.CharField(_("направление"), max_length=30, choices=GROUP_DIRECTIONS)
    title = models.CharField(
        _("название"), max_length=300, blank=True, help_text=_("пусто — «ММПГ «Направление»»")
    )
    goal = models.TextField(_("цель и задачи группы"), blank=True)
    events = models.ManyToManyField(
        "events.Event",
        blank=True,
        related_name="project_groups",
        verbose_name=_("мероприятия группы"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("создана"), default=timezone.now)

    objects = ProjectGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("проектная группа")
        verbose_name_plural = _("проектные группы")
        ordering = ["-year", "direction", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "direction"],
                name="project_group_one_per_direction",
                violation_error_message=_("Группа этого направления в этом году уже есть."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="project_group_year_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"ММПГ «{self.direction_name}»"

    @property
    def direction_name(self) -> str:
        return DIRECTION_NAMES.get(self.direction, self.direction)


class GroupMember(Versioned):
    """A member of a group: a person of the registry, or a name and organisation when not one."""

    class Category(models.TextChoices):
        SCHOOL = "school", _("руководители и педагоги школ")
        MUNICIPAL = "municipal", _("специалисты МОУО, ММС, системы ДПО")
        INSTITUTE = "institute", _("специалисты института (регионального оператора)")

    class Role(models.TextChoices):
        LEADER = "leader", _("руководитель")
        MEMBER = "member", _("участник")

    group = models.ForeignKey(ProjectGroup, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_memberships",
        verbose_name=_("человек из реестра"),
    )
    full_name = models.CharField(
        _("ФИО"), max_length=300, blank=True, help_text=_("если человека нет в реестре")
    )
    organisation = models.CharField(_("организация"), max_length=500, blank=True)
    position = models.CharField(_("должность"), max_length=300, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("муниципалитет"),
        help_text=_("пусто — региональный уровень (институт)"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("школа"),
    )
    category = models.CharField(_("категория"), max_length=20, choices=Category.choices)
    role = models.CharField(
        _("роль в группе"), max_length=10, choices=Role.choices, default=Role.MEMBER
    )

    class Meta:
        verbose_name = _("участник проектной группы")
        verbose_name_plural = _("участники проектных групп")
        ordering = ["group", "role", "full_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(full_name=""),
                name="group_member_person_or_name",
                violation_error_message=_("Выберите человека из реестра или впишите ФИО."),
            ),
            models.UniqueConstraint(
                fields=["group", "person"],
                condition=Q(person__isnull=False),
                name="group_member_person_once",
                violation_error_message=_("Этот человек уже в группе."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.person.full_name if self.person_id and self.person else self.full_name

    @property
    def job(self) -> str:
        """The position as written for the group, else the registry's."""
        if self.position:
            return self.position
        return self.person.position if self.person_id and self.person else ""


class GroupStage(Versioned):
    """A stage of the group's year: distance work, in-person sessions, evaluation of results."""

    class Kind(models.TextChoices):
        DISTANCE = "distance", _("дистанционная работа")
        IN_PERSON = "in_person", _("очные сессии")
        EVALUATION = "evaluation", _("оценка результатов")

    class Status(models.TextChoices):
        PLANNED = "planned", _("запланирован")
        ACTIVE = "active", _("идёт")
        DONE = "done", _("завершён")

    group = models.ForeignKey(ProjectGroup, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveSmallIntegerField(_("номер этапа"))
    kind = models.CharField(_("этап"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("что делается"), max_length=500, blank=True)
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    note = models.TextField(_("итоги, примечание"), blank=True)

    class Meta:
        verbose_name = _("этап проектной группы")
        verbose_name_plural = _("этапы проектных групп")
        ordering = ["group", "number", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="group_stage_dates_in_order",
                violation_error_message=_("Окончание этапа не может быть раньше начала."),
            ),
            models.UniqueConstraint(
                fields=["group", "number"],
                name="group_stage_number_once",
                violation_error_message=_("Этап с таким номером у группы уже есть."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.get_kind_display()}"

    @property
    def dates(self) -> str:
        if self.starts_on == self.ends_on:
            return f"{self.starts_on:%d.%m.%Y}"
        return f"{self.starts_on:%d.%m.%Y} – {self.ends_on:%d.%m.%Y}"


class GroupDocument(models.Model):
    """A model document of the group; its discussion and expert review live in the surveys app."""

    group = models.ForeignKey(ProjectGroup, on_delete=models.CASCADE, related_name="documents")
    document = models.OneToOneField(
        "surveys.Document",
        on_delete=models.CASCADE,
        related_name="project_group_link",
        verbose_name=_("документ на обсуждении"),
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("модельный документ группы")
        verbose_name_plural = _("модельные документы групп")
        ordering = ["group", "pk"]

    def __str__(self) -> str:
        return str(self.document_id)


class SiteQuerySet(models.QuerySet["Site"]):
    def for_user(self, user: Any, cap: Cap = Cap.NETWORK_VIEW) -> SiteQuerySet:
        """Sites of the regions where the user holds ``cap``.

        Seeing is wider than managing: a site is announced to the whole region, so a municipal
        coordinator sees the region's sites (where to send the municipality's teachers); who came
        from which school stays scoped to the coordinator's municipality on the site's page.
        """
        g = grant(user, cap)
        if g.everything:
            return self
        q = Q(region_id__in=g.regions)
        if cap == Cap.NETWORK_VIEW and g.municipalities:
            q |= Q(
                region_id__in=Municipality.objects.filter(pk__in=g.municipalities).values(
                    "region_id"
                )
            )
        return self.filter(q)


class Site(Versioned):
    """A strong school (or its methodologist) designated to teach others in a direction."""

    class Kind(models.TextChoices):
        INTERNSHIP = "internship", _("стажировочная площадка")
        RIP = "rip", _("региональная инновационная площадка (РИП)")
        RMA = "rma", _("методист регионального методического актива (РМА)")

    class Unit(models.TextChoices):
        PEOPLE = "people", _("человек")
        SCHOOLS = "schools", _("школ")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="network_sites")
    kind = models.CharField(_("вид"), max_length=12, choices=Kind.choices)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="network_sites", verbose_name=_("школа")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="network_sites",
        verbose_name=_("методист"),
        help_text=_("для методиста РМА: человек из этой школы"),
    )
    direction = models.CharField(_("направление"), max_length=30, choices=SITE_DIRECTIONS)
    theme = models.CharField(_("тема"), max_length=500)
    starts_on = models.DateField(_("назначена с"))
    ends_on = models.DateField(_("по"))
    capacity = models.PositiveIntegerField(
        _("вместимость"), help_text=_("сколько человек или школ площадка принимает за период")
    )
    capacity_unit = models.CharField(
        _("вместимость в"), max_length=10, choices=Unit.choices, default=Unit.PEOPLE
    )
    order = models.CharField(_("приказ о назначении"), max_length=300, blank=True)
    events = models.ManyToManyField(
        "events.Event",
        blank=True,
        related_name="network_sites",
        verbose_name=_("мероприятия на площадке"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("площадка")
        verbose_name_plural = _("площадки")
        ordering = ["-starts_on", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="site_dates_in_order",
                violation_error_message=_("Окончание периода не может быть раньше начала."),
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="site_capacity_positive"),
            models.CheckConstraint(
                condition=~Q(kind="rma") | Q(person__isnull=False),
                name="site_rma_has_person",
                violation_error_message=_("Для методиста РМА выберите человека."),
            ),
        ]
        indexes = [models.Index(fields=["region", "kind", "direction"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.school.short_name if self.school_id else ''}"

    @property
    def direction_name(self) -> str:
        return DIRECTION_NAMES.get(self.direction, self.direction)

    @property
    def period(self) -> str:
        return f"{self.starts_on:%d.%m.%Y} – {self.ends_on:%d.%m.%Y}"


def get_group_for_user(user: Any, pk: int, cap: Cap = Cap.NETWORK_VIEW) -> ProjectGroup:
    return get_object_or_404(
        ProjectGroup.objects.for_user(user, cap).select_related("region"), pk=pk
    )


def get_site_for_user(user: Any, pk: int, cap: Cap = Cap.NETWORK_VIEW) -> Site:
    return get_object_or_404(
        Site.objects.for_user(user, cap).select_related("region", "school__municipality", "person"),
        pk=pk,
    )
