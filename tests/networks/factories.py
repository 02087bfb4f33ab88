"""A project group and a site in the hand-made world, for the tests and the permission matrix."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshrut.events.models import Event, Participation
from marshrut.networks.actions import do_save_group, do_save_member, do_save_site
from marshrut.networks.models import GroupMember, ProjectGroup, Site
from marshrut.orgs.models import Person
from tests.conftest import World

YEAR = 2024


def person(w: World, last: str, school: Any = None, municipality: Any = None) -> Person:
    return Person.objects.create(
        region=w.region,
        municipality=municipality or (school.municipality if school else None),
        school=school,
        last_name=last,
        first_name="Анна",
        middle_name="Петровна",
    )


def group(w: World) -> ProjectGroup:
    """«Знание» 2024: a leader from s1 (m1), a member from s2 (m2), a coordinator of m2, and an
    institute member written by name."""
    found = ProjectGroup.objects.filter(region=w.region, year=YEAR, direction="znanie").first()
    if found is not None:
        return found
    g = do_save_group(
        None,
        ProjectGroup(region=w.region, year=YEAR, direction="znanie"),
        before=None,
        standard_stages=True,
    )
    members = [
        (person(w, "Иванова", school=w.s1), GroupMember.Category.SCHOOL, "leader"),
        (person(w, "Петрова", school=w.s2), GroupMember.Category.SCHOOL, "member"),
        (person(w, "Сидорова", municipality=w.m2), GroupMember.Category.MUNICIPAL, "member"),
    ]
    for p, category, role in members:
        do_save_member(
            None,
            GroupMember(group=g, person=p, category=category, role=role),
            before=None,
        )
    do_save_member(
        None,
        GroupMember(
            group=g,
            full_name="Орлова Мария Ивановна",
            organisation="ИРО",
            category=GroupMember.Category.INSTITUTE,
        ),
        before=None,
    )
    return g


def member(w: World, name: str = "Петрова") -> GroupMember:
    return group(w).members.get(person__last_name=name)


def site(w: World) -> Site:
    """An internship site at s3 (m1) hosting an event visited from s1 (m1) and s2 (m2)."""
    found = Site.objects.filter(region=w.region).first()
    if found is not None:
        return found
    event = Event.objects.create(
        region=w.region,
        form=Event.Form.INTERNSHIP,
        title="Стажировка на базе СОШ № 3",
        starts_on=dt.date(YEAR, 10, 15),
        ends_on=dt.date(YEAR, 10, 15),
    )
    visitors = [
        person(w, "Гостева", school=w.s1),
        person(w, "Приезжая", school=w.s2),
        person(w, "Дальняя", school=w.s2),
        person(w, "Хозяйка", school=w.s3),  # the host's own teacher: not a visitor
    ]
    Participation.objects.bulk_create(
        Participation(event=event, person=p, school=p.school) for p in visitors
    )
    # A school sent without names, and one invited person who did not come.
    Participation.objects.create(event=event, school=w.s1)
    Participation.objects.create(
        event=event, person=person(w, "Неявка", school=w.s2), attended=False
    )
    return do_save_site(
        None,
        Site(
            region=w.region,
            kind=Site.Kind.INTERNSHIP,
            school=w.s3,
            direction="znanie",
            theme="ВСОКО",
            starts_on=dt.date(YEAR, 1, 1),
            ends_on=dt.date(YEAR, 12, 31),
            capacity=4,
        ),
        before=None,
        events=[event],
    )
