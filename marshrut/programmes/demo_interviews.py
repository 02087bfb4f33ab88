"""The demo's interview round and management decisions.

One round of the current half-year in the demo region: the coordinator persona's municipality
has its schools scheduled (the head persona's school first), protocols are written for several of
them with decisions, and the register gets decisions of the other sources as well — from the
analytical report, the ШНОР expert review — in every state: accepted, in progress, executed with
evidence, overdue by the region's date, cancelled. Keyed so that a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from marshrut.audit.log import Source
from marshrut.orgs.models import Membership, Municipality, Person, Region, School
from marshrut.orgs.roles import Role
from marshrut.programmes import actions_decisions, actions_interviews
from marshrut.programmes.models.decisions import Decision, DecisionStatus
from marshrut.programmes.models.interviews import InterviewProtocol, InterviewRound, InterviewSlot

SCHOOLS = 6
PROTOCOLS = 4
TIMES = ["10:00", "11:30", "14:00"]
EXPLANATIONS = [
    "Низкий уровень по направлению «Творчество» связан с отсутствием школьного театра и "
    "музея; педагог дополнительного образования принят с сентября.",
    "Дефицит кадров: две вакансии учителей математики; часть часов ведут совместители.",
    "Показатели направления «Здоровье» снижены из-за ремонта спортивного зала.",
    "Школа не участвовала в профориентационных проектах региона: нет ответственного.",
]
# (text, owner kind, days from the interview to the due date, state)
PROTOCOL_DECISIONS = [
    (
        "Разработать план устранения дефицитов по направлению «Творчество» и включить его в "
        "программу развития",
        30,
        "done",
    ),
    (
        "Направить управленческую команду на курсы повышения квалификации (ДПП ПК, 36 ч)",
        45,
        "in_progress",
    ),
    ("Провести педагогический совет по итогам самодиагностики", 14, "overdue"),
    ("Организовать наставничество для молодых учителей математики", 120, "accepted"),
    ("Заключить договор о сетевом взаимодействии с центром «Точка роста»", 20, "done"),
    (
        "Назначить ответственного за профориентационную работу и включить школу в проект "
        "«Билет в будущее»",
        10,
        "overdue",
    ),
]
EVIDENCE = "Справка об исполнении решения: выполнено, документы размещены на сайте школы.\n"


def _evidence(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, EVIDENCE.encode("utf-8"), content_type="text/plain")


def _half(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The latest half-year whose interviews are three weeks past, so its protocols are written:
    spring (April–May) or autumn (October–November)."""
    for year in (today.year, today.year - 1):
        for half, starts, ends in (
            ("autumn", dt.date(year, 10, 1), dt.date(year, 11, 30)),
            ("spring", dt.date(year, 4, 1), dt.date(year, 5, 31)),
        ):
            if starts + dt.timedelta(days=30) <= today:
                return half, starts, ends
    raise AssertionError("unreachable")


def _municipality(region: Region) -> Municipality | None:
    m = (
        Membership.objects.filter(role=Role.MUNICIPAL_COORDINATOR, municipality__region=region)
        .order_by("pk")
        .select_related("municipality")
        .first()
    )
    if m is not None and m.municipality is not None:
        return m.municipality
    return (
        Municipality.objects.filter(region=region, schools__isnull=False).order_by("oktmo").first()
    )


def _schools(municipality: Municipality) -> list[School]:
    head = (
        School.objects.filter(municipality=municipality, memberships__role=Role.SCHOOL_HEAD)
        .order_by("inn")
        .first()
    )
    rest = School.objects.filter(municipality=municipality, is_active=True).order_by("inn")
    schools = [head] if head else []
    schools += [s for s in rest if s not in schools][: SCHOOLS - len(schools)]
    return schools


def _decide(
    region: Region,
    text: str,
    *,
    due: dt.date,
    state: str,
    decided_on: dt.date,
    stdout: Any,
    **fields: Any,
) -> Decision:
    existing = Decision.objects.filter(region=region, text=text).first()
    if existing is not None:
        return existing
    due = max(due, decided_on)
    d = actions_decisions.do_create_decision(
        None,
        Decision(region=region, text=text, due_on=due, decided_on=decided_on, **fields),
        source=Source.DEMO,
    )
    if state == "in_progress":
        actions_decisions.do_report_decision(
            None,
            d,
            status=DecisionStatus.IN_PROGRESS,
            comment="Работа начата.",
            on=min(due, region.today()),
            source=Source.DEMO,
        )
    elif state == "done":
        actions_decisions.do_report_decision(
            None,
            d,
            status=DecisionStatus.DONE,
            comment="Исполнено в срок.",
            files=[_evidence("spravka.txt")],
            on=min(due, region.today()),
            source=Source.DEMO,
        )
    elif state == "cancelled":
        actions_decisions.do_report_decision(
            None,
            d,
            status=DecisionStatus.CANCELLED,
            comment="Отменено: вопрос решён приказом департамента.",
            on=min(due, region.today()),
            source=Source.DEMO,
        )
    return d


