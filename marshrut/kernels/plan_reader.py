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
from marshrut.kernels.deadlines import Schedule, ScheduleKind, parse_deadline
from marshrut.kernels.responsibles import (
    DEFAULT_ABBREVIATIONS,
    OrgDictionary,
    Responsible,
    parse_responsibles,
)
from marshrut.kernels.targets import Target, parse_targets

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
    role: str  # number, title, deadline, responsible, result, indicator
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
    # For a scanned document: the lowest OCR confidence (0..1) of the cells of each field
    # (number, title, deadline, responsible, result, indicator) that had text; else None.
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
    # How sure OCR was of the text of a scanned cell (0..1); ``None`` for a cell not OCR'd.
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


def _columns(header: _Row, below: _Row | None) -> tuple[list[Column], bool]:
    """Return the columns of a header row, merging a sub-header row when there is one.

    The second value tells whether ``below`` was a sub-header and must be skipped.
    """
    texts = [cell.text if not cell.spanned else "" for cell in header.cells]
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
    sub_texts: list[str] = []
    if below is not None:
        for index in range(len(texts)):
            cell = below.cells[index] if index < len(below.cells) else _EMPTY
            same = cell.key is not None and cell.key is header.key(index)
            sub_texts.append("" if same or cell.spanned else cell.text)
    is_sub = (
        below is not None
        and any(sub_texts)
        and all(not text or index in grouped for index, text in enumerate(sub_texts))
    )
    columns: list[Column] = []
    for index, text in enumerate(texts):
        parent = parents[index]
        if parent is None:
            continue
        label = texts[parent]
        if is_sub and sub_texts[index]:
            label = f"{label} ({sub_texts[index]})"
        elif not text:
            continue
        role = _role(texts[parent]) or (_role(sub_texts[index]) if is_sub else None)
        if role:
            columns.append(Column(index, role, label))
    return columns, is_sub


# --- table assembly ----------------------------------------------------------------------------


@dataclass
class _Table:
    rows: list[_Row]
    # Whether nothing but blank paragraphs separates this table from the previous one, so that a
    # header-less table can be the same plan table continued on the next page.
    adjacent: bool = True


def _find_header(rows: list[_Row], limit: int | None = None) -> int | None:
    for index, row in enumerate(rows[:limit] if limit else rows):
        if _header_roles(row):
            return index
    return None


def _width(rows: list[_Row]) -> int:
    return max((len(row.cells) for row in rows), default=0)


def _assemble(tables: list[_Table]) -> tuple[list[Column], list[_Row], list[str | None]]:
    """Find the plan table, join its continuations and return its columns and body rows."""
    for position, table in enumerate(tables):
        start = _find_header(table.rows)
        if start is None:
            continue
        header = table.rows[start]
        signature = _header_roles(header)
        below = table.rows[start + 1] if start + 1 < len(table.rows) else None
        columns, has_sub = _columns(header, below)
        body = table.rows[start + 2 if has_sub else start + 1 :]
        width = len(header.cells)
        # A header-less table continues the plan only while nothing else came in between.
        joined = True
        for later in tables[position + 1 :]:
            repeat = _find_header(later.rows, limit=3)
            if repeat is not None and _header_roles(later.rows[repeat]) == signature:
                skip = repeat + (2 if has_sub else 1)
                rest = later.rows[skip:]
            elif repeat is None and joined and later.adjacent and _width(later.rows) == width:
                rest = later.rows
            else:
                joined = False
                continue
            if rest:
                rest[0].after_break = True
            body.extend(rest)
        assert signature is not None
        return columns, body, signature
    raise PlanReadError(
        "Не найдена таблица плана: нужна строка заголовков со столбцами «Наименование "
        "мероприятия» и «Сроки» или «Ответственный» (а также, например, «№ п/п», "
        "«Ожидаемый результат», «Показатель»)."
    )


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


def _clean_number(text: str) -> str | None:
    number = re.sub(r"[.\s]+$", "", text)
    return number or None


