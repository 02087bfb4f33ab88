"""Tests of the table-reading kernel on files built the way Russian offices make them.

Every file is built inside the test (openpyxl, xlsxwriter, xlwt or plain bytes); no binary
fixtures are committed.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import string
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwt
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marshrut.kernels.tables import (
    Column,
    Sheet,
    TableError,
    cell_text,
    column_letter,
    find_table,
    find_table_in_sheets,
    normalise_cell,
    normalise_header,
    read_sheets,
)

# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------

SCHOOL_COLUMNS = (
    Column("name", "Полное наименование", ("Наименование ОО", "Наименование"), required=True),
    Column("short_name", "Краткое наименование", ("Сокращённое наименование",)),
    Column("inn", "ИНН", ("ИНН ОО",), required=True),
    Column("head", "ФИО руководителя", ("Руководитель ФИО", "Директор")),
    Column("phone", "Телефон руководителя", ("Руководитель Телефон",)),
    Column("email", "Электронная почта", ("E-mail", "Руководитель E-mail", "Эл. почта")),
    Column("opened", "Дата открытия", ()),
)


def xlsx_bytes(
    rows: Sequence[Sequence[object]],
    *,
    merges: Sequence[str] = (),
    title: str = "Лист1",
    extra_sheets: Sequence[tuple[str, Sequence[Sequence[object]]]] = (),
) -> bytes:
    """Build an XLSX workbook with openpyxl; rows start at A1."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    for name, other_rows in extra_sheets:
        other = workbook.create_sheet(name)
        for row in other_rows:
            other.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def only_sheet(data: bytes, filename: str = "") -> Sheet:
    sheets = read_sheets(data, filename)
    assert len(sheets) == 1
    return sheets[0]


def values(table_rows: Sequence[object], key: str) -> list[object]:
    return [row.values[key] for row in table_rows]  # type: ignore[attr-defined]


def ods_bytes(rows: Sequence[Sequence[str]]) -> bytes:
    """Build a minimal OpenDocument spreadsheet by hand: no ODS writer is installed."""
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{value}</text:p>'
            "</table:table-cell>"
            for value in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Реестр">'
        f"{cells}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# normalise_header
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ИНН  ", "инн"),
        ("Полное\nнаименование", "полное наименование"),
        ("Полное\u00a0\u00a0 наименование", "полное наименование"),
        ("Учёт", "учет"),
        ("«Наименование»", "наименование"),
        ('"Наименование":', "наименование"),
        ("ИНН*", "инн"),
        ("ИНН **", "инн"),
        ("ИНН¹", "инн"),
        ("ИНН (1)", "инн"),
        ("ИНН 2)", "инн"),
        ("ИНН [3]", "инн"),
        ("1. Наименование", "наименование"),
        ("2.1) Срок", "срок"),
        ("Ф.И.О.", "фио"),
        ("Ф. И. О. руководителя", "фио руководителя"),
        ("Телефон (рабочий)", "телефон рабочий"),
        ("E-mail", "e-mail"),
        ("Эл.\u00adпочта", "эл почта"),
        ("ИНН\u200b", "инн"),
        ("Срок — до", "срок до"),
        ("12.05.2024", "12 05 2024"),
        ("№ п/п", "№ п/п"),
        ("", ""),
    ],
)
def test_normalise_header(raw: str, expected: str) -> None:
    assert normalise_header(raw) == expected


@given(st.text())
@example("a¹ -")
@example("1. 2. Наименование*")
@example("İ")
def test_normalise_header_is_idempotent(text: str) -> None:
    once = normalise_header(text)
    assert normalise_header(once) == once


# --------------------------------------------------------------------------------------------
# Header matching
# --------------------------------------------------------------------------------------------


def test_prefix_match_and_distinct_names() -> None:
    sheet = Sheet(
        "Лист1",
        [
            ["Наименование", "Краткое наименование", "ИНН организации", "Примечание"],
            ["МАОУ СОШ № 1 г. Тюмени", "СОШ № 1", 7203001234.0, None],
        ],
    )
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert table.columns == {"name": 0, "short_name": 1, "inn": 2}
    assert table.unknown_headers == ["Примечание"]
    assert table.rows[0].values["name"] == "МАОУ СОШ № 1 г. Тюмени"
    assert table.rows[0].values["short_name"] == "СОШ № 1"
    assert table.rows[0].values["inn"] == 7203001234
    # Columns absent from the file are present in every row as None.
    assert table.rows[0].values["email"] is None


