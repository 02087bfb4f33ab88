"""Read spreadsheets as Russian offices really send them and find a table in them by its headers.

This is a domain kernel: it imports nothing from Django, takes bytes and column descriptions and
returns plain data.  Two steps:

1. :func:`read_sheets` turns the bytes of an XLSX, XLS, ODS or CSV/TSV/TXT file into
   :class:`Sheet` objects holding raw cell values.  The format is detected by content, never by
   the file name, because offices rename files freely.
2. :func:`find_table` (or :func:`find_table_in_sheets` for a whole workbook) locates the header row
   by the words in it, maps header cells to canonical column keys and returns the data rows with
   normalised values and the row numbers the user sees in Excel.

Every problem with the file as a whole is reported as :class:`TableError` with a Russian message
that can be shown to the user as is.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineSheet, CalamineWorkbook, PasswordError, SheetTypeEnum

from marshrut.kernels.archives import MSG_BROKEN as ARCHIVE_BROKEN
from marshrut.kernels.archives import ArchiveError, inspect_zip

__all__ = [
    "Column",
    "Row",
    "Sheet",
    "Table",
    "TableError",
    "cell_text",
    "check_table",
    "column_letter",
    "find_table",
    "find_table_in_sheets",
    "normalise_cell",
    "normalise_header",
    "read_sheets",
]

DEFAULT_MAX_ROWS = 200_000

MSG_EMPTY = "Файл пуст."
MSG_NOT_A_TABLE = "Файл повреждён или не является таблицей XLSX/XLS/CSV."
MSG_PASSWORD = "Файл защищён паролем. Снимите пароль в Excel и загрузите файл снова."
MSG_MACROS = (
    "Файлы с макросами не принимаются (XLSM и книги Excel с макросами). "
    "Сохраните таблицу как «Книга Excel (*.xlsx)» и загрузите её снова."
)


class TableError(Exception):
    """A problem with the file as a whole; ``.message`` is Russian text for the user."""

    def __init__(self, message: str) -> None:
        """Keep the user-facing message both as ``.message`` and as ``str(error)``."""
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook (or the whole CSV file) as raw cell values.

    ``rows[0]`` is row 1 of the sheet (line 1 of a CSV file), so a row's number as the user sees it
    is its index plus one.  Rows are rectangular: every row has the same length.  Cell values are
    ``str``, ``int``, ``float``, ``bool``, ``datetime.date``, ``datetime.datetime`` or ``None`` for
    an empty cell; Excel durations may also arrive as ``datetime.time`` or ``datetime.timedelta``.
    """

    name: str
    rows: list[list[object]]
    # XLSX: references of the first cells holding a formula (calamine gives only their results),
    # found by the same pass over the sheet XML that measures it; at most FORMULA_LIMIT.
    formulas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    """A column the caller expects, recognised by any of its header words.

    ``title`` is also tried as a synonym.  Synonyms are compared after :func:`normalise_header`.
    """

    key: str
    title: str
    synonyms: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class Row:
    """One data row: its number as the user sees it and the normalised values by column key.

    ``values`` holds every declared column key; a column absent from the file gives ``None``
    (use :attr:`Table.columns` to tell an absent column from an empty cell).
    """

    number: int
    values: dict[str, object]


@dataclass(frozen=True)
class Table:
    """A table found on a sheet.

    ``header_row`` is the 1-based number of the first header row; ``header_rows`` is 1 for a plain
    header and 2 for a two-level header with merged group cells above.  ``columns`` and
    ``column_letters`` list only the columns found in the file.
    """

    sheet: str
    header_row: int
    columns: dict[str, int]
    column_letters: dict[str, str]
    rows: list[Row]
    unknown_headers: list[str]
    header_rows: int = 1


# --------------------------------------------------------------------------------------------
# Cell values
# --------------------------------------------------------------------------------------------

# Zero-width characters and the soft hyphen come with text pasted from web pages and Word; they
# are invisible to the user but break comparisons of codes such as the INN.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?:\s*г\.?)?", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Doubles hold every integer exactly up to 2**53; beyond that the stored binary value is not what
# the user typed, so the shortest decimal that round-trips is the better guess.
_EXACT_FLOAT_INT = 2**53
_MIDNIGHT = datetime.time(0, 0)


def normalise_cell(value: object) -> object:
    """Return the cell value in the form the importers work with.

    Strings are stripped, inner runs of whitespace (including NBSP and line breaks) become one
    space and an empty string becomes ``None``; a text that is a date ``dd.mm.yyyy``, ``dd.mm.yy``
    (optionally followed by «г.») or ``yyyy-mm-dd`` becomes ``datetime.date``.  Integral floats
    become ``int`` (an INN typed as a number arrives as ``7203001234.0``); other floats are rounded
    to the 15 significant digits Excel shows.  A ``datetime`` at midnight becomes a ``date``.
    """
    normalise = _NORMALISERS.get(type(value))
    return value if normalise is None else normalise(value)


def _normalise_text(text: str) -> object:
    # isascii() is O(1) on CPython strings, and ASCII text cannot hold invisible characters.
    if not text.isascii() and _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    text = " ".join(text.split())
    if not text:
        return None
    # Cheap guard first: most texts are not dates and a regex per cell adds up on big files.
    if len(text) <= 13 and text[0].isdigit():
        parsed = _parse_date_text(text)
        if parsed is not None:
            return parsed
    return text


def _normalise_datetime(moment: datetime.datetime) -> datetime.date:
    if moment.tzinfo is None and moment.time() == _MIDNIGHT:
        return moment.date()
    return moment


def _parse_date_text(text: str) -> datetime.date | None:
    match = _DMY.fullmatch(text)
    if match is not None:
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        if len(match[3]) == 2:
            # The POSIX pivot, as strptime's %y: 69-99 are the 1900s, 00-68 the 2000s.
            year += 1900 if year >= 69 else 2000
    else:
        match = _ISO_DATE.fullmatch(text)
        if match is None:
            return None
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _normalise_float(number: float) -> int | float:
    if number.is_integer():
        if -_EXACT_FLOAT_INT <= number <= _EXACT_FLOAT_INT:
            return int(number)
        return int(Decimal(repr(number)))
    shortest = repr(number)
    # Up to 15 significant digits the shortest repr is already what Excel shows; longer ones are
    # binary noise of a formula: 0.1 + 0.2 must read as the 0.3 the user sees in the cell.
    if len(shortest) <= 16 or number != number or number in (_INF, -_INF):
        return number
    return float(format(number, ".15g"))


_INF = float("inf")
_NORMALISERS: dict[type, Callable[[Any], object]] = {
    str: _normalise_text,
    float: _normalise_float,
    datetime.datetime: _normalise_datetime,
    type(None): lambda _value: None,
}


