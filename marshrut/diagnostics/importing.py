"""Results of a self-diagnostics campaign from XLSX/XLS/CSV: checked whole, written whole.

Two layouts, told apart by their headers:

* **wide** — one row per school (ИНН and/or its name, optionally the municipality) and one column
  per indicator code, as the federal service exports it; a header may carry the wording after the
  code («ZN.01 Реализация ФООП…»), and a row of wordings right under the header is skipped;
* **long** — one row per answer: the school, the indicator code, the answer, optionally a comment
  and a link to the confirming document.

:func:`check_file` reads the file once and returns a :class:`Plan`: every problem with its place
(sheet, row, column, value, reason), or the validated answers of every school. :func:`apply_file`
writes a clean plan in one transaction — answers upserted in bulk, statuses and progress counters,
scores and verification flags through :func:`marshrut.diagnostics.actions.finish`, one audit event.
No query runs per row or per cell: schools are looked up once, answers go in batches.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone

from marshrut.audit.log import Action, Source, record, user_or_none
from marshrut.diagnostics.actions import finish
from marshrut.diagnostics.bulk import index_built_after, insert_rows
from marshrut.diagnostics.models import (
    DONE,
    LEVEL_CHOICES,
    Answer,
    Campaign,
    Deficit,
    Result,
    Status,
    Submission,
    results_changed,
)
from marshrut.diagnostics.partitions import analyse
from marshrut.diagnostics.scoring import (
    answered_submissions,
    answers_of,
    applicable_codes,
    evidence_of,
    normalised,
)
from marshrut.kernels.criteria import (
    EDUCATION_LEVEL_NAMES,
    AnswerError,
    Catalogue,
    Indicator,
    SchoolProfile,
    validate_answer,
)
from marshrut.kernels.tables import (
    Column,
    Sheet,
    Table,
    TableError,
    cell_text,
    column_letter,
    find_table,
    normalise_cell,
    normalise_header,
    read_sheets,
)
from marshrut.lib.imports import Problem
from marshrut.lib.uploads import TABLE, refusal
from marshrut.orgs.models import School
from marshrut.orgs.validators import clean_inn

__all__ = [
    "LONG",
    "WIDE",
    "Entry",
    "ImportRejected",
    "Plan",
    "Problem",
    "apply_file",
    "check_file",
    "results_xlsx",
    "summary",
    "template_xlsx",
]

WIDE = "wide"
LONG = "long"
LAYOUT_LABELS = {
    WIDE: "строка на школу, столбец на показатель",
    LONG: "строка на ответ: школа, показатель, ответ",
}

# A report longer than this helps nobody: the first ones are kept, all are counted.
MAX_PROBLEMS = 2000
# Name suggestions compare a name with every school of the campaign; a few hundred rows is plenty.
SUGGEST_ROWS = 200
SEARCH_ROWS = 30
BATCH = 2000
# A cache of validated answers per column; percentages of 40 000 schools need not all be kept.
CACHE_LIMIT = 4096

Progress = Callable[[int], None]

SCHOOL_COLUMNS = (
    Column(
        "inn",
        "ИНН",
        ("инн", "инн оо", "инн организации", "инн школы", "инн образовательной организации"),
    ),
    Column(
        "name",
        "Наименование ОО",
        (
            "наименование оо",
            "наименование",
            "школа",
            "наименование школы",
            "наименование организации",
            "наименование образовательной организации",
            "образовательная организация",
            "полное наименование",
            "полное наименование оо",
            "оо",
        ),
    ),
    Column(
        "short_name",
        "Краткое наименование",
        ("краткое наименование", "сокращенное наименование", "краткое наименование оо"),
    ),
    Column(
        "municipality",
        "Муниципалитет",
        (
            "муниципалитет",
            "муниципальное образование",
            "мо",
            "район",
            "муниципальный район городской округ",
        ),
    ),
)
LONG_COLUMNS = (
    *SCHOOL_COLUMNS,
    Column(
        "code",
        "Показатель",
        ("показатель", "код показателя", "код", "индикатор", "код индикатора"),
        required=True,
    ),
    Column(
        "answer",
        "Ответ",
        ("ответ", "значение", "ответ школы", "значение показателя"),
        required=True,
    ),
    Column("comment", "Комментарий", ("комментарий", "примечание")),
    Column(
        "evidence_url",
        "Ссылка на подтверждение",
        ("ссылка на подтверждение", "ссылка", "подтверждение", "ссылка на документ", "url"),
    ),
)
_TITLES = {c.key: c.title for c in LONG_COLUMNS}

# A header that looks like an indicator code: letters, then numbers («ZN.01», «ЗН-1.2», «K7»).
_CODE_LIKE = re.compile(r"^[A-Za-zА-Яа-яЁё]{1,6}[._-]?\d{1,3}(?:[._-]\d{1,3})*(?=\s|$)")
_QUOTES = str.maketrans({c: " " for c in "«»\"“”„'‘’`"})
_TOTALS = ("итого", "всего")
_MISSING = object()
_NONE_CHOSEN = frozenset({"нет", "-", "—", "ничего", "ни одного"})
_url_validator = URLValidator()


def normalise_name(text: str) -> str:
    """A school name as compared: case, «ё», quotes, spacing around «№» do not matter."""
    text = text.lower().replace("ё", "е").translate(_QUOTES).replace("№", " № ")
    return " ".join(text.split())


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _is_wording(value: object, wording: str) -> bool:
    return isinstance(value, str) and normalise_header(value)[:24] == wording


def _inn_text(value: object) -> str:
    text = cell_text(value).replace(" ", "")
    # An INN typed into a number cell loses the leading zero of regions 01–09.
    if isinstance(value, int | float) and not isinstance(value, bool) and len(text) == 9:
        text = text.zfill(10)
    return text


def _looks_like_inn(value: object) -> bool:
    text = _inn_text(value)
    return len(text) == 10 and text.isdigit()


@dataclass(slots=True)
class Entry:
    """One school's answers in the file, validated; ``values[i]`` answers ``codes[i]`` (None: empty)."""

    submission_id: int
    school_id: int
    label: str
    sheet: str
    row: int
    codes: Sequence[str]
    values: list[object]
    comments: dict[str, str] | None = None
    urls: dict[str, str] | None = None
    applicable: int = 0
    answered: int = 0
    was: str = Status.NOT_STARTED

    @property
    def filled(self) -> int:
        return len(self.values) - self.values.count(None)

    @property
    def complete(self) -> bool:
        return self.answered >= self.applicable

    def answers(self) -> Iterator[tuple[str, object]]:
        for code, value in zip(self.codes, self.values, strict=True):
            if value is not None:
                yield code, value


