"""Deadline texts of roadmap documents → schedules.

A roadmap cell says when an event happens in free Russian: «январь – февраль», «IV квартал»,
«до 17.01.2022», «25.03.2024 Ноябрь», «2 раза в год», «по запросу». :func:`parse_deadline` turns
such a text into a :class:`Schedule`: a kind and a list of date windows that monitoring can
compare with today's date.

Rules that are not obvious from the code:

* A single date is the window ``(d, d)``; a month, quarter, half-year or year is its first and
  last day; a range runs from the start of its first part to the end of its last part.
* A year missing from the text comes from the plan's year. In a range the written year of one end
  applies to the other («10.03-24.03.2022»), and a range that would run backwards without written
  years crosses the year end («ноябрь – январь» ends in January of the next year). In a list, a
  year written on the last element applies to the earlier ones («июнь, декабрь 2024»); otherwise
  each element takes the plan's year («25.03.2024 Ноябрь» → the day and November of the plan).
* «до d» is ``(None, d)`` (kind ``due``); «с d» without an end is ``(d, None)``.
* «в течение года» and a bare year are the whole year (kind ``throughout``); «постоянно» is the
  plan's year too (kind ``continuous``), because the work goes on for the whole period the plan
  covers. Recurring events («2 раза в год», «ежемесячно») span the plan's year unless the text
  also names the months («2 раза в год (июнь, декабрь)»).
* Whatever cannot be read is kind ``unknown`` with no windows and the text kept, so the operator
  sees it; the parser never raises.
"""

from __future__ import annotations

import calendar
import html
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

__all__ = ["Schedule", "ScheduleKind", "Window", "parse_deadline"]

Window = tuple[date | None, date | None]


class ScheduleKind(StrEnum):
    """How a deadline cell schedules its event."""

    WINDOW = "window"
    WINDOWS = "windows"
    DUE = "due"
    THROUGHOUT = "throughout"
    CONTINUOUS = "continuous"
    RECURRING = "recurring"
    ON_REQUEST = "on_request"
    PER_SCHEDULE = "per_schedule"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Schedule:
    """The parsed deadline of one plan item.

    ``windows`` holds ``(start, end)`` pairs of dates; either end may be ``None`` for «до d» and
    «с d». ``times_per_year`` is set for recurring events only. ``text`` is the cell as written.
    """

    text: str
    kind: ScheduleKind
    windows: tuple[Window, ...] = ()
    times_per_year: int | None = None

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict with ISO dates and ``None`` for open ends."""
        return {
            "text": self.text,
            "kind": self.kind.value,
            "windows": [[_iso(start), _iso(end)] for start, end in self.windows],
            "times_per_year": self.times_per_year,
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class _Unreadable(Exception):
    """Raised inside the parser when the text does not follow the deadline grammar."""


# --- normalisation -------------------------------------------------------------------------

_TAG_RE = re.compile(r"<[^>]{0,200}>")
_DASHES = str.maketrans(
    {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}
    | {"ё": "е", "\u0456": "i", "\xa0": " "}
)


# Footnote marks after a date or a word: «15 марта 2021* года», «до 1 июня¹».
_FOOTNOTE_RE = re.compile(r"(?<=[\w.)])(?:\*+|[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+)")


def _normalise(text: str) -> str:
    text = _FOOTNOTE_RE.sub("", html.unescape(_TAG_RE.sub(" ", text)))
    return re.sub(r"\s+", " ", text.lower().translate(_DASHES)).strip()


# --- phrases that are not dates ------------------------------------------------------------

_COUNT_WORDS = {
    "один": 1,
    "одного": 1,
    "два": 2,
    "две": 2,
    "двух": 2,
    "три": 3,
    "трех": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
}
_PER_UNIT = (
    (re.compile(r"полугод|полгода"), 2),
    (re.compile(r"квартал"), 4),
    (re.compile(r"месяц"), 12),
    (re.compile(r"недел"), 52),
    (re.compile(r"год"), 1),
)
_TIMES_RE = re.compile(
    r"(?:(?P<n>\d{1,3}|" + "|".join(_COUNT_WORDS) + r")\s*)?"
    r"раз(?:а)?\s+(?:в|за)\s+(?P<unit>полгода|полугод\w*|квартал\w*|месяц\w*|недел\w*|год\w*)"
)
_EVERY_RE = re.compile(r"ежемесячн\w*|ежеквартальн\w*|еженедельн\w*|ежегодн\w*|каждые\s+полгода")
_EVERY_TIMES = {"ежемесячн": 12, "ежеквартальн": 4, "еженедельн": 52, "ежегодн": 1, "каждые": 2}
_THROUGHOUT_RE = re.compile(
    r"в\s+течени[еи]\s+(?:всего\s+)?(?:(?:календарного|учебного|текущего)\s+)?(?:\d{4}\s+)?года"
    r"|(?:на\s+протяжении|в\s+течени[еи])\s+(?:всего\s+)?(?:периода|года)|весь\s+(?:год|период)"
)
_CONTINUOUS_RE = re.compile(r"постоянн\w*|на\s+постоянной\s+основе|ежедневн\w*|систематическ\w*")
_PER_SCHEDULE_RE = re.compile(
    r"(?:согласно|по|в\s+соответствии\s+с)\s+(?:\w+\s+){0,2}?(?:график\w*|план\w*|расписани\w*)"
)
_ON_REQUEST_RE = re.compile(
    r"по\s+(?:мере\s+)?(?:запрос\w*|необходимост\w*|обращени\w*|заявк\w*|потребност\w*)"
)


# --- tokens --------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<iso>\d{4}-\d{1,2}-\d{1,2})(?!\d)
    |(?P<dmy>(?P<d>\d{1,2})[./](?P<m>\d{1,2})(?:[./](?P<y>\d{4}|\d{2})(?!\d))?)\.?
    |(?P<num>\d+)(?:-?(?:й|го|ого|ое|ой|ом|м)(?![а-я]))?
    |(?P<word>[a-zа-я]+)\.?
    |(?P<dash>-)
    |(?P<sep>[,;:/+&()\[\]«»"'])
    |(?P<space>\s+)
    |(?P<dot>\.)
    |(?P<junk>.)
    """,
    re.VERBOSE,
)

