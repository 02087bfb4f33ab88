"""Exports open in Excel as Russian users expect, and never carry live formulas."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from marshrut.lib.exports import ExportColumn, escape_formula, write_csv, write_xlsx

COLUMNS = [
    ExportColumn("Имя", lambda r: r[0]),
    ExportColumn("Дата", lambda r: r[1]),
    ExportColumn("Число", lambda r: r[2]),
]


@pytest.mark.parametrize("text", ["=1+1", "+7 900", "-5", "@SUM(A1)", "\t=x", "\r=x"])
def test_formula_like_text_is_escaped(text: str) -> None:
    assert escape_formula(text) == "'" + text


def test_csv_is_utf8_bom_semicolon_with_russian_dates() -> None:
    body = write_csv(COLUMNS, [("=cmd|' /C calc'!A0", dt.date(2024, 11, 5), 3)])
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "Имя;Дата;Число"
    assert lines[1] == "'=cmd|' /C calc'!A0;05.11.2024;3"


def test_xlsx_keeps_formula_like_text_as_text_and_dates_as_dates() -> None:
    book = openpyxl.load_workbook(
        io.BytesIO(write_xlsx(COLUMNS, [("=1+2", dt.date(2024, 11, 5), 7)]))
    )
    ws = book.active
    name, date, number = (c for c in ws[2])
    assert name.value == "=1+2" and name.data_type == "s"
    assert date.value == dt.datetime(2024, 11, 5) and date.number_format == "dd.mm.yyyy"
    assert number.value == 7