@dataclass
class Plan:
    layout: str = ""
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    entries: list[Entry] = field(default_factory=list)
    sheets: list[tuple[str, str, int]] = field(default_factory=list)  # sheet, layout, data rows
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # phase → seconds, for the CLI

    @property
    def ok(self) -> bool:
        return not self.problem_count and bool(self.entries)

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def counts(self) -> dict[str, int]:
        """What the preview shows: schools, answers, and what the schools' questionnaires become."""
        submitted = sum(1 for e in self.entries if e.complete)
        return {
            "schools": len(self.entries),
            "answers": sum(e.filled for e in self.entries),
            "submitted": submitted,
            "draft": len(self.entries) - submitted,
            "were_done": sum(1 for e in self.entries if e.was in DONE),
            "problems": self.problem_count,
        }


class ImportRejected(Exception):
    def __init__(self, plan: Plan):
        super().__init__("; ".join(str(p) for p in plan.problems[:5]))
        self.plan = plan


@dataclass(slots=True)
class _Target:
    submission_id: int
    school_id: int
    inn: str
    label: str
    municipality: str
    profile: tuple[str, bool]
    status: str


@dataclass(slots=True)
class _Pending:
    """A row whose school is not among the campaign's, told apart after the file is read."""

    sheet: str
    row: int
    column: str
    value: str
    inn: str
    name: str
    municipality: str


@dataclass(frozen=True, slots=True)
class _Bad:
    """Why a cell is refused."""

    message: str


_FORMULA = _Bad("формулы не принимаются: вставьте значения (Специальная вставка → Значения)")


def _judge(indicator: Indicator, raw: object) -> object:
    """A cell's answer: the validated value, None for an empty cell, or a :class:`_Bad`."""
    if isinstance(raw, str) and raw.lstrip().startswith("="):
        return _FORMULA
    value = normalise_cell(raw)
    try:
        return validate_answer(indicator, value)
    except AnswerError as e:
        # «нет» in a multiple-choice cell: none of the options (an empty cell is no answer).
        if indicator.type == "multiple" and cell_text(value).lower() in _NONE_CHOSEN:
            return ()
        return _Bad(e.message)


