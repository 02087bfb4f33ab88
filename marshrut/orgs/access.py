"""Who may see and change what: the one scoping rule behind every page, export and endpoint.

``grant(user, cap)`` answers on which nodes of the hierarchy a capability holds for a user; each
model's ``for_user(user, cap)`` turns that into a filter. Single objects are fetched through the
``get_*_for_user`` helpers in :mod:`marshrut.orgs.models`, which answer 404 outside the scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from marshrut.orgs.roles import ROLES, Cap, Node

if TYPE_CHECKING:
    from marshrut.orgs.models import Municipality, Person, School


@dataclass(frozen=True)
class Grant:
    """The nodes on which one capability holds for one user."""

    everything: bool = False
    regions: frozenset[int] = field(default_factory=frozenset)
    municipalities: frozenset[int] = field(default_factory=frozenset)
    schools: frozenset[int] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return self.everything or bool(self.regions or self.municipalities or self.schools)

    def q(self, *, region: str, municipality: str, school: str) -> Q:
        """A filter for rows whose region, municipality and school sit at the given paths.

        An empty path means the model has no such link. With no grant the filter matches nothing.
        """
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        if region and self.regions:
            q |= Q(**{f"{region}__in": self.regions})
        if municipality and self.municipalities:
            q |= Q(**{f"{municipality}__in": self.municipalities})
        if school and self.schools:
            q |= Q(**{f"{school}__in": self.schools})
        return q

    def covers(
        self, region_id: int | None, municipality_id: int | None, school_id: int | None
    ) -> bool:
        return (
            self.everything
            or (region_id is not None and region_id in self.regions)
            or (municipality_id is not None and municipality_id in self.municipalities)
            or (school_id is not None and school_id in self.schools)
        )


@dataclass(frozen=True)
class _Held:
    role: str
    # A role above the regions: the regions of its federal district, or None for the country.
    district_regions: frozenset[int] | None
    region_id: int | None
    municipality_id: int | None
    school_id: int | None
    assigned: frozenset[int]


_CACHE_ATTR = "_marshrut_memberships"


def _memberships(user: Any) -> list[_Held]:
    """The user's active memberships, read once per user object (that is, per request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from marshrut.orgs.models import Membership, Region

    held: list[_Held] = []
    if user.is_authenticated:
        rows = (
            Membership.objects.active()
            .filter(person__user=user, person__is_active=True)
            .prefetch_related("schools")
        )
        for m in rows:
            held.append(
                _Held(
                    role=m.role,
                    district_regions=(
                        frozenset(
                            Region.objects.filter(district_id=m.district_id).values_list(
                                "pk", flat=True
                            )
                        )
                        if m.district_id
                        else None
                    ),
                    region_id=m.region_id,
                    municipality_id=m.municipality_id,
                    school_id=m.school_id,
                    assigned=frozenset(s.pk for s in m.schools.all()),
                )
            )
    setattr(user, _CACHE_ATTR, held)
    return held


def memberships(user: Any) -> list[_Held]:
    """The user's active memberships: what every scoped read of this request depends on."""
    return _memberships(user)


def remember(user: Any, held: list[_Held]) -> None:
    """Give the user object memberships read earlier (the per-user frame cache of the web)."""
    setattr(user, _CACHE_ATTR, held)


def forget(user: Any) -> None:
    """Drop the cached memberships (after they change within the same request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def grant(user: Any, cap: Cap) -> Grant:
    if not user.is_authenticated or not user.is_active:
        return Grant()
    if user.is_superuser:
        return Grant(everything=True)
    regions: set[int] = set()
    municipalities: set[int] = set()
    schools: set[int] = set()
    for m in _memberships(user):
        spec = ROLES.get(m.role)
        if spec is None or cap not in spec.caps:
            continue
        if spec.node == Node.COUNTRY:
            if m.district_regions is None:
                return Grant(everything=True)
            regions.update(m.district_regions)
        elif spec.node == Node.REGION and m.region_id:
            regions.add(m.region_id)
        elif spec.node == Node.MUNICIPALITY and m.municipality_id:
            municipalities.add(m.municipality_id)
        elif spec.node == Node.SCHOOL and m.school_id:
            schools.add(m.school_id)
        elif spec.node == Node.ASSIGNED:
            schools.update(m.assigned)
    return Grant(
        regions=frozenset(regions),
        municipalities=frozenset(municipalities),
        schools=frozenset(schools),
    )


def own_schools(user: Any, cap: Cap) -> frozenset[int]:
    """The schools where the user holds a capability as a member of the school's own team.

    An operator may fill any school's questionnaire and a curator sees assigned schools, but
    only a school role makes a school the user's own: the one to offer «fill in» for.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(
        m.school_id
        for m in _memberships(user)
        if m.school_id
        and (spec := ROLES.get(m.role)) is not None
        and spec.node == Node.SCHOOL
        and cap in spec.caps
    )


def roles_of(user: Any) -> list[str]:
    return sorted({m.role for m in _memberships(user)})


def require(user: Any, cap: Cap) -> Grant:
    """The grant for a capability, or 403 when the user holds it nowhere."""
    g = grant(user, cap)
    if not g:
        raise PermissionDenied
    return g


def can_on_school(user: Any, cap: Cap, school: School) -> bool:
    return grant(user, cap).covers(school.municipality.region_id, school.municipality_id, school.pk)


def can_on_person(user: Any, cap: Cap, person: Person) -> bool:
    return grant(user, cap).covers(person.region_id, person.municipality_id, person.school_id)


def can_on_municipality(user: Any, cap: Cap, municipality: Municipality) -> bool:
    return grant(user, cap).covers(municipality.region_id, municipality.pk, None)
