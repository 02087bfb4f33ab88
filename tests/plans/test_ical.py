"""The iCalendar writer: escaping, folding, all-day events."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from marshrut.plans.ical import Event, calendar, escape, fold


def test_text_is_escaped() -> None:
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@given(st.text(min_size=0, max_size=400))
def test_folded_lines_are_short_and_unfold_to_the_original(text: str) -> None:
    line = "SUMMARY:" + escape(text)
    folded = fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_an_all_day_event() -> None:
    body = calendar(
        [Event("x-1@marshrut", dt.date(2024, 12, 31), "Отчёт, итоги; год")],
        name="Сроки",
        stamp=dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC),
    )
    lines = body.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART;VALUE=DATE:20241231" in lines and "DTEND;VALUE=DATE:20250101" in lines
    assert "SUMMARY:Отчёт\\, итоги\\; год" in lines and "DTSTAMP:20240101T120000Z" in lines
