"""The hand-made region of the effectiveness tests (also driven by the browser test).

35 schools had the deficit ZN.01 in the 2023 campaign and all answered the 2024 one. Schools
1–15 carried out a roadmap item drafted from the library's measure for ZN.01 (10 of them closed
the deficit: schools 1–10); schools 16–35 did not (4 closed: 16–19). A seminar on «Знание» was
attended by schools 1–5 and 16–25.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from marshrut.diagnostics.models import Campaign, Deficit, Status
from marshrut.events.models import Event, Participation
from marshrut.orgs.models import School
from marshrut.plans.models import ItemStatus, Level, Measure, Plan, PlanItem, PlanSection
from tests.conftest import World, make_school

SCHOOLS = range(1, 36)
TREATED = range(1, 16)
CLOSED = set(range(1, 11)) | set(range(16, 20))
SEMINAR = set(range(1, 6)) | set(range(16, 26))
MEASURE = "Разработать и утвердить ООП в соответствии с ФООП"


@dataclass
class EffWorld:
    world: World
    before: Campaign
    after: Campaign
    schools: dict[int, School]


def deficit(campaign: Campaign, school: School, code: str) -> Deficit:
    sub = campaign.submissions.get(school=school)
    indicator = campaign.criteria.catalogue.indicators[code]
    return Deficit(
        submission=sub,
        campaign=campaign,
        school=school,
        code=code,
        direction=indicator.direction,
        kind="zero",
        points=0,
        max_points=indicator.max_points,
    )


def _school_plan(school: School, starts: dt.date, title: str, status: str) -> None:
    plan = Plan.objects.create(
        region=school.municipality.region,
        municipality=school.municipality,
        school=school,
        level=Level.SCHOOL,
        title=f"Дорожная карта {school.short_name}",
        year=starts.year,
        starts_on=starts,
        ends_on=dt.date(starts.year, 12, 31),
    )
    section = PlanSection.objects.create(plan=plan, position=1, number="1", title="Знание")
    PlanItem.objects.create(
        plan=plan,
        section=section,
        position=1,
        number="1.1",
        title=title,
        indicator_code="ZN.01",
        directions=["znanie"],
        status=status,
    )


def build(world: World) -> EffWorld:
    from tests.diagnostics.factories import campaign_for

    schools = {
        n: make_school(world.m1, 100 + n, short_name=f"МАОУ СОШ № {100 + n}") for n in SCHOOLS
    }
    before = campaign_for(world, 2023)
    after = campaign_for(world, 2024)
    Campaign.objects.filter(pk=before.pk).update(
        opens_on=dt.date(2023, 11, 1), closes_on=dt.date(2023, 11, 15)
    )
    Campaign.objects.filter(pk=after.pk).update(
        opens_on=dt.date(2024, 11, 1), closes_on=dt.date(2024, 11, 15)
    )
    before.refresh_from_db()
    after.refresh_from_db()
    after.submissions.filter(school__in=schools.values()).update(
        status=Status.SUBMITTED, submitted_at=timezone.now()
    )
    Deficit.objects.bulk_create(
        [deficit(before, s, "ZN.01") for s in schools.values()]
        + [deficit(after, s, "ZN.01") for n, s in schools.items() if n not in CLOSED]
    )
    Measure.objects.create(
        region=world.region, indicator="ZN.01", direction="znanie", title=MEASURE + "."
    )
    for n in TREATED:
        _school_plan(
            schools[n], dt.date(2024, 1, 1), f"{MEASURE}; провести педсовет", ItemStatus.DONE
        )
    # Not counted: an item not done, and a done item of a roadmap that ended before 2023's
    # campaign opened.
    _school_plan(schools[30], dt.date(2024, 1, 1), MEASURE, ItemStatus.IN_PROGRESS)
    _school_plan(schools[31], dt.date(2023, 1, 1), MEASURE, ItemStatus.DONE)
    event = Event.objects.create(
        region=world.region,
        form=Event.Form.SEMINAR,
        title="Семинар «Внутренняя система оценки качества»",
        starts_on=dt.date(2024, 3, 1),
        ends_on=dt.date(2024, 3, 1),
        directions=["knowledge"],
    )
    Participation.objects.bulk_create(
        [Participation(event=event, school=schools[n]) for n in SEMINAR]
        + [Participation(event=event, school=schools[26], attended=False)]
    )
    return EffWorld(world, before, after, schools)
