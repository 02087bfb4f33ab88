"""Roadmap documents → sections and items with parsed deadlines, responsibles and targets.

A roadmap («дорожная карта», «план мероприятий») is a table: number, event, deadline(s),
responsible and co-executors, expected result and/or indicator. It arrives as DOCX, PDF, XLSX or
the tab-separated text form of the seeds. Every format is first turned into rows of cells; one
reader then finds the table and reads it, so all formats behave the same:

* The table starts at its header row, recognised by its words (№, мероприятие/наименование,
  сроки/дата, ответственный/исполнитель, результат, показатель), with columns in any order. Text
  before it (a directive's preamble) is skipped. Every date column gives a deadline labelled with
  its header; a header spanning sub-headers («Сроки» over «федеральные | региональные») gives
  «Сроки (федеральные)». An indicator column gives targets too.
* A row whose only text is bold, a numbered heading («1. Нормативно-правовое обеспечение») or a
  cell spanning the row starts a section. Repeated header rows, column-number rows («1 2 3 4») and
  rule lines («-----») are skipped.
* A row broken by a page break continues on the next row with an empty first cell. A row is such
  a continuation when it has no number and no deadline and either follows a page break (a blank
  line of the text form, a new PDF page or table) or has an empty or lowercase title; its cells
  are appended to the previous item cell by cell. When the break falls inside a quotation the
  tail can land at the head of the next item's cell («… в сфере» | «повышения» (…) Повышение …»);
  that lowercase head, up to the closing quote, goes back to the previous item.
* Up to two sub-header rows under cells spanning several columns are part of the header; a
  «начало | окончание» pair of date columns gives one deadline «2019 – 2024»; «ед. изм.» and
  «значение» columns give the indicator's unit and value (:func:`targets.indicator_targets`).
  A cell holding only a dash is empty; «Итого»/«Всего» rows are no items. A row without a
  number whose title starts in lowercase or with «(» continues the item above even without a
  page break (a DOCX continuation row), and after a break even when its date cell holds the
  rest of a cut date.
* A table without a header row is read by what its columns hold (numbers, dates, known
  organisations, the longest text as the title); a text table whose columns are aligned by runs
  of spaces is cut at the columns of its header line.
* The reader records what it is unsure of on each item (:mod:`marshrut.kernels.confidence`): a
  row joined across a page break or from a continuation row; for a scan, the lowest OCR
  confidence of each field's cells (``scan_confidence``, judged by
  :func:`~marshrut.kernels.confidence.scan_doubts`); the plan notes a guessed header, and numbers
  missing from a section's numbering are the rows it believes it lost.
* A cell that cannot be parsed is not an error: its deadline is kind ``unknown`` and its text
  stays. A document without a plan table raises :class:`PlanReadError` with a Russian message.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marshrut.kernels.archives import ArchiveError, inspect_zip
from marshrut.kernels.confidence import CONTINUED, HEADERLESS, JOINED, Confidence
from marshrut.kernels.deadlines import Schedule, ScheduleKind, parse_deadline
from marshrut.kernels.responsibles import (
    DEFAULT_ABBREVIATIONS,
    OrgDictionary,
    Responsible,
    parse_responsibles,
)
from marshrut.kernels.targets import Target, item_targets

__all__ = [
    "Column",
    "Deadline",
    "Plan",
    "PlanItem",
    "PlanReadError",
    "PlanSection",
    "plan_to_dict",
    "read_plan",
    "read_plan_rows",
]

Dictionary = OrgDictionary | Mapping[str, str] | Mapping[str, Iterable[str]]


class PlanReadError(ValueError):
    """The document holds no readable plan table; the message is for the operator, in Russian."""


# --- the result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A table column the reader understood: its position, role and header text."""

    index: int
    # number, title, deadline (deadline_end: the end year of a «начало | окончание» pair),
    # responsible, result, indicator (unit and value: its unit and value in columns of their own)
    role: str
    label: str


@dataclass(frozen=True)
class Deadline:
    """The schedule read from one date column; ``label`` is that column's header."""

    label: str
    schedule: Schedule

    def to_dict(self) -> dict[str, object]:
        """Return the JSON-ready dict of the CLI contract."""
        return {"label": self.label, **self.schedule.to_dict()}


@dataclass
class PlanItem:
    """One event of the plan with its parsed fields and the raw texts they came from."""

    number: str | None
    title: str
    deadlines: list[Deadline]
    responsible: list[Responsible]
    expected_result: str | None
    targets: list[Target]
    responsible_text: str | None = None
    indicator: str | None = None
    source_row: int = 0
    # The indicator's unit and value when the table gives them columns of their own.
    indicator_unit: str | None = None
    indicator_value: str | None = None
    # What the reader is unsure of in how this item was put together (see kernels.confidence).
    doubts: list[Confidence] = field(default_factory=list)
    # For a scanned document: the lowest OCR confidence (0..1) of the cells of each field (by
    # column role) that OCR looked at; ``None`` for an item not read from a scan. Which of these
    # are doubts is :func:`marshrut.kernels.confidence.scan_doubts`'s to say.
    scan_confidence: dict[str, float] | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the JSON-ready dict of the CLI contract."""
        return {
            "number": self.number,
            "title": self.title,
            "deadlines": [deadline.to_dict() for deadline in self.deadlines],
            "responsible": [responsible.to_dict() for responsible in self.responsible],
            "expected_result": self.expected_result,
            "targets": [target.to_dict() for target in self.targets],
        }


@dataclass
class PlanSection:
    """A numbered or bold section of the plan; items before any section get an untitled one."""

    number: str | None
    title: str | None
    items: list[PlanItem] = field(default_factory=list)


@dataclass
class Plan:
    """A parsed roadmap: its sections in document order and the columns that were recognised."""

    year: int
    sections: list[PlanSection]
    columns: list[Column]
    # Doubts about the table as a whole, and the item numbers missing from the numbering: rows
    # the reader believes it lost.
    notes: list[Confidence] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    @property
    def items(self) -> list[PlanItem]:
        """All items of all sections in document order."""
        return [item for section in self.sections for item in section.items]


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Return the plan in the shape of ``marshrut plan parse --format json``."""
    return {
        "sections": [
            {
                "number": section.number,
                "title": section.title,
                "items": [item.to_dict() for item in section.items],
            }
            for section in plan.sections
        ]
    }