class _Checker:
    """Checks one file against one campaign as the database holds it now."""

    def __init__(self, campaign: Campaign, progress: Progress | None) -> None:
        self.campaign = campaign
        self.catalogue: Catalogue = campaign.criteria.catalogue
        self.plan = Plan()
        self.progress = progress or (lambda _percent: None)
        self.by_inn: dict[str, _Target] = {}
        self.by_name: dict[str, list[_Target]] = defaultdict(list)
        rows = Submission.objects.filter(campaign=campaign).values_list(
            "pk",
            "school_id",
            "school__inn",
            "school__short_name",
            "school__full_name",
            "school__municipality__name",
            "levels",
            "ovz",
            "status",
        )
        for pk, school_id, inn, short, full, municipality, levels, ovz, status in rows.iterator(
            chunk_size=5000
        ):
            target = _Target(pk, school_id, inn, short or full, municipality, (levels, ovz), status)
            self.by_inn[inn] = target
            for key in {normalise_name(short), normalise_name(full)} - {""}:
                self.by_name[key].append(target)
        self.seen: dict[int, tuple[str, int]] = {}
        self.seen_answers: dict[tuple[int, str], tuple[str, int]] = {}
        self.pending: list[_Pending] = []
        self.entries: dict[int, Entry] = {}
        self._applies: dict[tuple[tuple[str, bool], tuple[str, ...]], tuple[bool, ...]] = {}
        self._applicable: dict[tuple[str, bool], frozenset[str]] = {}
        self._resolved: dict[tuple[str, str, str], _Target | None] = {}
        self.order: dict[str, int] = {}

    # Problems -----------------------------------------------------------------------------
    def problem(self, sheet: str, row: int | None, column: str, value: object, reason: str) -> None:
        self.plan.add(Problem(sheet, row, column, cell_text(value)[:200], reason))

    # Schools ------------------------------------------------------------------------------
    def profile(self, target: _Target) -> SchoolProfile:
        levels, ovz = target.profile
        return SchoolProfile(levels=frozenset(filter(None, levels.split(","))), ovz=ovz)

    def applicable(self, target: _Target) -> frozenset[str]:
        found = self._applicable.get(target.profile)
        if found is None:
            found = frozenset(applicable_codes(self.catalogue, self.profile(target)))
            self._applicable[target.profile] = found
        return found

    def applies(self, target: _Target, codes: tuple[str, ...]) -> tuple[bool, ...]:
        key = (target.profile, codes)
        found = self._applies.get(key)
        if found is None:
            codes_set = self.applicable(target)
            found = tuple(code in codes_set for code in codes)
            self._applies[key] = found
        return found

    def resolve(
        self,
        sheet: str,
        row: int,
        columns: dict[str, str],
        inn_raw: object,
        name_raw: object,
        short_raw: object,
        municipality_raw: object,
    ) -> _Target | None:
        """The campaign's school a row names, or None (a problem is recorded or deferred).

        A school that cannot be found is reported once, at its first row.
        """
        name = cell_text(name_raw)
        if inn_raw is None and name_raw is not None and _looks_like_inn(name_raw):
            # A single «Школа» column may hold the INN.
            inn_raw, name = name_raw, ""
        inn = _inn_text(inn_raw) if inn_raw is not None else ""
        name = name or cell_text(short_raw)
        municipality = cell_text(municipality_raw)
        key = (inn, name, municipality)
        if key in self._resolved:
            return self._resolved[key]
        target = self._find(sheet, row, columns, inn_raw, inn, name, municipality)
        self._resolved[key] = target
        return target

    def _find(
        self,
        sheet: str,
        row: int,
        columns: dict[str, str],
        inn_raw: object,
        inn: str,
        name: str,
        municipality: str,
    ) -> _Target | None:
        if inn:
            target = self.by_inn.get(inn)
            if target is not None:
                return target
            try:
                clean_inn(inn)
            except ValidationError as e:
                self.problem(sheet, row, columns.get("inn", ""), inn_raw, e.messages[0])
                return None
            self.pending.append(
                _Pending(sheet, row, columns.get("inn", ""), inn, inn, name, municipality)
            )
            return None
        column = columns.get("name") or columns.get("short_name", "")
        if not name:
            self.problem(
                sheet, row, column, "", "не указана школа: заполните ИНН или наименование ОО"
            )
            return None
        found = self.by_name.get(normalise_name(name), [])
        if len(found) > 1 and municipality:
            mkey = normalise_name(municipality)
            found = [t for t in found if normalise_name(t.municipality) == mkey]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            inns = ", ".join(t.inn for t in found[:5])
            self.problem(
                sheet,
                row,
                column,
                name,
                f"школ с таким наименованием несколько (ИНН {inns}): укажите ИНН",
            )
            return None
        self.pending.append(_Pending(sheet, row, column, name, "", name, municipality))
        return None

    def _suggest(self, name: str, municipality: str) -> str:
        if not name:
            return ""
        key = normalise_name(name)
        candidates: dict[str, _Target] = {}
        mkey = normalise_name(municipality) if municipality else ""
        for text, targets in self.by_name.items():
            for t in targets:
                if not mkey or normalise_name(t.municipality) == mkey:
                    candidates.setdefault(text, t)
        if not candidates:
            return ""
        close = difflib.get_close_matches(key, list(candidates), n=6, cutoff=0.6)
        shown: list[str] = []
        for text in close:
            t = candidates[text]
            item = f"«{t.label}» (ИНН {t.inn})"
            if item not in shown:
                shown.append(item)
        return ("; возможно, имелась в виду: " + ", ".join(shown[:3])) if shown else ""

    def settle_pending(self) -> None:
        """Tell why the schools not found among the campaign's are refused: one query for all."""
        if not self.pending:
            return
        inns = sorted({p.inn for p in self.pending if p.inn})
        known: dict[str, tuple[int, str]] = {}
        for start in range(0, len(inns), 5000):
            for inn, region_id, short in School.objects.filter(
                inn__in=inns[start : start + 5000]
            ).values_list("inn", "municipality__region_id", "short_name"):
                known[inn] = (region_id, short)
        region_names: dict[str, str] = {}
        if any(p.inn == "" for p in self.pending):
            region_names = {
                normalise_name(n): s
                for full, short in School.objects.filter(
                    municipality__region=self.campaign.region_id
                )
                .exclude(submissions__campaign=self.campaign)
                .values_list("full_name", "short_name")
                for n, s in ((full, short), (short, short))
            }
        for number, p in enumerate(self.pending):
            suggest = self._suggest(p.name, p.municipality) if number < SUGGEST_ROWS else ""
            if p.inn:
                if p.inn in known:
                    region_id, short = known[p.inn]
                    if region_id != self.campaign.region_id:
                        reason = f"школа «{short}» относится к другому региону"
                    else:
                        reason = f"школа «{short}» не участвует в кампании «{self.campaign.title}»"
                else:
                    reason = f"школы с ИНН {p.inn} нет в реестре региона{suggest}"
            elif normalise_name(p.name) in region_names:
                reason = f"школа «{region_names[normalise_name(p.name)]}» не участвует в кампании «{self.campaign.title}»"
            else:
                reason = f"школа с таким наименованием не найдена среди школ кампании{suggest}"
            self.problem(p.sheet, p.row, p.column, p.value, reason)

    def claim(self, target: _Target, sheet: str, row: int, column: str, value: object) -> bool:
        """Record that a row holds this school's answers; a second row for it is a problem."""
        earlier = self.seen.get(target.submission_id)
        if earlier is not None:
            where = (
                f"в строке {earlier[1]}"
                if earlier[0] == sheet
                else f"на листе «{earlier[0]}», строка {earlier[1]}"
            )
            self.problem(
                sheet,
                row,
                column,
                value,
                f"школа «{target.label}» повторяется: она уже указана {where}",
            )
            return False
        self.seen[target.submission_id] = (sheet, row)
        return True

    # Cells --------------------------------------------------------------------------------
    @staticmethod
    def validate(indicator: Indicator, cache: dict[object, object], raw: object) -> object:
        """The validated answer, or a :class:`_Bad` reason, for a raw cell; remembered per column.

        Text cells are cached by their text, other cells by (type, value): ``True == 1`` must
        not share an entry.
        """
        key = raw if raw.__class__ is str else (raw.__class__, raw)
        hit = cache.get(key, _MISSING)
        if hit is _MISSING:
            hit = _judge(indicator, raw)
            if len(cache) < CACHE_LIMIT:
                cache[key] = hit
        return hit

    # Wide layout --------------------------------------------------------------------------
    def check_wide(self, sheet: Sheet, table: Table) -> int:
        header_texts = self._header_texts(sheet, table)
        school_pos = {
            k: table.columns[k]
            for k in ("inn", "name", "short_name", "municipality")
            if k in table.columns
        }
        school_cols = {
            k: f"{column_letter(p)} «{header_texts.get(p) or _TITLES[k]}»"
            for k, p in school_pos.items()
        }
        codes = tuple(k for k in table.columns if k in self.catalogue.indicators)
        positions = [table.columns[c] for c in codes]
        indicators = [self.catalogue.indicators[c] for c in codes]
        columns = [f"{column_letter(p)} «{c}»" for c, p in zip(codes, positions, strict=True)]
        caches: list[dict[object, object]] = [{} for _ in codes]
        wordings = [normalise_header(i.text)[:24] for i in indicators]
        inn_at, name_at = school_pos.get("inn"), school_pos.get("name")
        short_at, muni_at = school_pos.get("short_name"), school_pos.get("municipality")
        rows = sheet.rows
        start = table.header_row - 1 + table.header_rows
        total = max(len(rows) - start, 1)
        step = max(total // 50, 500)
        data_rows = 0
        first = True
        lookup = list(zip(range(len(codes)), positions, indicators, caches, strict=True))
        validate = self.validate
        for index in range(start, len(rows)):
            if (index - start) % step == 0:
                self.progress(10 + 75 * (index - start) // total)
            raw = rows[index]
            # The hot loop of a big file: one cache lookup per cell, problems kept aside until
            # the row turns out to be a row of data.
            values: list[object] = [None] * len(codes)
            filled: list[int] = []
            bad: list[tuple[int, _Bad]] = []
            for j, position, indicator, cache in lookup:
                cell = raw[position]
                if cell is None:
                    continue
                hit = validate(indicator, cache, cell)
                if hit is None:
                    continue
                if hit.__class__ is _Bad:
                    bad.append((j, hit))  # type: ignore[arg-type]
                    continue
                values[j] = hit
                filled.append(j)
            inn_raw = normalise_cell(raw[inn_at]) if inn_at is not None else None
            name_raw = normalise_cell(raw[name_at]) if name_at is not None else None
            short_raw = normalise_cell(raw[short_at]) if short_at is not None else None
            if not filled and not bad:
                first = first and inn_raw is None and name_raw is None
                continue
            number = index + 1
            if first:
                first = False
                present = filled + [j for j, _reason in bad]
                if all(_is_wording(raw[positions[j]], wordings[j]) for j in present):
                    continue  # the row of wordings under the codes
            label_text = cell_text(name_raw or short_raw).lower()
            if inn_raw is None and label_text.startswith(_TOTALS):
                continue
            if isinstance(inn_raw, str) and normalise_header(inn_raw) == "инн":
                continue  # a header repeated after a page break
            data_rows += 1
            for j, reason in bad:
                self.problem(sheet.name, number, columns[j], raw[positions[j]], reason.message)
            target = self.resolve(
                sheet.name,
                number,
                school_cols,
                inn_raw,
                name_raw,
                short_raw,
                normalise_cell(raw[muni_at]) if muni_at is not None else None,
            )
            if target is not None and not self.claim(
                target,
                sheet.name,
                number,
                school_cols.get("inn") or school_cols.get("name", ""),
                inn_raw or name_raw,
            ):
                target = None
            if target is None:
                continue
            applies = self.applies(target, codes)
            for j in filled:
                if not applies[j]:
                    self.problem(
                        sheet.name,
                        number,
                        columns[j],
                        raw[positions[j]],
                        f"показатель {codes[j]} не относится к этой школе (уровни образования или ОВЗ), "
                        "а ответ указан",
                    )
                    values[j] = None
            self.entries[target.submission_id] = Entry(
                target.submission_id,
                target.school_id,
                target.label,
                sheet.name,
                number,
                codes,
                values,
                was=target.status,
            )
        return data_rows

    @staticmethod
    def _header_texts(sheet: Sheet, table: Table) -> dict[int, str]:
        texts: dict[int, str] = {}
        for index in range(table.header_row - 1, table.header_row - 1 + table.header_rows):
            for position, cell in enumerate(sheet.rows[index]):
                text = cell_text(cell)
                if text:
                    texts[position] = text if position not in texts else f"{texts[position]} {text}"
        return texts

    def unknown_codes(self, sheet: Sheet, table: Table) -> list[str]:
        used = set(table.columns.values())
        found = []
        for position, text in sorted(self._header_texts(sheet, table).items()):
            if position in used:
                continue
            match = _CODE_LIKE.match(text)
            if match:
                found.append(f"{column_letter(position)} «{match.group(0)}»")
        return found

    # Long layout --------------------------------------------------------------------------
    def check_long(self, sheet: Sheet, table: Table) -> int:
        letters = table.column_letters
        cols = {k: f"{letters[k]} «{_TITLES[k]}»" for k in table.columns}
        caches: dict[str, dict[object, object]] = defaultdict(dict)
        has_comment, has_url = "comment" in table.columns, "evidence_url" in table.columns
        total = max(len(table.rows), 1)
        for number_in_table, row in enumerate(table.rows):
            if number_in_table % 500 == 0:
                self.progress(10 + 75 * number_in_table // total)
            v = row.values
            raw_code = cell_text(v.get("code"))
            code = raw_code.split(" ", 1)[0] if raw_code else ""
            indicator = self.catalogue.indicators.get(code)
            target = self.resolve(
                sheet.name,
                row.number,
                cols,
                v.get("inn"),
                v.get("name"),
                v.get("short_name"),
                v.get("municipality"),
            )
            if not raw_code:
                self.problem(sheet.name, row.number, cols["code"], "", "не указан код показателя")
                continue
            if indicator is None:
                self.problem(
                    sheet.name,
                    row.number,
                    cols["code"],
                    raw_code,
                    f"показателя с кодом «{code}» нет в каталоге {self.catalogue.version}",
                )
                continue
            answer = v.get("answer")
            hit = self.validate(indicator, caches[code], answer) if answer is not None else None
            if isinstance(hit, _Bad):
                self.problem(sheet.name, row.number, cols["answer"], answer, hit.message)
                continue
            url = cell_text(v.get("evidence_url")) if has_url else ""
            if url:
                try:
                    _url_validator(url)
                except ValidationError:
                    self.problem(
                        sheet.name,
                        row.number,
                        cols["evidence_url"],
                        url,
                        "неверная ссылка: ожидался адрес вида https://…",
                    )
                    continue
            if target is None or hit is None:
                continue
            if code not in self.applicable(target):
                self.problem(
                    sheet.name,
                    row.number,
                    cols["answer"],
                    answer,
                    f"показатель {code} не относится к этой школе (уровни образования или ОВЗ), а ответ указан",
                )
                continue
            earlier = self.seen_answers.get((target.submission_id, code))
            if earlier is not None:
                where = (
                    f"в строке {earlier[1]}"
                    if earlier[0] == sheet.name
                    else f"на листе «{earlier[0]}», строка {earlier[1]}"
                )
                self.problem(
                    sheet.name,
                    row.number,
                    cols["code"],
                    code,
                    f"ответ школы «{target.label}» на показатель {code} уже указан {where}",
                )
                continue
            self.seen_answers[(target.submission_id, code)] = (sheet.name, row.number)
            entry = self.entries.get(target.submission_id)
            if entry is None:
                self.seen[target.submission_id] = (sheet.name, row.number)
                entry = Entry(
                    target.submission_id,
                    target.school_id,
                    target.label,
                    sheet.name,
                    row.number,
                    [],
                    [],
                    comments={} if has_comment else None,
                    urls={} if has_url else None,
                    was=target.status,
                )
                self.entries[target.submission_id] = entry
            elif not isinstance(entry.codes, list):
                # The school has a row in a wide sheet of the same file.
                self.claim(
                    target,
                    sheet.name,
                    row.number,
                    cols.get("inn") or cols.get("name", ""),
                    v.get("inn") or v.get("name"),
                )
                continue
            codes = entry.codes
            assert isinstance(codes, list)
            codes.append(code)
            entry.values.append(hit)
            if entry.comments is not None:
                entry.comments[code] = cell_text(v.get("comment"))[:5000]
            if entry.urls is not None:
                entry.urls[code] = url
        return len(table.rows)

    # Completeness -------------------------------------------------------------------------
    def count_answered(self) -> None:
        """How many applicable indicators each school will have answered after the import."""
        targets = {t.submission_id: t for t in self.by_inn.values()}
        incomplete: list[Entry] = []
        for entry in self.entries.values():
            codes = self.applicable(targets[entry.submission_id])
            entry.applicable = len(codes)
            # Answers to indicators that do not apply were refused: every answer counts.
            entry.answered = entry.filled
            if entry.answered < entry.applicable and entry.was != Status.NOT_STARTED:
                incomplete.append(entry)
        for start in range(0, len(incomplete), 1000):
            chunk = {e.submission_id: e for e in incomplete[start : start + 1000]}
            existing: dict[int, set[str]] = defaultdict(set)
            for sid, code in Answer.objects.filter(
                submission_id__in=list(chunk), value__isnull=False
            ).values_list("submission_id", "code"):
                existing[sid].add(code)
            for sid, entry in chunk.items():
                codes = self.applicable(targets[sid])
                mine = {code for code, _value in entry.answers()}
                entry.answered = len((existing[sid] | mine) & codes)


def _code_columns(catalogue: Catalogue) -> tuple[Column, ...]:
    return tuple(Column(code, code, (code,)) for code in catalogue.indicators)


def _head(sheet: Sheet) -> Sheet:
    return Sheet(sheet.name, sheet.rows[: SEARCH_ROWS + 2])


def _detect(
    sheet: Sheet, wide_columns: tuple[Column, ...], catalogue: Catalogue
) -> tuple[str, Table] | str:
    """The layout of a sheet and its header, or why the sheet holds no results table."""
    head = _head(sheet)
    try:
        table = find_table(head, LONG_COLUMNS, search_rows=SEARCH_ROWS)
        if {"inn", "name", "short_name"} & table.columns.keys():
            return LONG, find_table(sheet, LONG_COLUMNS, search_rows=SEARCH_ROWS)
    except TableError:
        pass
    try:
        table = find_table(head, wide_columns, search_rows=SEARCH_ROWS)
    except TableError as e:
        return e.message
    codes = [k for k in table.columns if k in catalogue.indicators]
    if codes and {"inn", "name", "short_name"} & table.columns.keys():
        return WIDE, table
    if codes:
        return "нет столбца школы: нужен «ИНН» и/или «Наименование ОО»"
    return "нет столбцов с кодами показателей"


def check_file(
    data: bytes, filename: str, campaign: Campaign, *, progress: Progress | None = None
) -> Plan:
    """Read a results file and validate every cell against the campaign; nothing is written."""
    report = progress or (lambda _percent: None)
    plan = Plan()
    refused = refusal(data, filename, TABLE)
    if refused:
        plan.add(Problem("", None, "", "", refused))
        return plan
    report(1)
    try:
        sheets = read_sheets(data, filename)
    except TableError as e:
        plan.add(Problem("", None, "", "", e.message))
        return plan
    report(8)
    checker = _Checker(campaign, progress)
    plan = checker.plan
    # Formulas were found by the pass over the sheet XML that measured it (kernels.tables).
    formulas = [(sheet.name, ref) for sheet in sheets for ref in sheet.formulas][:20]
    for sheet_name, cell in formulas:
        letters = cell.rstrip("0123456789")
        plan.add(
            Problem(
                sheet_name,
                int(cell[len(letters) :] or 0) or None,
                letters,
                "",
                f"в ячейке {cell} формула; формулы не принимаются: вставьте значения (Специальная вставка → Значения)",
            )
        )
    catalogue = checker.catalogue
    wide_columns = SCHOOL_COLUMNS + _code_columns(catalogue)
    found = 0
    skipped: list[str] = []
    for order, sheet in enumerate(sheets):
        checker.order[sheet.name] = order
        if not any(
            any(cell not in (None, "") for cell in r) for r in sheet.rows[: SEARCH_ROWS + 2]
        ):
            continue
        detected = _detect(sheet, wide_columns, catalogue)
        if isinstance(detected, str):
            skipped.append(f"«{sheet.name}»: {detected}")
            continue
        layout, table = detected
        found += 1
        if plan.layout and plan.layout != layout:
            plan.layout = "mixed"
        else:
            plan.layout = layout
        if layout == WIDE:
            unknown = checker.unknown_codes(sheet, table)
            if unknown:
                checker.problem(
                    sheet.name,
                    table.header_row,
                    ", ".join(unknown),
                    "",
                    f"неизвестные коды показателей (их нет в каталоге {catalogue.version}): "
                    + ", ".join(u.split(" ", 1)[1] for u in unknown),
                )
            rows = checker.check_wide(sheet, table)
        else:
            rows = checker.check_long(sheet, table)
        plan.sheets.append((sheet.name, layout, rows))
        other = [h for h in table.unknown_headers if not _CODE_LIKE.match(h)]
        if other:
            plan.notes.append(
                f"Лист «{sheet.name}»: не используются столбцы "
                + ", ".join(f"«{h}»" for h in other[:20])
            )
    del sheets
    if not found:
        codes = list(catalogue.indicators)[:3]
        reason = (
            "не найдена таблица результатов. Нужны столбцы «ИНН» и/или «Наименование ОО» и по столбцу "
            f"на показатель с его кодом в заголовке ({', '.join(codes)}, …) — или столбцы «ИНН»/«Наименование ОО», "
            "«Показатель», «Ответ»"
        )
        if skipped:
            reason += ". " + "; ".join(skipped)
        plan.add(Problem("", None, "", "", reason))
        return plan
    plan.notes.extend(f"Пропущен лист {s}" for s in skipped)
    checker.settle_pending()
    plan.problems.sort(key=lambda p: (checker.order.get(p.sheet, -1), p.row or 0))
    report(90)
    if not checker.entries and not plan.problem_count:
        plan.add(
            Problem("", None, "", "", "в файле нет ни одного ответа: заполните ячейки показателей")
        )
    checker.count_answered()
    plan.entries = sorted(
        checker.entries.values(), key=lambda e: (checker.order.get(e.sheet, 0), e.row)
    )
    report(100)
    return plan


# Writing --------------------------------------------------------------------------------------


def _write_answers(
    plan: Plan,
    user_id: int | None,
    now: Any,
    report: Progress,
    total: int,
    stored: set[int],
    campaign_id: int,
) -> int:
    """Write every answer of the plan through the driver; returns how many.

    Answers of questionnaires in ``stored`` (those that held answers before) are upserted; the
    rest, usually all of a federal file, are plainly inserted, which is several times faster.
    """
    table = Answer._meta.db_table
    written = 0
    with connection.cursor() as cursor:
        groups: dict[tuple[bool, bool] | None, list[tuple[Any, ...]]] = defaultdict(list)

        def flush(kind: tuple[bool, bool] | None) -> None:
            nonlocal written
            rows = groups.pop(kind, [])
            if not rows:
                return
            if kind is None:
                insert_rows(Answer, ANSWER_COLUMNS, rows)
            else:
                fields = ["value", "updated_at", "updated_by_id"]
                fields += ["comment"] if kind[0] else []
                fields += ["evidence_url"] if kind[1] else []
                sets = ", ".join(f"{f} = excluded.{f}" for f in fields)
                if connection.vendor == "postgresql":
                    _copy_upsert(cursor, table, rows, sets)
                else:
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(ANSWER_COLUMNS)}) "
                        f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                        f"ON CONFLICT (submission_id, code, campaign_id) DO UPDATE SET {sets}",
                        rows,
                    )
            written += len(rows)
            report(5 + 55 * written // max(total, 1))

        stamp = connection.ops.adapt_datetimefield_value(now)
        # A column holds few distinct answers: encode each once. The type is part of the key,
        # since True == 1 to a dict.
        encoded: dict[tuple[type, object], str] = {}

        def dumps(value: object) -> str:
            key = (value.__class__, value)
            text = encoded.get(key)
            if text is None:
                text = encoded[key] = json.dumps(value, ensure_ascii=False)
            return text

        for entry in plan.entries:
            sid = entry.submission_id
            comments, urls = entry.comments, entry.urls
            fresh = sid not in stored
            kind = None if fresh else (comments is not None, urls is not None)
            rows = groups[kind]
            for code, value in entry.answers():
                rows.append(
                    (
                        sid,
                        code,
                        dumps(value),
                        comments.get(code, "") if comments else "",
                        urls.get(code, "") if urls else "",
                        "",
                        stamp,
                        user_id,
                        campaign_id,
                    )
                )
            if len(rows) >= 10 * BATCH:
                flush(kind)
        for kind in list(groups):
            flush(kind)
    return written


# Column order of the answer rows above.
ANSWER_COLUMNS = (
    "submission_id",
    "code",
    "value",
    "comment",
    "evidence_url",
    "evidence_file",
    "updated_at",
    "updated_by_id",
    "campaign_id",
)


def _copy_upsert(cursor: Any, table: str, rows: list[tuple[Any, ...]], sets: str) -> None:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … ON CONFLICT from it.

    Row by row ``executemany`` costs a round trip per answer; COPY streams them.
    """
    columns = ", ".join(ANSWER_COLUMNS)
    cursor.execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS marshrut_answer_import (submission_id bigint, "
        "code varchar(30), value jsonb, comment text, evidence_url varchar(500), "
        "evidence_file varchar(100), updated_at timestamptz, updated_by_id bigint, "
        "campaign_id bigint) ON COMMIT DROP"
    )
    cursor.execute("TRUNCATE marshrut_answer_import")
    with cursor.cursor.copy(f"COPY marshrut_answer_import ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM marshrut_answer_import "
        f"ON CONFLICT (submission_id, code, campaign_id) DO UPDATE SET {sets}"
    )


@contextmanager
def _bulk_writing(rows: int) -> Iterator[None]:
    """Inside a transaction: settings of this connection that make writing a big file cheaper.

    SQLite gets a page cache of 128 MiB instead of 2 MiB while the file is written, so that the
    indexes being filled stay in memory. PostgreSQL checks foreign keys as each row arrives instead
    of all at commit: the server then works while this process reads and scores the next chunk,
    where at commit it would work alone. (SET CONSTRAINTS lasts until the transaction ends.)
    """
    big = rows >= 100_000
    with connection.cursor() as cursor:
        if big and connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            (was,) = cursor.fetchone()
            cursor.execute("PRAGMA cache_size = -131072")
        elif big and connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    try:
        yield
    finally:
        if big and connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(was)}")


def _score(campaign: Campaign, done: list[Entry], stored: set[int], report: Progress) -> None:
    """Score the complete questionnaires and run the verification rules, chunk by chunk.

    Questionnaires in ``stored`` are scored from the database; the rest from the answers in hand.
    """
    catalogue = campaign.criteria.catalogue
    for start in range(0, len(done), BATCH):
        entries = done[start : start + BATCH]
        chunk = list(Submission.objects.filter(pk__in=[e.submission_id for e in entries]))
        for sub in chunk:
            sub.campaign = campaign
        old = [sub for sub in chunk if sub.pk in stored]
        answers = {sid: normalised(catalogue, values) for sid, values in answers_of(old).items()}
        evidence = evidence_of(old)
        for entry in entries:
            if entry.submission_id not in stored:
                answers[entry.submission_id] = dict(entry.answers())
                if entry.urls:
                    evidence[entry.submission_id] = {c for c, url in entry.urls.items() if url}
        finish(chunk, answers=answers, evidence=evidence)
        report(65 + 34 * min(start + BATCH, len(done)) // max(len(done), 1))


def apply_file(
    actor: Any,
    data: bytes,
    filename: str,
    campaign: Campaign,
    *,
    source: str = Source.WEB,
    plan: Plan | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Write a results file whole, or raise ImportRejected with every problem and write nothing.

    ``plan`` is the result of :func:`check_file` on the same bytes just before; without it the
    file is checked again here.
    """
    report = progress or (lambda _percent: None)
    if plan is None:
        plan = check_file(data, filename, campaign)
    if not plan.ok:
        raise ImportRejected(plan)
    user = user_or_none(actor)
    now = timezone.now()
    total = plan.counts()["answers"]
    clock = time.monotonic()
    done = [e for e in plan.entries if e.complete]
    with transaction.atomic(), _bulk_writing(total):
        # Questionnaires that held answers before the file get their answers upserted and are
        # scored from the database; the rest get plain inserts and are scored from the answers in
        # hand, which are then all they have.
        stored = answered_submissions([e.submission_id for e in plan.entries])
        user_id = user.pk if user else None
        _write_answers(plan, user_id, now, report, total, stored, campaign.pk)
        plan.timings["answers"] = time.monotonic() - clock
        groups: dict[tuple[bool, int, int], list[int]] = defaultdict(list)
        for entry in plan.entries:
            groups[(entry.complete, entry.answered, entry.applicable)].append(entry.submission_id)
        for (complete, answered, applicable), ids in groups.items():
            for start in range(0, len(ids), 5000):
                changes: dict[str, Any] = {
                    "status": Status.SUBMITTED if complete else Status.DRAFT,
                    "source": "import",
                    "answered": min(answered, applicable),
                    "applicable": applicable,
                    "updated_at": now,
                }
                if complete:
                    changes.update(submitted_at=now, submitted_by=user)
                Submission.objects.filter(pk__in=ids[start : start + 5000]).update(**changes)
        results_changed(campaign.pk)
        report(65)
        plan.timings["statuses"] = time.monotonic() - clock - plan.timings["answers"]
        # Scores and verification: only the questionnaires that are now complete are scored.
        # A federal campaign has some forty deficits per school.
        with index_built_after(Deficit, "deficit_campaign_code", 40 * len(done)):
            _score(campaign, done, stored, report)
        plan.timings["scores"] = time.monotonic() - clock - sum(plan.timings.values())
        counts = plan.counts()
        record(
            actor,
            Action.IMPORT,
            campaign,
            source=source,
            region_id=campaign.region_id,
            target_repr=f"{campaign.title}: {filename}",
            changes={k: v for k, v in counts.items() if k != "problems"}
            | {"file": filename, "layout": plan.layout},
            message=f"загрузка результатов самодиагностики из файла {filename}",
        )
    clock = time.monotonic()
    # Fresh statistics for the planner: the campaign's rows have just changed wholesale.
    analyse([campaign.pk])
    plan.timings["statistics"] = time.monotonic() - clock
    report(100)
    return plan


def summary(plan: Plan) -> dict[str, Any]:
    """What the job page and the CLI show: layout, sheets, counts, notes, problems."""
    return {
        "layout": plan.layout,
        "layout_label": LAYOUT_LABELS.get(plan.layout, ""),
        "sheets": [
            {"sheet": s, "layout": LAYOUT_LABELS.get(k, k), "rows": n} for s, k, n in plan.sheets
        ],
        "counts": plan.counts(),
        "notes": plan.notes,
        "problems": [p.__dict__ for p in plan.problems],
        "problem_count": plan.problem_count,
    }


# The workbooks of a campaign: the template in, the results out ---------------------------------


def answer_hint(indicator: Indicator) -> str:
    """How to write an answer of the indicator in a cell."""
    if indicator.type == "yesno":
        return "да / нет"
    if indicator.type == "single":
        return "один из: " + "; ".join(f"{o.code} — {o.text}" for o in indicator.options)
    if indicator.type == "multiple":
        options = "; ".join(f"{o.code} — {o.text}" for o in indicator.options)
        return f"коды через запятую, «нет» — ни одного: {options}"
    low, high = indicator.value_range()
    unit = " %" if indicator.type == "percent" else ""
    kind = "целое число" if indicator.integer else "число"
    if high == float("inf"):
        return f"{kind} не меньше {low:g}"
    return f"{kind} от {low:g} до {high:g}{unit}"


def _applies_text(indicator: Indicator) -> str:
    cond = indicator.applies_if
    if cond is None:
        return "всем школам"
    parts = []
    if cond.levels_any is not None:
        parts.append(", ".join(EDUCATION_LEVEL_NAMES.get(x, x) for x in sorted(cond.levels_any)))
    if cond.ovz is not None:
        parts.append("обучаются дети с ОВЗ" if cond.ovz else "нет детей с ОВЗ")
    return "; ".join(parts)


def _book(buffer: io.BytesIO, *, constant_memory: bool = False) -> Any:
    import xlsxwriter

    return xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": not constant_memory,
            "constant_memory": constant_memory,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )


def template_xlsx(campaign: Campaign) -> bytes:
    """The empty wide layout: codes in row 1, wordings in row 2 (skipped on import), a row per school."""
    catalogue = campaign.criteria.catalogue
    buffer = io.BytesIO()
    book = _book(buffer)
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    wording = book.add_format(
        {"italic": True, "text_wrap": True, "valign": "top", "font_color": "#444444", "border": 1}
    )
    text = book.add_format({"num_format": "@"})
    ws = book.add_worksheet("Результаты")
    school = ["ИНН", "Наименование ОО", "Муниципалитет"]
    for col, title in enumerate(school):
        ws.write_string(0, col, title, head)
    ws.write_string(1, 1, "Формулировка показателя (строка не загружается) →", wording)
    ws.set_column(0, 0, 13, text)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 24)
    indicators = list(catalogue.indicators.values())
    schools = list(
        Submission.objects.filter(campaign=campaign)
        .order_by("school__municipality__name", "school__short_name")
        .values_list("school__inn", "school__short_name", "school__municipality__name")
    )
    last = max(len(schools) + 1, 2)
    for offset, indicator in enumerate(indicators):
        col = len(school) + offset
        ws.write_string(0, col, indicator.code, head)
        ws.write_comment(
            0,
            col,
            f"{indicator.text}\nОтвет: {answer_hint(indicator)}",
            {"x_scale": 2, "y_scale": 2},
        )
        ws.write_string(1, col, indicator.text, wording)
        ws.set_column(col, col, 14)
        if indicator.type == "yesno":
            ws.data_validation(2, col, last, col, {"validate": "list", "source": ["да", "нет"]})
        elif indicator.type == "single" and sum(len(o.code) + 1 for o in indicator.options) < 250:
            ws.data_validation(
                2,
                col,
                last,
                col,
                {"validate": "list", "source": [o.code for o in indicator.options]},
            )
    ws.set_row(1, 60)
    for row, (inn, name, municipality) in enumerate(schools, start=2):
        ws.write_string(row, 0, inn, text)
        ws.write_string(row, 1, name)
        ws.write_string(row, 2, municipality)
    ws.freeze_panes(2, 3)
    ref = book.add_worksheet("Показатели")
    titles = [
        "Код",
        "Направление",
        "Показатель",
        "Критический",
        "Как записать ответ",
        "Применяется к",
    ]
    for col, title in enumerate(titles):
        ref.write_string(0, col, title, head)
    for row, indicator in enumerate(indicators, start=1):
        ref.write_row(
            row,
            0,
            [
                indicator.code,
                catalogue.direction(indicator.direction).name,
                indicator.text,
                "да" if indicator.critical else "",
                answer_hint(indicator),
                _applies_text(indicator),
            ],
        )
    for col, width in enumerate((10, 22, 70, 12, 50, 24)):
        ref.set_column(col, col, width)
    if catalogue.illustrative:
        ref.write_string(len(indicators) + 2, 0, catalogue.notice)
    book.close()
    return buffer.getvalue()


