"""Roadmap documents → a draft the operator checks and corrects → the rows of a plan.

The kernel (:mod:`marshrut.kernels.plan_reader`) reads DOCX, PDF, the seeds' text form and scans
(through :mod:`marshrut.kernels.ocr`), and :func:`marshrut.kernels.tables.read_sheets` reads
spreadsheets; this module decides what may be uploaded at all (by content, never by name), turns
the kernel's plan into a JSON draft that keeps every source text beside what was read from it,
and re-reads a row after the operator edits it.
A row read from a scan carries ``scan`` (the OCR confidence of the row and of each field); a
field under :data:`marshrut.kernels.confidence.SCAN_THRESHOLD` is one more doubt in the row's
``confidence`` (so the row comes among those to check first), and the row waits for the
operator's confirmation before the plan is saved.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marshrut.kernels.confidence import Confidence, field_doubts, row_score, scan_doubts
from marshrut.kernels.deadlines import parse_deadline
from marshrut.kernels.plan_reader import Plan as ParsedPlan
from marshrut.kernels.plan_reader import PlanReadError, read_plan, read_plan_rows
from marshrut.kernels.responsibles import DEFAULT_ABBREVIATIONS, OrgDictionary, parse_responsibles
from marshrut.kernels.tables import TableError, read_sheets
from marshrut.kernels.targets import item_targets
from marshrut.lib.uploads import PLAN_DOCUMENT, refusal
from marshrut.orgs.models import Region
from marshrut.plans.models import Organisation

KINDS = ("docx", "xlsx", "xls", "pdf", "txt", "image")
# A date column of the federal schedule in a ШНОР roadmap: «Срок исполнения (федеральный
# уровень)», «Сроки ФИОКО», «Срок (Минпросвещения России)»; any other is the region's own.
FEDERAL_LABEL = re.compile(r"федерал|фиоко|минпрос|\bрф\b|российской\s+федерации", re.I)
DEFAULT_LABEL = "Сроки"

MSG_ARCHIVE = (
    "Архивы не принимаются. Распакуйте архив и загрузите сам документ: DOCX, XLSX, XLS, PDF, TXT "
    "или скан (PNG, JPEG, TIFF)."
)
MSG_MACROS = (
    "Документы с макросами (DOCM, XLSM) не принимаются. Сохраните файл как обычный документ "
    "Word (*.docx) или книгу Excel (*.xlsx) и загрузите его снова."
)
MSG_DOC = (
    "Формат DOC (Word 97–2003) не поддерживается. Откройте файл в Word и сохраните как "
    "«Документ Word (*.docx)»."
)
MSG_UNKNOWN = (
    "Не удалось распознать формат файла: принимаются DOCX, XLSX, XLS, PDF, TXT и сканы (PNG, "
    "JPEG, TIFF)."
)
MSG_UNCONFIRMED = (
    "Дорожная карта не сохранена: строки, распознанные по скану с низкой уверенностью, не "
    "подтверждены (%(rows)s). Сверьте их с документом и отметьте «Проверено» или исправьте."
)

_IMAGE_MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")

_ARCHIVE_MAGICS = (b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"\xfd7zXZ")


class ImportRefused(Exception):
    """The file cannot become a plan; ``message`` is Russian text for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sniff(data: bytes) -> str:
    """The kind of an uploaded document by its content: one of :data:`KINDS`, or refuse it."""
    if not data.strip():
        raise ImportRefused("Файл пуст.")
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                types = (
                    archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
                )
        except (zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
            raise ImportRefused("Файл повреждён: не удалось открыть его как документ.") from error
        macros = b"macroEnabled" in types or any(n.endswith("vbaProject.bin") for n in names)
        if "word/document.xml" in names:
            if macros:
                raise ImportRefused(MSG_MACROS)
            return "docx"
        if "xl/workbook.xml" in names:
            if macros:
                raise ImportRefused(MSG_MACROS)
            return "xlsx"
        raise ImportRefused(MSG_ARCHIVE)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if "_VBA_PROJECT".encode("utf-16-le") in data:
            raise ImportRefused(MSG_MACROS)
        if "WordDocument".encode("utf-16-le") in data:
            raise ImportRefused(MSG_DOC)
        return "xls"
    if data.startswith(_ARCHIVE_MAGICS):
        raise ImportRefused(MSG_ARCHIVE)
    if data.startswith(_IMAGE_MAGICS):
        return "image"
    for encoding in ("utf-8-sig", "cp1251", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text):
            return "txt"
    raise ImportRefused(MSG_UNKNOWN)


def dictionary_for(region: Region | None) -> OrgDictionary:
    """The region's organisations as the kernel wants them; the built-in list when it has none."""
    if region is None:
        return OrgDictionary(DEFAULT_ABBREVIATIONS)
    entries = {o.abbreviation: o.names for o in Organisation.objects.filter(region=region)}
    return OrgDictionary(entries or DEFAULT_ABBREVIATIONS)


def read_document(
    data: bytes, filename: str, year: int, dictionary: OrgDictionary | None = None
) -> ParsedPlan:
    """Read a plan document of any accepted kind; :class:`ImportRefused` when it holds none."""
    refused = refusal(data, filename, PLAN_DOCUMENT)
    if refused:
        raise ImportRefused(refused)
    kind = sniff(data)
    orgs = dictionary or OrgDictionary(DEFAULT_ABBREVIATIONS)
    try:
        if kind in ("xlsx", "xls"):
            try:
                sheets = read_sheets(data, filename)
            except TableError as error:
                raise ImportRefused(error.message) from error
            first_error: PlanReadError | None = None
            for sheet in sheets:
                try:
                    return read_plan_rows(sheet.rows, year, orgs)
                except PlanReadError as error:
                    first_error = first_error or error
            raise first_error or PlanReadError("В книге нет ни одного листа.")
        return read_plan(data, filename, year, orgs)
    except PlanReadError as error:
        raise ImportRefused(str(error)) from error


# --- the draft ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flags:
    """What the operator should look at in a row."""

    unknown_deadline: bool
    no_deadline: bool
    unmapped: list[str]
    no_title: bool
    # Read from a scan with a field under the scan threshold, not yet confirmed by the operator.
    scan_unconfirmed: bool = False

    @property
    def any(self) -> bool:
        return (
            self.unknown_deadline
            or self.no_deadline
            or bool(self.unmapped)
            or self.no_title
            or self.scan_unconfirmed
        )


def is_federal_label(label: str) -> bool:
    return bool(FEDERAL_LABEL.search(label or ""))


def split_deadlines(
    deadlines: Iterable[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A ШНОР row's deadlines as (the region's own, the federal ones), by their column labels."""
    own: list[dict[str, Any]] = []
    federal: list[dict[str, Any]] = []
    for deadline in deadlines:
        (federal if is_federal_label(deadline.get("label", "")) else own).append(dict(deadline))
    return own, federal


def deadline_labels(plan: ParsedPlan) -> list[str]:
    labels = [c.label for c in plan.columns if c.role == "deadline"]
    return labels or [DEFAULT_LABEL]


def draft_from_plan(plan: ParsedPlan, *, kind: str = "") -> dict[str, Any]:
    """A JSON draft: one row per item with its source texts and the fields the operator edits."""
    labels = deadline_labels(plan)
    rows: list[dict[str, Any]] = []
    for section in plan.sections:
        for item in section.items:
            texts = {d.label: d.schedule.text for d in item.deadlines}
            deadline_texts = [texts.get(label, "") for label in labels]
            source = {
                "number": item.number or "",
                "title": item.title,
                "deadlines": deadline_texts,
                "responsible": item.responsible_text or "",
                "expected_result": item.expected_result or "",
                "indicator": item.indicator or "",
                "indicator_unit": item.indicator_unit or "",
                "indicator_value": item.indicator_value or "",
            }
            rows.append(
                {
                    "section_number": section.number or "",
                    "section_title": section.title or "",
                    "number": item.number or "",
                    "title": item.title,
                    "deadline_texts": deadline_texts,
                    "responsible_text": item.responsible_text or "",
                    "expected_result": item.expected_result or "",
                    "indicator": item.indicator or "",
                    "indicator_unit": item.indicator_unit or "",
                    "indicator_value": item.indicator_value or "",
                    "deadlines": [d.to_dict() for d in item.deadlines],
                    "responsible": [r.to_dict() for r in item.responsible],
                    "targets": [t.to_dict() for t in item.targets],
                    "source": source,
                    "source_row": item.source_row,
                    "doubts": [doubt.to_dict() for doubt in item.doubts],
                    **scan_fields(item.scan_confidence),
                }
            )
            rows[-1]["confidence"] = confidence_of(rows[-1])
    return {
        "year": plan.year,
        "kind": kind,
        "scanned": any("scan" in row for row in rows),
        "labels": labels,
        "columns": [{"role": c.role, "label": c.label} for c in plan.columns],
        "rows": rows,
        "mappings": {},
        "notes": [note.reason for note in plan.notes],
        "lost": plan.lost,
    }


def confidence_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """A draft row's confidence: what the reader recorded while reading, and its fields' doubts.

    The structural doubts (a row joined across a page break) stay as read; the fields' doubts
    are judged again from the row as it is now, so a correction clears them. A scanned row's
    fields read under the scan threshold are doubts too (their reason «распознано по скану,
    уверенность N %», marked ``scan``) until the operator confirms or corrects the row.
    """
    doubts = [Confidence.from_dict(doubt) for doubt in row.get("doubts", [])]
    doubts += field_doubts(row)
    scan = row.get("scan") or {}
    scanned = [] if scan.get("confirmed") else scan_doubts(scan.get("fields", {}))
    reasons = [(doubt, False) for doubt in doubts] + [(doubt, True) for doubt in scanned]
    reasons.sort(key=lambda pair: pair[0].score)
    return {
        "score": round(row_score(doubts + scanned), 2),
        "reasons": [
            {**doubt.to_dict(), "scan": True} if is_scan else doubt.to_dict()
            for doubt, is_scan in reasons
        ],
    }


# --- scans: the OCR's confidence and the operator's confirmation ---------------------------------

# The fields of a row by the kernel's column roles, as the preview names them.
SCAN_FIELDS = {
    "number": "номер",
    "title": "мероприятие",
    "deadline": "сроки",
    "responsible": "ответственные",
    "result": "результат",
    "indicator": "показатель",
    "unit": "единица измерения",
    "value": "значение",
    "deadline_end": "срок окончания",
}


def scan_fields(confidence: Mapping[str, float] | None) -> dict[str, Any]:
    """A scanned item's ``scan`` entry for its draft row: the confidence of the row (its weakest
    field), of each field, whether a field is in doubt (under the scan threshold), and the
    operator's confirmation."""
    if confidence is None:
        return {}
    fields = {role: round(value, 3) for role, value in confidence.items()}
    return {
        "scan": {
            "confidence": min(fields.values(), default=1.0),
            "fields": fields,
            "low": bool(scan_doubts(fields)),
            "confirmed": False,
        }
    }


def scan_unconfirmed(row: Mapping[str, Any]) -> bool:
    scan = row.get("scan") or {}
    return bool(scan.get("low")) and not scan.get("confirmed")


def confirm_scan_rows(
    rows: Iterable[Mapping[str, Any]], indexes: Iterable[int]
) -> list[dict[str, Any]]:
    """The rows with the scanned ones at ``indexes`` marked confirmed by the operator."""
    chosen = set(indexes)
    confirmed = []
    for index, row in enumerate(rows):
        row = dict(row)
        if index in chosen and row.get("scan"):
            row["scan"] = {**row["scan"], "confirmed": True}
            row["confidence"] = confidence_of(row)
        confirmed.append(row)
    return confirmed


def unconfirmed_message(rows: Iterable[Mapping[str, Any]]) -> str | None:
    """Why a draft may not be saved yet: its low-confidence scanned rows not confirmed."""
    waiting = [
        str(row.get("number") or row.get("source_row") or index + 1)
        for index, row in enumerate(rows)
        if scan_unconfirmed(row)
    ]
    if not waiting:
        return None
    shown = ", ".join(waiting[:10]) + (" …" if len(waiting) > 10 else "")
    return MSG_UNCONFIRMED % {"rows": shown}


def reparse_row(
    row: dict[str, Any],
    *,
    year: int,
    labels: list[str],
    orgs: OrgDictionary,
    mappings: Mapping[str, str],
) -> dict[str, Any]:
    """Read a row's deadline, responsible and target texts again (after the operator edited them)."""
    deadlines = []
    for label, text in zip(labels, row.get("deadline_texts", []), strict=False):
        if text.strip():
            deadlines.append({"label": label, **parse_deadline(text.strip(), year).to_dict()})
    responsible = [
        {"text": r.text, "organisation": r.organisation or mappings.get(r.text)}
        for r in parse_responsibles(row.get("responsible_text", ""), orgs)
    ]
    targets = [
        t.to_dict()
        for t in item_targets(
            row.get("expected_result", ""),
            row.get("indicator", ""),
            row.get("indicator_unit", ""),
            row.get("indicator_value", ""),
            year,
        )
    ]
    parsed = {**row, "deadlines": deadlines, "responsible": responsible, "targets": targets}
    parsed["confidence"] = confidence_of(parsed)
    return parsed


def apply_mappings(draft: dict[str, Any], orgs: OrgDictionary) -> dict[str, Any]:
    """Re-read every row of a draft with the current dictionary and the draft's own mappings."""
    year, labels, mappings = draft["year"], draft["labels"], draft.get("mappings", {})
    rows = [
        reparse_row(row, year=year, labels=labels, orgs=orgs, mappings=mappings)
        for row in draft["rows"]
    ]
    return {**draft, "rows": rows}


def row_flags(row: Mapping[str, Any]) -> Flags:
    kinds = [d["kind"] for d in row.get("deadlines", [])]
    return Flags(
        unknown_deadline="unknown" in kinds,
        no_deadline=not kinds,
        unmapped=[r["text"] for r in row.get("responsible", []) if not r["organisation"]],
        no_title=not row.get("title", "").strip(),
        scan_unconfirmed=scan_unconfirmed(row),
    )


def unmapped_names(draft: Mapping[str, Any]) -> list[str]:
    """Names in responsible cells the dictionary does not know, most frequent first."""
    counts: dict[str, int] = {}
    for row in draft.get("rows", []):
        for name in row_flags(row).unmapped:
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: (-counts[n], n))