# --- cells and rows, whatever the format -------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    text: str
    bold: bool = False
    # The merged cell this grid position belongs to: a vertically merged DOCX cell repeats in the
    # rows below, and its text must neither be joined twice nor count as new content.
    key: object | None = None
    # Covered by a horizontally merged cell to its left (or ``None`` in a pdfplumber table).
    spanned: bool = False
    # How sure OCR is of a cell read from a scan (0..1); ``None`` for a text layer's cell.
    confidence: float | None = None


@dataclass
class _Row:
    cells: list[_Cell]
    after_break: bool = False
    source: int = 0

    def key(self, index: int) -> object | None:
        return self.cells[index].key if index < len(self.cells) else None

    @property
    def is_blank(self) -> bool:
        return not any(cell.text for cell in self.cells)


_EMPTY = _Cell("")
_LINK_RE = re.compile(r"<a\b[^>]*?href\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_BREAK_RE = re.compile(r"<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", re.I)
_TAG_RE = re.compile(
    r"</?(?:a|b|i|u|s|p|br|span|strong|em|div|sup|sub|li|ul|ol|font|small|big|mark|ins|del)"
    r"\b[^>]*>",
    re.I,
)
_BOLD_RE = re.compile(r"<(b|strong)\b[^>]*>.*?</\1\s*>|\*\*.+?\*\*", re.I | re.S)


def _link_text(match: re.Match[str]) -> str:
    url, label = match.group(1).strip(), _TAG_RE.sub("", match.group(2)).strip()
    if not url or label == url:
        return f" {label} "
    return f" {label} ({url}) " if label else f" {url} "


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()
    text = re.sub(r"\(\s+", "(", text)
    return re.sub(r"\s+\)", ")", text)


def _markup_cell(raw: object) -> _Cell:
    """Build a cell from a text that may carry the seeds' HTML fragments."""
    if raw is None:
        return _EMPTY
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        # Spreadsheet readers hand dates over as dates; the deadline parser reads dd.mm.yyyy.
        return _Cell(raw.strftime("%d.%m.%Y"))
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    source = str(raw)
    with_links = _LINK_RE.sub(_link_text, source)
    text = _tidy(html.unescape(_TAG_RE.sub("", _BREAK_RE.sub(" ", with_links))))
    outside_bold = _TAG_RE.sub("", _BOLD_RE.sub("", with_links)).strip()
    bold = bool(text) and bool(_BOLD_RE.search(with_links)) and not outside_bold
    if text.startswith("**") and text.endswith("**"):
        text = text.strip("*").strip()
    return _Cell(text, bold)


def _join_lines(text: str) -> str:
    """Join the wrapped lines of a PDF cell; a hyphen after a letter at a line end joins tight."""
    return re.sub(r"(?<=[^\W\d_])-\n(?=\w)", "-", text).replace("\n", " ")


# --- header ------------------------------------------------------------------------------------

_ROLE_PATTERNS = (
    ("result", re.compile(r"результат")),
    ("unit", re.compile(r"^ед\.?\s*изм|единиц\w*\s+измерени")),
    ("value", re.compile(r"^(?:целев\w*\s+)?значени")),
    ("indicator", re.compile(r"показател|индикатор|целев\w*\s+значени")),
    ("deadline", re.compile(r"срок|дата|период|время\s+(?:проведения|исполнения)|когда")),
    ("responsible", re.compile(r"ответствен|исполнител|организатор")),
    ("title", re.compile(r"мероприяти|наименовани|содержани|названи|действи|вид\s+работ")),
)


def _role(text: str) -> str | None:
    label = text.lower().replace("ё", "е").strip()
    # Header cells are short; a long cell is data that merely mentions «мероприятия» or «сроки».
    if not label or len(label) > 100:
        return None
    if len(label) <= 12 and ("№" in label or "п/п" in label or label in ("n", "номер")):
        return "number"
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(label):
            return role
    return None


def _header_roles(row: _Row) -> list[str | None] | None:
    roles = [None if cell.spanned else _role(cell.text) for cell in row.cells]
    while roles and roles[-1] is None:
        roles.pop()
    present = [role for role in roles if role]
    has_when_or_who = "deadline" in present or "responsible" in present
    return roles if "title" in present and has_when_or_who and len(present) >= 3 else None


def _columns(header: _Row, belows: Sequence[_Row]) -> tuple[list[Column], int]:
    """Return the columns of a header row, merging the sub-header rows below it.

    Up to two rows below the header are sub-headers when every text they hold sits under a
    header cell spanning several columns («Срок реализации» over «начало | окончание», and a
    third row «(год) | (год)» under those). The second value is how many header rows there are.
    """
    width = max([len(header.cells), *(len(below.cells) for below in belows)])
    texts = [cell.text if not cell.spanned else "" for cell in header.cells]
    texts += [""] * (width - len(texts))
    parents: list[int | None] = []
    last: int | None = None
    for index, text in enumerate(texts):
        if text:
            last = index
        parents.append(index if text else last)
    grouped = {
        index
        for index, parent in enumerate(parents)
        if parent is not None
        and any(parents[other] == parent for other in range(len(parents)) if other != index)
    }
    subs: list[list[str]] = []
    above = header
    for below in belows[:2]:
        sub_texts: list[str] = []
        for index in range(width):
            cell = below.cells[index] if index < len(below.cells) else _EMPTY
            same = cell.key is not None and cell.key is above.key(index)
            sub_texts.append("" if same or cell.spanned else cell.text)
        if not any(sub_texts) or any(
            text and index not in grouped for index, text in enumerate(sub_texts)
        ):
            break
        subs.append(sub_texts)
        above = below
    columns: list[Column] = []
    for index, text in enumerate(texts):
        parent = parents[index]
        if parent is None:
            continue
        label = texts[parent]
        first = subs[0][index] if subs else ""
        if first:
            label = f"{label} ({first})"
        elif not text:
            continue
        below_roles = [_role(sub[index]) for sub in subs if sub[index]]
        # A unit or a value under «Целевой показатель» is that, not the indicator's name.
        own = next((role for role in below_roles if role in ("unit", "value")), None)
        role = own or _role(texts[parent]) or next((role for role in below_roles if role), None)
        if role:
            columns.append(Column(index, role, label))
    return _pair_years(columns), 1 + len(subs)


_START_RE = re.compile(r"\((?:начал\w*|с|от|старт)\)$", re.I)
_END_RE = re.compile(r"\((?:оконча\w*|конец|по|до|завершени\w*)\)$", re.I)


def _pair_years(columns: list[Column]) -> list[Column]:
    """Turn a «начало | окончание» pair of date columns into one deadline and its end column."""
    result = list(columns)
    for position, column in enumerate(columns[:-1]):
        following = columns[position + 1]
        if (
            column.role == following.role == "deadline"
            and _START_RE.search(column.label)
            and _END_RE.search(following.label)
        ):
            label = _START_RE.sub("", column.label).strip()
            result[position] = Column(column.index, "deadline", label)
            result[position + 1] = Column(following.index, "deadline_end", following.label)
    return result


# --- table assembly ----------------------------------------------------------------------------


@dataclass
class _Table:
    rows: list[_Row]
    # Whether nothing but blank paragraphs separates this table from the previous one, so that a
    # header-less table can be the same plan table continued on the next page.
    adjacent: bool = True


@dataclass
class _Layout:
    """The plan table found: its columns, body rows, header signature and header rows' texts."""

    columns: list[Column]
    body: list[_Row]
    signature: list[str | None]
    header_texts: set[tuple[str, ...]]
    inferred: bool = False


def _find_header(rows: list[_Row], limit: int | None = None) -> int | None:
    for index, row in enumerate(rows[:limit] if limit else rows):
        if _header_roles(row):
            return index
    return None


def _width(rows: list[_Row]) -> int:
    return max((len(row.cells) for row in rows), default=0)


def _row_texts(row: _Row) -> tuple[str, ...]:
    texts = [cell.text for cell in row.cells]
    while texts and not texts[-1]:
        texts.pop()
    return tuple(texts)


def _assemble(tables: list[_Table], orgs: OrgDictionary) -> _Layout:
    """Find the plan table, join its continuations and return its columns and body rows."""
    for position, table in enumerate(tables):
        start = _find_header(table.rows)
        if start is None:
            continue
        header = table.rows[start]
        signature = _header_roles(header)
        columns, height = _columns(header, table.rows[start + 1 : start + 3])
        header_texts = {_row_texts(row) for row in table.rows[start : start + height]}
        body = table.rows[start + height :]
        width = len(header.cells)
        # A header-less table continues the plan only while nothing else came in between.
        joined = True
        for later in tables[position + 1 :]:
            repeat = _find_header(later.rows, limit=3)
            if repeat is not None and _header_roles(later.rows[repeat]) == signature:
                rest = later.rows[repeat + height :]
            elif repeat is None and joined and later.adjacent and _width(later.rows) == width:
                rest = later.rows
            else:
                joined = False
                continue
            if rest:
                rest[0].after_break = True
            body.extend(rest)
        assert signature is not None
        return _Layout(columns, body, signature, header_texts)
    inferred = _infer_layout(tables, orgs)
    if inferred is not None:
        return inferred
    raise PlanReadError(
        "Не найдена таблица плана: нужна строка заголовков со столбцами «Наименование "
        "мероприятия» и «Сроки» или «Ответственный» (а также, например, «№ п/п», "
        "«Ожидаемый результат», «Показатель»)."
    )


_INFERRED_LABELS = {
    "number": "№",
    "title": "Наименование мероприятия",
    "deadline": "Сроки",
    "responsible": "Ответственный",
    "result": "Ожидаемый результат",
}


def _infer_layout(tables: list[_Table], orgs: OrgDictionary) -> _Layout | None:
    """Recognise the columns of a table without a header row by what their cells hold.

    A column is the number column when its cells are item numbers, the date column when they
    read as deadlines, the responsible column when they name known organisations; of the rest,
    the one with the longest texts is the title and the next one to its right the result.
    """

    def filled(row: _Row) -> int:
        return sum(1 for cell in row.cells if cell.text)

    # The first table with items in it; on a PDF or after a page break it goes on in the next.
    table = next(
        (table for table in tables if sum(1 for row in table.rows if filled(row) >= 3) >= 2),
        None,
    )
    if table is None:
        return None
    position = tables.index(table)
    rows = list(table.rows)
    for later in tables[position + 1 :]:
        if not later.adjacent or _width(later.rows) != _width(rows):
            break
        if later.rows:
            later.rows[0].after_break = True
        rows.extend(later.rows)
    items = [row for row in rows if filled(row) >= 3]
    if len(items) < 2:
        return None
    width = _width(items)

    def share(index: int, test: Any) -> float:
        texts = [row.cells[index].text for row in items if index < len(row.cells)]
        filled = [text for text in texts if text]
        return sum(1 for text in filled if test(text)) / len(filled) if filled else 0.0

    roles: list[str | None] = [None] * width
    for index in range(width):
        if share(index, lambda text: bool(_NUMBER_ONLY_RE.match(text))) >= 0.6:
            roles[index] = "number"
        elif share(index, _reads_as_deadline) >= 0.6:
            roles[index] = "deadline"
        elif share(index, lambda text: _names_organisation(text, orgs)) >= 0.6:
            roles[index] = "responsible"
    free = [index for index in range(width) if roles[index] is None]
    if not free:
        return None

    def mean_length(index: int) -> float:
        texts = [row.cells[index].text for row in items if index < len(row.cells)]
        return sum(len(text) for text in texts) / len(texts)

    title = max(free, key=mean_length)
    roles[title] = "title"
    results = [index for index in free if index > title]
    if results:
        roles[results[0]] = "result"
    if "deadline" not in roles and "responsible" not in roles:
        return None
    columns = [
        Column(index, role, _INFERRED_LABELS[role]) for index, role in enumerate(roles) if role
    ]
    first = rows.index(items[0])
    # A section heading right above the first item belongs to the table.
    while first > 0 and filled(rows[first - 1]) == 1:
        first -= 1
        if _HEADING_RE.match(next(cell.text for cell in rows[first].cells if cell.text)):
            break
    return _Layout(columns, rows[first:], list(roles), set(), inferred=True)


def _reads_as_deadline(text: str) -> bool:
    return parse_deadline(text, 2000).kind is not ScheduleKind.UNKNOWN


def _names_organisation(text: str, orgs: OrgDictionary) -> bool:
    return any(found.organisation for found in parse_responsibles(text, orgs))


# --- reading the body --------------------------------------------------------------------------

# «1. Нормативно-правовое обеспечение», «IV. Мониторинг», «Раздел 2 Методическое …»; the dot
# is required after a bare number so that «2 раза в год» in a first column is not a heading.
_HEADING_RE = re.compile(
    r"^(?:раздел\s+(?P<part>\d{1,2}|[IVXLC]{1,6})\.?|(?P<number>\d{1,2}(?:\.\d{1,2})*|[IVXLC]{1,6})\.)"
    r"\s*(?P<title>[^\W\d_].*)$",
    re.I,
)
_NUMBER_ONLY_RE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*|[IVXLC]{1,6})\.*$")
_RULE_RE = re.compile(r"^[-–—_=*.\s]+$")
_TOTAL_RE = re.compile(r"^(?:итого|всего)\b", re.I)
# A cell holding only a dash says «nothing here» («-» in an empty date column).
_DASH_RE = re.compile(r"^[-–—]+$")