def test_prefix_is_cut_at_a_word_border_only() -> None:
    sheet = Sheet("Лист1", [["ИННН", "Наименование"], ["1", "Школа"]])
    with pytest.raises(TableError) as caught:
        find_table(sheet, SCHOOL_COLUMNS)
    assert caught.value.message == "Не найдены обязательные столбцы: ИНН (лист «Лист1»)."


def test_longest_synonym_prefix_wins() -> None:
    columns = [
        Column("name", "Наименование", ()),
        Column("name_short", "Наименование краткое", ()),
    ]
    sheet = Sheet("Лист1", [["Наименование краткое (по уставу)", "Наименование"], ["a", "b"]])
    table = find_table(sheet, columns)
    assert table.columns == {"name": 1, "name_short": 0}


def test_exact_match_beats_prefix_match_of_the_same_column() -> None:
    sheet = Sheet("Лист1", [["ИНН руководителя", "ИНН", "Наименование"], [1, 2, "Школа"]])
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert table.columns["inn"] == 1
    assert table.unknown_headers == ["ИНН руководителя"]
    assert table.rows[0].values["inn"] == 2


def test_two_headers_for_one_column_are_an_error_naming_both() -> None:
    sheet = Sheet(
        "Школы",
        [["ИНН", "Наименование", "ИНН ОО", "Ф.И.О.", "И.Н.Н."], [1, "Школа", 2, "Иванов", 3]],
    )
    columns = [*SCHOOL_COLUMNS, Column("fio", "ФИО", ())]
    with pytest.raises(TableError) as caught:
        find_table(sheet, columns)
    message = caught.value.message
    assert "«ИНН»" in message
    assert "A («ИНН»)" in message
    assert "C («ИНН ОО»)" in message
    assert "E («И.Н.Н.»)" in message
    assert "«Школы»" in message


def test_missing_required_columns_are_listed_by_title() -> None:
    sheet = Sheet("Лист1", [["Телефон руководителя", "Электронная почта"], ["1", "a@b.ru"]])
    with pytest.raises(TableError) as caught:
        find_table(sheet, SCHOOL_COLUMNS)
    assert caught.value.message.startswith(
        "Не найдены обязательные столбцы: Полное наименование, ИНН"
    )


def test_no_header_at_all() -> None:
    columns = [Column("a", "Код", ()), Column("b", "Значение", ())]
    with pytest.raises(TableError, match="не найдена строка заголовков"):
        find_table(Sheet("Лист1", [["x", "y"], [1, 2]]), columns)
    with pytest.raises(TableError) as caught:
        find_table(Sheet("Пусто", []), SCHOOL_COLUMNS)
    assert caught.value.message == (
        "Не найдены обязательные столбцы: Полное наименование, ИНН (лист «Пусто»)."
    )


def test_inconsistent_column_declarations_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="declared for both"):
        find_table(Sheet("x", []), [Column("a", "ИНН", ()), Column("b", "Код", ("инн",))])
    with pytest.raises(ValueError, match="declared twice"):
        find_table(Sheet("x", []), [Column("a", "ИНН", ()), Column("a", "Код", ())])


def test_title_rows_above_the_header_are_skipped() -> None:
    data = xlsx_bytes(
        [
            ["Реестр общеобразовательных организаций Тюменской области"],
            ["по состоянию на 01.09.2024"],
            [],
            [None, "Полное наименование", "ИНН"],
            [None, "МАОУ СОШ № 1", 7203001234],
        ]
    )
    table = find_table(only_sheet(data), SCHOOL_COLUMNS)
    assert table.header_row == 4
    assert table.header_rows == 1
    assert table.column_letters == {"name": "B", "inn": "C"}
    assert [row.number for row in table.rows] == [5]


def test_header_is_searched_only_in_search_rows() -> None:
    rows: list[list[object]] = [[None, None] for _ in range(5)]
    rows += [["Наименование", "ИНН"], ["Школа", 1]]
    assert find_table(Sheet("Лист1", rows), SCHOOL_COLUMNS).header_row == 6
    with pytest.raises(TableError, match="Не найдены обязательные столбцы"):
        find_table(Sheet("Лист1", rows), SCHOOL_COLUMNS, search_rows=5)