_MONTHS = (
    (1, r"январ[ьяе]|янв"),
    (2, r"феврал[ьяе]|февр?"),
    (3, r"марта?|марте|мар"),
    (4, r"апрел[ьяе]|апр"),
    (5, r"ма[йяе]"),
    (6, r"июн[ьяе]?"),
    (7, r"июл[ьяе]?"),
    (8, r"августа?|августе|авг"),
    (9, r"сентябр[ьяе]|сент?"),
    (10, r"октябр[ьяе]|окт"),
    (11, r"ноябр[ьяе]|нояб?"),
    (12, r"декабр[ьяе]|дек"),
)
_MONTH_RES = tuple((number, re.compile(pattern)) for number, pattern in _MONTHS)
_ORDINALS = (
    (1, r"i|перв\w*"),
    (2, r"ii|втор\w*"),
    (3, r"iii|трет\w*"),
    (4, r"iv|четверт\w*"),
)
_ORDINAL_RES = tuple((number, re.compile(pattern)) for number, pattern in _ORDINALS)
_WORD_KINDS = (
    ("quarter", re.compile(r"кв|квартал\w*")),
    ("half", re.compile(r"полугод\w*|пол")),
    ("yearword", re.compile(r"год|года|году|годы|годов|г|гг")),
    ("until", re.compile(r"до|к|позднее|позже")),
    ("from", re.compile(r"с|со|от|начиная")),
    ("to", re.compile(r"по")),
    ("sep", re.compile(r"и|или|также")),
    ("end", re.compile(r"конца|конец|концу|окончания")),
    ("filler", re.compile(r"в|во|на|течение|течении|не|срок|сроки|срок[аи]|период|месяц|месяце")),
)


@dataclass
class _Token:
    kind: str
    value: int = 0
    day: int | None = None
    month: int | None = None
    year: int | None = None
    digits: int = 0


