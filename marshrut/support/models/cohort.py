"""The cohort of a year: which schools take part in ШНОР, since when, why, and when they left."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import Versioned
from marshrut.orgs.access import grant
from marshrut.orgs.models import Region, School
from marshrut.orgs.roles import Cap

# Where a participation's school sits, for ``Grant.q``: the one scoping rule.
SCHOOL_PATHS = {
    "region": "school__municipality__region_id",
    "municipality": "school__municipality_id",
    "school": "school_id",
}


class ParticipationQuerySet(models.QuerySet["Participation"]):
    def for_user(self, user: Any, cap: Cap = Cap.SHNOR_VIEW) -> ParticipationQuerySet:
        """Participations of the schools on which the user holds ``cap`` (curators: their schools)."""
        return self.filter(grant(user, cap).q(**SCHOOL_PATHS))

    def in_region(self, region: Region) -> ParticipationQuerySet:
        return self.filter(school__municipality__region=region)

    def of_year(self, year: int) -> ParticipationQuerySet:
        return self.filter(year=year)

    def current(self) -> ParticipationQuerySet:
        """Schools still in the programme: entered and not left."""
        return self.filter(left_on__isnull=True)


class Participation(Versioned):
    """A school in the ШНОР cohort of one year.

    A school that stays in the programme has one row per year; «years in the programme» counts
    them. Leaving is recorded, never deleted: the date and the reason stay in the history.
    """

    class Source(models.TextChoices):
        FEDERAL_LIST = "federal_list", _("федеральный перечень")
        RULE = "rule", _("правило отбора по результатам оценочных процедур")
        MANUAL = "manual", _("решение регионального оператора")

    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="shnor_participations",
        verbose_name=_("школа"),
    )
    year = models.PositiveSmallIntegerField(_("год"))
    source = models.CharField(
        _("основание включения"), max_length=14, choices=Source.choices, default=Source.MANUAL
    )
    entered_on = models.DateField(_("дата включения"))
    entry_reason = models.TextField(_("причина включения"), blank=True)
    left_on = models.DateField(_("дата выхода"), null=True, blank=True)
    exit_reason = models.TextField(_("причина выхода"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("участие школы в ШНОР")
        verbose_name_plural = _("когорта ШНОР")
        ordering = ["-year", "school__municipality__name", "school__short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year"], name="shnor_one_participation_a_year"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("entered_on")),
                name="shnor_left_after_entered",
                violation_error_message=_("Дата выхода раньше даты включения."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | ~Q(exit_reason=""),
                name="shnor_exit_has_reason",
                violation_error_message=_("Укажите причину выхода из программы."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} — {self.year}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None