def _clean_number(text: str) -> str | None:
    number = re.sub(r"[.\s]+$", "", text)
    return number or None


@dataclass
class _Draft:
    """An item being assembled from one or more rows before its fields are parsed."""

    texts: dict[int, str]
    source: int
    doubts: list[Confidence] = field(default_factory=list)
    # The lowest OCR confidence of the cells joined into each column; ``None`` when no row of
    # the item was read from a scan.
    scanned: dict[int, float] | None = None

    def doubt(self, doubt: Confidence) -> None:
        if doubt not in self.doubts:
            self.doubts.append(doubt)

    def scan(self, row: _Row) -> None:
        """Keep the lowest OCR confidence per column of a row joined into the item.

        A cell with ink but no word read has text "" and confidence 0: it counts. A place
        covered by a merged cell has none of its own.
        """
        for index, cell in enumerate(row.cells):
            if cell.confidence is None:
                continue
            if self.scanned is None:
                self.scanned = {}
            if not cell.spanned:
                self.scanned[index] = min(self.scanned.get(index, 1.0), cell.confidence)


def _joined(head: str, tail: str) -> str:
    if not head:
        return tail
    if not tail:
        return head
    # A word hyphenated at the page break («информационно-» | «аналитическая») joins tight.
    if re.search(r"[^\W\d_]-$", head) and tail[:1].islower():
        return head + tail
    return f"{head} {tail}"


