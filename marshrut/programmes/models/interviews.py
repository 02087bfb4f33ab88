"""Interviews (собеседования) with school management teams: rounds, slots, protocols.

Twice a year the municipal education body talks to each school's team about its results. A
round belongs to the region and a half-year; each municipality schedules its schools into slots
(one school a slot); the protocol of a school's interview records who took part, the results
discussed (drafted from the latest self-diagnostics and the ШНОР status), the school's
explanation and the decisions, which go to the management decisions register.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import Versioned
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Person, Region, School
from marshrut.orgs.roles import Cap

SLOT_PATHS = {
    "region": "round__region_id",
    "municipality": "municipality_id",
    "school": "school_id",
}
PROTOCOL_PATHS = {k: f"slot__{v}" for k, v in SLOT_PATHS.items()}


def regions_of_grant(user: Any, cap: Cap) -> Q:
    """Rows whose ``region`` is one where ``cap`` holds on some node (a school reads its region's)."""
    g = grant(user, cap)
    if g.everything:
        return Q()
    regions = set(g.regions)
    regions |= set(
        Municipality.objects.filter(pk__in=g.municipalities).values_list("region_id", flat=True)
    )
    regions |= set(
        School.objects.filter(pk__in=g.schools).values_list("municipality__region_id", flat=True)
    )
    return Q(region_id__in=regions)


class Half(models.TextChoices):
    SPRING = "spring", _("весна")
    AUTUMN = "autumn", _("осень")


class RoundQuerySet(models.QuerySet["InterviewRound"]):
    def for_user(self, user: Any, cap: Cap = Cap.PLAN_VIEW) -> RoundQuerySet:
        return self.filter(regions_of_grant(user, cap))


class InterviewRound(models.Model):
    """The interviews of one half-year in a region."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="interview_rounds")
    title = models.CharField(_("название"), max_length=300)
    year = models.PositiveSmallIntegerField(_("год"))
    half = models.CharField(_("полугодие"), max_length=6, choices=Half.choices)
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("тур собеседований")
        verbose_name_plural = _("туры собеседований")
        ordering = ["-year", "-half", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="interview_round_period_in_order",
                violation_error_message=_("Окончание тура раньше его начала."),
            ),
            models.UniqueConstraint(
                fields=["region", "year", "half"],
                name="interview_round_once_per_half",
                violation_error_message=_("Тур собеседований этого полугодия уже есть."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def half_label(self) -> str:
        """«весна 2025», «осень 2025»."""
        return f"{self.get_half_display()} {self.year}"


class SlotQuerySet(models.QuerySet["InterviewSlot"]):
    def for_user(self, user: Any, cap: Cap = Cap.PLAN_VIEW) -> SlotQuerySet:
        return self.filter(grant(user, cap).q(**SLOT_PATHS))


class InterviewSlot(models.Model):
    """A school's time in a round: when, where (a room or a link)."""

    round = models.ForeignKey(
        InterviewRound,
        on_delete=models.CASCADE,
        related_name="slots",
        verbose_name=_("тур собеседований"),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("муниципалитет")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="interview_slots", verbose_name=_("школа")
    )
    on = models.DateField(_("дата"))
    starts_at = models.TimeField(_("начало"))
    ends_at = models.TimeField(_("окончание"), null=True, blank=True)
    place = models.CharField(_("место"), max_length=500, blank=True)
    link = models.URLField(_("ссылка на видеовстречу"), max_length=500, blank=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("время собеседования")
        verbose_name_plural = _("график собеседований")
        ordering = ["round", "municipality__name", "on", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "school"],
                name="interview_slot_once_per_school",
                violation_error_message=_("Школе уже назначено время в этом туре."),
            ),
            # The municipality's commission talks to one school at a time.
            models.UniqueConstraint(
                fields=["round", "municipality", "on", "starts_at"],
                name="interview_slot_one_school",
                violation_error_message=_("На это время уже назначена другая школа."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="interview_slot_time_in_order",
                violation_error_message=_("Окончание раньше начала."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} — {self.on:%d.%m.%Y} {self.starts_at:%H:%M}"


class ProtocolQuerySet(models.QuerySet["InterviewProtocol"]):
    def for_user(self, user: Any, cap: Cap = Cap.PLAN_VIEW) -> ProtocolQuerySet:
        return self.filter(grant(user, cap).q(**PROTOCOL_PATHS))


class InterviewProtocol(Versioned):
    """What was said at a school's interview; its decisions are rows of the decisions register."""

    slot = models.OneToOneField(
        InterviewSlot,
        on_delete=models.PROTECT,
        related_name="protocol",
        verbose_name=_("время собеседования"),
    )
    held_on = models.DateField(_("дата проведения"))
    participants = models.ManyToManyField(
        Person, blank=True, related_name="+", verbose_name=_("участники от школы")
    )
    participants_text = models.TextField(
        _("другие участники"),
        blank=True,
        help_text=_("комиссия МОУО, приглашённые специалисты региона — по одному в строке"),
    )
    results = models.TextField(_("обсуждаемые результаты"), blank=True)
    explanation = models.TextField(_("пояснения школы"), blank=True)
    conclusion = models.TextField(_("выводы комиссии"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ProtocolQuerySet.as_manager()

    class Meta:
        verbose_name = _("протокол собеседования")
        verbose_name_plural = _("протоколы собеседований")

    def __str__(self) -> str:
        return f"Протокол собеседования: {self.slot.school}"

    @property
    def region_id(self) -> int:
        # For the audit log, which files each event under the region of its row.
        return self.slot.round.region_id


def get_round_for_user(user: Any, pk: int) -> InterviewRound:
    return get_object_or_404(InterviewRound.objects.for_user(user).select_related("region"), pk=pk)


def get_slot_for_user(user: Any, pk: int, cap: Cap = Cap.PLAN_VIEW) -> InterviewSlot:
    """The slot if the user may read it (404 otherwise); 403 when ``cap`` does not hold on it."""
    from django.core.exceptions import PermissionDenied

    slot = get_object_or_404(
        InterviewSlot.objects.for_user(user).select_related(
            "round__region", "municipality", "school"
        ),
        pk=pk,
    )
    if cap != Cap.PLAN_VIEW and not can_on_slot(user, cap, slot):
        raise PermissionDenied
    return slot


def can_on_slot(user: Any, cap: Cap, slot: InterviewSlot) -> bool:
    return grant(user, cap).covers(slot.round.region_id, slot.municipality_id, slot.school_id)
