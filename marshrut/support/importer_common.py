"""What the ШНОР tables share on their way in: the table read, schools by INN, numbers, problems.

The files are those offices send: XLSX, XLS or a CSV in CP1251 with «;», with merged header cells
and a totals row («Итого»). The table kernel (:mod:`marshrut.kernels.tables`) reads them and finds
the columns by their header words; here each row is checked and a problem is written in Russian
for every cell that is wrong, so that nothing is saved unless every row passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from marshrut.kernels.tables import (
    Column,
    Table,
    TableError,
    cell_text,
    find_table_in_sheets,
    read_sheets,
)
from marshrut.lib.imports import Problem
from marshrut.lib.uploads import TABLE, refusal
from marshrut.orgs.access import grant
from marshrut.orgs.models import Region, School
from marshrut.orgs.roles import Cap
from marshrut.orgs.validators import clean_inn

INN = Column(
    "inn",
    "ИНН",
    ("инн", "инн оо", "инн школы", "инн организации", "инн образовательной организации"),
    required=True,
)
NAME = Column(
    "name",
    "Наименование ОО",
    ("наименование", "наименование оо", "школа", "оо", "образовательная организация"),
)


@dataclass
class Sheet:
    """A read table and the problems found while checking it, with the helper that adds one."""

    table: Table | None
    titles: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.table is not None and not self.problems

    def problem(self, row: int, key: str, value: Any, reason: str) -> None:
        assert self.table is not None
        letter = self.table.column_letters.get(key, "")
        column = f"{letter} «{self.titles[key]}»".strip() if key else ""
        self.problems.append(Problem(self.table.sheet, row, column, cell_text(value), reason))


def read_table(data: bytes, filename: str, columns: Sequence[Column]) -> Sheet:
    """The table of ``columns`` in the file, or a sheet without a table and the file's problem."""
    titles = {c.key: c.title for c in columns}
    refused = refusal(data, filename, TABLE)
    if refused:
        return Sheet(None, titles, [Problem.of_file(refused)])
    try:
        table = find_table_in_sheets(read_sheets(data, filename), columns)
    except TableError as e:
        return Sheet(None, titles, [Problem.of_file(e.message)])
    if not table.rows:
        return Sheet(None, titles, [Problem(table.sheet, None, "", "", "в таблице нет строк")])
    return Sheet(table, titles)


def inn_text(value: Any) -> str:
    """The INN as typed; a number that lost its leading zero in Excel gets it back."""
    text = cell_text(value).replace(" ", "")
    if isinstance(value, int) and len(text) == 9:
        return "0" + text
    return text


def school_scope(user: Any) -> Q:
    return grant(user, Cap.SHNOR_MANAGE).q(
        region="municipality__region_id", municipality="municipality_id", school="pk"
    )


def schools_by_inn(region: Region, inns: Sequence[str]) -> dict[str, School]:
    """The region's schools with these INNs, by INN (one query)."""
    return {
        s.inn: s
        for s in School.objects.filter(
            municipality__region=region, inn__in=set(inns)
        ).select_related("municipality")
    }


def check_inn(sheet: Sheet, row: int, value: Any) -> str | None:
    """The clean INN of a row, or None with a problem written."""
    text = inn_text(value)
    if not text:
        sheet.problem(row, "inn", "", "не указан ИНН школы")
        return None
    try:
        return clean_inn(text)
    except ValidationError as e:
        sheet.problem(row, "inn", value, " ".join(e.messages))
        return None


def number(value: Any) -> Decimal | None:
    """A number typed in a cell: 12, 12.5, «12,5», «12,5 %»; None if it is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = cell_text(value).replace("\u00a0", "").replace(" ", "").rstrip("%").replace(",", ".")
    try:
        found = Decimal(text)
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def whole(value: Any) -> int | None:
    found = number(value)
    if found is None or found != found.to_integral_value():
        return None
    return int(found)