@transaction.atomic
def build_interviews_demo(region: Region, stdout: Any) -> None:
    today = region.today()
    half, starts, ends = _half(today)
    rounds_before = InterviewRound.objects.filter(region=region).count()
    decisions_before = Decision.objects.filter(region=region).count()
    r = InterviewRound.objects.filter(region=region, year=starts.year, half=half).first()
    if r is None:
        r = actions_interviews.do_create_round(
            None,
            region,
            year=starts.year,
            half=half,
            starts_on=starts,
            ends_on=ends,
            source=Source.DEMO,
        )
    municipality = _municipality(region)
    if municipality is None:
        return
    # Interviews in the round's second week: two days, three schools a day.
    first_day = starts + dt.timedelta(days=7)
    while first_day.weekday() >= 5:
        first_day += dt.timedelta(days=1)
    slots = []
    for n, school in enumerate(_schools(municipality)):
        slot = InterviewSlot.objects.filter(round=r, school=school).first()
        if slot is None:
            slot = actions_interviews.do_schedule(
                None,
                InterviewSlot(
                    round=r,
                    municipality=municipality,
                    school=school,
                    on=first_day + dt.timedelta(days=n // len(TIMES)),
                    starts_at=dt.time.fromisoformat(TIMES[n % len(TIMES)]),
                    place=f"Управление образования, {municipality.name}, каб. 12",
                    link="https://vks.example.ru/mouo",
                ),
                source=Source.DEMO,
            )
        slots.append(slot)
    coordinator = (
        Person.objects.filter(
            memberships__role=Role.MUNICIPAL_COORDINATOR,
            memberships__municipality=municipality,
        )
        .order_by("pk")
        .first()
    )
    commission = "Комиссия управления образования" + (
        f" (председатель — {coordinator.full_name})" if coordinator else ""
    )
    k = 0
    for n, slot in enumerate(slots[:PROTOCOLS]):
        protocol = InterviewProtocol.objects.filter(slot=slot).first()
        if protocol is None:
            protocol = actions_interviews.do_open_protocol(None, slot, source=Source.DEMO)
            protocol.participants_text = (
                f"{coordinator.full_name}, муниципальный координатор\n" if coordinator else ""
            ) + "Специалист ИРО (региональный оператор), приглашённый эксперт"
            protocol.explanation = EXPLANATIONS[n % len(EXPLANATIONS)]
            protocol.conclusion = (
                "Результаты самодиагностики признать обсуждёнными; школе учесть решения при "
                "доработке программы развития."
            )
            people = actions_interviews.school_people(slot.school)[:3]
            actions_interviews.do_save_protocol(
                None, protocol, before={}, participants=list(people), source=Source.DEMO
            )
        owner = (
            actions_interviews.school_people(slot.school)
            .filter(memberships__role=Role.SCHOOL_HEAD)
            .first()
        )
        for text, days, state in PROTOCOL_DECISIONS[k : k + (2 if n < 2 else 1)]:
            due = slot.on + dt.timedelta(days=days)
            if state == "overdue":
                due = min(due, today - dt.timedelta(days=5))
            elif state == "accepted":
                due = max(due, today + dt.timedelta(days=5))
            _decide(
                region,
                text,
                due=due,
                state=state,
                decided_on=slot.on,
                stdout=stdout,
                subject="school",
                school=slot.school,
                municipality=municipality,
                source="interview",
                protocol=protocol,
                source_text=f"Протокол собеседования от {slot.on:%d.%m.%Y}",
                decided_by=commission,
                owner=owner,
                owner_text="" if owner else "Директор школы",
            )
        k += 2 if n < 2 else 1
    operator = "Региональный оператор (ИРО)"
    others = [
        (
            "Провести серию вебинаров для школ с уровнем «ниже базового» по направлению "
            "«Профориентация»",
            "region",
            "report",
            60,
            "in_progress",
        ),
        (
            "Включить в муниципальную дорожную карту меры по сокращению дефицита педагогических "
            "кадров",
            "municipality",
            "report",
            30,
            "done",
        ),
        (
            "Провести экспертизу антирисковых программ школ ШНОР и вернуть на доработку "
            "не соответствующие требованиям",
            "region",
            "shnor",
            45,
            "overdue",
        ),
        (
            "Организовать стажировку управленческих команд на базе школ с высоким уровнем",
            "municipality",
            "other",
            200,
            "cancelled",
        ),
    ]
    for text, subject, source, days, state in others:
        due = starts + dt.timedelta(days=days)
        if state == "overdue":
            due = min(due, today - dt.timedelta(days=3))
        _decide(
            region,
            text,
            due=due,
            state=state,
            decided_on=starts,
            stdout=stdout,
            subject=subject,
            municipality=municipality if subject == "municipality" else None,
            source=source,
            source_text="Аналитическая справка по итогам самодиагностики"
            if source == "report"
            else "",
            decided_by=operator,
            owner=coordinator if subject == "municipality" else None,
            owner_text=""
            if subject == "municipality" and coordinator
            else "Отдел сопровождения ИРО",
        )
    added_rounds = InterviewRound.objects.filter(region=region).count() - rounds_before
    added = Decision.objects.filter(region=region).count() - decisions_before
    stdout.write(
        f"Собеседования: тур «{r.half_label}», школ в графике {len(slots)}, "
        f"протоколов {min(len(slots), PROTOCOLS)}; управленческих решений добавлено {added}"
        + (f", туров добавлено {added_rounds}" if added_rounds else "")
        + ".\n"
    )
