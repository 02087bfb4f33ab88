"""The stage documents in the layout a federal monitoring asks for: one line per school and document.

Columns: school, INN, municipality, stage, document, status, link — the link is the absolute
address of the file's download page, which checks who asks as every file of the site does.
"""

from __future__ import annotations

from collections.abc import Callable

from marshrut.lib.exports import ExportColumn, write_xlsx
from marshrut.support.stage_queries import DocumentRow


def columns(link: Callable[[int], str]) -> list[ExportColumn]:
    return [
        ExportColumn("Школа", lambda r: r.school, 40),
        ExportColumn("ИНН", lambda r: r.inn, 13),
        ExportColumn("Муниципалитет", lambda r: r.municipality, 28),
        ExportColumn(
            "Этап",
            lambda r: f"Этап {r.stage_number}. {r.stage_title} (до {r.control_on:%d.%m.%Y})",
            36,
        ),
        ExportColumn("Документ", lambda r: r.document, 40),
        ExportColumn("Статус", lambda r: r.status_label, 14),
        ExportColumn("Замечание", lambda r: r.remark, 30),
        ExportColumn("Ссылка", lambda r: link(r.file_id) if r.file_id else "", 50),
    ]


def stage_xlsx(rows: list[DocumentRow], link: Callable[[int], str], *, title: str = "") -> bytes:
    """``link(file_id)`` gives the absolute address of a file's download."""
    return write_xlsx(columns(link), rows, sheet="Мониторинг ШНОР", title=title)
