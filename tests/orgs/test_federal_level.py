"""Above the regions: the federal persona reads every region and changes nothing; the region rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from marshrut.accounts.models import User
from marshrut.orgs.access import grant
from marshrut.orgs.actions import do_grant_role
from marshrut.orgs.models import FederalDistrict, Membership, Municipality, Person, Region, School
from marshrut.orgs.roles import Cap, Role
from tests.conftest import World, make_school


def _federal(name: str, district: FederalDistrict | None = None) -> User:
    user = User.objects.create_user(name, f"{name}@test.local", "x")
    person = Person.objects.create(last_name=name, first_name="Фед", user=user)
    Membership.objects.create(person=person, role=Role.FEDERAL, district=district)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def two_regions(world: World) -> dict[str, Any]:
    ural = FederalDistrict.objects.create(name="Уральский федеральный округ", code="УФО")
    world.region.district = ural
    world.region.save()
    other = Region.objects.create(name="Камчатский край", code="41", time_zone="Asia/Kamchatka")
    m = Municipality.objects.create(region=other, name="Елизовский район", oktmo="30607000")
    school = make_school(m, 41)
    return {"ural": ural, "other": other, "school": school}


def test_the_federal_persona_sees_every_region_and_changes_nothing(
    world: World, two_regions: dict[str, Any]
) -> None:
    user = _federal("federal")
    assert set(Region.objects.for_user(user)) == {world.region, two_regions["other"]}
    assert two_regions["school"] in School.objects.for_user(user)
    assert grant(user, Cap.FEDERAL_VIEW).everything
    for cap in (Cap.SCHOOL_EDIT, Cap.CAMPAIGN_MANAGE, Cap.PLAN_MANAGE, Cap.MEMBERSHIP_MANAGE):
        assert not grant(user, cap), cap
    assert not Person.objects.for_user(user).exists()  # people's contacts stay in the regions


def test_a_district_persona_sees_the_regions_of_its_district_only(
    world: World, two_regions: dict[str, Any]
) -> None:
    user = _federal("ufo", two_regions["ural"])
    assert list(Region.objects.for_user(user)) == [world.region]
    assert two_regions["school"] not in School.objects.for_user(user)
    assert world.s2 in School.objects.for_user(user)


def test_region_for_user_follows_municipal_and_school_roles(
    world: World, two_regions: dict[str, Any]
) -> None:
    for persona in ("operator", "coordinator", "head", "curator"):
        assert list(Region.objects.for_user(world.users[persona])) == [world.region], persona
    assert not Region.objects.for_user(world.users["outsider"]).exists()
    # A regional operator does not get the federal summary of their own region by default.
    assert not grant(world.users["operator"], Cap.FEDERAL_VIEW)


def test_a_federal_role_is_held_above_the_regions_only(world: World) -> None:
    person = Person.objects.create(last_name="Федеральный", first_name="Ф")
    with pytest.raises(ValidationError):
        do_grant_role(None, person, Role.FEDERAL, region=world.region)
    with pytest.raises(ValidationError):
        do_grant_role(None, person, Role.OPERATOR)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Membership.objects.create(
            person=person,
            role=Role.FEDERAL,
            region=world.region,
            district=FederalDistrict.objects.create(name="Сибирский", code="СФО"),
        )
    membership = do_grant_role(None, person, Role.FEDERAL)
    assert membership.node_label == "вся страна"


def test_today_is_the_regions_own_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 21:30 UTC on 14 May it is still the 14th in Kaliningrad and already the 15th in Kamchatka."""
    instant = dt.datetime(2025, 5, 14, 21, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    kaliningrad = Region(name="Калининградская область", code="39", time_zone="Europe/Kaliningrad")
    kamchatka = Region(name="Камчатский край", code="41", time_zone="Asia/Kamchatka")
    assert kaliningrad.today() == dt.date(2025, 5, 14)
    assert kamchatka.today() == dt.date(2025, 5, 15)
    assert kamchatka.now().hour == 9