# --------------------------------------------------------------------------------------------
# Merged and two-level headers
# --------------------------------------------------------------------------------------------


def test_two_level_header_with_merged_cells() -> None:
    data = xlsx_bytes(
        [
            ["Сведения о руководителях ОО"],
            ["№ п/п", "Полное наименование", "ИНН", "Руководитель", None, None, "Примечание"],
            [None, None, None, "ФИО", "Телефон", "E-mail", None],
            [1, "МАОУ СОШ № 1", 7203001234, "Иванов Иван Иванович", "8 (3452) 00-00-00", "a@b.ru"],
            [2, "МАОУ СОШ № 2", 7203001235, "Петрова Анна", None, "c@d.ru"],
        ],
        merges=["A1:G1", "A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:G3"],
    )
    sheet = only_sheet(data)
    # calamine keeps the merged value in the top-left cell only.
    assert sheet.rows[1][3:6] == ["Руководитель", None, None]
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert table.header_row == 2
    assert table.header_rows == 2
    assert table.column_letters == {
        "name": "B",
        "inn": "C",
        "head": "D",
        "phone": "E",
        "email": "F",
    }
    assert sorted(table.unknown_headers) == ["Примечание", "№ п/п"]
    assert [row.number for row in table.rows] == [4, 5]
    assert table.rows[0].values["head"] == "Иванов Иван Иванович"
    assert table.rows[1].values["phone"] is None


def test_lower_cell_alone_matches_under_an_unknown_group() -> None:
    sheet = Sheet(
        "Лист1",
        [
            ["Наименование", "ИНН", "Контакты", None],
            [None, None, "Эл. почта", "Сайт"],
            ["Школа", 1, "a@b.ru", "school.ru"],
        ],
    )
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert table.header_rows == 2
    assert table.columns["email"] == 2
    assert table.unknown_headers == ["Контакты Сайт"]


def test_group_text_alone_is_not_a_prefix_match() -> None:
    # «Директор» is a synonym of the head's name; the group «Директор» over «Телефон» must not
    # make the phone column a second head column.
    sheet = Sheet(
        "Лист1",
        [
            ["Наименование", "ИНН", "Директор", None],
            [None, None, "Руководитель ФИО", "Телефон"],
            ["Школа", 1, "Иванов", "123"],
        ],
    )
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert table.columns["head"] == 2
    assert "phone" not in table.columns


def test_single_row_header_is_preferred_to_a_pair_on_a_tie() -> None:
    sheet = Sheet("Лист1", [["Реестр", None], ["Наименование", "ИНН"], ["Школа", 1]])
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert (table.header_row, table.header_rows) == (2, 1)


# --------------------------------------------------------------------------------------------
# Data rows
# --------------------------------------------------------------------------------------------


def test_data_rows_skip_empty_totals_numbering_and_repeated_headers() -> None:
    data = xlsx_bytes(
        [
            ["№", "Наименование", "ИНН", "Директор"],
            [1, 2, 3, 4],
            [1, "Школа 1", 7203000001, "Иванов"],
            [],
            [None, "   ", None, None],
            [2, "Итоговая аттестация", 7203000002, "Петров"],
            ["Итого по району:", None, 2, None],
            ["№", "Наименование", "ИНН", "Директор"],
            [3, "Школа 3", 7203000003, "Сидоров"],
            [None, "ВСЕГО", 3, None],
            [4, "Всеволожская школа", 7203000004, None],
            ["1", "2", "3", "4"],
        ]
    )
    table = find_table(only_sheet(data), SCHOOL_COLUMNS)
    assert [row.number for row in table.rows] == [3, 6, 9, 11, 12]
    assert values(table.rows, "name") == [
        "Школа 1",
        "Итоговая аттестация",
        "Школа 3",
        "Всеволожская школа",
        # Only the row right under the header is taken for column numbering.
        "2",
    ]


def test_numbering_row_counts_from_the_left_edge_of_the_table() -> None:
    sheet = Sheet(
        "Лист1",
        [
            [None, "№", "Наименование", "ИНН"],
            [None, "1.", None, 3.0],
            [None, 1, "Школа", 7203000001],
        ],
    )
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert [row.number for row in table.rows] == [3]


