"""Plans of project sessions: the region's municipalities grouped for horizontal learning.

A plan belongs to a campaign (its grouping was proposed from that campaign's deficits) and holds
numbered sessions; each municipality sits in at most one session of a plan, which the database
enforces through the membership table.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.diagnostics.models import Campaign
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality
from marshrut.orgs.roles import Cap


class ProjectSessionPlanQuerySet(models.QuerySet["ProjectSessionPlan"]):
    def for_user(self, user: Any, cap: Cap = Cap.DIAGNOSTICS_VIEW) -> ProjectSessionPlanQuerySet:
        """Plans of the regions where the user holds ``cap`` for the whole region.

        A plan compares municipalities with each other, so it is a regional document: people who
        see one municipality or one school do not see it.
        """
        g = grant(user, cap)
        if g.everything:
            return self
        return self.filter(campaign__region_id__in=g.regions)


class ProjectSessionPlan(models.Model):
    """A named grouping of the region's municipalities into project sessions."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="session_plans",
        verbose_name=_("кампания самодиагностики"),
    )
    title = models.CharField(_("название"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("создан"), default=timezone.now)

    objects = ProjectSessionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("план проектных сессий")
        verbose_name_plural = _("планы проектных сессий")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "title"], name="session_plan_title_unique")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def region_id(self) -> int:
        return self.campaign.region_id


class ProjectSession(models.Model):
    """One session of a plan: a number, a title and its municipalities."""

    plan = models.ForeignKey(ProjectSessionPlan, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("номер"))
    title = models.CharField(_("название"), max_length=200, blank=True)
    municipalities: models.ManyToManyField[Municipality, ProjectSessionMember] = (
        models.ManyToManyField(
            Municipality,
            through="ProjectSessionMember",
            related_name="project_sessions",
            verbose_name=_("муниципалитеты"),
        )
    )
    shared = models.JSONField(
        _("общие дефицитные направления"),
        default=list,
        blank=True,
        help_text=_("направления, общие для группы, на момент сохранения плана"),
    )

    class Meta:
        verbose_name = _("проектная сессия")
        verbose_name_plural = _("проектные сессии")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="project_session_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="project_session_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Проектная сессия {self.number}"


class ProjectSessionMember(models.Model):
    """A municipality in a session; the plan is repeated here so that it is unique per plan."""

    plan = models.ForeignKey(ProjectSessionPlan, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(ProjectSession, on_delete=models.CASCADE, related_name="members")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("участник проектной сессии")
        verbose_name_plural = _("участники проектных сессий")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "municipality"], name="session_member_once_per_plan"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.municipality_id}"


def get_session_plan_for_user(
    user: Any, pk: int, cap: Cap = Cap.DIAGNOSTICS_VIEW
) -> ProjectSessionPlan:
    return get_object_or_404(
        ProjectSessionPlan.objects.for_user(user, cap).select_related(
            "campaign__region", "created_by"
        ),
        pk=pk,
    )


# Partner assignment ------------------------------------------------------------------------------


class AssignmentRunQuerySet(models.QuerySet["AssignmentRun"]):
    def for_user(self, user: Any, cap: Cap = Cap.DIAGNOSTICS_VIEW) -> AssignmentRunQuerySet:
        """Accepted assignments of the regions where the user holds ``cap`` for the whole region
        (an assignment weighs the region's schools against each other, as a plan of sessions)."""
        g = grant(user, cap)
        if g.everything:
            return self
        return self.filter(campaign__region_id__in=g.regions)


class AssignmentRun(models.Model):
    """An accepted region-wide assignment of partner schools: the partnerships from ``starts_on``.

    The parameters and both coverages are kept as they were when the operator accepted it, so
    the record says what was compared with what even after the results change.
    """

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="assignment_runs",
        verbose_name=_("кампания самодиагностики"),
    )
    capacity = models.PositiveSmallIntegerField(_("ёмкость школы-партнёра"))
    near_penalty = models.PositiveSmallIntegerField(_("штраф: соседний муниципалитет"))
    far_penalty = models.PositiveSmallIntegerField(_("штраф: другой муниципалитет"))
    max_ring = models.PositiveSmallIntegerField(_("дальность"), default=2)
    needs = models.PositiveIntegerField(_("дефицитных направлений"))
    covered = models.PositiveIntegerField(_("закрыто партнёрами"))
    greedy_covered = models.PositiveIntegerField(_("закрыто жадным выбором"))
    starts_on = models.DateField(_("партнёрство с"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("принято"), default=timezone.now)

    objects = AssignmentRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("распределение партнёров")
        verbose_name_plural = _("распределения партнёров")
        ordering = ["-accepted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(covered__lte=models.F("needs"))
                & Q(greedy_covered__lte=models.F("needs")),
                name="assignment_covered_within_needs",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="assignment_capacity_positive"
            ),
            models.CheckConstraint(condition=Q(max_ring__lte=2), name="assignment_ring_known"),
        ]

    def __str__(self) -> str:
        return f"Распределение партнёров от {self.starts_on:%d.%m.%Y}"

    @property
    def coverage(self) -> float:
        return self.covered / self.needs if self.needs else 1.0

    @property
    def greedy_coverage(self) -> float:
        return self.greedy_covered / self.needs if self.needs else 1.0


class AssignmentPair(models.Model):
    """A partnership: a weak school helped in one direction by a partner school."""

    run = models.ForeignKey(AssignmentRun, on_delete=models.CASCADE, related_name="pairs")
    school = models.ForeignKey(
        "orgs.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("школа")
    )
    direction = models.CharField(_("направление"), max_length=30)
    partner = models.ForeignKey(
        "orgs.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("школа-партнёр")
    )
    ring = models.PositiveSmallIntegerField(_("расстояние"))

    class Meta:
        verbose_name = _("партнёрство")
        verbose_name_plural = _("партнёрства")
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "school", "direction"], name="assignment_pair_once"
            ),
            models.CheckConstraint(
                condition=~Q(school=models.F("partner")), name="assignment_pair_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} ← {self.partner_id} ({self.direction})"


def get_assignment_for_user(user: Any, pk: int, cap: Cap = Cap.DIAGNOSTICS_VIEW) -> AssignmentRun:
    return get_object_or_404(
        AssignmentRun.objects.for_user(user, cap).select_related("campaign__region", "accepted_by"),
        pk=pk,
    )