def _unfinished_head(previous: str, following: str) -> int | None:
    """Return where the tail of an unclosed quotation ends at the start of the next cell."""
    missing = previous.count("«") - previous.count("»")
    if missing <= 0 or not following[:1].islower():
        return None
    depth = 0
    for index, char in enumerate(following):
        if char == "«":
            depth += 1
        elif char == "»":
            if depth:
                depth -= 1
                continue
            missing -= 1
            if missing == 0:
                end = index + 1
                rest = following[end:]
                if rest.lstrip().startswith("("):
                    close = rest.find(")")
                    if close >= 0:
                        end += close + 1
                remainder = following[end:].lstrip()
                return end if remainder[:1].isupper() else None
    return None


class _BodyReader:
    """Reads the rows under the header into sections of item drafts, row by row."""

    def __init__(self, layout: _Layout) -> None:
        columns = layout.columns
        self.columns = columns
        self.signature = layout.signature
        self.header_texts = layout.header_texts
        self.by_role: dict[str, list[int]] = {}
        for column in columns:
            self.by_role.setdefault(column.role, []).append(column.index)
        self.number = self._first("number")
        self.title = self._first("title")
        self.sections: list[tuple[PlanSection, list[_Draft]]] = []
        self.previous: _Row | None = None

    def _first(self, role: str) -> int | None:
        indexes = self.by_role.get(role)
        return indexes[0] if indexes else None

    @property
    def last(self) -> _Draft | None:
        """The item a continuation row would extend: the last one of the current section."""
        if self.sections and self.sections[-1][1]:
            return self.sections[-1][1][-1]
        return None

    def read(self, rows: list[_Row]) -> list[tuple[PlanSection, list[_Draft]]]:
        pending_break = False
        for row in rows:
            if row.is_blank:
                pending_break = True
                continue
            row.after_break = row.after_break or pending_break
            pending_break = False
            if _header_roles(row) == self.signature or _row_texts(row) in self.header_texts:
                pending_break = True
                continue
            if self._is_noise(row):
                # The column numbers repeated under a repeated header do not end the break.
                pending_break = row.after_break
                continue
            section = self._section(row)
            if section is not None:
                self.sections.append((section, []))
            elif self._continues(row):
                self._append(row)
            else:
                self._start(row)
            self.previous = row
        return self.sections

    def _is_noise(self, row: _Row) -> bool:
        texts = [(index, cell.text) for index, cell in enumerate(row.cells) if cell.text]
        if all(_RULE_RE.match(text) for _index, text in texts):
            return True
        # «Итого по разделу 1», «Всего»: a totals row counts the items above, it is none itself.
        if any(_TOTAL_RE.match(text) for _index, text in texts[:2]):
            return True
        # The column-number row under a header: «1 | 2 | 3 | 4 | 5».
        return len(texts) > 1 and all(text == str(index + 1) for index, text in texts)

    def _section(self, row: _Row) -> PlanSection | None:
        filled = [index for index, cell in enumerate(row.cells) if cell.text and not cell.spanned]
        if len(filled) == 2 and filled[0] == self.number and filled[1] == self.title:
            number_cell, title_cell = row.cells[filled[0]], row.cells[filled[1]]
            if title_cell.bold and _NUMBER_ONLY_RE.match(number_cell.text):
                return PlanSection(_clean_number(number_cell.text), title_cell.text)
            return None
        if len(filled) != 1:
            return None
        index = filled[0]
        cell = row.cells[index]
        spans = any(other.spanned for other in row.cells[index + 1 :])
        heading = _HEADING_RE.match(cell.text)
        if index != 0 and index != self.title and not spans:
            return None
        in_deadline = index in self.by_role.get("deadline", [])
        if cell.bold or spans or (heading and not in_deadline) or self._misfit(index, cell.text):
            if heading:
                number = heading.group("number") or heading.group("part")
                return PlanSection(_clean_number(number), heading.group("title"))
            return PlanSection(None, cell.text)
        return None

    def _misfit(self, index: int, text: str) -> bool:
        """Tell whether a lone first cell cannot be what its column holds, so it is a heading.

        Spreadsheet rows carry neither boldness nor merges, so «Организационное сопровождение»
        alone in a number or date column is recognised by not being a number or a date.
        """
        if index != 0 or index == self.title:
            return False
        if index == self.number:
            return not _NUMBER_ONLY_RE.match(text)
        if index in self.by_role.get("deadline", []):
            schedule = parse_deadline(text, 2000)
            return schedule.kind is ScheduleKind.UNKNOWN and len(text.split()) >= 2
        return False

    def _fresh(self, row: _Row, index: int) -> str:
        """Text of a cell unless it is a vertically merged cell already seen in the row above."""
        if index >= len(row.cells):
            return ""
        cell = row.cells[index]
        if cell.spanned:
            return ""
        previous = self.previous
        if cell.key is not None and previous is not None and previous.key(index) is cell.key:
            return ""
        return cell.text

    def _continues(self, row: _Row) -> bool:
        """Tell whether a row is the rest of the previous item, broken off by a page break."""
        if self.last is None:
            return False
        if self.number is not None and self._fresh(row, self.number):
            return False
        title = self._fresh(row, self.title) if self.title is not None else ""
        # «(в том числе в дистанционной форме)», «учётом направлений …»: no sentence starts so.
        tail = not title or title[:1].islower() or title[:1] in "(«,;"
        dates = [
            index
            for index in self.by_role.get("deadline", []) + self.by_role.get("deadline_end", [])
            if self._fresh(row, index)
        ]
        if dates:
            # A page break cuts the date cell too: «до 31» | «мая 2025 года».
            return row.after_break and (tail or self._cut_date(row, dates))
        return row.after_break or tail

    def _cut_date(self, row: _Row, indexes: list[int]) -> bool:
        """Tell whether a date cell reads only joined to the same cell of the previous item."""
        draft = self.last
        assert draft is not None
        for index in indexes:
            head, tail = draft.texts.get(index, ""), self._fresh(row, index)
            if head and not _reads_as_deadline(head) and _reads_as_deadline(_joined(head, tail)):
                return True
        return False

    def _append(self, row: _Row) -> None:
        draft = self.last
        assert draft is not None
        draft.doubt(CONTINUED if row.after_break else JOINED)
        draft.scan(row)
        for index in range(len(row.cells)):
            text = self._fresh(row, index)
            if text:
                draft.texts[index] = _joined(draft.texts.get(index, ""), text)

    def _start(self, row: _Row) -> None:
        texts = {
            index: cell.text
            for index, cell in enumerate(row.cells)
            if cell.text and not cell.spanned
        }
        last = self.last
        if row.after_break and last is not None:
            for role in ("title", "responsible", "result", "indicator"):
                for index in self.by_role.get(role, []):
                    head = _unfinished_head(last.texts.get(index, ""), texts.get(index, ""))
                    if head is not None:
                        last.doubt(CONTINUED)
                        last.texts[index] = _joined(last.texts[index], texts[index][:head])
                        texts[index] = texts[index][head:].strip()
        if not self.sections:
            self.sections.append((PlanSection(None, None), []))
        draft = _Draft(texts, row.source)
        draft.scan(row)
        self.sections[-1][1].append(draft)