LEVEL_NAMES = dict(LEVEL_CHOICES)


def results_xlsx(campaign: Campaign) -> bytes:
    """Results of a campaign: points and levels per direction and overall, deficits per school."""
    catalogue = campaign.criteria.catalogue
    directions = list(catalogue.direction_codes)
    buffer = io.BytesIO()
    book = _book(buffer, constant_memory=True)
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF7", "border": 1}
    )
    note = book.add_format({"italic": True, "font_color": "#8a4b00"})
    ws = book.add_worksheet("Результаты")
    top = 0
    if catalogue.illustrative:
        ws.write_string(
            0,
            0,
            "Демонстрационный (иллюстративный) каталог критериев: уровни условные. "
            + catalogue.notice,
            note,
        )
        top = 2
    header = [
        "Муниципалитет",
        "ИНН",
        "Наименование ОО",
        "Состояние анкеты",
        "Отвечено",
        "Показателей",
    ]
    for d in directions:
        name = catalogue.direction(d).name
        header += [f"{name}: баллы", f"{name}: максимум", f"{name}: уровень"]
    header += [
        "Итого: баллы",
        "Итого: максимум",
        "Итого: доля, %",
        "Итого: уровень",
        "Дефицитов",
        "Дефициты (коды)",
    ]
    ws.write_row(top, 0, header, head)
    ws.freeze_panes(top + 1, 3)
    ws.set_column(0, 0, 24)
    ws.set_column(2, 2, 40)
    results: dict[int, dict[str, tuple[float | None, float | None, str]]] = defaultdict(dict)
    for sid, scope, points, max_points, level in (
        Result.objects.filter(campaign=campaign)
        .values_list("submission_id", "scope", "points", "max_points", "level")
        .iterator(chunk_size=10000)
    ):
        results[sid][scope] = (points, max_points, level)
    deficits: dict[int, list[tuple[str, str, str, float, float]]] = defaultdict(list)
    for sid, code, direction, kind, points, max_points in (
        Deficit.objects.filter(campaign=campaign)
        .values_list("submission_id", "code", "direction", "kind", "points", "max_points")
        .order_by("submission_id", "code")
        .iterator(chunk_size=10000)
    ):
        deficits[sid].append((code, direction, kind, points, max_points))
    status_names = dict(Status.choices)
    subs = list(
        Submission.objects.filter(campaign=campaign)
        .order_by("school__municipality__name", "school__short_name")
        .values_list(
            "pk",
            "school__municipality__name",
            "school__inn",
            "school__short_name",
            "status",
            "answered",
            "applicable",
        )
    )
    row = top
    for sid, municipality, inn, name, status, answered, applicable in subs:
        row += 1
        cells: list[Any] = [
            municipality,
            inn,
            name,
            str(status_names.get(status, status)),
            answered,
            applicable,
        ]
        scored = results.get(sid, {})
        for scope in [*directions, "overall"]:
            got, most, level = scored.get(scope) or (None, None, "")
            cells += [got, most]
            if scope == "overall":
                cells.append(round(100 * got / most, 1) if got is not None and most else None)
            cells.append(str(LEVEL_NAMES.get(level, "")) if level else "")
        own = deficits.get(sid, [])
        cells += [len(own) if scored else None, ", ".join(d[0] for d in own)]
        for col, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                ws.write_number(row, col, value)
            else:
                ws.write_string(row, col, value)
    if subs:
        ws.autofilter(top, 0, row, len(header) - 1)
    ds = book.add_worksheet("Дефициты")
    kinds = dict(Deficit.Kind.choices)
    ds.write_row(
        0,
        0,
        [
            "Муниципалитет",
            "ИНН",
            "Наименование ОО",
            "Направление",
            "Код",
            "Показатель",
            "Вид дефицита",
            "Баллы",
            "Максимум",
        ],
        head,
    )
    ds.set_column(0, 0, 24)
    ds.set_column(2, 2, 40)
    ds.set_column(5, 5, 60)
    ds.freeze_panes(1, 0)
    row = 0
    for sid, municipality, inn, name, *_rest in subs:
        for code, direction, kind, points, max_points in deficits.get(sid, []):
            row += 1
            indicator = catalogue.indicators.get(code)
            ds.write_string(row, 0, municipality)
            ds.write_string(row, 1, inn)
            ds.write_string(row, 2, name)
            ds.write_string(
                row,
                3,
                catalogue.direction(direction).name
                if direction in catalogue.direction_codes
                else direction,
            )
            ds.write_string(row, 4, code)
            ds.write_string(row, 5, indicator.text if indicator else "")
            ds.write_string(row, 6, str(kinds.get(kind, kind)))
            ds.write_number(row, 7, points)
            ds.write_number(row, 8, max_points)
    book.close()
    return buffer.getvalue()
