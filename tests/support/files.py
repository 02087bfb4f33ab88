"""Real files of the ШНОР imports as offices send them: XLSX and XLS with a merged two-level
header and a totals row, and CSV in CP1251 with «;» and decimal commas."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import openpyxl
import xlwt

TITLE = "Результаты оценочных процедур 2024 года"
TOP = [
    "ИНН",
    "Наименование ОО",
    "Год",
    "Процедура",
    "Предмет",
    "Класс",
    "Участников",
    "Получили «2»",
    None,
    "Средняя отметка",
]
BOTTOM = [None, None, None, None, None, None, None, "чел.", "%", None]
MERGED_DOWN = [0, 1, 2, 3, 4, 5, 6, 9]  # columns whose header spans both header rows


def results_xlsx(rows: Sequence[Sequence[Any]], totals: bool = True) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Результаты"
    ws.append([TITLE])
    ws.append(TOP)
    ws.append(BOTTOM)
    ws.merge_cells(start_row=2, start_column=8, end_row=2, end_column=9)
    for c in MERGED_DOWN:
        ws.merge_cells(start_row=2, start_column=c + 1, end_row=3, end_column=c + 1)
    for row in rows:
        ws.append(list(row))
    if totals:
        ws.append(
            ["Итого", None, None, None, None, None, sum(int(r[6]) for r in rows), None, None, None]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_xls(rows: Sequence[Sequence[Any]]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Результаты")
    ws.write(0, 0, TITLE)
    for c in MERGED_DOWN:
        ws.write_merge(1, 2, c, c, TOP[c])
    ws.write_merge(1, 1, 7, 8, TOP[7])
    ws.write(2, 7, BOTTOM[7])
    ws.write(2, 8, BOTTOM[8])
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    ws.write(3 + len(rows), 0, "Итого")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def results_csv(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None) -> bytes:
    head = header or [
        "ИНН",
        "Наименование ОО",
        "Год",
        "Процедура",
        "Предмет",
        "Класс",
        "Участников",
        "Получили «2», чел.",
        "Доля «2», %",
        "Средняя отметка",
    ]
    lines = [";".join(head)]
    for row in rows:
        lines.append(";".join("" if v is None else str(v).replace(".", ",") for v in row))
    lines.append("Итого;;;;;;;;;")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def list_xlsx(inns: Sequence[Any], names: Sequence[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Перечень школ с низкими образовательными результатами"])
    ws.append(["№", "ИНН", "Наименование ОО"])
    for i, inn in enumerate(inns, start=1):
        ws.append([i, inn, (names or [""] * len(inns))[i - 1]])
    ws.append(["Итого", None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def list_csv(inns: Sequence[str]) -> bytes:
    lines = ["№;ИНН;Наименование ОО", *(f"{i};{inn};школа" for i, inn in enumerate(inns, 1))]
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")
