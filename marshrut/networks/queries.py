"""Figures of the networks pages, each from one grouped query whatever the number of rows.

Shares by category are what seed 003 prints: «143 специалиста: 107 (75%) — руководители и
педагоги школ, 26 (18%) — МОУО, ММС, ДПО, 10 (7%) — институт»; municipalities covered are the
distinct municipalities of the members. A site's use is the people (or schools) who attended the
events it hosted within its period, the host school itself not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce

from marshrut.diagnostics.models import Result
from marshrut.events.models import Participation
from marshrut.events.queries import finished_campaign
from marshrut.kernels.criteria import LEVEL_NAMES
from marshrut.networks.models import GroupMember, ProjectGroup, Site
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, School
from marshrut.orgs.roles import Cap

Category = GroupMember.Category


@dataclass
class Share:
    category: str
    label: str
    count: int
    percent: float


@dataclass
class Composition:
    """Members of one group (or of several) by category, and the municipalities they cover."""

    total: int
    shares: list[Share]
    municipalities: int
    region_municipalities: int = 0

    @property
    def municipalities_percent(self) -> float | None:
        if not self.region_municipalities:
            return None
        return round(100 * self.municipalities / self.region_municipalities, 1)


def _pct(n: int, total: int) -> float:
    return round(100 * n / total, 1) if total else 0.0


def _shares(counts: dict[str, int]) -> list[Share]:
    total = sum(counts.values())
    return [
        Share(c.value, str(c.label), counts.get(c.value, 0), _pct(counts.get(c.value, 0), total))
        for c in Category
    ]


def composition(groups: QuerySet[ProjectGroup] | list[ProjectGroup]) -> Composition:
    """Members by category and municipalities covered, over the given groups (two queries).

    A person in two groups is one specialist: people of the registry count once, members
    written by name count once per group (nothing ties two written names together).
    """
    ids = [g.pk for g in groups]
    members = GroupMember.objects.filter(group_id__in=ids)
    counts: dict[str, int] = defaultdict(int)
    for row in (
        members.values("category")
        .annotate(
            people=Count("person_id", distinct=True),
            named=Count("pk", filter=Q(person__isnull=True)),
        )
        .order_by()
    ):
        counts[row["category"]] += row["people"] + row["named"]
    municipalities = (
        members.exclude(municipality__isnull=True)
        .values("municipality_id")
        .distinct()
        .order_by()
        .count()
    )
    return Composition(sum(counts.values()), _shares(counts), municipalities)


def group_rows(groups: QuerySet[ProjectGroup]) -> list[dict[str, Any]]:
    """Each group with its members by category and municipalities covered (one query)."""
    annotated = groups.annotate(
        n_members=Count("members", distinct=True),
        n_school=Count("members", filter=Q(members__category=Category.SCHOOL), distinct=True),
        n_municipal=Count("members", filter=Q(members__category=Category.MUNICIPAL), distinct=True),
        n_institute=Count("members", filter=Q(members__category=Category.INSTITUTE), distinct=True),
        n_municipalities=Count("members__municipality", distinct=True),
    ).select_related("region")
    return [
        {
            "group": g,
            "members": g.n_members,
            "school": g.n_school,
            "municipal": g.n_municipal,
            "institute": g.n_institute,
            "school_percent": _pct(g.n_school, g.n_members),
            "municipalities": g.n_municipalities,
        }
        for g in annotated
    ]


def visible_members(user: Any, group: ProjectGroup) -> QuerySet[GroupMember]:
    """The members a user may see by name: all for a regional role, else the own municipality's."""
    members = group.members.select_related("person", "municipality", "school").order_by(
        "role", "municipality__name", "full_name", "person__last_name", "pk"
    )
    g = grant(user, Cap.NETWORK_VIEW)
    if g.covers(group.region_id, None, None):
        return members
    return members.filter(municipality_id__in=g.municipalities)


def region_municipality_count(region_id: int) -> int:
    return Municipality.objects.filter(region_id=region_id, is_active=True).count()


# Sites -----------------------------------------------------------------------------------------


def _attended(sites: list[Site]) -> Iterable[dict[str, Any]]:
    """Attendances at the events the sites hosted, with the school each attendee came from."""
    return (
        Participation.objects.filter(attended=True, event__network_sites__in=[s.pk for s in sites])
        .annotate(from_school=Coalesce("school_id", "person__school_id"))
        .values("event__network_sites", "person_id", "from_school", "event__starts_on")
    )