def _classify_word(word: str) -> _Token:
    for number, pattern in _MONTH_RES:
        if pattern.fullmatch(word):
            return _Token("month", month=number)
    for kind, pattern in _WORD_KINDS:
        if pattern.fullmatch(word):
            return _Token(kind)
    for number, pattern in _ORDINAL_RES:
        if pattern.fullmatch(word):
            return _Token("ordinal", value=number)
    raise _Unreadable(word)


def _full_year(raw: str) -> int:
    # Two-digit years in these documents are always of this century («17.01.22»).
    return int(raw) + 2000 if len(raw) == 2 else int(raw)


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        group = match.lastgroup
        if group == "iso":
            year, month, day = (int(part) for part in match.group("iso").split("-"))
            tokens.append(_Token("date", day=day, month=month, year=year))
        elif group == "dmy":
            raw_year = match.group("y")
            tokens.append(
                _Token(
                    "date",
                    day=int(match.group("d")),
                    month=int(match.group("m")),
                    year=_full_year(raw_year) if raw_year else None,
                )
            )
        elif group == "num":
            digits = match.group("num")
            tokens.append(_Token("num", value=int(digits[:6]), digits=len(digits)))
        elif group == "word":
            tokens.append(_classify_word(match.group("word")))
        elif group in ("dash", "sep"):
            tokens.append(_Token(group))
        elif group == "junk":
            raise _Unreadable(match.group())
    return tokens


# --- points and items ----------------------------------------------------------------------


@dataclass
class _Point:
    """One calendar unit named in the text; ``year`` is ``None`` until resolved."""

    unit: str  # day, bareday, month, quarter, half, year
    year: int | None = None
    month: int | None = None
    day: int | None = None
    index: int | None = None
    explicit_year: bool = field(default=False)

    def bounds(self) -> tuple[date, date]:
        year = self.year
        if year is None:
            raise _Unreadable("year")
        if self.unit == "day":
            if self.month is None or self.day is None:
                raise _Unreadable("day")
            day = date(year, self.month, self.day)
            return day, day
        if self.unit == "month":
            if self.month is None:
                raise _Unreadable("month")
            return _month_bounds(year, self.month, self.month)
        if self.unit == "quarter" and self.index in (1, 2, 3, 4):
            return _month_bounds(year, self.index * 3 - 2, self.index * 3)
        if self.unit == "half" and self.index in (1, 2):
            return _month_bounds(year, self.index * 6 - 5, self.index * 6)
        if self.unit == "year":
            return date(year, 1, 1), date(year, 12, 31)
        raise _Unreadable(self.unit)


def _month_bounds(year: int, first: int, last: int) -> tuple[date, date]:
    if not 1 <= first <= last <= 12:
        raise _Unreadable("month")
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


@dataclass
class _Item:
    kind: str  # single, range, due, open
    first: _Point
    last: _Point | None = None


def _take_year(tokens: list[_Token], i: int, point: _Point) -> int:
    """Attach a written year that follows a point; return the index after it."""
    if i < len(tokens) and tokens[i].kind == "num" and tokens[i].digits == 4:
        point.year, point.explicit_year = tokens[i].value, True
        i += 1
    if i < len(tokens) and tokens[i].kind == "yearword" and point.explicit_year:
        i += 1
    return i


def _ordinal_run(tokens: list[_Token], i: int) -> tuple[list[_Token | _Point], int] | None:
    """Read «I-II квартал», «1 и 2 полугодие»: ordinals that share the unit word after them."""
    run: list[_Token] = []
    j = i
    while j < len(tokens):
        token = tokens[j]
        is_ordinal = token.kind == "ordinal" or (
            token.kind == "num" and token.digits == 1 and 1 <= token.value <= 4
        )
        if not is_ordinal:
            return None
        run.append(token)
        j += 1
        if j < len(tokens) and tokens[j].kind in ("quarter", "half"):
            break
        if j < len(tokens) and tokens[j].kind in ("dash", "sep", "to"):
            run.append(tokens[j])
            j += 1
            continue
        return None
    else:
        return None
    unit = tokens[j].kind
    j += 1
    out: list[_Token | _Point] = []
    points: list[_Point] = []
    for token in run:
        if token.kind in ("ordinal", "num"):
            point = _Point(unit, index=token.value)
            points.append(point)
            out.append(point)
        else:
            out.append(token)
    j_after = _take_year(tokens, j, points[-1])
    for point in points[:-1]:
        point.year, point.explicit_year = points[-1].year, points[-1].explicit_year
    return out, j_after