def test_a_first_data_row_of_other_numbers_is_kept() -> None:
    sheet = Sheet("Лист1", [["Наименование", "ИНН"], [5, 6], ["Школа", 7]])
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert [row.number for row in table.rows] == [2, 3]


def test_repeated_two_level_header_after_a_page_break_is_skipped() -> None:
    upper: list[object] = ["Наименование", "ИНН", "Руководитель", None]
    lower: list[object] = [None, None, "ФИО", "Телефон"]
    sheet = Sheet(
        "Лист1",
        [upper, lower, ["Школа 1", 1, "Иванов", "1"], upper, lower, ["Школа 2", 2, "Петров", "2"]],
    )
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert [row.number for row in table.rows] == [3, 6]


# --------------------------------------------------------------------------------------------
# Cell values
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("  \u00a0 \n", None),
        ("  МАОУ\u00a0 СОШ\n№ 1 ", "МАОУ СОШ № 1"),
        ("7203001234\u200b", "7203001234"),
        ("007203001234", "007203001234"),
        (7203001234.0, 7203001234),
        (-0.0, 0),
        (3.5, 3.5),
        (0.1 + 0.2, 0.3),
        (1e16, 10_000_000_000_000_000),
        (float(2**53 + 2), 2**53 + 2),
        (12345678901234567890.0, 12345678901234567000),
        (42, 42),
        (True, True),
        (datetime.datetime(2024, 9, 1), datetime.date(2024, 9, 1)),
        (datetime.datetime(2024, 9, 1, 8, 30), datetime.datetime(2024, 9, 1, 8, 30)),
        (datetime.date(2024, 9, 1), datetime.date(2024, 9, 1)),
        ("01.09.2024", datetime.date(2024, 9, 1)),
        ("1.9.2024", datetime.date(2024, 9, 1)),
        ("01.09.24", datetime.date(2024, 9, 1)),
        ("15.05.85", datetime.date(1985, 5, 15)),
        ("01.09.2024 г.", datetime.date(2024, 9, 1)),
        ("2024-09-01", datetime.date(2024, 9, 1)),
        ("31.02.2024", "31.02.2024"),
        ("до 17.01.2022", "до 17.01.2022"),
        ("07.02.-14.02.2022", "07.02.-14.02.2022"),
        ("#REF!", "#REF!"),
    ],
)
def test_normalise_cell(raw: object, expected: object) -> None:
    result = normalise_cell(raw)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (7203001234, "7203001234"),
        (7203001234.0, "7203001234"),
        (12345678901234567890.0, "12345678901234567000"),
        (3.5, "3.5"),
        (1e-5, "0.00001"),
        (datetime.date(2024, 9, 1), "01.09.2024"),
        (datetime.datetime(2024, 9, 1, 8, 5), "01.09.2024 08:05"),
        (datetime.datetime(2024, 9, 1, 8, 5, 7), "01.09.2024 08:05:07"),
        (datetime.time(8, 5), "08:05"),
        (True, "да"),
        (False, "нет"),
        ("  a \u00a0 b ", "a b"),
    ],
)
def test_cell_text(value: object, expected: str) -> None:
    assert cell_text(value) == expected


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letter(index: int, letter: str) -> None:
    assert column_letter(index) == letter


def test_xlsx_values_come_out_normalised() -> None:
    data = xlsx_bytes(
        [
            ["Наименование", "ИНН", "Дата открытия"],
            ["  Школа\u00a0№ 1 ", 7203001234, datetime.datetime(2001, 9, 1)],
            ["Школа 2", "7203001235", "01.09.2002"],
            ["Школа 3", 7203001236.0, datetime.datetime(2003, 9, 1, 12, 0)],
        ]
    )
    sheet = only_sheet(data)
    assert sheet.rows[1][1] == 7203001234.0  # raw: Excel stores numbers as doubles
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert values(table.rows, "name") == ["Школа № 1", "Школа 2", "Школа 3"]
    assert values(table.rows, "inn") == [7203001234, "7203001235", 7203001236]
    assert values(table.rows, "opened") == [
        datetime.date(2001, 9, 1),
        datetime.date(2002, 9, 1),
        datetime.datetime(2003, 9, 1, 12, 0),
    ]
    assert [cell_text(value) for value in values(table.rows, "inn")] == [
        "7203001234",
        "7203001235",
        "7203001236",
    ]


