"""Demo events: the coordinator's events table of autumn 2022 and a year of events of 2024.

The 2022 table is the demo's own spreadsheet in the layout of a coordinator's report
(:mod:`marshrut.events.demo_documents`), loaded through the events import an operator uses.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from django.db import transaction

from marshrut.audit.log import Source, snapshot
from marshrut.events import demo_documents
from marshrut.events.actions import do_save_event
from marshrut.events.importing import apply_events, check_events
from marshrut.events.models import Direction, Event, Participation, PeriodReport
from marshrut.events.queries import tasks_draft
from marshrut.orgs.models import Person, Region, School
from marshrut.plans.models import Level, PlanItem

EVENTS_2024: list[tuple[str, str, int, int, str, str, int | None]] = [
    # form, title, month, day, organiser, participants text, planned coverage %
    (
        "seminar",
        "Семинар «Самодиагностика 2024: как читать результаты»",
        2,
        8,
        "ИРО ДО",
        "Муниципальные координаторы, 14 человек; директора ОО – 60 человек",
        40,
    ),
    (
        "course",
        "ДПП ПК «Управление качеством образования в школе Минпросвещения» (36 ч.)",
        3,
        11,
        "ИРО ДО ЦНППМ",
        "Управленческие команды – 96 человек",
        30,
    ),
    (
        "project_session",
        "Проектная сессия «Программа развития школы 2025–2028»: группа северных муниципалитетов",
        4,
        17,
        "ИРО ДО",
        "18 школьных управленческих команд, муниципальных кураторов. Всего - 74 человека",
        40,
    ),
    (
        "internship",
        "Стажировочная площадка на базе гимназии № 3 г. Северогорска: «Школьный климат»",
        5,
        22,
        "МАОУ гимназия № 3",
        "5 школ – 48 педагогов",
        None,
    ),
    (
        "webinar",
        "Вебинар «Профориентационный минимум: опыт РИП»",
        9,
        19,
        "ИРО ДО",
        "Педагоги – 212 человек",
        None,
    ),
    (
        "desant",
        "Педагогический десант в школы ШНОР Лесного района",
        10,
        8,
        "ИРО ДО, РМА",
        "Педагоги из 4 ОО – 37 человек",
        100,
    ),
    (
        "olympiad",
        "Олимпиада управленческих команд «Школа Минпросвещения»",
        11,
        14,
        "ИРО ДО",
        "12 управленческих команд. Всего - 60 человек",
        None,
    ),
    (
        "meeting",
        "Заседание РУМО: итоги мониторинга дорожных карт",
        12,
        12,
        "ИРО ДО",
        "Муниципальные методисты, 20 человек",
        None,
    ),
]


@transaction.atomic
def build_demo(region: Region, stdout: Any) -> None:
    data, filename = demo_documents.events_xlsx(), demo_documents.FILENAME
    # What the upload page does: check the table, then apply it if it adds anything. The demo's
    # own table is never refused; if it were, EventImportRejected stops the demo loudly.
    plan = check_events(data, filename, region, demo_documents.YEAR)
    if plan.to_create or not plan.ok:
        apply_events(None, data, filename, region, year=demo_documents.YEAR, source=Source.DEMO)
    stdout.write(f"Мероприятия 2022 (отчёт координатора): добавлено {len(plan.to_create)}")
    PeriodReport.objects.get_or_create(
        region=region,
        starts_on=dt.date(2022, 9, 1),
        ends_on=dt.date(2022, 12, 31),
        defaults={
            "goal": "провести анализ выявленных дефицитов по результатам самодиагностики и "
            "разработать дорожные карты пилотных школ (школа, муниципалитет, регион)",
            "tasks": [
                {
                    "task": "Организовать прохождение самодиагностики всех школ региона",
                    "solution": "прошли самодиагностику все муниципалитеты; выявлены дефициты",
                },
                {
                    "task": "Сформировать базы данных муниципальных координаторов",
                    "solution": "Сформирована БД муниципальных координаторов",
                },
            ],
            "difficulties": "по направлению «Воспитание» — недостаточная организация работы "
            "с родителями;\nпо направлению «Знание» — невыстроенность ВСОКО.",
            "good_practices": "развивающая образовательная среда во вновь построенных школах",
            "next_goal": "создание единых региональных подходов для реализации проекта",
            "next_tasks": "- формирование единого регионального образовательного пространства",
        },
    )

    rng = random.Random(2024)
    schools = list(School.objects.filter(municipality__region=region).order_by("pk"))
    heads = list(
        Person.objects.filter(region=region, school__isnull=False, position="Директор").order_by(
            "pk"
        )
    )
    directions = [d.value for d in Direction]
    added = 0
    for form, title, month, day, organiser, participants, target in EVENTS_2024:
        if Event.objects.filter(region=region, title=title).exists():
            continue
        start = dt.date(2024, month, day)
        event = Event(
            region=region,
            form=form,
            title=title,
            starts_on=start,
            ends_on=start + dt.timedelta(days=1 if form == "project_session" else 0),
            organiser=organiser,
            participants_text=participants,
            planned_coverage=target,
            hours=36 if form == "course" else None,
            directions=rng.sample(directions, 2),
            link="https://example.org/materials/2024/" + str(month),
        )
        do_save_event(None, event, before=None, source=Source.DEMO)
        chosen = rng.sample(heads, min(len(heads), rng.randint(10, 40)))
        Participation.objects.bulk_create(
            Participation(
                event=event, person=p, school_id=p.school_id, attended=rng.random() < 0.85
            )
            for p in chosen
        )
        added += 1
    stdout.write(f"Мероприятия 2024: добавлено {added} (школ в регионе: {len(schools)})")
    linked = link_to_roadmap(region)
    stdout.write(f"Мероприятия 2024: связано с пунктами дорожной карты {linked}")
    start, end = dt.date(2024, 9, 1), dt.date(2024, 12, 31)
    draft = tasks_draft(region, start, end)
    _report, created = PeriodReport.objects.get_or_create(
        region=region,
        starts_on=start,
        ends_on=end,
        defaults={
            "goal": "обеспечить исполнение региональной дорожной карты и подготовить школы к "
            "самодиагностике 2024 года",
            # As the coordinator would start it: the tasks drafted from the roadmap's monitoring.
            "tasks": draft.rows,
        },
    )
    if created:
        stdout.write(
            f"Отчёт координатора за 2-е полугодие 2024: задач по дорожной карте {len(draft.tasks)}"
        )


# Words in every item of a Project roadmap say nothing about which item an event serves.
COMMON_STEMS = {"школа", "школы", "школь", "минпр", "проек", "росси"}


def _stems(text: str) -> set[str]:
    # Crude Russian stemming: the first five letters of each longer word.
    return {w[:5] for w in re.findall(r"[а-яё]{5,}", text.lower())} - COMMON_STEMS


def link_to_roadmap(region: Region, least: int = 2) -> int:
    """Link each unlinked 2024 demo event to the item of the region's 2024 roadmaps (regional and
    municipal) it has most words in common with, if at least ``least``; run again, it adds none."""
    items = [
        (item, _stems(item.title))
        for item in PlanItem.objects.filter(
            plan__region=region,
            plan__year=2024,
            plan__level__in=[Level.REGION, Level.MUNICIPALITY],
        ).order_by("plan__level", "plan_id", "position")
    ]
    if not items:
        return 0
    titles = [title for _form, title, *_rest in EVENTS_2024]
    linked = 0
    for event in Event.objects.filter(
        region=region, title__in=titles, roadmap_item__isnull=True
    ).order_by("starts_on", "pk"):
        words = _stems(event.title)
        score, item = max(((len(words & stems), item) for item, stems in items), key=lambda x: x[0])
        if score < least:
            continue
        before = snapshot(event)
        event.roadmap_item = item
        do_save_event(None, event, before=before, source=Source.DEMO)
        linked += 1
    return linked