def _points(tokens: list[_Token]) -> list[_Token | _Point]:
    """Group tokens into calendar points, keeping the operators between them."""
    out: list[_Token | _Point] = []
    i = 0
    after_end = False
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.kind == "filler":
            i += 1
            continue
        if token.kind == "end":
            after_end = True
            i += 1
            continue
        if token.kind == "yearword":
            if not after_end:
                raise _Unreadable("год")
            # «до конца года» names the plan's year itself.
            out.append(_Point("year"))
            after_end = False
            i += 1
            continue
        after_end = False
        if token.kind == "date":
            point = _Point("day", year=token.year, month=token.month, day=token.day)
            point.explicit_year = token.year is not None
            out.append(point)
            i = _take_year(tokens, i + 1, point) if token.year is None else i + 1
            if i < len(tokens) and tokens[i].kind == "yearword":
                i += 1
            continue
        if token.kind in ("num", "ordinal"):
            run = _ordinal_run(tokens, i)
            if run is not None:
                out.extend(run[0])
                i = run[1]
                continue
        if token.kind == "num":
            if nxt is not None and nxt.kind == "month" and 1 <= token.value <= 31:
                point = _Point("day", month=nxt.month, day=token.value)
                out.append(point)
                i = _take_year(tokens, i + 2, point)
            elif token.digits == 4:
                point = _Point("year", year=token.value, explicit_year=True)
                out.append(point)
                i = _take_year(tokens, i + 1, point)
            elif 1 <= token.value <= 31 and token.digits <= 2:
                out.append(_Point("bareday", day=token.value))
                i += 1
            else:
                raise _Unreadable(str(token.value))
            continue
        if token.kind == "month":
            point = _Point("month", month=token.month)
            out.append(point)
            i = _take_year(tokens, i + 1, point)
            continue
        if token.kind in ("until", "from", "to", "dash", "sep"):
            out.append(token)
            i += 1
            continue
        raise _Unreadable(token.kind)
    return out


def _items(sequence: list[_Token | _Point]) -> list[_Item]:
    """Read «до A», «с A по B», «A - B» and bare points from the grouped sequence."""
    items: list[_Item] = []
    i = 0

    def point_at(index: int) -> _Point:
        if index < len(sequence):
            element = sequence[index]
            if isinstance(element, _Point):
                return element
        raise _Unreadable("point")

    def is_op(index: int, *kinds: str) -> bool:
        element = sequence[index] if index < len(sequence) else None
        return isinstance(element, _Token) and element.kind in kinds

    while i < len(sequence):
        element = sequence[i]
        if isinstance(element, _Token):
            if element.kind == "sep":
                i += 1
            elif element.kind == "until":
                items.append(_Item("due", point_at(i + 1)))
                i += 2
            elif element.kind == "from":
                first = point_at(i + 1)
                if is_op(i + 2, "to", "dash", "until"):
                    items.append(_Item("range", first, point_at(i + 3)))
                    i += 4
                else:
                    items.append(_Item("open", first))
                    i += 2
            else:
                raise _Unreadable(element.kind)
            continue
        if is_op(i + 1, "dash", "to"):
            items.append(_Item("range", element, point_at(i + 2)))
            i += 3
        else:
            items.append(_Item("single", element))
            i += 1
    if not items:
        raise _Unreadable("empty")
    return items


def _resolve_range(first: _Point, last: _Point, base_year: int) -> Window:
    # «1-15 марта», «с 1 по 15.03»: a bare day borrows the month and year of the other end.
    if first.unit == "bareday" and last.unit == "day":
        first.unit, first.month = "day", last.month
        first.year, first.explicit_year = last.year, last.explicit_year
    if last.unit == "bareday" and first.unit == "day":
        last.unit, last.month = "day", first.month
    if first.year is None and last.year is None:
        first.year = last.year = base_year
        if last.bounds()[1] < first.bounds()[0]:
            last.year = base_year + 1
    elif first.year is None and last.year is not None:
        first.year = last.year
        if first.bounds()[0] > last.bounds()[1]:
            first.year = last.year - 1
    elif last.year is None and first.year is not None:
        last.year = first.year
        if last.bounds()[1] < first.bounds()[0]:
            last.year = first.year + 1
    start, end = first.bounds()[0], last.bounds()[1]
    if end < start:
        raise _Unreadable("range")
    return start, end