def _item(draft: _Draft, columns: list[Column], year: int, orgs: OrgDictionary) -> PlanItem:
    def texts(role: str) -> list[tuple[Column, str]]:
        return [
            (column, draft.texts.get(column.index, ""))
            for column in columns
            if column.role == role and draft.texts.get(column.index)
        ]

    def joined(role: str) -> str:
        return " ".join(text for _column, text in texts(role))

    number = next((text for _column, text in texts("number")), "")
    title = next((text for _column, text in texts("title")), "")
    responsible_texts = [text for _column, text in texts("responsible")]
    expected = joined("result") or None
    indicator, unit, value = joined("indicator"), joined("unit"), joined("value")
    return PlanItem(
        number=_clean_number(number),
        title=title,
        deadlines=_deadlines(draft, columns, year),
        responsible=[
            found for text in responsible_texts for found in parse_responsibles(text, orgs)
        ],
        expected_result=expected,
        targets=item_targets(expected or "", indicator, unit, value, year),
        responsible_text="; ".join(responsible_texts) or None,
        indicator=indicator or None,
        source_row=draft.source,
        indicator_unit=unit or None,
        indicator_value=value or None,
        doubts=draft.doubts,
        scan_confidence=_scan_confidence(draft, columns),
    )


def _scan_confidence(draft: _Draft, columns: list[Column]) -> dict[str, float] | None:
    """The lowest OCR confidence of each field's cells, by column role, if the item was scanned."""
    if draft.scanned is None:
        return None
    found: dict[str, float] = {}
    for column in columns:
        score = draft.scanned.get(column.index)
        if score is not None:
            found[column.role] = min(found.get(column.role, 1.0), score)
    return found