def test_error_cells_come_out_as_their_text(tmp_path: Path) -> None:
    path = tmp_path / "errors.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Лист1")
    sheet.write_row(0, 0, ["Наименование", "ИНН", "Директор"])
    sheet.write_string(1, 0, "Школа 1")
    sheet.write_formula(1, 1, "=1/0", None, "#DIV/0!")
    sheet.write_formula(1, 2, "=#REF!", None, "#REF!")
    sheet.write_string(2, 0, "Школа 2")
    sheet.write_formula(2, 1, "=NA()", None, "#N/A")
    sheet.write_formula(2, 2, "=\"t='e'\"", None, "t='e'")
    workbook.close()
    table = find_table(only_sheet(path.read_bytes()), SCHOOL_COLUMNS)
    assert values(table.rows, "inn") == ["#DIV/0!", "#N/A"]
    assert values(table.rows, "head") == ["#REF!", "t='e'"]


# --------------------------------------------------------------------------------------------
# CSV and text files
# --------------------------------------------------------------------------------------------


def test_csv_cp1251_semicolon_as_russian_excel_saves_it() -> None:
    text = (
        "Реестр школ;;\r\n"
        "Наименование;ИНН;Дата открытия\r\n"
        "МАОУ СОШ № 1, г. Тюмень, ул. Ленина, 1;7203001234;01.09.2001\r\n"
        "МАОУ СОШ № 2, г. Тюмень, ул. Мира, 2;7203001235;01.09.02\r\n"
    )
    sheet = only_sheet(text.encode("cp1251"), "реестр.csv")
    assert sheet.name == "реестр"
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert table.header_row == 2
    assert [row.number for row in table.rows] == [3, 4]
    # CSV cells are text: the INN stays a string, dates become dates.
    assert values(table.rows, "inn") == ["7203001234", "7203001235"]
    assert values(table.rows, "opened") == [datetime.date(2001, 9, 1), datetime.date(2002, 9, 1)]
    assert values(table.rows, "name")[0] == "МАОУ СОШ № 1, г. Тюмень, ул. Ленина, 1"


def test_csv_utf8_with_bom() -> None:
    data = "\ufeffНаименование;ИНН\nШкола «Ёлочка»;7203001234\n".encode()
    table = find_table(only_sheet(data), SCHOOL_COLUMNS)
    assert table.columns == {"name": 0, "inn": 1}
    assert values(table.rows, "name") == ["Школа «Ёлочка»"]


def test_csv_comma_separated_with_quotes_and_multiline_field() -> None:
    data = (
        'Наименование,ИНН,Директор\n"Школа ""Успех"", филиал",7203001234,Иванов\n'
        '"Школа\nна две строки",7203001235,Петров\n'
        "Школа 3,7203001236,Сидоров\n"
    ).encode()
    sheet = only_sheet(data)
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert values(table.rows, "name") == ['Школа "Успех", филиал', "Школа на две строки", "Школа 3"]
    # Row numbers are line numbers: the quoted line break moves the next record to line 5.
    assert [row.number for row in table.rows] == [2, 3, 5]


def test_csv_with_ragged_lines_is_padded() -> None:
    data = "Наименование;ИНН;Директор\nШкола 1;1\nШкола 2;2;Петров;лишнее\n\nШкола 3\n".encode()
    sheet = only_sheet(data)
    assert {len(row) for row in sheet.rows} == {4}
    table = find_table(sheet, SCHOOL_COLUMNS)
    assert [row.number for row in table.rows] == [2, 3, 5]
    assert values(table.rows, "head") == [None, "Петров", None]
    assert values(table.rows, "inn") == ["1", "2", None]


def test_tab_separated_utf16_as_excel_unicode_text() -> None:
    data = "Наименование\tИНН\r\nШкола; филиал\t7203001234\r\n".encode("utf-16")
    table = find_table(only_sheet(data, "export.txt"), SCHOOL_COLUMNS)
    assert values(table.rows, "name") == ["Школа; филиал"]


def test_delimiter_is_chosen_by_consistency_not_by_count() -> None:
    lines = ["Наименование;ИНН;Директор"] + [
        f"Школа {n}, г. Тюмень, ул. Мира, д. {n}, корп. 1;{n};Иванов" for n in range(1, 6)
    ]
    table = find_table(only_sheet("\n".join(lines).encode("cp1251")), SCHOOL_COLUMNS)
    assert values(table.rows, "inn") == ["1", "2", "3", "4", "5"]