def _windows(items: list[_Item], plan_year: int) -> list[Window]:
    trailing = items[-1].last or items[-1].first
    trailing_year = trailing.year if trailing.explicit_year else None
    windows: list[Window] = []
    for position, item in enumerate(items):
        is_last = position == len(items) - 1
        base_year = trailing_year if trailing_year is not None and not is_last else plan_year
        if item.kind == "range" and item.last is not None:
            windows.append(_resolve_range(item.first, item.last, base_year))
            continue
        point = item.first
        if point.year is None:
            point.year = base_year
        start, end = point.bounds()
        if item.kind == "due":
            windows.append((None, end))
        elif item.kind == "open":
            windows.append((start, None))
        else:
            windows.append((start, end))
    return windows


def _parse_dates(text: str, plan_year: int) -> tuple[ScheduleKind, list[Window]]:
    items = _items(_points(_tokenise(text)))
    windows = _windows(items, plan_year)
    if len(items) > 1:
        return ScheduleKind.WINDOWS, windows
    item = items[0]
    if item.kind == "due":
        return ScheduleKind.DUE, windows
    if item.kind == "single" and item.first.unit == "year":
        return ScheduleKind.THROUGHOUT, windows
    return ScheduleKind.WINDOW, windows


def _year_window(year: int) -> tuple[Window, ...]:
    return ((date(year, 1, 1), date(year, 12, 31)),)


def _recurring(text: str, plan_year: int) -> tuple[int, tuple[Window, ...]] | None:
    match = _TIMES_RE.search(text)
    if match:
        raw = match.group("n")
        count = _COUNT_WORDS.get(raw, 0) if raw and not raw.isdigit() else int(raw or 1)
        unit = match.group("unit")
        per_year = next(times for pattern, times in _PER_UNIT if pattern.match(unit))
        times = count * per_year
    else:
        every = _EVERY_RE.search(text)
        if every is None:
            return None
        times = next(n for stem, n in _EVERY_TIMES.items() if every.group().startswith(stem))
        match = every
    # «2 раза в год (июнь, декабрь)» names its windows; otherwise the event recurs over the year.
    rest = (text[: match.start()] + " " + text[match.end() :]).strip(" ,;()-")
    if rest:
        try:
            return times, tuple(_parse_dates(rest, plan_year)[1])
        except (_Unreadable, ValueError, OverflowError):
            pass
    return times, _year_window(plan_year)


def parse_deadline(text: str, year: int) -> Schedule:
    """Parse a roadmap deadline cell written for a plan of ``year``.

    Never raises: a text that does not follow any known form gives kind ``unknown``.
    """
    normal = _normalise(text)
    try:
        kind, windows = _parse_dates(normal, year)
        return Schedule(text, kind, tuple(windows))
    except (_Unreadable, ValueError, OverflowError):
        pass
    try:
        recurring = _recurring(normal, year)
        if recurring is not None:
            return Schedule(text, ScheduleKind.RECURRING, recurring[1], recurring[0] or None)
        throughout = _THROUGHOUT_RE.search(normal)
        if throughout:
            written = re.search(r"\d{4}", throughout.group())
            return Schedule(
                text,
                ScheduleKind.THROUGHOUT,
                _year_window(int(written.group()) if written else year),
            )
        if _CONTINUOUS_RE.search(normal):
            return Schedule(text, ScheduleKind.CONTINUOUS, _year_window(year))
    except (ValueError, OverflowError):
        return Schedule(text, ScheduleKind.UNKNOWN)
    if _PER_SCHEDULE_RE.search(normal):
        return Schedule(text, ScheduleKind.PER_SCHEDULE)
    if _ON_REQUEST_RE.search(normal):
        return Schedule(text, ScheduleKind.ON_REQUEST)
    return Schedule(text, ScheduleKind.UNKNOWN)
