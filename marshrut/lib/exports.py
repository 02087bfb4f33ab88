"""Lists as XLSX or CSV files that open cleanly in Excel and LibreOffice.

A cell whose text starts like a formula (=, +, -, @, tab, CR) is written as text with a leading
apostrophe in CSV and as a string cell in XLSX, so a name typed by a user cannot run as a formula
on the operator's computer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportColumn:
    title: str
    value: Callable[[Any], Any]
    width: int = 20


def escape_formula(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        # A spreadsheet has no time zones: write the time the reader lives in, not UTC.
        return timezone.localtime(value)
    return value


def write_xlsx(
    columns: Sequence[ExportColumn],
    objects: Iterable[Any],
    *,
    sheet: str = "Лист1",
    title: str = "",
) -> bytes:
    buffer = io.BytesIO()
    # strings_to_formulas=False: text is never turned into a formula, whatever it starts with.
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = book.add_worksheet(sheet[:31])
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#E8EEF7"}
    )
    date_fmt = book.add_format({"num_format": "dd.mm.yyyy"})
    stamp_fmt = book.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    row = 0
    if title:
        ws.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 12}))
        row = 2
    for col, c in enumerate(columns):
        ws.write_string(row, col, c.title, head)
        ws.set_column(col, col, c.width)
    ws.freeze_panes(row + 1, 0)
    first = row
    for obj in objects:
        row += 1
        for col, c in enumerate(columns):
            value = _cell(c.value(obj))
            if isinstance(value, dt.datetime):
                ws.write_datetime(row, col, value.replace(tzinfo=None), stamp_fmt)
            elif isinstance(value, dt.date):
                ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_fmt)
            elif isinstance(value, int | float):
                ws.write_number(row, col, value)
            else:
                ws.write_string(row, col, str(value))
    if columns:
        ws.autofilter(first, 0, max(row, first), len(columns) - 1)
    book.close()
    return buffer.getvalue()


def write_csv(columns: Sequence[ExportColumn], objects: Iterable[Any]) -> bytes:
    """CSV as Russian Excel expects it: UTF-8 with a BOM, ';' between fields, dd.mm.yyyy dates."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.title for c in columns])
    for obj in objects:
        cells = []
        for c in columns:
            value = _cell(c.value(obj))
            if isinstance(value, dt.datetime):
                value = value.strftime("%d.%m.%Y %H:%M")
            elif isinstance(value, dt.date):
                value = value.strftime("%d.%m.%Y")
            cells.append(escape_formula(str(value)))
        writer.writerow(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_response(
    fmt: str,
    columns: Sequence[ExportColumn],
    objects: Iterable[Any],
    *,
    filename: str,
    title: str = "",
) -> HttpResponse:
    if fmt == "csv":
        body, ctype, ext = write_csv(columns, objects), "text/csv; charset=utf-8", "csv"
    else:
        body, ctype, ext = write_xlsx(columns, objects, title=title), XLSX_TYPE, "xlsx"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.{ext}") or ""
    return response