# A row scoring below this is listed among those the operator should look at first.
DOUBTFUL = 0.95


def draft_summary(draft: Mapping[str, Any]) -> dict[str, int]:
    rows = draft.get("rows", [])
    flags = [row_flags(r) for r in rows]
    return {
        "rows": len(rows),
        "sections": len(sections_of(rows)),
        "unknown_deadline": sum(f.unknown_deadline for f in flags),
        "no_deadline": sum(f.no_deadline for f in flags),
        "unmapped": sum(bool(f.unmapped) for f in flags),
        "scanned": sum("scan" in row for row in rows),
        "scan_unconfirmed": sum(f.scan_unconfirmed for f in flags),
        "doubtful": len(doubtful_rows(draft)),
        "lost": len(draft.get("lost", [])),
    }


def doubtful_rows(draft: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """(position, row) of the rows the reader is unsure of, worst first, then in document order."""
    scored = [
        (row.get("confidence") or confidence_of(row), index, row)
        for index, row in enumerate(draft.get("rows", []))
    ]
    # A scanned row waiting for the operator's confirmation is listed whatever its score.
    doubtful = [
        (confidence["score"], index, row)
        for confidence, index, row in scored
        if confidence["score"] < DOUBTFUL or scan_unconfirmed(row)
    ]
    doubtful.sort(key=lambda entry: (entry[0], entry[1]))
    return [(index, row) for _score, index, row in doubtful]


def sections_of(
    rows: Iterable[Mapping[str, Any]],
) -> list[tuple[str, str, list[Mapping[str, Any]]]]:
    """Rows grouped by consecutive section (number, title) in document order."""
    groups: list[tuple[str, str, list[Mapping[str, Any]]]] = []
    for row in rows:
        key = (row.get("section_number", ""), row.get("section_title", ""))
        if not groups or (groups[-1][0], groups[-1][1]) != key:
            groups.append((key[0], key[1], []))
        groups[-1][2].append(row)
    return groups


def rows_from_plan_dict(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Draft rows from the CLI's JSON shape (``plan_to_dict``), for ``plan import``."""
    rows = []
    for section in data["sections"]:
        for item in section["items"]:
            rows.append(
                {
                    "section_number": section["number"] or "",
                    "section_title": section["title"] or "",
                    "number": item["number"] or "",
                    "title": item["title"],
                    "deadline_texts": [d["text"] for d in item["deadlines"]],
                    "responsible_text": "; ".join(r["text"] for r in item["responsible"]),
                    "expected_result": item["expected_result"] or "",
                    "indicator": "",
                    "deadlines": item["deadlines"],
                    "responsible": item["responsible"],
                    "targets": item["targets"],
                }
            )
    return rows
