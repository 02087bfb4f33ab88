"""The federal view as files: an XLSX table and a DOCX summary with the same figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone

from marshrut.analytics.federal import FederalView, RegionRow
from marshrut.kernels.criteria import LEVEL_NAMES, LEVELS
from marshrut.lib.docx import new_document, set_font, to_bytes
from marshrut.lib.exports import ExportColumn
from marshrut.lib.exports import write_xlsx as _write_xlsx
from marshrut.lib.plural import plural_form
from marshrut.orgs.models import FederalDistrict

HIGH_FIRST = tuple(reversed(LEVELS))


def _pct(value: float) -> float:
    return round(100 * value, 1)


def _show_pct(value: float | None) -> str:
    return "—" if value is None else f"{_pct(value):.1f}".replace(".", ",")


def _mean_of(code: str) -> Callable[[RegionRow], Any]:
    def value(row: RegionRow) -> Any:
        mean = row.mean(code)
        return "" if mean is None else _pct(mean)

    return value


def _level_of(level: str) -> Callable[[RegionRow], int]:
    return lambda row: row.levels[level]


def columns(view: FederalView) -> list[ExportColumn]:
    """The columns of the XLSX: a region's registry, participation, levels, risk and means."""
    return [
        ExportColumn("Федеральный округ", lambda r: r.district, 28),
        ExportColumn("Регион", lambda r: r.name, 30),
        ExportColumn("Кампания", lambda r: r.campaign, 28),
        ExportColumn("Школ в реестре", lambda r: r.registry, 10),
        ExportColumn("Анкет в кампании", lambda r: r.submissions, 10),
        ExportColumn("Прошли самодиагностику", lambda r: r.done, 12),
        ExportColumn("Участие, % от реестра", lambda r: _pct(r.participation), 11),
        *[
            ExportColumn(f"Уровень «{LEVEL_NAMES[level]}», школ", _level_of(level), 11)
            for level in HIGH_FIRST
        ],
        ExportColumn("Ниже базового, %", lambda r: _pct(r.below_share), 11),
        ExportColumn("В зоне риска, школ", lambda r: r.risk, 11),
        *[
            ExportColumn(f"Средняя доля баллов: {name}, %", _mean_of(code), 14)
            for code, name in view.scopes
        ],
    ]


def table_rows(view: FederalView) -> list[RegionRow]:
    """Regions of each district followed by the district's totals, then the country's."""
    out: list[RegionRow] = []
    for district, rows in view.grouped():
        out.extend(rows)
        total = RegionRow(name=f"Итого по округу: {district.name}", district=district.name)
        total.add(district)
        out.append(total)
    out.append(view.total)
    return out


def write_xlsx(view: FederalView, subject: str) -> bytes:
    today = timezone.localdate()
    return _write_xlsx(
        columns(view),
        table_rows(view),
        sheet="Сводка по регионам",
        title=f"Сводка по регионам: {subject}. Сформирована {today:%d.%m.%Y}",
    )


def _n(n: int) -> str:
    """A whole number with the thousands apart, as Russian text writes it: «40 000»."""
    return f"{n:,}".replace(",", "\u00a0")


def _schools(n: int) -> str:
    return f"{_n(n)} {plural_form(n, 'школа', 'школы', 'школ')}"


def summary_text(view: FederalView) -> str:
    """The DOCX's opening paragraph: the totals in words."""
    t = view.total
    regions = len(view.rows)
    return (
        f"В сводке {_n(regions)} {plural_form(regions, 'регион', 'региона', 'регионов')}: "
        f"{_schools(t.registry)} в реестрах, прошли самодиагностику "
        f"{_n(t.done)} ({_show_pct(t.participation)} % от реестра). "
        f"Ниже базового уровня — {_schools(t.levels['below_basic'])} "
        f"({_show_pct(t.below_share)} % оценённых), в зоне риска — {_schools(t.risk)}."
    )


