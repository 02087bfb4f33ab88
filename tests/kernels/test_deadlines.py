"""Deadline texts of roadmaps → schedules (seeds 001, 004 and the forms listed in DOMAIN.md)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marshrut.kernels.deadlines import Schedule, ScheduleKind, parse_deadline

YEAR = [("2024-01-01", "2024-12-31")]


def windows(schedule: Schedule) -> list[tuple[str | None, str | None]]:
    return [
        (start.isoformat() if start else None, end.isoformat() if end else None)
        for start, end in schedule.windows
    ]


# (text, kind, windows, times_per_year) for a plan of 2024.
CASES = [
    # Seed 001.
    ("январь", "window", [("2024-01-01", "2024-01-31")], None),
    ("в течении года", "throughout", YEAR, None),
    (
        "25.03.2024 Ноябрь",
        "windows",
        [("2024-03-25", "2024-03-25"), ("2024-11-01", "2024-11-30")],
        None,
    ),
    ("январь-февраль", "window", [("2024-01-01", "2024-02-29")], None),
    ("Апрель-май", "window", [("2024-04-01", "2024-05-31")], None),
    ("в течение года", "throughout", YEAR, None),
    ("в течение года в соответствии с государственным заданием", "throughout", YEAR, None),
    ("2 раза в год", "recurring", YEAR, 2),
    ("4 квартал", "window", [("2024-10-01", "2024-12-31")], None),
    (
        "Апрель Май Август Сентябрь",
        "windows",
        [
            ("2024-04-01", "2024-04-30"),
            ("2024-05-01", "2024-05-31"),
            ("2024-08-01", "2024-08-31"),
            ("2024-09-01", "2024-09-30"),
        ],
        None,
    ),
    ("Май- август", "window", [("2024-05-01", "2024-08-31")], None),
    (
        "Октябрь Ноябрь",
        "windows",
        [("2024-10-01", "2024-10-31"), ("2024-11-01", "2024-11-30")],
        None,
    ),
    ("Ноябрь", "window", [("2024-11-01", "2024-11-30")], None),
    ("август", "window", [("2024-08-01", "2024-08-31")], None),
    ("постоянно", "continuous", YEAR, None),
    ("апрель— август", "window", [("2024-04-01", "2024-08-31")], None),
    ("1 квартал", "window", [("2024-01-01", "2024-03-31")], None),
    ("апрель – ноябрь", "window", [("2024-04-01", "2024-11-30")], None),
    ("июнь — июль", "window", [("2024-06-01", "2024-07-31")], None),
    # Seed 004.
    ("январь – февраль", "window", [("2024-01-01", "2024-02-29")], None),
    ("февраль – март", "window", [("2024-02-01", "2024-03-31")], None),
    ("февраль – апрель", "window", [("2024-02-01", "2024-04-30")], None),
    ("апрель-май", "window", [("2024-04-01", "2024-05-31")], None),
    (
        "июнь, декабрь",
        "windows",
        [("2024-06-01", "2024-06-30"), ("2024-12-01", "2024-12-31")],
        None,
    ),
    ("согласно отдельному графику", "per_schedule", [], None),
    ("декабрь 2024", "window", [("2024-12-01", "2024-12-31")], None),
    ("по запросу", "on_request", [], None),
    # DOMAIN.md and other regions' documents.
    ("по мере необходимости", "on_request", [], None),
    ("согласно графику", "per_schedule", [], None),
    ("IV квартал", "window", [("2024-10-01", "2024-12-31")], None),
    ("апрель — август", "window", [("2024-04-01", "2024-08-31")], None),
    ("до 17.01.2022", "due", [(None, "2022-01-17")], None),
    ("07.02.-14.02.2022", "window", [("2022-02-07", "2022-02-14")], None),
    ("10.03-24.03.2022", "window", [("2022-03-10", "2022-03-24")], None),
    ("Сентябрь- октябрь", "window", [("2024-09-01", "2024-10-31")], None),
    ("28.11- 29.11.2022", "window", [("2022-11-28", "2022-11-29")], None),
    ("5.12.2022", "window", [("2022-12-05", "2022-12-05")], None),
    ("15.03.2024", "window", [("2024-03-15", "2024-03-15")], None),
    ("15.03.24", "window", [("2024-03-15", "2024-03-15")], None),
    ("15.03", "window", [("2024-03-15", "2024-03-15")], None),
    ("с 01.02 по 15.03", "window", [("2024-02-01", "2024-03-15")], None),
    ("с 1 по 15 марта", "window", [("2024-03-01", "2024-03-15")], None),
    ("1-15 марта 2024 г.", "window", [("2024-03-01", "2024-03-15")], None),
    ("до 1 марта", "due", [(None, "2024-03-01")], None),
    ("не позднее 15 марта 2024 года", "due", [(None, "2024-03-15")], None),
    ("до 26.01.2024", "due", [(None, "2024-01-26")], None),
    ("до конца года", "due", [(None, "2024-12-31")], None),
    ("1 полугодие", "window", [("2024-01-01", "2024-06-30")], None),
    ("II полугодие 2024", "window", [("2024-07-01", "2024-12-31")], None),
    ("в первом полугодии", "window", [("2024-01-01", "2024-06-30")], None),
    ("I-II квартал", "window", [("2024-01-01", "2024-06-30")], None),
    ("в 3 квартале 2024 г.", "window", [("2024-07-01", "2024-09-30")], None),
    (
        "15.03.2024, 15.06.2024, 15.09.2024",
        "windows",
        [("2024-03-15", "2024-03-15"), ("2024-06-15", "2024-06-15"), ("2024-09-15", "2024-09-15")],
        None,
    ),
    ("ежемесячно", "recurring", YEAR, 12),
    ("ежеквартально", "recurring", YEAR, 4),
    ("еженедельно", "recurring", YEAR, 52),
    ("1 раз в полугодие", "recurring", YEAR, 2),
    (
        "2 раза в год (июнь, декабрь)",
        "recurring",
        [("2024-06-01", "2024-06-30"), ("2024-12-01", "2024-12-31")],
        2,
    ),
    ("2024 год", "throughout", YEAR, None),
    ("в течение 2025 года", "throughout", [("2025-01-01", "2025-12-31")], None),
    ("с 01.09.2024", "window", [("2024-09-01", None)], None),
]


@pytest.mark.parametrize(("text", "kind", "expected", "times"), CASES)
def test_deadline_forms_parse(text: str, kind: str, expected: list, times: int | None) -> None:
    schedule = parse_deadline(text, 2024)
    assert (schedule.kind.value, windows(schedule), schedule.times_per_year) == (
        kind,
        expected,
        times,
    )
    assert schedule.text == text


def test_missing_year_comes_from_the_plan() -> None:
    assert windows(parse_deadline("январь", 2030)) == [("2030-01-01", "2030-01-31")]
    assert windows(parse_deadline("15.03", 2031)) == [("2031-03-15", "2031-03-15")]
    assert windows(parse_deadline("в течение года", 2025)) == [("2025-01-01", "2025-12-31")]


def test_range_crossing_the_year_end_ends_in_the_next_year() -> None:
    assert windows(parse_deadline("ноябрь – январь", 2024)) == [("2024-11-01", "2025-01-31")]
    assert windows(parse_deadline("с 20.12 по 10.01", 2024)) == [("2024-12-20", "2025-01-10")]
    assert windows(parse_deadline("IV квартал - I квартал", 2024)) == [("2024-10-01", "2025-03-31")]


def test_written_year_of_one_range_end_applies_to_the_other() -> None:
    assert windows(parse_deadline("январь - март 2025", 2024)) == [("2025-01-01", "2025-03-31")]
    # Written only at the end, the year of a range crossing the year end belongs to its end.
    assert windows(parse_deadline("декабрь - февраль 2025", 2024)) == [("2024-12-01", "2025-02-28")]
    assert windows(parse_deadline("декабрь 2024 - январь", 2024)) == [("2024-12-01", "2025-01-31")]


def test_year_written_on_the_last_element_of_a_list_applies_to_the_list() -> None:
    assert windows(parse_deadline("июнь, декабрь 2025", 2024)) == [
        ("2025-06-01", "2025-06-30"),
        ("2025-12-01", "2025-12-31"),
    ]
    # A year written earlier does not: «25.03.2024 Ноябрь» names November of the plan's year.
    assert windows(parse_deadline("25.03.2023 Ноябрь", 2024)) == [
        ("2023-03-25", "2023-03-25"),
        ("2024-11-01", "2024-11-30"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "когда-нибудь",
        "31.02.2024",
        "13 квартал",
        "31",
        "март - 2023 - май",
        "до",
        "29.02.2023",
        "по итогам года",
    ],
)
def test_unreadable_text_is_unknown_and_kept(text: str) -> None:
    schedule = parse_deadline(text, 2024)
    assert schedule == Schedule(text, ScheduleKind.UNKNOWN, (), None)


def test_reversed_range_with_written_years_is_unknown() -> None:
    assert parse_deadline("01.03.2024 - 01.02.2024", 2024).kind is ScheduleKind.UNKNOWN


def test_schedule_dict_is_json_ready() -> None:
    schedule = parse_deadline("до 17.01.2022", 2024)
    assert schedule.to_dict() == {
        "text": "до 17.01.2022",
        "kind": "due",
        "windows": [[None, "2022-01-17"]],
        "times_per_year": None,
    }
    json.dumps(parse_deadline("2 раза в год", 2024).to_dict())


def test_windows_hold_dates() -> None:
    assert parse_deadline("5.12.2022", 2024).windows == ((date(2022, 12, 5), date(2022, 12, 5)),)


# --- properties ---------------------------------------------------------------------------

FRAGMENTS = [
    "январь",
    "Февраль",
    "марта",
    "май",
    "декабрь",
    "IV",
    "ii",
    "4",
    "1",
    "31",
    "квартал",
    "полугодие",
    "года",
    "г.",
    "2024",
    "2100",
    "9999",
    "0000",
    "99",
    "15.03",
    "31.12.9999",
    "29.02",
    "07.02.",
    "14.02.2022",
    "2024-03-15",
    "до",
    "с",
    "по",
    "конца",
    "-",
    " – ",
    ",",
    "и",
    "раза в год",
    "ежемесячно",
    "в течение года",
    "постоянно",
    "по запросу",
    "согласно графику",
    "(",
    ")",
    "??",
]


def assert_sound(schedule: Schedule, text: str) -> None:
    assert schedule.text == text
    assert isinstance(schedule.kind, ScheduleKind)
    for start, end in schedule.windows:
        if start is not None and end is not None:
            assert start <= end
    if schedule.kind is ScheduleKind.UNKNOWN:
        assert schedule.windows == ()
    json.dumps(schedule.to_dict())


@given(text=st.text(max_size=80), year=st.integers(min_value=2000, max_value=2100))
def test_never_raises_on_any_text(text: str, year: int) -> None:
    assert_sound(parse_deadline(text, year), text)


@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), max_size=8),
    separator=st.sampled_from([" ", "", ", "]),
    year=st.integers(min_value=2000, max_value=2100),
)
def test_never_raises_on_deadline_like_text(parts: list[str], separator: str, year: int) -> None:
    text = separator.join(parts)
    assert_sound(parse_deadline(text, year), text)


@given(
    day=st.integers(min_value=1, max_value=28),
    month=st.integers(min_value=1, max_value=12),
    year=st.integers(min_value=2000, max_value=2100),
)
def test_any_written_date_is_its_own_window(day: int, month: int, year: int) -> None:
    schedule = parse_deadline(f"{day:02d}.{month:02d}.{year}", 2024)
    assert schedule.kind is ScheduleKind.WINDOW
    assert schedule.windows == ((date(year, month, day), date(year, month, day)),)


def test_footnote_marks_in_a_date_are_ignored() -> None:
    from datetime import date

    from marshrut.kernels.deadlines import ScheduleKind, parse_deadline

    schedule = parse_deadline("до 15 марта 2021* года", 2021)
    assert schedule.kind is ScheduleKind.DUE and schedule.windows == ((None, date(2021, 3, 15)),)
    assert parse_deadline("1 октября 2024** года", 2024).windows == (
        (date(2024, 10, 1), date(2024, 10, 1)),
    )
    assert parse_deadline("до 1 июня¹", 2024).windows == ((None, date(2024, 6, 1)),)