# --------------------------------------------------------------------------------------------
# Other formats
# --------------------------------------------------------------------------------------------


def test_xls_built_with_xlwt() -> None:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Школы")
    sheet.write_merge(0, 0, 0, 2, "Реестр школ")
    for column, title in enumerate(["Наименование", "ИНН", "Дата открытия"]):
        sheet.write(1, column, title)
    sheet.write(2, 0, "МАОУ СОШ № 1")
    sheet.write(2, 1, 7203001234)
    sheet.write(2, 2, datetime.date(2001, 9, 1), xlwt.easyxf(num_format_str="DD.MM.YYYY"))
    sheet.write(3, 0, "Итого")
    sheet.write(3, 1, 1)
    workbook.add_sheet("Пустой")
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheets = read_sheets(buffer.getvalue(), "old.xls")
    assert [sheet.name for sheet in sheets] == ["Школы", "Пустой"]
    assert sheets[1].rows == []
    table = find_table(sheets[0], SCHOOL_COLUMNS)
    assert table.header_row == 2
    assert [row.number for row in table.rows] == [3]
    assert table.rows[0].values == {
        "name": "МАОУ СОШ № 1",
        "short_name": None,
        "inn": 7203001234,
        "head": None,
        "phone": None,
        "email": None,
        "opened": datetime.date(2001, 9, 1),
    }


def test_ods() -> None:
    data = ods_bytes([["Наименование", "ИНН"], ["Школа", "7203001234"]])
    sheets = read_sheets(data, "реестр.xlsx")
    assert [sheet.name for sheet in sheets] == ["Реестр"]
    table = find_table(sheets[0], SCHOOL_COLUMNS)
    assert values(table.rows, "inn") == ["7203001234"]


def test_find_table_in_sheets_picks_the_sheet_with_the_table() -> None:
    data = xlsx_bytes(
        [["Инструкция по заполнению"], ["Заполните лист «Реестр»"]],
        title="Инструкция",
        extra_sheets=[
            ("Справочник", [["Наименование"], ["Школа"]]),
            ("Реестр", [["Наименование", "ИНН"], ["Школа", 1]]),
        ],
    )
    table = find_table_in_sheets(read_sheets(data), SCHOOL_COLUMNS)
    assert table.sheet == "Реестр"
    with pytest.raises(TableError) as caught:
        find_table_in_sheets(read_sheets(data)[:2], SCHOOL_COLUMNS)
    assert caught.value.message == "Не найдены обязательные столбцы: ИНН (лист «Справочник»)."
    with pytest.raises(TableError, match="нет ни одного листа"):
        find_table_in_sheets([], SCHOOL_COLUMNS)


