"""Import of the seed 000 events table and of XLSX files; malformed tables are rejected whole."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import xlsxwriter

from marshrut.audit.models import AuditEvent
from marshrut.events.importing import EventImportRejected, apply_events, check_events
from marshrut.events.models import Event, ParticipantCount
from tests.conftest import World

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("Мероприятия")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.close()
    return buffer.getvalue()


HEADER = [
    "№",
    "Дата",
    "Форма и тема мероприятия",
    "Организатор",
    "Ссылка",
    "Количество и категория участников",
]


def test_seed_000_table_is_imported_whole(world: World, seed_000: bytes) -> None:
    plan = apply_events(None, seed_000, "000.txt", world.region)
    assert plan.year == 2022
    assert len(plan.events) == 12
    assert any("закончилась" in n for n in plan.notes)
    events = {e.number: e for e in Event.objects.filter(region=world.region)}
    assert sorted(events) == list(range(1, 13))
    assert events[1].date_text == "Сентябрь- октябрь"
    assert (events[1].starts_on, events[1].ends_on) == (dt.date(2022, 9, 1), dt.date(2022, 10, 31))
    assert (events[6].starts_on, events[6].ends_on) == (
        dt.date(2022, 11, 28),
        dt.date(2022, 11, 29),
    )
    assert events[10].starts_on == dt.date(2022, 11, 1)
    assert events[6].form == Event.Form.INTERNSHIP
    assert events[12].participants_text == "" and events[12].organiser == "ДОН ТО"
    assert events[8].participants_total == 281
    counts = {
        (c.category, c.unit): c.number for c in ParticipantCount.objects.filter(event=events[8])
    }
    assert counts == {
        ("management_teams", "people"): 135,
        ("schools", "schools"): 5,
        ("teachers", "people"): 146,
    }
    assert AuditEvent.objects.filter(action="import", target_type="events.event").count() == 1


def test_importing_the_same_table_twice_adds_nothing(world: World, seed_000: bytes) -> None:
    apply_events(None, seed_000, "000.txt", world.region)
    plan = check_events(seed_000, "000.txt", world.region)
    assert plan.to_create == [] and len(plan.events) == 12
    apply_events(None, seed_000, "000.txt", world.region)
    assert Event.objects.count() == 12


def test_xlsx_table_with_title_rows_and_municipality_column(world: World) -> None:
    data = xlsx(
        [
            ["План мероприятий на 2024 год"],
            [],
            [*HEADER, "Муниципалитет", "Часов"],
            [
                1,
                "12.02.2024",
                "Семинар для директоров",
                "ИРО",
                "https://x.ru/1",
                "Директора ОО, 30 человек",
                "город Первогорск",
                None,
            ],
            [2, "март", "Курсы ДПП ПК", "ИРО", None, "Педагоги – 25 человек", None, 36],
        ]
    )
    plan = apply_events(None, data, "plan.xlsx", world.region, year=2024)
    assert len(plan.events) == 2
    seminar = Event.objects.get(number=1)
    assert seminar.municipality == world.m1 and seminar.form == Event.Form.SEMINAR
    assert seminar.starts_on == dt.date(2024, 2, 12)
    course = Event.objects.get(number=2)
    assert course.hours == 36 and course.form == Event.Form.COURSE
    assert (course.starts_on, course.ends_on) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


def test_malformed_table_is_rejected_whole_with_a_row_by_row_report(world: World) -> None:
    data = xlsx(
        [
            HEADER,
            [1, "12.02.2024", "Хорошее мероприятие", "ИРО", "https://x.ru", "10 чел."],
            [2, "когда-нибудь", "Мероприятие с непонятной датой", "ИРО", None, None],
            [3, "март", "Мероприятие со ссылкой", "ИРО", "x.ru/материалы", None],
            [4, None, "Без даты", "ИРО", None, None],
            ["пятый", "май", "Номер словом", "ИРО", None, None],
            [6, "май", "Неизвестный МО", "ИРО", None, None],
        ]
    )
    with pytest.raises(EventImportRejected) as e:
        apply_events(None, data, "bad.xlsx", world.region, year=2024)
    problems = e.value.plan.problems
    assert [(p.row, p.column.split()[0], p.value) for p in problems] == [
        (3, "B", "когда-нибудь"),
        (4, "E", "x.ru/материалы"),
        (5, "B", ""),
        (6, "A", "пятый"),
    ]
    assert all(p.sheet == "Мероприятия" for p in problems)
    assert "дату" in problems[0].reason and "http" in problems[1].reason
    assert Event.objects.count() == 0


def test_unknown_municipality_and_missing_columns_are_reported(world: World) -> None:
    data = xlsx(
        [[*HEADER, "Муниципалитет"], [1, "май", "Семинар", "ИРО", None, None, "Нет такого"]]
    )
    plan = check_events(data, "m.xlsx", world.region, 2024)
    assert [p.reason for p in plan.problems] == ["нет такого муниципалитета"]
    plan = check_events(xlsx([["Тема", "Организатор"], ["Семинар", "ИРО"]]), "x.xlsx", world.region)
    assert plan.problems and "Дата" in plan.problems[0].reason


def test_a_row_broken_by_a_page_break_is_joined_to_the_row_above(world: World) -> None:
    text = "\n".join(
        [
            "\t".join(HEADER),
            "1\t14.10.2022\tЗаседание\tТОГИРРО\t\tМуниципальные методисты,",
            "\t\tРУМО\t\t\t52 человека",
            "2\t16.12.2022\tЗаседание коллегии\tДОН ТО\t\t",
        ]
    ).encode()
    plan = apply_events(None, text, "t.txt", world.region)
    assert len(plan.events) == 2
    first = Event.objects.get(number=1)
    assert first.title == "Заседание РУМО"
    assert first.participants_text == "Муниципальные методисты, 52 человека"
    assert first.participants_total == 52


def test_not_a_table_is_rejected(world: World) -> None:
    plan = check_events(b"\x00\x01garbage", "x.xlsx", world.region)
    assert not plan.ok and plan.problems