def cell_text(value: object) -> str:
    """Return a clean string for any cell value, raw or normalised.

    ``None`` gives ``""``, an integral number gives its digits (``7203001234``, never
    ``7.203e9``), a date gives ``dd.mm.yyyy``, a datetime ``dd.mm.yyyy HH:MM[:SS]``, a boolean
    «да» or «нет»; strings come back stripped with inner whitespace collapsed.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime.datetime):
        return f"{_date_text(value)} {_time_text(value.time())}"
    if isinstance(value, datetime.date):
        return _date_text(value)
    if isinstance(value, datetime.time):
        return _time_text(value)
    return str(value)


def _float_text(number: float) -> str:
    normalised = _normalise_float(number)
    if isinstance(normalised, int):
        return str(normalised)
    text = repr(normalised)
    if "e" in text and normalised == normalised and abs(normalised) != float("inf"):
        text = format(Decimal(text), "f")
    return text


def _date_text(day: datetime.date) -> str:
    # strftime("%Y") does not zero-pad years before 1000 on every platform.
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def _time_text(moment: datetime.time) -> str:
    if moment.second or moment.microsecond:
        return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def column_letter(index: int) -> str:
    """Return the Excel letter of a 0-based column index: 0 -> "A", 25 -> "Z", 26 -> "AA"."""
    if index < 0:
        raise ValueError("column index must not be negative")
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


# --------------------------------------------------------------------------------------------
# Header text
# --------------------------------------------------------------------------------------------

_FOOTNOTE_TAIL = re.compile(
    r"(?:\s*(?:\*+|[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+|\(\d{1,2}\)|\[\d{1,2}\]|\d{1,2}\)))+$"
)
# «1. Наименование», «2.1) Срок»: numbering typed into the header cell itself.  The look-ahead
# keeps dates and decimals such as «12.05.2024» or «1.5» intact.
_LEADING_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})*[.)]\s*(?=[^\W\d])")
# «Ф.И.О.», «Ф. И. О.» are one word, not three.
_INITIALS = re.compile(r"(?<![^\W\d_])((?:[^\W\d_]\.\s*){2,})")
_PUNCTUATION = re.compile(r"[«»\"“”„‟'‘’`.,:;!?*()\[\]{}<>…\u00b9\u00b2\u00b3\u2070\u2074-\u2079]")
_DASHES = str.maketrans({"–": "-", "—": "-", "−": "-", "‐": "-", "‑": "-"})


def normalise_header(text: str) -> str:
    """Return header text in the form synonyms are compared in.

    Lower-case, «ё» as «е», no invisible characters, whitespace (NBSP and line breaks included)
    collapsed to single spaces, quotes and punctuation such as «»"".:;*()[] removed, footnote marks
    at the end («ИНН*», «ИНН¹», «ИНН (1)», «ИНН 2)») and numbering at the start («1. ИНН»)
    dropped.  The function is idempotent.
    """
    # Each pass can expose something the previous one hid (a footnote behind a lone dash, say);
    # repeating until nothing changes is what makes the function idempotent.
    for _ in range(5):
        cleaned = _normalise_header_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def _normalise_header_once(text: str) -> str:
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    text = unicodedata.normalize("NFC", text.lower()).replace("ё", "е")
    text = " ".join(text.split())
    text = _FOOTNOTE_TAIL.sub("", text)
    text = _LEADING_NUMBER.sub("", text)
    text = _INITIALS.sub(lambda match: re.sub(r"[.\s]", "", match[1]) + " ", text)
    text = _PUNCTUATION.sub(" ", text.translate(_DASHES))
    words = [word for word in text.split() if word.strip("-")]
    return " ".join(words)


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SEND_A_TABLE = "Загрузите таблицу в формате XLSX, XLS или CSV."
_UNPACK = "Распакуйте его и загрузите саму таблицу."
_BINARY_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", f"Это PDF-документ, а не таблица. {_SEND_A_TABLE}"),
    (b"\x89PNG", f"Это изображение, а не таблица. {_SEND_A_TABLE}"),
    (b"\xff\xd8\xff", f"Это изображение, а не таблица. {_SEND_A_TABLE}"),
    (b"GIF8", f"Это изображение, а не таблица. {_SEND_A_TABLE}"),
    (b"Rar!", f"Это архив RAR, а не таблица. {_UNPACK}"),
    (b"7z\xbc\xaf", f"Это архив 7-Zip, а не таблица. {_UNPACK}"),
    (b"\x1f\x8b", f"Это архив GZIP, а не таблица. {_UNPACK}"),
    (b"{\\rtf", f"Это документ RTF, а не таблица. {_SEND_A_TABLE}"),
)
_WORD_MESSAGE = (
    "Это документ Word, а не таблица. Скопируйте таблицу в Excel и сохраните её в формате XLSX."
)


# What zipfile raises on damaged archives: bad headers, broken deflate streams (zlib.error),
# bad CRCs, truncated members, unsupported compression and encrypted members.
_ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    OSError,
    EOFError,
    KeyError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)

_ZIP_OR_XML_ERRORS: tuple[type[Exception], ...] = (*_ZIP_ERRORS, ElementTree.ParseError)


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def read_sheets(
    data: bytes, filename: str = "", *, max_rows: int = DEFAULT_MAX_ROWS
) -> list[Sheet]:
    """Read every worksheet of an XLSX/ODS/XLS workbook, or a CSV/TSV/TXT file as one sheet.

    The format is detected by content.  Text files are decoded as UTF-8 (with or without BOM),
    UTF-16 with BOM (Excel's «Текст Юникод») or else CP1251 (Excel in Russia saves CSV in it); the
    delimiter is chosen among «;», tab and «,».  Error cells (#REF!, #DIV/0!) of XLSX files come
    back as their text.  ``filename`` only names the CSV sheet.

    Raises TableError for an empty file, a file that is not a table (PDF, Word, an image, HTML
    saved as .xls, random bytes), a corrupt or password-protected workbook, a workbook with
    macros, an XLSB file, a sheet whose used range is too large to hold in memory
    (:data:`MAX_CELLS`) and a sheet with more than ``max_rows`` rows.  No exception of the
    underlying libraries escapes.
    """
    if not data or (len(data) < 4096 and not data.strip()):
        raise TableError(MSG_EMPTY)
    try:
        if data.startswith(_ZIP_MAGICS):
            return _read_zip(data, max_rows)
        if data.startswith(_OLE2_MAGIC):
            return _read_ole2(data, max_rows)
        for magic, message in _BINARY_MAGICS:
            if data.startswith(magic):
                raise TableError(message)
        return [_read_text(data, filename, max_rows)]
    except (TableError, MemoryError):
        raise
    except Exception as error:
        # The readers catch what their libraries are known to raise; a damaged file can still
        # find a new way to fail, and the caller was promised a TableError.  The chained cause
        # keeps the details for the log.
        raise TableError(MSG_NOT_A_TABLE) from error


def check_table(data: bytes) -> None:
    """Refuse what :func:`read_sheets` would refuse for the kind of file alone, reading no cells.

    Fast enough to run while an upload is received, before a background check reads the rows.
    """
    if not data or (len(data) < 4096 and not data.strip()):
        raise TableError(MSG_EMPTY)
    try:
        if data.startswith(_ZIP_MAGICS):
            _zip_workbook_kind(data)
        elif data.startswith(_OLE2_MAGIC):
            _check_ole2(data)
        else:
            for magic, message in _BINARY_MAGICS:
                if data.startswith(magic):
                    raise TableError(message)
            text = _decode(data)
            if not text.strip():
                raise TableError(MSG_EMPTY)
            _check_is_text(text)
    except (TableError, MemoryError):
        raise
    except Exception as error:
        raise TableError(MSG_NOT_A_TABLE) from error


def _read_zip(data: bytes, max_rows: int) -> list[Sheet]:
    if _zip_workbook_kind(data) == "xlsx":
        try:
            scans = _scan_xlsx(data)
        except _ZIP_ERRORS as error:
            raise TableError(MSG_NOT_A_TABLE) from error
        sheets = _read_with_calamine(data, max_rows)
        _put_errors(sheets, {name: scan.errors for name, scan in scans.items() if scan.errors})
        return [
            dataclasses.replace(sheet, formulas=tuple(scans[sheet.name].formulas))
            if sheet.name in scans and scans[sheet.name].formulas
            else sheet
            for sheet in sheets
        ]
    return _read_with_calamine(data, max_rows)


def _zip_workbook_kind(data: bytes) -> str:
    """«xlsx» or «ods» for a workbook the readers take; TableError for any other ZIP."""
    # Before any reader inflates a member: a «zip bomb» or a DTD (XXE) is refused here.
    try:
        inspect_zip(data)
    except ArchiveError as error:
        broken = error.message == ARCHIVE_BROKEN
        raise TableError(MSG_NOT_A_TABLE if broken else error.message) from error
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            content_types = (
                archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
            )
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except _ZIP_ERRORS as error:
        raise TableError(MSG_NOT_A_TABLE) from error

    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        if (
            b"macroEnabled" in content_types
            or "xl/vbaProject.bin" in names
            or any(name.startswith("xl/macrosheets/") for name in names)
        ):
            raise TableError(MSG_MACROS)
        if "xl/workbook.xml" not in names:
            raise TableError(
                "Формат XLSB (двоичная книга Excel) не принимается. "
                "Сохраните таблицу как «Книга Excel (*.xlsx)» и загрузите её снова."
            )
        return "xlsx"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet") or (
        not mimetype and "content.xml" in names
    ):
        return "ods"
    if "word/document.xml" in names or mimetype.startswith(b"application/vnd.oasis.opendocument"):
        if b"opendocument.presentation" in mimetype:
            raise TableError("Это презентация, а не таблица. Загрузите таблицу в формате XLSX.")
        raise TableError(_WORD_MESSAGE)
    if "ppt/presentation.xml" in names:
        raise TableError("Это презентация, а не таблица. Загрузите таблицу в формате XLSX.")
    raise TableError(
        "Это ZIP-архив, а не таблица. Распакуйте его и загрузите саму таблицу "
        "в формате XLSX, XLS или CSV."
    )


def _read_ole2(data: bytes, max_rows: int) -> list[Sheet]:
    _check_ole2(data)
    return _read_with_calamine(data, max_rows)


def _check_ole2(data: bytes) -> None:
    # Stream names live in the compound file's directory as UTF-16; a plain byte search finds them
    # before any parsing.
    if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
        # An XLSX with a password is stored as an encrypted compound file.
        raise TableError(MSG_PASSWORD)
    if _utf16("_VBA_PROJECT_CUR") in data:
        raise TableError(MSG_MACROS)
    if _utf16("WordDocument") in data:
        raise TableError(_WORD_MESSAGE)
    _check_xls(data)


def _calamine_failure(error: BaseException) -> TableError:
    text = str(error).lower()
    if isinstance(error, PasswordError) or "password" in text or "encrypt" in text:
        return TableError(MSG_PASSWORD)
    return TableError(MSG_NOT_A_TABLE)


def _read_with_calamine(data: bytes, max_rows: int) -> list[Sheet]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        # A Rust panic surfaces as pyo3's PanicException, which derives from BaseException.
        raise _calamine_failure(error) from error
    try:
        sheets: list[Sheet] = []
        for index, meta in enumerate(_calamine_call(lambda: workbook.sheets_metadata)):
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            sheet = _calamine_call(lambda index=index: workbook.get_sheet_by_index(index))
            sheets.append(Sheet(name=meta.name, rows=_calamine_rows(sheet, max_rows)))
        return sheets
    finally:
        try:
            workbook.close()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            pass  # closing is best effort: the data has already been read


def _calamine_call(call: Any) -> Any:
    try:
        return call()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        raise _calamine_failure(error) from error


def _too_many_rows(max_rows: int) -> TableError:
    limit = f"{max_rows:,}".replace(",", "\u00a0")
    return TableError(
        f"Слишком много строк: на листе больше {limit} строк. "
        "Разделите таблицу на несколько файлов."
    )


def _calamine_rows(sheet: CalamineSheet, max_rows: int) -> list[list[object]]:
    end = _calamine_call(lambda: sheet.end)
    if end is None:
        return []
    if end[0] + 1 > max_rows:
        # The used range of a sheet often runs far below the data because someone formatted the
        # whole column; only rows with values beyond the limit count.
        for number, raw in enumerate(_calamine_call(sheet.iter_rows)):
            if number >= max_rows and any(cell != "" for cell in raw):
                raise _too_many_rows(max_rows)
        raw_rows = _calamine_call(lambda: sheet.to_python(skip_empty_area=False, nrows=max_rows))
    else:
        raw_rows = _calamine_call(lambda: sheet.to_python(skip_empty_area=False))
    rows: list[list[object]] = [[None if cell == "" else cell for cell in raw] for raw in raw_rows]
    while rows and all(cell is None for cell in rows[-1]):
        rows.pop()
    return rows


# calamine allocates a sheet's whole used range (rows x columns) before reading a cell, and a
# failed allocation aborts the process instead of raising: one value typed into XFD1048576, or a
# damaged XLS header, would kill the worker.  So the used range is measured here first, cheaply,
# and absurd sheets are refused with a message.
MAX_CELLS = 30_000_000
_XLSX_MAX_ROWS = 1_048_576
_XLSX_MAX_COLUMNS = 16_384
_XLS_MAX_ROWS = 65_536
_XLS_MAX_COLUMNS = 256

# calamine 0.9 also turns error cells into empty strings; XLSX keeps the error text in the sheet
# XML (<c r="B5" t="e"><v>#REF!</v></c>), so the same pass picks it up to put it back.
_ERROR_MARKERS = (b't="e"', b"t='e'")
_CELL_TAG = re.compile(rb"""<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*["']([A-Z]{1,3})(\d{1,7})["']""")
_CELL_VALUE = re.compile(
    rb"\s*(?:<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>))?\s*<(?:[\w.-]+:)?v>([^<]*)<"
)
# Excel, LibreOffice and the Python writers all write ' r="' before a reference; patterns that
# start with that literal run ten times faster than ones starting with \s.  A window where «r=»
# is spelled any other way goes through the generic patterns.
_LAST_ROW_NUMBER = re.compile(rb'<row [^>]*?\br="(\d{1,10})"')
_REFERENCE = re.compile(rb' r="([^"<>]*)"')
_ANY_REFERENCE = re.compile(rb"""\sr\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)')""")
# A cell reference or a row number; calamine would take «BRSNTS90» for a column far beyond XFD.
_VALID_REFERENCE = re.compile(rb"([A-Z]{0,3})(\d{1,7})")
_CHUNK = 1 << 20
FORMULA_LIMIT = 20
_FORMULA_CELL = re.compile(rb'<c [^>]*?r="([A-Z]{1,3}\d{1,7})"')
# Enough for a cell tag with a long formula cut by a chunk border to be whole in the next window.
_OVERLAP = 1 << 16


def _too_big(sheet: str, rows: int, columns: int) -> TableError:
    corner = f"{column_letter(max(columns, 1) - 1)}{max(rows, 1)}"
    return TableError(
        f"Таблица на листе «{sheet}» слишком большая: заполненные ячейки доходят до {corner}. "
        "Удалите лишние данные за пределами таблицы и загрузите файл снова."
    )


def _letters_above(letters: str) -> bytes:
    """Return a regex matching column letters that come after ``letters`` in column order."""
    size = len(letters)
    options = [f"[A-Z]{{{size + 1},3}}"] if size < 3 else []
    for index, char in enumerate(letters):
        if char < "Z":
            rest = size - index - 1
            options.append(f"{letters[:index]}[{chr(ord(char) + 1)}-Z][A-Z]{{{rest}}}")
    return "|".join(options or ["(?!)"]).encode("ascii")


class _SheetScan:
    """The used range and the error cells of one XLSX sheet, gathered chunk by chunk.

    Reading every cell reference would cost seconds on a big sheet.  Instead each window is
    searched only for references beyond what is already known: a column after the widest seen
    so far (past the first row nothing matches) or a row number with more digits than the
    highest so far.  Only a window with such a hit is read in full.
    """

    def __init__(self) -> None:
        self.rows = 0
        self.widest = ""
        self.malformed = False
        self.errors: dict[tuple[int, int], str] = {}
        self.formulas: dict[str, None] = {}  # an ordered set: windows overlap
        self._beyond = self._beyond_pattern()

    def _beyond_pattern(self) -> re.Pattern[bytes]:
        # A reference in a column after the widest, any reference or row element whose row
        # number has more digits than the highest row so far, or a value that is no reference.
        digits = len(str(self.rows)) + 1
        return re.compile(
            b' r="(?:(?:%s)\\d|[A-Z]{0,3}\\d{%d}|(?![A-Z]{0,3}\\d{1,7}"))'
            % (_letters_above(self.widest), digits)
        )

    @property
    def columns(self) -> int:
        return _column_index(self.widest) + 1 if self.widest else 0

    def feed(self, window: bytes) -> None:
        """Take in one window of the sheet XML (windows overlap a little)."""
        rows, widest = self.rows, self.widest
        # Rows come in order, so the last row element of a window holds its highest number.
        last = window.rfind(b"<row ")
        if last >= 0 and (number := _LAST_ROW_NUMBER.match(window, last)) is not None:
            rows = max(rows, int(number[1]))
        # Everything between the first «<» and the last «>» is whole, so no reference cut by the
        # window's edges looks unusual or malformed.  In a usual window every «r=» is a ' r="';
        # other quotes or whitespace send the window through the generic pattern.
        start, end = window.find(b"<"), window.rfind(b">")
        unusual = window.count(b"r=", start, end) != window.count(b' r="', start, end)
        if unusual or self._beyond.search(window, start, end):
            found = (_ANY_REFERENCE if unusual else _REFERENCE).findall(window, start, end)
            for value in set(found):
                text = b"".join(value) if isinstance(value, tuple) else value
                reference = _VALID_REFERENCE.fullmatch(text)
                if reference is None:
                    self.malformed = True
                    continue
                rows = max(rows, int(reference[2]))
                letters = reference[1].decode("ascii")
                if (len(letters), letters) > (len(widest), widest):
                    widest = letters
        if (rows, widest) != (self.rows, self.widest):
            self.rows, self.widest = rows, widest
            self._beyond = self._beyond_pattern()
        if any(marker in window for marker in _ERROR_MARKERS):
            self.errors.update(_error_cells(window))
        if len(self.formulas) < FORMULA_LIMIT:
            self._find_formulas(window)

    def _find_formulas(self, window: bytes) -> None:
        position = window.find(b"<f")
        while position >= 0 and len(self.formulas) < FORMULA_LIMIT:
            if window[position + 2 : position + 3] in (b">", b" ", b"/"):
                cell = window.rfind(b"<c ", 0, position)
                reference = _FORMULA_CELL.match(window, cell, position) if cell >= 0 else None
                self.formulas[reference[1].decode() if reference else "?"] = None
            position = window.find(b"<f", position + 2)

    def too_big(self) -> bool:
        """Tell whether calamine could not be trusted to hold the sheet in memory."""
        return (
            self.rows > _XLSX_MAX_ROWS
            or self.columns > _XLSX_MAX_COLUMNS
            or self.rows * self.columns > MAX_CELLS
        )


def _scan_xlsx(data: bytes) -> dict[str, _SheetScan]:
    """Measure every sheet of an XLSX file and collect its error and formula cells, by sheet name.

    Raises TableError for a sheet whose used range calamine could not hold in memory.
    """
    found: dict[str, _SheetScan] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            members = _xlsx_sheet_members(archive)
        except _ZIP_OR_XML_ERRORS:
            members = {}
        # Parts that no relation names are measured too: a damaged workbook may still lead
        # calamine to them.
        names = set(members.values())
        for member in archive.namelist():
            if (
                member.startswith("xl/worksheets/")
                and member.endswith(".xml")
                and (member not in names)
            ):
                members[member] = member
        for name, member in members.items():
            scan = _scan_member(archive, member)
            if scan is None:
                continue
            if scan.malformed:
                raise TableError(MSG_NOT_A_TABLE)
            if scan.too_big():
                raise _too_big(name, scan.rows, scan.columns)
            found[name] = scan
    return found


def _scan_member(archive: zipfile.ZipFile, member: str) -> _SheetScan | None:
    try:
        stream = archive.open(member)
    except KeyError:
        return None
    scan = _SheetScan()
    tail = b""
    with stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            scan.feed(window)
            tail = window[-_OVERLAP:]
    return scan


def _put_errors(sheets: list[Sheet], errors: dict[str, dict[tuple[int, int], str]]) -> None:
    for sheet in sheets:
        for (row, column), text in errors.get(sheet.name, {}).items():
            if row < len(sheet.rows):
                cells = sheet.rows[row]
                if column < len(cells) and cells[column] is None:
                    cells[column] = text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xlsx_sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets: dict[str, str] = {}
    for relation in relations.iter():
        if _local(relation.tag) == "Relationship":
            target = relation.get("Target", "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[relation.get("Id", "")] = member
    members: dict[str, str] = {}
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        relation_id = next(
            (value for attribute, value in element.attrib.items() if _local(attribute) == "id"),
            "",
        )
        if relation_id in targets:
            members[element.get("name", "")] = targets[relation_id]
    return members


def _marker_positions(xml: bytes) -> Iterator[int]:
    # bytes.find runs at memory speed; a regex would be tried at every byte of a 100 MB sheet.
    for marker in _ERROR_MARKERS:
        position = xml.find(marker)
        while position >= 0:
            yield position
            position = xml.find(marker, position + len(marker))


def _error_cells(xml: bytes) -> Iterator[tuple[tuple[int, int], str]]:
    for position in _marker_positions(xml):
        start = xml.rfind(b"<", 0, position)
        end = xml.find(b">", position)
        if start < 0 or end < 0:
            continue
        # The marker may sit inside formula text; only a <c ...> tag is a cell.
        tag = _CELL_TAG.match(xml, start, end + 1)
        if tag is None or xml[end - 1 : end] == b"/":
            continue
        value = _CELL_VALUE.match(xml, end + 1)
        if value is None:
            continue
        text = unescape(value[1].decode("utf-8", "replace")).strip()
        if text:
            row = int(tag[2]) - 1
            yield (row, _column_index(tag[1].decode("ascii"))), text


# Old Excel files: a compound file (MS-CFB) holding the BIFF «Workbook» stream.
_END_OF_CHAIN = 0xFFFFFFFE
_LAST_REGULAR_SECTOR = 0xFFFFFFFA
_BIFF_RECORD = struct.Struct("<HHHH")
_BIFF_DIMENSIONS = 0x0200
_BIFF_FILEPASS = 0x002F
# Cell records that start with a row and a column: FORMULA, BLANK, NUMBER, LABEL, BOOLERR, RK,
# LABELSST, RSTRING, and MULRK / MULBLANK, which also end with their last column.
_BIFF_MULTIPLE_CELLS = frozenset({0x00BD, 0x00BE})
_BIFF_CELLS = frozenset({0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6})
_BIFF_CELLS |= _BIFF_MULTIPLE_CELLS


class _CompoundFile:
    """Just enough of a compound-file reader to fetch one stream; ValueError when malformed."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            raise ValueError("short header")
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise ValueError("bad sector size")
        self.data = data
        self.size = 1 << shift
        self.version3 = shift == 9
        (fat_count, self.first_directory, _signature, self.cutoff, self.first_mini_fat) = (
            struct.unpack_from("<IIIII", data, 0x2C)
        )
        first_difat, difat_count = struct.unpack_from("<II", data, 0x44)
        self.sectors = (len(data) - 1) // self.size  # the header takes the first sector's place
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        following = first_difat
        for _ in range(min(difat_count, self.sectors)):
            if following >= _LAST_REGULAR_SECTOR:
                break
            entries = self._words(self._sector(following))
            difat.extend(entries[:-1])
            following = entries[-1]
        fat_sectors = [sector for sector in difat if sector < _LAST_REGULAR_SECTOR]
        self.fat: list[int] = []
        for sector in fat_sectors[: min(fat_count, self.sectors)]:
            self.fat.extend(self._words(self._sector(sector)))

    @staticmethod
    def _words(block: bytes) -> list[int]:
        return list(struct.unpack(f"<{len(block) // 4}I", block[: len(block) // 4 * 4]))

    def _sector(self, number: int) -> bytes:
        if number >= self.sectors:
            raise ValueError("sector out of range")
        start = (number + 1) * self.size
        return self.data[start : start + self.size]

    def _chain(self, start: int, table: list[int]) -> list[int]:
        chain: list[int] = []
        current = start
        while current != _END_OF_CHAIN:
            if current >= len(table) or len(chain) > len(table):
                raise ValueError("broken chain")
            chain.append(current)
            current = table[current]
        return chain

    def _read(self, start: int, length: int) -> bytes:
        content = b"".join(self._sector(number) for number in self._chain(start, self.fat))
        if len(content) < length:
            raise ValueError("stream shorter than its size")
        return content[:length]

    def stream(self, names: Sequence[str]) -> bytes | None:
        """Return the content of the first stream with one of ``names``, or None."""
        directory = b"".join(
            self._sector(number) for number in self._chain(self.first_directory, self.fat)
        )
        entries = [directory[offset : offset + 128] for offset in range(0, len(directory), 128)]
        if not entries or len(entries[0]) < 128:
            raise ValueError("no root entry")
        for entry in entries:
            if len(entry) < 128 or entry[66] != 2:  # 2: a stream
                continue
            name_size = min(struct.unpack_from("<H", entry, 64)[0], 64)
            name = entry[: max(name_size - 2, 0)].decode("utf-16-le", "replace")
            if name not in names:
                continue
            start, size = struct.unpack_from("<IQ", entry, 116)
            if self.version3:
                size &= 0xFFFFFFFF
            if size > len(self.data):
                raise ValueError("stream larger than the file")
            if size >= self.cutoff:
                return self._read(start, size)
            return self._read_mini(entries[0], start, size)
        return None

    def _read_mini(self, root: bytes, start: int, size: int) -> bytes:
        root_start, root_size = struct.unpack_from("<IQ", root, 116)
        if self.version3:
            root_size &= 0xFFFFFFFF
        if root_size > len(self.data):
            raise ValueError("mini stream larger than the file")
        mini_stream = self._read(root_start, root_size)
        mini_fat = self._words(
            b"".join(self._sector(number) for number in self._chain(self.first_mini_fat, self.fat))
        )
        pieces = [
            mini_stream[number * 64 : number * 64 + 64] for number in self._chain(start, mini_fat)
        ]
        content = b"".join(pieces)
        if len(content) < size:
            raise ValueError("stream shorter than its size")
        return content[:size]


def _check_xls(data: bytes) -> None:
    """Refuse an XLS file whose records place cells beyond what the format allows.

    calamine sizes its cell grid by the DIMENSIONS records and the cells' positions, so a damaged
    record aborts the process.  Raises TableError for such a file and for an encrypted one.
    """
    try:
        workbook = _CompoundFile(data).stream(("Workbook", "Book", "WORKBOOK", "BOOK"))
    except (ValueError, struct.error, IndexError) as error:
        raise TableError(MSG_NOT_A_TABLE) from error
    if workbook is None:
        raise TableError(MSG_NOT_A_TABLE)
    # Every record is walked: a search for a record's bytes would also hit cell data (a cell in
    # row 513, column O is spelled like a DIMENSIONS header).  One unpack per record reads its
    # type, its length and, for a cell, its row and column: a million cells take a second.
    record = _BIFF_RECORD.unpack_from
    cells, multiple = _BIFF_CELLS, _BIFF_MULTIPLE_CELLS
    padded = workbook + bytes(8)
    size = len(workbook)
    position = 0
    while position + 4 <= size:
        kind, length, _row, column = record(padded, position)
        body = position + 4
        position = body + length
        if position > size:
            break
        if kind in cells:
            if length >= 4 and column >= _XLS_MAX_COLUMNS:
                raise TableError(MSG_NOT_A_TABLE)
            last = workbook[position - 2 : position]
            if kind in multiple and length >= 6 and int.from_bytes(last, "little") >= 256:
                raise TableError(MSG_NOT_A_TABLE)
        elif kind == _BIFF_DIMENSIONS:
            _check_dimensions(workbook[body:position])
        elif kind == _BIFF_FILEPASS:
            raise TableError(MSG_PASSWORD)


def _check_dimensions(body: bytes) -> None:
    if len(body) >= 12:
        first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", body)
    elif len(body) >= 8:
        first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", body)
    else:
        raise TableError(MSG_NOT_A_TABLE)
    if (
        last_row > _XLS_MAX_ROWS
        or last_column > _XLS_MAX_COLUMNS
        or first_row > last_row
        or first_column > last_column
    ):
        raise TableError(MSG_NOT_A_TABLE)


# --------------------------------------------------------------------------------------------
# Text files
# --------------------------------------------------------------------------------------------

_DELIMITERS = (";", "\t", ",")
_SNIFF_CHARS = 64 * 1024
_SNIFF_RECORDS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's «Текст Юникод» export: UTF-16 with a BOM, tab-separated.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise TableError(MSG_NOT_A_TABLE) from error
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(MSG_NOT_A_TABLE)


def _check_is_text(text: str) -> None:
    sample = text[:_SNIFF_CHARS]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > len(sample) // 100:
        raise TableError(MSG_NOT_A_TABLE)
    head = sample.lstrip()[:2048].lower()
    if head.startswith("<") and ("<html" in head or "<table" in head or "<!doctype" in head):
        raise TableError(
            "Файл — это веб-страница (HTML), а не таблица Excel, хотя у него может быть "
            "расширение .xls. Откройте его в Excel и сохраните как «Книга Excel (*.xlsx)»."
        )
    if head.startswith("<?xml") or head.startswith("<"):
        raise TableError(
            "Файл — это XML, а не таблица Excel. Откройте его в Excel и сохраните как "
            "«Книга Excel (*.xlsx)»."
        )


def _sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = _DELIMITERS[0], 0
    for delimiter in _DELIMITERS:
        counts: dict[int, int] = {}
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            for number, record in enumerate(reader):
                if number >= _SNIFF_RECORDS:
                    break
                if any(field.strip() for field in record):
                    counts[len(record)] = counts.get(len(record), 0) + 1
        except csv.Error:
            continue
        # A delimiter that splits lines into the same number of fields again and again is the
        # real one; commas inside addresses or decimals split lines unevenly.  Ties keep the
        # earlier delimiter, so «;» wins as in Russian Excel.
        score = max((count for width, count in counts.items() if width > 1), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_text(data: bytes, filename: str, max_rows: int) -> Sheet:
    text = _decode(data)
    if not text.strip():
        raise TableError(MSG_EMPTY)
    _check_is_text(text)
    delimiter = _sniff_delimiter(text)
    rows: list[list[object]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for record in reader:
            # A quoted field may span lines; the record keeps the number of the line it starts
            # on and the lines it swallowed stay as empty rows, so index + 1 is the line number.
            start = line + 1
            line = reader.line_num
            values: list[object] = [field if field != "" else None for field in record]
            if start > max_rows and any(value is not None for value in values):
                raise _too_many_rows(max_rows)
            rows.append(values)
            rows.extend([] for _ in range(line - start))
    except csv.Error as error:
        raise TableError(MSG_NOT_A_TABLE) from error
    while rows and all(value is None for value in rows[-1]):
        rows.pop()
    del rows[max_rows:]
    width = max((len(row) for row in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    name = PurePath(filename).stem if filename else ""
    return Sheet(name=name or "CSV", rows=rows)


# --------------------------------------------------------------------------------------------
# Finding the table
# --------------------------------------------------------------------------------------------

_TOTAL_WORDS = frozenset({"итого", "итог", "всего"})
_TOTAL_PREFIXES = ("итог", "всего")
_TOTAL_STRIP = " \t\r\n\u00a0*.-–—«\"'(:"


@dataclass(frozen=True)
class _Hit:
    """A header cell recognised as a column."""

    key: str
    column: int
    exact: bool
    length: int
    text: str

    @property
    def rank(self) -> tuple[bool, int]:
        """Order of the readings of one cell: exact first, then the more specific synonym."""
        return (self.exact, self.length)

    @property
    def strength(self) -> tuple[bool, int]:
        """Order of cells claiming one column: any two exact matches are equally good."""
        return (True, 0) if self.exact else (False, self.length)


class _Matcher:
    """Normalised synonyms of the expected columns."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self.synonyms: dict[str, str] = {}
        keys: set[str] = set()
        for column in self.columns:
            if column.key in keys:
                raise ValueError(f"column key {column.key!r} is declared twice")
            keys.add(column.key)
            for synonym in (column.title, *column.synonyms):
                normalised = normalise_header(synonym)
                if not normalised:
                    continue
                owner = self.synonyms.setdefault(normalised, column.key)
                if owner != column.key:
                    raise ValueError(
                        f"synonym {synonym!r} is declared for both {owner!r} and {column.key!r}"
                    )

    def match(self, text: str, *, beyond: int = 0) -> tuple[str, bool, int] | None:
        """Return (key, exact, synonym length) for normalised header text, or None.

        An exact match wins; otherwise the longest synonym the text starts with, followed by a
        space, e.g. «инн организации» for «инн».  ``beyond`` demands a prefix longer than that
        many characters, so that the group text of a two-level header alone («руководитель»
        over «телефон») does not count as a match.
        """
        if not text:
            return None
        key = self.synonyms.get(text)
        if key is not None:
            return key, True, len(text)
        position = text.rfind(" ")
        while position > beyond:
            key = self.synonyms.get(text[:position])
            if key is not None:
                return key, False, position
            position = text.rfind(" ", 0, position)
        return None


@dataclass
class _Candidate:
    """The outcome of matching one header row or pair of rows."""

    row: int
    height: int
    hits: dict[str, _Hit]
    duplicates: dict[str, list[_Hit]]
    unknown: list[str]
    required_missing: list[Column]
    left: int

    @property
    def score(self) -> tuple[int, int, int]:
        return (len(self.hits), -self.height, -self.row)


def _header_cells(rows: Sequence[Sequence[object]], index: int) -> tuple[list[str], list[str]]:
    """Return the display texts and the normalised texts of a row's cells."""
    if index >= len(rows):
        return [], []
    display = [cell_text(value) for value in rows[index]]
    return display, [normalise_header(text) if text else "" for text in display]


def _best_hit(
    matcher: _Matcher, column: int, display: str, options: Iterable[tuple[str, int]]
) -> _Hit | None:
    """Return the strongest match among alternative readings of one header cell."""
    best: _Hit | None = None
    for text, beyond in options:
        found = matcher.match(text, beyond=beyond)
        if found is None:
            continue
        hit = _Hit(found[0], column, found[1], found[2], display)
        if best is None or hit.rank > best.rank:
            best = hit
    return best


def _resolve(
    row: int, height: int, cells: list[tuple[int, str, _Hit | None]], matcher: _Matcher
) -> _Candidate:
    by_key: dict[str, list[_Hit]] = {}
    unknown: list[str] = []
    for _column, display, hit in cells:
        if hit is None:
            unknown.append(display)
        else:
            by_key.setdefault(hit.key, []).append(hit)
    hits: dict[str, _Hit] = {}
    duplicates: dict[str, list[_Hit]] = {}
    for key, found in by_key.items():
        found.sort(key=lambda hit: hit.strength, reverse=True)
        hits[key] = found[0]
        tied = [hit for hit in found if hit.strength == found[0].strength]
        if len(tied) > 1:
            duplicates[key] = tied
        # A weaker match of an already found column («ИНН руководителя» beside «ИНН») is
        # simply a column we do not read.
        unknown.extend(hit.text for hit in found[len(tied) :])
    missing = [column for column in matcher.columns if column.required and column.key not in hits]
    left = min((column for column, _display, _hit in cells), default=0)
    return _Candidate(row, height, hits, duplicates, unknown, missing, left)


def _single_row(row: int, display: list[str], norm: list[str], matcher: _Matcher) -> _Candidate:
    cells = [
        (column, display[column], _best_hit(matcher, column, display[column], [(text, 0)]))
        for column, text in enumerate(norm)
        if text
    ]
    return _resolve(row, 1, cells, matcher)


def _pair_rows(
    row: int,
    upper: tuple[list[str], list[str]],
    lower: tuple[list[str], list[str]],
    matcher: _Matcher,
) -> _Candidate:
    upper_display, upper_norm = upper
    lower_display, lower_norm = lower
    width = max(len(upper_norm), len(lower_norm))
    cells: list[tuple[int, str, _Hit | None]] = []
    group_display, group_norm = "", ""
    for column in range(width):
        own_display = upper_display[column] if column < len(upper_display) else ""
        own_norm = upper_norm[column] if column < len(upper_norm) else ""
        below_display = lower_display[column] if column < len(lower_display) else ""
        below_norm = lower_norm[column] if column < len(lower_norm) else ""
        if own_norm:
            group_display, group_norm = own_display, own_norm
        if below_norm:
            # Merged group cells keep their text only in the top-left cell, so the group text
            # is carried to the right over the empty cells of the upper row.
            shown = f"{group_display} {below_display}" if group_norm else below_display
            options = [(below_norm, 0)]
            if group_norm:
                options.append((f"{group_norm} {below_norm}", len(group_norm)))
            cells.append((column, shown, _best_hit(matcher, column, shown, options)))
        elif own_norm:
            # A cell merged down over both rows: only the upper one has the text.
            hit = _best_hit(matcher, column, own_display, [(own_norm, 0)])
            cells.append((column, own_display, hit))
    return _resolve(row, 2, cells, matcher)


def _locate(sheet: Sheet, matcher: _Matcher, search_rows: int) -> _Candidate | None:
    rows = sheet.rows
    limit = min(search_rows, len(rows))
    headers = [_header_cells(rows, index) for index in range(min(limit + 1, len(rows)))]
    best: _Candidate | None = None
    for index in range(limit):
        if not any(headers[index][1]):
            continue
        candidates = [_single_row(index, *headers[index], matcher)]
        if index + 1 < len(headers) and any(headers[index + 1][1]):
            candidates.append(_pair_rows(index, headers[index], headers[index + 1], matcher))
        for candidate in candidates:
            if candidate.hits and (best is None or candidate.score > best.score):
                best = candidate
    return best


def _duplicate_error(sheet: str, matcher: _Matcher, key: str, hits: list[_Hit]) -> TableError:
    title = next(column.title for column in matcher.columns if column.key == key)
    places = " и ".join(f"{column_letter(hit.column)} («{hit.text}»)" for hit in hits)
    return TableError(
        f"Столбец «{title}» найден на листе «{sheet}» несколько раз: {places}. "
        "Оставьте один такой столбец или переименуйте лишние."
    )


def _missing_error(sheet: str, missing: Sequence[Column]) -> TableError:
    titles = ", ".join(column.title for column in missing)
    return TableError(f"Не найдены обязательные столбцы: {titles} (лист «{sheet}»).")


def _no_header_error(sheet: str, matcher: _Matcher, search_rows: int) -> TableError:
    titles = ", ".join(column.title for column in matcher.columns)
    return TableError(
        f"На листе «{sheet}» в первых {search_rows} строках не найдена строка заголовков. "
        f"Ожидаются столбцы: {titles}."
    )


def find_table(sheet: Sheet, columns: Sequence[Column], *, search_rows: int = 30) -> Table:
    """Find the table with the given columns on a sheet and return its data rows.

    The header is the row among the first ``search_rows`` rows (or the pair of rows of a
    two-level header with merged group cells) that matches the most columns; title rows above it
    are ignored.  A header cell matches a column when its normalised text equals a synonym, or
    starts with one followed by a space; an exact match beats a prefix match and a longer synonym
    beats a shorter one.  Two equally good header cells for one column raise TableError naming
    both.

    Data rows follow the header.  Rows without a value in any found column, totals rows
    («Итого», «Всего»), repeated header rows (after a page break) and a numbering row «1 2 3 …»
    right under the header are skipped.  Values are normalised with :func:`normalise_cell`.

    Raises TableError when required columns are missing (the message lists their titles) or no
    header row is found.  Raises ValueError when ``columns`` themselves are inconsistent
    (a key or a synonym declared twice).
    """
    matcher = _Matcher(columns)
    candidate = _locate(sheet, matcher, search_rows)
    if candidate is None:
        required = [column for column in matcher.columns if column.required]
        if required:
            raise _missing_error(sheet.name, required)
        raise _no_header_error(sheet.name, matcher, search_rows)
    return _build_table(sheet, matcher, candidate)


def find_table_in_sheets(
    sheets: Sequence[Sheet], columns: Sequence[Column], *, search_rows: int = 30
) -> Table:
    """Find the table on whichever sheet of a workbook holds it.

    Prefers a sheet with all required columns, then the one matching the most columns, then the
    earlier sheet.  When no sheet has all required columns the error is the one for the sheet
    that came closest.
    """
    if not sheets:
        raise TableError("В файле нет ни одного листа с данными.")
    matcher = _Matcher(columns)
    best: tuple[tuple[bool, int, int], Sheet, _Candidate | None] | None = None
    for order, sheet in enumerate(sheets):
        candidate = _locate(sheet, matcher, search_rows)
        rank = (
            candidate is not None and not candidate.required_missing,
            len(candidate.hits) if candidate is not None else 0,
            -order,
        )
        if best is None or rank > best[0]:
            best = (rank, sheet, candidate)
    assert best is not None
    _rank, sheet, candidate = best
    if candidate is None:
        return find_table(sheet, columns, search_rows=search_rows)
    return _build_table(sheet, matcher, candidate)


def _build_table(sheet: Sheet, matcher: _Matcher, candidate: _Candidate) -> Table:
    for key, hits in candidate.duplicates.items():
        raise _duplicate_error(sheet.name, matcher, key, hits)
    if candidate.required_missing:
        raise _missing_error(sheet.name, candidate.required_missing)
    columns = {
        column.key: candidate.hits[column.key].column
        for column in matcher.columns
        if column.key in candidate.hits
    }
    header_end = candidate.row + candidate.height
    rows = list(_data_rows(sheet.rows, header_end, candidate, columns, matcher))
    return Table(
        sheet=sheet.name,
        header_row=candidate.row + 1,
        columns=columns,
        column_letters={key: column_letter(index) for key, index in columns.items()},
        rows=rows,
        unknown_headers=candidate.unknown,
        header_rows=candidate.height,
    )


def _data_rows(
    rows: list[list[object]],
    start: int,
    candidate: _Candidate,
    columns: dict[str, int],
    matcher: _Matcher,
) -> Iterator[Row]:
    blank: dict[str, object] = dict.fromkeys(column.key for column in matcher.columns)
    positions = list(columns.items())
    first_data_column = min(columns.values())
    header_texts = _repeat_patterns(rows, candidate, columns)
    normalisers = _NORMALISERS
    seen_content = False
    for index in range(start, len(rows)):
        raw = rows[index]
        width = len(raw)
        values = blank.copy()
        empty = True
        # The hot loop of a big import: one dict lookup per cell instead of a call chain.
        for key, position in positions:
            if position >= width:
                continue
            value = raw[position]
            if value is None:
                continue
            normalise = normalisers.get(type(value))
            if normalise is not None:
                value = normalise(value)
            if value is not None:
                values[key] = value
                empty = False
        if empty:
            continue
        first_content = not seen_content
        seen_content = True
        if first_content and _is_numbering(raw, candidate.left):
            continue
        if _is_totals(raw, first_data_column):
            continue
        if _is_repeated_header(raw, header_texts):
            continue
        yield Row(number=index + 1, values=values)


def _repeat_patterns(
    rows: list[list[object]], candidate: _Candidate, columns: dict[str, int]
) -> list[list[tuple[int, str]]]:
    """Return, per header row, the normalised header text at each found column."""
    patterns: list[list[tuple[int, str]]] = []
    for index in range(candidate.row, candidate.row + candidate.height):
        row = rows[index]
        pattern = [
            (position, normalise_header(cell_text(row[position])) if position < len(row) else "")
            for position in sorted(columns.values())
        ]
        if any(text for _position, text in pattern):
            patterns.append(pattern)
    return patterns


def _is_repeated_header(raw: list[object], patterns: list[list[tuple[int, str]]]) -> bool:
    width = len(raw)
    for pattern in patterns:
        # Compare the first non-empty header cell alone before normalising the rest: on a
        # 40 000-row sheet this keeps the check to one normalisation per row.
        anchor, anchor_text = next((item for item in pattern if item[1]), pattern[0])
        value = raw[anchor] if anchor < width else None
        if not isinstance(value, str) or normalise_header(value) != anchor_text:
            continue
        if all(
            normalise_header(cell_text(raw[position] if position < width else None)) == text
            for position, text in pattern
        ):
            return True
    return False


def _is_totals(raw: list[object], first_data_column: int) -> bool:
    checked_first = False
    for position, value in enumerate(raw):
        if value is None or (type(value) is str and not value.strip()):
            continue
        if position >= first_data_column and checked_first:
            break
        checked_first = True
        if isinstance(value, str) and _says_total(value):
            return True
    return False


def _says_total(text: str) -> bool:
    stripped = text.lstrip(_TOTAL_STRIP).lower()
    if not stripped.startswith(_TOTAL_PREFIXES):
        return False
    words = normalise_header(text).split(" ", 1)
    return words[0] in _TOTAL_WORDS


def _as_small_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip().rstrip(".")
        if text.isdigit() and len(text) <= 4:
            return int(text)
    return None


def _is_numbering(raw: list[object], left_edge: int) -> bool:
    """Tell whether a row is «1 2 3 …» numbering the columns of the form.

    Every non-empty cell must hold its column's position counted from the left edge of the
    table (so the numbering survives merged, empty cells); two numbers at least.
    """
    count = 0
    for position, value in enumerate(raw):
        if value is None:
            continue
        if isinstance(value, str) and not value.strip():
            continue
        number = _as_small_int(value)
        if number is None or number != position - left_edge + 1:
            return False
        count += 1
    return count >= 2