def _shade(cell: Any, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _heat_colour(share: float) -> str:
    """The page's heat colours (hsl(0…120, 70 %, 86 %)) as hex for Word."""
    import colorsys

    r, g, b = colorsys.hls_to_rgb(max(0.0, min(1.0, share)) * 120 / 360, 0.86, 0.70)
    return f"{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"


def _table(document: Any, header: Sequence[str], widths: Sequence[float]) -> Any:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, text, width in zip(table.rows[0].cells, header, widths, strict=True):
        _write(cell, text, bold=True)
        cell.width = Cm(width)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # LibreOffice reads the grid, Word the cells: set both
    _repeat_header(table.rows[0])
    return table


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _write(cell: Any, text: str, bold: bool = False, size: float = 9) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    set_font(run, size, bold)


def _add_row(
    table: Any, values: Sequence[str], widths: Sequence[float], *, bold: bool = False
) -> list[Any]:
    from docx.shared import Cm

    cells = table.add_row().cells
    for cell, value, width in zip(cells, values, widths, strict=True):
        _write(cell, value, bold=bold)
        cell.width = Cm(width)
    return list(cells)


def write_docx(view: FederalView, subject: str, district: FederalDistrict | None = None) -> bytes:
    """The summary as DOCX: A4 landscape, the totals in words, two tables by region."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = new_document(landscape=True, font_size=12)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(f"Сводка результатов самодиагностики по регионам: {subject}")
    run.bold = True
    run.font.size = Pt(14)
    where = district.name if district else "Все регионы"
    sub = document.add_paragraph(f"{where}. Сформирована {timezone.localdate():%d.%m.%Y}.")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(summary_text(view))

    document.add_paragraph().add_run(
        "Таблица 1. Участие, уровни соответствия (общий уровень) и зона риска"
    ).bold = True
    header = [
        "Регион",
        "Школ в реестре",
        "Прошли",
        "Участие, %",
        *[LEVEL_NAMES[level].capitalize() for level in HIGH_FIRST],
        "Ниже базового, %",
        "В зоне риска",
    ]
    widths = [6.6, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.2, 2.2, 2.2]
    table = _table(document, header, widths)

    def figures(r: RegionRow) -> list[str]:
        return [
            _n(r.registry),
            _n(r.done),
            _show_pct(r.participation),
            *[_n(r.levels[level]) for level in HIGH_FIRST],
            _show_pct(r.below_share),
            _n(r.risk),
        ]

    for district_total, rows in view.grouped():
        for r in rows:
            _add_row(table, [r.name, *figures(r)], widths)
        _add_row(
            table, [f"Итого: {district_total.name}", *figures(district_total)], widths, bold=True
        )
    _add_row(table, ["Всего", *figures(view.total)], widths, bold=True)

    document.add_paragraph()
    document.add_paragraph().add_run(
        "Таблица 2. Средняя доля баллов по направлениям, % (цвет: красный — ниже, зелёный — выше)"
    ).bold = True
    scope_width = round(19.0 / max(1, len(view.scopes)), 2)
    widths2 = [7.6, *[scope_width] * len(view.scopes)]
    heat = _table(document, ["Регион", *[name for _code, name in view.scopes]], widths2)
    lines = []
    for district_total, rows in view.grouped():
        lines += [(r.name, r, False) for r in rows]
        lines.append((f"Итого: {district_total.name}", district_total, True))
    lines.append(("Всего", view.total, True))
    for label, r, bold in lines:
        cells = _add_row(
            heat,
            [label, *[_show_pct(r.mean(code)) for code, _name in view.scopes]],
            widths2,
            bold=bold,
        )
        for cell, (code, _name) in zip(cells[1:], view.scopes, strict=True):
            mean = r.mean(code)
            if mean is not None:
                _shade(cell, _heat_colour(mean))
    document.add_paragraph()
    document.add_paragraph(
        "Зона риска — школы ниже базового уровня или с общим уровнем ниже, чем в прошлой "
        "кампании региона. Участие — доля школ реестра региона, отправивших анкету."
    )
    return to_bytes(document)