def _deadlines(draft: _Draft, columns: list[Column], year: int) -> list[Deadline]:
    """Parse every date column; a start and an end year in two columns make one window."""
    ends = [column for column in columns if column.role == "deadline_end"]
    found: list[Deadline] = []
    for column in columns:
        if column.role != "deadline":
            continue
        text = draft.texts.get(column.index, "")
        text = "" if _DASH_RE.match(text) else text
        end = next((end for end in ends if end.index > column.index), None)
        if end is not None:
            last = draft.texts.get(end.index, "")
            last = "" if _DASH_RE.match(last) else last
            text = f"{text} – {last}" if text and last else text or last
        if text:
            found.append(Deadline(column.label, parse_deadline(text, year)))
    return found


def _read_tables(tables: list[_Table], year: int, dictionary: Dictionary) -> Plan:
    orgs = OrgDictionary.coerce(dictionary)
    layout = _assemble(tables, orgs)
    columns = layout.columns
    drafted = _BodyReader(layout).read(layout.body)
    sections: list[PlanSection] = []
    for section, drafts in drafted:
        section.items = [_item(draft, columns, year, orgs) for draft in drafts]
        sections.append(section)
    # Bold lines after the table (signatures, notes) would read as empty sections.
    while sections and not sections[-1].items:
        sections.pop()
    if not sections:
        raise PlanReadError("Таблица плана найдена, но в ней нет ни одного мероприятия.")
    notes = [HEADERLESS] if layout.inferred else []
    return Plan(year, sections, columns, notes, _lost_numbers(sections))


def _lost_numbers(sections: list[PlanSection]) -> list[str]:
    """Item numbers missing from a section's numbering: «1.1, 1.2, 1.4» lost «1.3».

    Items without a number between the two (the seeds have them) may be the missing ones, so
    such a gap is not counted.
    """
    lost: list[str] = []
    for section in sections:
        previous: tuple[str, int] | None = None
        unnumbered = 0
        for item in section.items:
            match = re.fullmatch(r"((?:\d{1,2}\.)*)(\d{1,3})", item.number or "")
            if match is None:
                unnumbered += 1
                continue
            prefix, last = match.group(1), int(match.group(2))
            if (
                previous is not None
                and previous[0] == prefix
                and 1 < last - previous[1] <= 20
                and not unnumbered
            ):
                lost.extend(f"{prefix}{missing}" for missing in range(previous[1] + 1, last))
            previous, unnumbered = (prefix, last), 0
    return lost


# --- formats -----------------------------------------------------------------------------------


def _rows_from_cells(rows: Iterable[Sequence[object]]) -> list[_Row]:
    result: list[_Row] = []
    for number, cells in enumerate(rows, start=1):
        converted = [_markup_cell(cell) for cell in cells]
        while converted and not converted[-1].text:
            converted.pop()
        result.append(_Row(converted, source=number))
    return result


def read_plan_rows(
    rows: Iterable[Sequence[object]], year: int, dictionary: Dictionary = DEFAULT_ABBREVIATIONS
) -> Plan:
    """Read a plan from rows of cells, e.g. the rows of a spreadsheet sheet.

    Cells are texts or ``None``; numbers and dates are accepted and formatted. An empty row is
    read as a page break (as a blank line of the text form is), and cells may carry the seeds'
    HTML fragments (``<b>``, ``<p>``, ``<a href>``).
    """
    return _read_tables([_Table(_rows_from_cells(rows))], year, dictionary)


def _decode_text(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "cp1251")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f")
        if controls == 0:
            return text
    return None


def _read_text(text: str, year: int, dictionary: Dictionary) -> Plan:
    lines = text.splitlines()
    if not any("\t" in line for line in lines):
        aligned = _aligned_rows(lines)
        if aligned is not None:
            return read_plan_rows(aligned, year, dictionary)
    return read_plan_rows((line.split("\t") for line in lines), year, dictionary)