@dataclass
class _Draft:
    """An item being assembled from one or more rows before its fields are parsed."""

    texts: dict[int, str]
    source: int
    rows: list[_Row] = field(default_factory=list)  # the rows it was read from


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

    def __init__(self, columns: list[Column], signature: list[str | None]) -> None:
        self.columns = columns
        self.signature = signature
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
            if _header_roles(row) == self.signature:
                pending_break = True
                continue
            if self._is_noise(row):
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
        if any(self._fresh(row, index) for index in self.by_role.get("deadline", [])):
            return False
        title = self._fresh(row, self.title) if self.title is not None else ""
        return row.after_break or not title or title[:1].islower()

    def _append(self, row: _Row) -> None:
        draft = self.last
        assert draft is not None
        draft.rows.append(row)
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
                        last.texts[index] = _joined(last.texts[index], texts[index][:head])
                        texts[index] = texts[index][head:].strip()
        if not self.sections:
            self.sections.append((PlanSection(None, None), []))
        self.sections[-1][1].append(_Draft(texts, row.source, [row]))


def _item(draft: _Draft, columns: list[Column], year: int, orgs: OrgDictionary) -> PlanItem:
    def texts(role: str) -> list[tuple[Column, str]]:
        return [
            (column, draft.texts.get(column.index, ""))
            for column in columns
            if column.role == role and draft.texts.get(column.index)
        ]

    number = next((text for _column, text in texts("number")), "")
    title = next((text for _column, text in texts("title")), "")
    responsible_texts = [text for _column, text in texts("responsible")]
    results = [text for _column, text in texts("result")]
    expected = " ".join(results) or None
    targets = [target for text in results for target in parse_targets(text)]
    indicators = [text for _column, text in texts("indicator")]
    for text in indicators:
        # An indicator without a value stays visible as a target the operator completes.
        targets.extend(parse_targets(text) or [Target(text, text, None, None, None)])
    return PlanItem(
        number=_clean_number(number),
        title=title,
        deadlines=[
            Deadline(column.label, parse_deadline(text, year)) for column, text in texts("deadline")
        ],
        responsible=[
            found for text in responsible_texts for found in parse_responsibles(text, orgs)
        ],
        expected_result=expected,
        targets=targets,
        responsible_text="; ".join(responsible_texts) or None,
        indicator=" ".join(indicators) or None,
        source_row=draft.source,
        scan_confidence=_scan_confidence(draft, columns),
    )


def _scan_confidence(draft: _Draft, columns: list[Column]) -> dict[str, float] | None:
    """The lowest OCR confidence of each field's cells in the rows of an item, if scanned."""
    found: dict[str, float] = {}
    scanned = False
    for row in draft.rows:
        for column in columns:
            if column.index >= len(row.cells):
                continue
            cell = row.cells[column.index]
            if cell.confidence is None:
                continue
            scanned = True
            if cell.spanned:
                continue
            known = found.get(column.role)
            found[column.role] = cell.confidence if known is None else min(known, cell.confidence)
    return found if scanned else None


def _read_tables(tables: list[_Table], year: int, dictionary: Dictionary) -> Plan:
    columns, body, signature = _assemble(tables)
    orgs = OrgDictionary.coerce(dictionary)
    drafted = _BodyReader(columns, signature).read(body)
    sections: list[PlanSection] = []
    for section, drafts in drafted:
        section.items = [_item(draft, columns, year, orgs) for draft in drafts]
        sections.append(section)
    # Bold lines after the table (signatures, notes) would read as empty sections.
    while sections and not sections[-1].items:
        sections.pop()
    if not sections:
        raise PlanReadError("Таблица плана найдена, но в ней нет ни одного мероприятия.")
    return Plan(year, sections, columns)


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
    return read_plan_rows((line.split("\t") for line in text.splitlines()), year, dictionary)


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
        if not any(_find_header(table.rows) is not None for table in tables):
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
