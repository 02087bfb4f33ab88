"""An iCalendar (RFC 5545) feed of control dates, written by hand: the format is small."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

PRODID = "-//Маршрут//Дорожные карты//RU"


@dataclass(frozen=True)
class Event:
    uid: str
    day: dt.date
    summary: str
    description: str = ""
    url: str = ""


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into parts of at most 75 octets (RFC 5545 §3.1), never inside a character."""
    parts: list[str] = []
    current, size = "", 0
    limit = 75
    for char in line:
        length = len(char.encode("utf-8"))
        if size + length > limit:
            parts.append(current)
            current, size = " ", 1  # continuation lines start with a space
        current += char
        size += length
    parts.append(current)
    return "\r\n".join(parts)


def calendar(events: Iterable[Event], *, name: str, stamp: dt.datetime, time_zone: str = "") -> str:
    """The feed. Events are whole days of the region's calendar; ``time_zone`` (the region's)
    tells clients which zone those days are in (``X-WR-TIMEZONE``)."""
    utc = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    if time_zone:
        lines.append(f"X-WR-TIMEZONE:{time_zone}")
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc}",
            f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