def usage(sites: list[Site]) -> dict[int, int]:
    """Site id → people (or schools, by the site's unit) who came within its period (one query).

    The host school's own staff are not visitors; an attendance without a known school counts as
    a person, never as a school.
    """
    by_pk = {s.pk: s for s in sites}
    people: dict[int, set[int]] = defaultdict(set)
    schools: dict[int, set[int]] = defaultdict(set)
    for row in _attended(sites):
        site = by_pk.get(row["event__network_sites"])
        if site is None or not site.starts_on <= row["event__starts_on"] <= site.ends_on:
            continue
        if row["from_school"] == site.school_id:
            continue
        if row["person_id"]:
            people[site.pk].add(row["person_id"])
        if row["from_school"]:
            schools[site.pk].add(row["from_school"])
    return {
        s.pk: len(schools[s.pk] if s.capacity_unit == Site.Unit.SCHOOLS else people[s.pk])
        for s in sites
    }


@dataclass
class Visitor:
    """A school whose people came to the site's events, with its level in the site's direction."""

    school_id: int
    name: str
    municipality_id: int
    municipality: str
    people: int
    events: int
    level: str = ""
    overall: str = ""

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, "—") if self.level else "—"

    @property
    def overall_name(self) -> str:
        return LEVEL_NAMES.get(self.overall, "—") if self.overall else "—"

    @property
    def weak(self) -> bool:
        """Below the basic level in the site's direction or overall: the schools a site is for."""
        return "below_basic" in (self.level, self.overall)


@dataclass
class SiteReport:
    used: int
    visitors: list[Visitor] = field(default_factory=list)
    unknown_school: int = 0  # attendances whose school is not known
    campaign_title: str = ""

    @property
    def weak_schools(self) -> int:
        return sum(1 for v in self.visitors if v.weak)


def site_report(site: Site, user: Any) -> SiteReport:
    """Who came to the site's events within its period, by school (three queries).

    A viewer who does not see the whole region sees only the schools of the municipalities they
    see; the figure of use stays the site's whole figure (it is a count, not names).
    """
    used = usage([site])[site.pk]
    per_school: dict[int, set[int | None]] = defaultdict(set)
    events: dict[int, set[int]] = defaultdict(set)
    unknown = 0
    rows = (
        Participation.objects.filter(
            attended=True,
            event__network_sites=site,
            event__starts_on__gte=site.starts_on,
            event__starts_on__lte=site.ends_on,
        )
        .annotate(from_school=Coalesce("school_id", "person__school_id"))
        .values_list("pk", "person_id", "from_school", "event_id")
    )
    for pk, person_id, school_id, event_id in rows:
        if school_id is None:
            unknown += 1
            continue
        if school_id == site.school_id:
            continue
        # A school sent without named people still counts as one attendance of the school.
        per_school[school_id].add(person_id if person_id else -pk)
        events[school_id].add(event_id)
    g = grant(user, Cap.NETWORK_VIEW)
    schools = School.objects.filter(pk__in=per_school).select_related("municipality")
    if not g.covers(site.region_id, None, None):
        schools = schools.filter(municipality_id__in=g.municipalities)
    campaign = finished_campaign(site.region, site.region.today())
    levels: dict[tuple[int, str], str] = {}
    if campaign is not None and per_school:
        for school_id, scope, level in Result.objects.filter(
            campaign=campaign, school_id__in=list(per_school), scope__in=[site.direction, "overall"]
        ).values_list("school_id", "scope", "level"):
            levels[(school_id, scope)] = level
    visitors = [
        Visitor(
            school_id=s.pk,
            name=s.short_name,
            municipality_id=s.municipality_id,
            municipality=s.municipality.name,
            people=len(per_school[s.pk]),
            events=len(events[s.pk]),
            level=levels.get((s.pk, site.direction), ""),
            overall=levels.get((s.pk, "overall"), ""),
        )
        for s in schools
    ]
    visitors.sort(key=lambda v: (not v.weak, v.municipality, v.name))
    return SiteReport(
        used=used,
        visitors=visitors,
        unknown_school=unknown,
        campaign_title=campaign.title if campaign else "",
    )