_GAP_RE = re.compile(r"\S+(?: \S+)*")


def _chunks(line: str) -> list[tuple[int, str]]:
    """The parts of a line separated by runs of two or more spaces, with where they start."""
    return [(match.start(), match.group()) for match in _GAP_RE.finditer(line.expandtabs())]


def _aligned_rows(lines: list[str]) -> list[list[str]] | None:
    """Cut a table whose columns are aligned by runs of spaces into rows of cells.

    The header line gives where each column starts; a part of a later line belongs to the
    column it starts in. A line with an empty first column carries on the cells of the row
    above (a long cell wrapped), a lone part at the left edge is a heading, a blank line stays
    a blank row (a page break).
    """
    header_at = None
    starts: list[int] = []
    for index, line in enumerate(lines):
        parts = _chunks(line)
        if len(parts) >= 3 and _header_roles(_Row([_Cell(text) for _start, text in parts])):
            header_at, starts = index, [start for start, _text in parts]
            break
    if header_at is None:
        return None
    width = len(starts)

    def column(position: int) -> int:
        # A part may start a character or two left of its column when the cell before is full.
        return max(0, max(i for i, start in enumerate(starts) if start <= position + 2))

    rows: list[list[str]] = [list(_text for _start, _text in _chunks(lines[header_at]))]
    joinable = False
    for line in lines[header_at + 1 :]:
        parts = _chunks(line)
        if not parts:
            rows.append([])
            joinable = False
            continue
        if len(parts) == 1 and parts[0][0] == 0 and len(parts[0][1]) > starts[1]:
            rows.append([parts[0][1]])
            joinable = False
            continue
        cells = [""] * width
        for start, text in parts:
            at = column(start)
            cells[at] = f"{cells[at]} {text}".strip()
        if joinable and not cells[0]:
            previous = rows[-1]
            rows[-1] = [_joined(old, new) for old, new in zip(previous, cells, strict=True)]
            continue
        rows.append(cells)
        joinable = not _RULE_RE.match(" ".join(cells))
    return rows


def _docx_cell(cell: Any, styles: dict[str | None, bool]) -> tuple[str, bool]:
    from docx.text.hyperlink import Hyperlink

    parts: list[str] = []
    bold_flags: list[bool] = []
    for paragraph in cell.paragraphs:
        for content in paragraph.iter_inner_content():
            if isinstance(content, Hyperlink):
                label, url = content.text.strip(), content.url
                parts.append(f" {label} ({url}) " if url and url != label else f" {label} ")
                runs = content.runs
            else:
                parts.append(content.text)
                runs = [content]
            bold_flags.extend(
                _docx_bold(run, paragraph, styles) for run in runs if run.text.strip()
            )
        parts.append("\n")
    text = _tidy("".join(parts))
    return text, bool(text) and bool(bold_flags) and all(bold_flags)


def _docx_bold(run: Any, paragraph: Any, styles: dict[str | None, bool]) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    # Resolving a paragraph's style scans every style of the document; a plan has few distinct
    # styles and thousands of runs, so each style's boldness is looked up once per document.
    style_id = paragraph._p.style
    if style_id not in styles:
        style = paragraph.style
        bold = False
        while style is not None:
            if style.font.bold is not None:
                bold = bool(style.font.bold)
                break
            style = style.base_style
        styles[style_id] = bold
    return styles[style_id]


def _docx_tables(data: bytes) -> list[_Table]:
    import docx
    from docx.table import Table

    try:
        inspect_zip(data)
    except ArchiveError as error:
        raise PlanReadError(error.message) from error
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds of errors on a damaged package
        raise PlanReadError("Не удалось прочитать документ DOCX: файл повреждён.") from error
    tables: list[_Table] = []
    styles: dict[str | None, bool] = {}
    adjacent = True
    for block in document.iter_inner_content():
        if not isinstance(block, Table):
            adjacent = adjacent and not block.text.strip()
            continue
        rows: list[_Row] = []
        for number, row in enumerate(block.rows, start=1):
            cells = [_EMPTY] * row.grid_cols_before
            previous_tc = None
            for cell in row.cells:
                # python-docx repeats one cell object for each grid column a merged cell spans,
                # and gives the top cell for the rows a vertical merge continues into; the
                # underlying <w:tc> element tells them apart.
                tc = cell._tc
                if tc is previous_tc:
                    cells.append(_Cell("", key=tc, spanned=True))
                    continue
                previous_tc = tc
                text, bold = _docx_cell(cell, styles)
                cells.append(_Cell(text, bold, key=tc))
            cells.extend([_EMPTY] * row.grid_cols_after)
            rows.append(_Row(cells, source=number))
        tables.append(_Table(rows, adjacent=adjacent))
        adjacent = True
    return tables


def _pdf_tables(data: bytes) -> list[_Table]:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pdf.pages  # noqa: B018 - the page tree is parsed lazily; a damaged one fails here
    except Exception as error:  # pdfminer raises many kinds of errors on a damaged file
        # pdfminer's own words are English and technical: the chained cause keeps them for the log.
        raise PlanReadError("Не удалось прочитать документ PDF: файл повреждён.") from error
    with pdf:
        scanned = _pdf_scanned_pages(data, pdf.pages)
        if len(scanned) == len(pdf.pages):
            return [table for tables in scanned.values() for table in tables]
        tables = _pdf_page_tables(pdf, {}, scanned)
        # Whether the text pages drew their table with rules (the scanned pages' grid is OCR's).
        ruled = any(
            _width(table.rows) >= 3 and len(table.rows) >= 2
            for table in tables
            if not any(cell.confidence is not None for row in table.rows for cell in row.cells)
        )
        if not ruled:
            # A table drawn without ruling lines: fall back to aligned words.
            tables = _pdf_page_tables(
                pdf, {"vertical_strategy": "text", "horizontal_strategy": "text"}, scanned
            )
    return tables