# --------------------------------------------------------------------------------------------
# Files that are not tables
# --------------------------------------------------------------------------------------------


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsm_bytes() -> bytes:
    """An XLSX whose content types and parts say it carries macros, as Excel writes an XLSM."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Наименование", "ИНН"]])))
    members = {name: source.read(name) for name in source.namelist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml"
    )
    members["xl/vbaProject.bin"] = OLE2 + bytes(504)
    return zip_bytes(members)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "Файл пуст"),
        (b"  \r\n\t ", "Файл пуст"),
        ("\ufeff \n".encode(), "Файл пуст"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + bytes(40), "изображение"),
        (bytes(range(256)) * 8, "повреждён или не является таблицей"),
        (b"PK\x03\x04" + b"\x00" * 200, "повреждён или не является таблицей"),
        (zip_bytes({"readme.txt": b"hello"}), "ZIP-архив"),
        (zip_bytes({"word/document.xml": b"<w:document/>"}), "документ Word"),
        (xlsx_bytes([["a"]])[:700], "повреждён или не является таблицей"),
        (
            zip_bytes({"xl/workbook.xml": b"<not a workbook", "[Content_Types].xml": b""}),
            "повреждён или не является таблицей",
        ),
        (OLE2 + bytes(600), "повреждён или не является таблицей"),
        # An XLSX with a password is a compound file holding an «EncryptedPackage» stream.
        (OLE2 + bytes(600) + "EncryptedPackage".encode("utf-16-le"), "защищён паролем"),
        (OLE2 + bytes(600) + "_VBA_PROJECT_CUR".encode("utf-16-le"), "макрос"),
        (OLE2 + bytes(600) + "WordDocument".encode("utf-16-le"), "документ Word"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML"),
        (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com"/>', "XML"),
    ],
)
def test_files_that_are_not_tables(data: bytes, fragment: str) -> None:
    with pytest.raises(TableError) as caught:
        read_sheets(data, "таблица.xlsx")
    assert fragment in caught.value.message
    assert str(caught.value) == caught.value.message


def test_random_bytes_renamed_xlsx() -> None:
    with pytest.raises(TableError, match="повреждён или не является таблицей XLSX/XLS/CSV"):
        read_sheets(os.urandom(4096), "report.xlsx")


def test_macro_enabled_workbook_is_refused() -> None:
    with pytest.raises(TableError) as caught:
        read_sheets(xlsm_bytes(), "форма.xlsm")
    assert "макрос" in caught.value.message
    assert "не принимаются" in caught.value.message


def _fixed_workbook() -> bytes:
    # openpyxl stamps the creation time into the file; hypothesis needs the same bytes each run.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Наименование", "ИНН"])
    sheet.append(["Школа", 1])
    workbook.properties.created = workbook.properties.modified = datetime.datetime(2024, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FIXED_WORKBOOK = _fixed_workbook()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_workbooks_never_leak_library_errors(data: st.DataObject) -> None:
    original = bytearray(FIXED_WORKBOOK)
    position = data.draw(st.integers(0, len(original) - 1))
    length = data.draw(st.integers(1, 64))
    original[position : position + length] = data.draw(st.binary(min_size=length, max_size=length))
    with contextlib.suppress(TableError):
        read_sheets(bytes(original))


# --------------------------------------------------------------------------------------------
# Files calamine cannot be trusted with: it allocates the whole used range before reading and
# a failed allocation aborts the process, so these must be refused before they reach it.
# --------------------------------------------------------------------------------------------


def patched_sheet_xml(data: bytes, patch: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {name: source.read(name) for name in source.namelist()}
    members["xl/worksheets/sheet1.xml"] = patch(members["xl/worksheets/sheet1.xml"])
    return zip_bytes(members)


def test_xlsx_with_a_value_in_the_last_cell_is_refused() -> None:
    def far_cell(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>',
        )

    data = patched_sheet_xml(FIXED_WORKBOOK, far_cell)
    with pytest.raises(TableError) as caught:
        read_sheets(data)
    assert "слишком большая" in caught.value.message
    assert "XFD1048576" in caught.value.message


def test_xlsx_with_a_wide_but_sane_sheet_is_read() -> None:
    data = patched_sheet_xml(
        FIXED_WORKBOOK,
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="3"><c r="ZZ3"><v>7</v></c></row></sheetData>'
        ),
    )
    rows = read_sheets(data)[0].rows
    assert len(rows) == 3
    assert len(rows[0]) == 702
    assert rows[2][701] == 7.0


@pytest.mark.parametrize("reference", [b"BRSNTS90", b"A99999999", b"a1", b""])
def test_xlsx_with_a_malformed_cell_reference_is_refused(reference: bytes) -> None:
    data = patched_sheet_xml(
        FIXED_WORKBOOK,
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="3"><c r="' + reference + b'"><v>7</v></c></row></sheetData>'
        ),
    )
    with pytest.raises(TableError, match="повреждён"):
        read_sheets(data)


def xls_with_numbers() -> bytes:
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Лист1")
    # Enough cells for the Workbook stream to live in regular sectors, as in real files.
    for row in range(200):
        sheet.write(row, 0, f"Школа {row}")
        sheet.write(row, 1, row + 0.5)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xls_with_a_cell_beyond_column_iv_is_refused() -> None:
    data = bytearray(xls_with_numbers())
    assert read_sheets(bytes(data))[0].rows[7][1] == 7.5
    # xlwt stores 7.5 as an RK record (0x027E, 10 bytes) for row 8, column B; its column
    # becomes 300.
    record = bytes.fromhex("7e020a00") + (7).to_bytes(2, "little") + (1).to_bytes(2, "little")
    position = data.index(record)
    data[position + 6 : position + 8] = (300).to_bytes(2, "little")
    with pytest.raises(TableError, match="повреждён"):
        read_sheets(bytes(data))


def test_xls_with_damaged_dimensions_is_refused() -> None:
    data = bytearray(xls_with_numbers())
    # DIMENSIONS (0x0200, 14 bytes): first row, last row + 1 (32 bits each), then columns.
    position = data.index(bytes.fromhex("00020e00") + bytes(4) + (200).to_bytes(4, "little"))
    data[position + 8 : position + 12] = (0x7FFFFFFF).to_bytes(4, "little")
    with pytest.raises(TableError, match="повреждён"):
        read_sheets(bytes(data))


# --------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------


def test_too_many_rows_in_xlsx() -> None:
    rows = [["Наименование", "ИНН"]] + [[f"Школа {n}", n] for n in range(30)]
    data = xlsx_bytes(rows)
    assert len(read_sheets(data, max_rows=31)[0].rows) == 31
    with pytest.raises(TableError, match="Слишком много строк"):
        read_sheets(data, max_rows=30)


def test_too_many_rows_in_csv() -> None:
    data = ("Наименование;ИНН\n" + "".join(f"Школа {n};{n}\n" for n in range(30))).encode()
    assert len(read_sheets(data, max_rows=31)[0].rows) == 31
    with pytest.raises(TableError, match="Слишком много строк"):
        read_sheets(data, max_rows=30)


def test_formatted_but_empty_rows_beyond_the_limit_do_not_count(tmp_path: Path) -> None:
    path = tmp_path / "formatted.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, ["Наименование", "ИНН"])
    sheet.write_row(1, 0, ["Школа", 1])
    sheet.write_blank(99, 0, None, bold)
    workbook.close()
    sheets = read_sheets(path.read_bytes(), max_rows=10)
    assert len(sheets[0].rows) == 2


any_cell = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["ИНН", "Наименование", "Руководитель", "ФИО", "Итого", "1", "2"]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(any_cell, max_size=6), max_size=12))
def test_find_table_on_any_grid_returns_or_raises_table_error(grid: list[list[object]]) -> None:
    columns = [*SCHOOL_COLUMNS, Column("fio", "ФИО", ())]
    try:
        table = find_table(Sheet("Лист1", grid), columns)
    except TableError as error:
        assert error.message
    else:
        assert all(row.number > table.header_row for row in table.rows)
        assert {"name", "inn"} <= set(table.columns)


# --------------------------------------------------------------------------------------------
# Property: the rows under a known header come back exactly
# --------------------------------------------------------------------------------------------

PROPERTY_COLUMNS = (
    Column("code", "Код", (), required=True),
    Column("name", "Наименование", ()),
    Column("value", "Значение", ()),
)
PROPERTY_HEADER: list[object] = ["Код", "Наименование", "Значение"]

cells = st.one_of(
    st.none(),
    st.just(""),
    st.just(" \u00a0"),
    st.integers(min_value=1000, max_value=10**12),
    st.floats(min_value=1000, max_value=1e9, allow_nan=False),
    st.text(alphabet=string.ascii_letters + " ", max_size=8).map(lambda text: "x" + text),
    st.sampled_from(["Итого", "ИТОГО:", "всего по району", "Итоговый отчёт"]),
)


def _is_total_text(value: object) -> bool:
    return isinstance(value, str) and normalise_header(value).split(" ")[0] in {
        "итого",
        "итог",
        "всего",
    }


@settings(max_examples=150, deadline=None)
@given(
    titles=st.integers(min_value=0, max_value=3),
    data_rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=25),
)
def test_find_table_returns_exactly_the_data_rows(
    titles: int, data_rows: list[list[object]]
) -> None:
    title_rows: list[list[object]] = [["Отчёт за 2024 год", None, None]] * titles
    sheet = Sheet("Лист1", [*title_rows, PROPERTY_HEADER, *data_rows])
    table = find_table(sheet, PROPERTY_COLUMNS)

    expected = []
    for offset, row in enumerate(data_rows):
        normalised = [normalise_cell(value) for value in row]
        present = [value for value in normalised if value is not None]
        if not present or _is_total_text(present[0]):
            continue
        number = titles + 2 + offset
        expected.append((number, dict(zip(("code", "name", "value"), normalised, strict=True))))

    assert table.header_row == titles + 1
    assert [(row.number, row.values) for row in table.rows] == expected
