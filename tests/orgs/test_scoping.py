"""One scoping rule per model: who sees which rows, and deny by default."""

from __future__ import annotations

import datetime as dt

import pytest

from marshrut.accounts.models import User
from marshrut.audit.log import Action, record
from marshrut.audit.models import AuditEvent
from marshrut.orgs.models import Membership, Municipality, Person, Region, School
from marshrut.orgs.roles import ROLES, Cap, Role
from tests.conftest import World


def names(qs: object) -> set[str]:
    return {str(o) for o in qs}  # type: ignore[attr-defined]


def test_coordinator_cannot_see_other_municipality(world: World) -> None:
    user = world.users["coordinator"]
    assert names(Municipality.objects.for_user(user)) == {"город Первогорск"}
    assert set(School.objects.for_user(user)) == {world.s1, world.s3}
    assert world.p_m2 not in Person.objects.for_user(user)


def test_school_team_sees_only_its_school_and_its_people(world: World) -> None:
    for persona in ("head", "school"):
        user = world.users[persona]
        assert list(School.objects.for_user(user)) == [world.s1]
        assert set(Person.objects.for_user(user)) == {world.people["head"], world.people["school"]}


def test_curator_sees_the_assigned_schools_only(world: World) -> None:
    user = world.users["curator"]
    assert list(School.objects.for_user(user)) == [world.s1]
    assert list(Municipality.objects.for_user(user)) == [world.m1]


def test_regional_roles_see_the_whole_region_but_not_another(world: World) -> None:
    other = Region.objects.create(name="Соседняя область", code="97")
    foreign = Municipality.objects.create(region=other, name="Чужой район", oktmo="97700000")
    for persona in ("operator", "department", "methodologist"):
        visible = set(Municipality.objects.for_user(world.users[persona]))
        assert visible == {world.m1, world.m2}, persona
        assert foreign not in visible


def test_methodologist_does_not_see_peoples_contacts(world: World) -> None:
    assert not Person.objects.for_user(world.users["methodologist"]).exists()


def test_user_without_roles_sees_nothing(world: World) -> None:
    user = world.users["outsider"]
    for model in (Municipality, School, Person):
        assert not model.objects.for_user(user).exists()  # type: ignore[attr-defined]


def test_ended_or_future_membership_grants_nothing(world: World) -> None:
    m = Membership.objects.get(person=world.people["coordinator"])
    m.started_on, m.ended_on = dt.date(2020, 1, 1), dt.date(2021, 1, 1)
    m.save()
    user = User.objects.get(pk=world.users["coordinator"].pk)  # a fresh object: no cached roles
    assert not School.objects.for_user(user).exists()
    m.started_on, m.ended_on = dt.date(2999, 1, 1), None
    m.save()
    user = User.objects.get(pk=user.pk)
    assert not School.objects.for_user(user).exists()


def test_inactive_person_or_user_loses_access(world: World) -> None:
    person = world.people["head"]
    person.is_active = False
    person.save()
    assert not School.objects.for_user(User.objects.get(pk=world.users["head"].pk)).exists()
    user = world.users["operator"]
    user.is_active = False
    user.save()
    assert not School.objects.for_user(User.objects.get(pk=user.pk)).exists()


def test_edit_rights_are_narrower_than_view_rights(world: World) -> None:
    assert set(School.objects.for_user(world.users["coordinator"], Cap.SCHOOL_EDIT)) == {
        world.s1,
        world.s3,
    }
    assert not School.objects.for_user(world.users["coordinator"], Cap.SCHOOL_MANAGE).exists()
    assert not School.objects.for_user(world.users["department"], Cap.SCHOOL_EDIT).exists()
    assert not Municipality.objects.for_user(
        world.users["coordinator"], Cap.MUNICIPALITY_EDIT
    ).exists()


def test_audit_log_is_scoped_to_the_operators_region(world: World) -> None:
    other = Region.objects.create(name="Соседняя область", code="97")
    mine = record(world.users["operator"], Action.UPDATE, world.s1)
    theirs = record(None, Action.UPDATE, None, region_id=other.pk, target_type="orgs.school")
    assert list(AuditEvent.objects.for_user(world.users["operator"])) == [mine]
    assert theirs.pk
    assert not AuditEvent.objects.for_user(world.users["department"]).exists()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_is_declared_with_a_description(role: Role) -> None:
    assert ROLES[role.value].description
