"""Who is told: the people holding a capability on a node, one per e-mail address.

One query; the people without an e-mail are kept too when ``mailable`` is off (they may read the
inbox or the bot), but by default only active roles of active people with an address count, as
the reminders have always counted them.
"""

from __future__ import annotations

from django.db.models import Q

from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import ROLES, Cap, Node


def roles_with(cap: Cap, node: Node) -> list[str]:
    return [s.role.value for s in ROLES.values() if s.node == node and cap in s.caps]


def people(q: Q) -> list[Person]:
    """The people of the memberships matching ``q``, one per address, by name."""
    found: dict[str, Person] = {}
    for m in (
        Membership.objects.mailable()
        .filter(q)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    ):
        found.setdefault(m.person.email.lower(), m.person)
    return list(found.values())


def holders(
    cap: Cap,
    node: Node,
    *,
    region_id: int | None = None,
    municipality_id: int | None = None,
    school_id: int | None = None,
) -> list[Person]:
    """The people holding ``cap`` through a role on the given node."""
    where = {"region_id": region_id, "municipality_id": municipality_id, "school_id": school_id}
    field = {Node.REGION: "region_id", Node.MUNICIPALITY: "municipality_id"}.get(node, "school_id")
    return people(Q(role__in=roles_with(cap, node), **{field: where[field]}))


def reviewers(cap: Cap, region_id: int, municipality_id: int | None) -> list[Person]:
    """Who decides on a school's document: its municipality's holders of ``cap``, or — with
    nobody there — the region's, so that a submission is never left unseen."""
    found = holders(cap, Node.MUNICIPALITY, municipality_id=municipality_id)
    return found or holders(cap, Node.REGION, region_id=region_id)