def _pdf_page_tables(
    pdf: Any, settings: dict[str, str], scanned: Mapping[int, list[_Table]]
) -> list[_Table]:
    tables: list[_Table] = []
    for number, page in enumerate(pdf.pages):
        if number in scanned:
            tables.extend(scanned[number])
            continue
        for found in page.find_tables(settings):
            rows: list[_Row] = []
            for number, (values, geometry) in enumerate(
                zip(found.extract(), found.rows, strict=True), start=1
            ):
                cells = [
                    _Cell("", spanned=True) if value is None else _Cell(_tidy(_join_lines(value)))
                    for value in values
                ]
                filled = [index for index, cell in enumerate(cells) if cell.text]
                if len(filled) == 1:
                    # Only a lone cell can be a section title, so only then is boldness looked up.
                    index = filled[0]
                    bbox = geometry.cells[index]
                    if bbox is not None and _pdf_bold(page, bbox):
                        cells[index] = _Cell(cells[index].text, bold=True)
                rows.append(_Row(cells, source=number))
            tables.append(_Table(rows))
    return tables


def _pdf_bold(page: Any, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    fonts = [
        char.get("fontname", "")
        for char in page.chars
        if char["text"].strip() and x0 <= char["x0"] <= x1 and top <= char["top"] <= bottom
    ]
    return bool(fonts) and all("bold" in font.lower() for font in fonts)


# --- scans: pages without text go through OCR (marshrut.kernels.ocr) -----------------------------

# A page with fewer characters than this in its text layer is a scan (a stamp or a page number
# may carry a few).
_SCAN_CHARS = 20
_IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def _pdf_scanned_pages(data: bytes, pages: Sequence[Any]) -> dict[int, list[_Table]]:
    """The tables OCR reads on the PDF's pages that have no text layer, by page index."""
    from marshrut.kernels import ocr

    blank = [index for index, page in enumerate(pages) if len(page.chars) < _SCAN_CHARS]
    if not blank:
        return {}
    try:
        read = ocr.read_pdf(data, blank)
    except ocr.OcrError as error:
        raise PlanReadError(error.message) from error
    tables = {index: _ocr_tables(page) for index, page in zip(blank, read, strict=True)}
    if len(blank) == len(pages) and not any(tables.values()):
        raise PlanReadError(_NO_SCANNED_TABLE)
    return tables


def _image_tables(data: bytes) -> list[_Table]:
    from marshrut.kernels import ocr

    try:
        pages = ocr.read_image_file(data)
    except ocr.OcrError as error:
        raise PlanReadError(error.message) from error
    tables = [table for page in pages for table in _ocr_tables(page)]
    if not tables:
        raise PlanReadError(_NO_SCANNED_TABLE)
    return tables


_NO_SCANNED_TABLE = (
    "Документ похож на скан, но таблицы на нём распознать не удалось: загрузите скан получше "
    "(300 dpi, лист без перекоса) или исходный документ DOCX, XLSX или PDF с текстом."
)


def _ocr_tables(page: Any) -> list[_Table]:
    """A scanned page's tables as the reader's rows: a merged cell's covered places spanned."""
    tables = []
    for table in page.tables:
        rows = []
        for number, grid_row in enumerate(table.rows, start=1):
            cells = [
                _Cell("", spanned=True)
                if cell is None
                else _Cell(_tidy(_join_lines(cell.text)), confidence=cell.confidence)
                for cell in grid_row
            ]
            rows.append(_Row(cells, source=number))
        tables.append(_Table(rows))
    return tables


def read_plan(
    data: bytes, filename: str, year: int, dictionary: Dictionary = DEFAULT_ABBREVIATIONS
) -> Plan:
    """Read a roadmap document, detecting its format by content.

    DOCX (a zip with ``word/document.xml``), PDF (``%PDF``) and the seeds' tab-separated text are
    read here; spreadsheets go through :func:`read_plan_rows`. Raises :class:`PlanReadError` with a
    message for the operator when the file is of another kind or holds no plan table.
    """
    name = f"«{filename}»" if filename else "без имени"
    if not data.strip():
        raise PlanReadError(f"Файл {name} пуст.")
    try:
        if b"%PDF-" in data[:1024]:
            return _read_tables(_pdf_tables(data), year, dictionary)
        if data.startswith(_IMAGE_MAGICS):
            return _read_tables(_image_tables(data), year, dictionary)
        if data.startswith(b"PK\x03\x04"):
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    names = set(archive.namelist())
            except zipfile.BadZipFile as error:
                raise PlanReadError(f"Файл {name} — повреждённый архив.") from error
            if "word/document.xml" in names:
                return _read_tables(_docx_tables(data), year, dictionary)
            if "xl/workbook.xml" in names:
                raise PlanReadError(
                    f"Файл {name} — таблица Excel: загрузите её через импорт таблиц XLSX."
                )
        else:
            text = _decode_text(data)
            if text is not None:
                return _read_text(text, year, dictionary)
    except PlanReadError as error:
        if filename and name not in str(error):
            raise PlanReadError(f"{name}: {error}") from error
        raise
    raise PlanReadError(
        f"Не удалось распознать формат файла {name}: поддерживаются DOCX, PDF, XLSX, "
        "текстовая выгрузка таблицы и сканы (PDF, PNG, JPEG, TIFF)."
    )
