"""The programme as a document in the official layout: A4 portrait, Times New Roman 14 pt,
a title page with the approval block, contents with page numbers, numbered headings and tables
whose header rows repeat on every page, the roadmap as the appendix.

The contents are lines with a ``PAGEREF`` field to a bookmark on each heading. A Word ``TOC`` field
would be the usual way, but LibreOffice (7.4) shows a TOC field's stored result when it converts a
document headless and never rebuilds it, whereas it computes every ``PAGEREF`` from its own layout;
Word updates the same fields on opening (``w:updateFields``). So the page numbers are right in both.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from copy import deepcopy
from pathlib import Path
from typing import Any

from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml.etree import SubElement

from marshrut.lib.docx import A4_SHORT_CM, PORTRAIT, new_document, set_font, to_bytes
from marshrut.programmes.models import Programme, ProgrammeSection

FONT_SIZE = 14
TABLE_FONT_SIZE = 11
TEXT_WIDTH_CM = A4_SHORT_CM - PORTRAIT.left - PORTRAIT.right


def _field(paragraph: Any, instruction: str, shown: str = "") -> None:
    """A complex field (begin, instruction, separate, stored result, end) in a paragraph."""

    def char(kind: str) -> None:
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    char("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    char("separate")
    paragraph.add_run(shown)
    char("end")


def _bookmark(paragraph: Any, name: str, number: int) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    p = paragraph._p
    p.insert(1 if p.pPr is not None else 0, start)
    p.append(end)


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _cant_split(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))


def _write(cell: Any, text: str, *, bold: bool = False, size: float = TABLE_FONT_SIZE) -> None:
    """Fill a table cell: its paragraphs written as XML at once (a programme has hundreds of
    cells, and python-docx's per-property API costs a tree search for each)."""
    _fill(cell._tc, text, bold=bold, size=size)


def _fill(tc: Any, text: str, *, bold: bool = False, size: float = TABLE_FONT_SIZE) -> None:
    for p in tc.findall(qn("w:p")):
        tc.remove(p)
    half_points = str(int(size * 2))
    for line in str(text).split("\n"):
        p = SubElement(tc, qn("w:p"))
        ppr = SubElement(p, qn("w:pPr"))
        SubElement(ppr, qn("w:spacing"), {qn("w:after"): "0"})
        SubElement(ppr, qn("w:ind"), {qn("w:firstLine"): "0"})
        SubElement(ppr, qn("w:jc"), {qn("w:val"): "left"})
        r = SubElement(p, qn("w:r"))
        rpr = SubElement(r, qn("w:rPr"))
        if bold:
            SubElement(rpr, qn("w:b"))
        SubElement(rpr, qn("w:sz"), {qn("w:val"): half_points})
        SubElement(rpr, qn("w:szCs"), {qn("w:val"): half_points})
        t = SubElement(r, qn("w:t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
        t.text = line


def _styles(document: Any) -> None:
    normal = document.styles["Normal"]
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.15
    for level, size in ((1, 16), (2, 14), (3, 14)):
        style = document.styles[f"Heading {level}"]
        set_font(style, size, bold=True)
        # The template's headings take the theme's font, which wins over the named one.
        fonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    for level in (1, 2, 3):
        name = f"TOC {level}"
        try:
            style = document.styles[name]
        except KeyError:
            from docx.enum.style import WD_STYLE_TYPE

            style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = normal
        set_font(style, FONT_SIZE)
        style.paragraph_format.left_indent = Cm(0.75 * (level - 1))
        style.paragraph_format.tab_stops.add_tab_stop(
            Cm(TEXT_WIDTH_CM - 0.1), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
        )
    caption = document.styles["Caption"]
    set_font(caption, 12, bold=False)
    caption.font.color.rgb = RGBColor(0, 0, 0)
    caption.font.italic = False
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(6)


def _styled(document: Any, name: str) -> Any:
    """A paragraph of a style, named in the XML directly: python-docx looks a style up by name
    with a search of the whole style sheet for every paragraph."""
    ids = document.__dict__.setdefault("_marshrut_style_ids", {})
    if name not in ids:
        ids[name] = document.styles[name].style_id
    paragraph = document.add_paragraph()
    paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = ids[name]
    return paragraph


def _page_numbers(section: Any) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE", "")


def _update_on_open(document: Any) -> None:
    settings = document.settings.element
    element = OxmlElement("w:updateFields")
    element.set(qn("w:val"), "true")
    settings.append(element)


def _para(
    document: Any, text: str, *, align: Any = None, bold: bool = False, size: float = 0
) -> Any:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return paragraph


def _title_page(document: Any, programme: Programme) -> None:
    school = programme.school
    block = document.add_table(rows=1, cols=2)
    block.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = block.rows[0].cells
    if programme.agreed_on:
        agreed = (
            f"СОГЛАСОВАНА\n{programme.agreed_body}\n{programme.agreed_by}\n"
            f"{programme.agreed_on:%d.%m.%Y}"
        )
    else:
        agreed = "СОГЛАСОВАНА\n____________________\n«___» ________ 20__ г."
    _write(left, agreed, size=12)
    _write(right, f"{programme.approved_line}\nРуководитель ОО", size=12)
    block.rows[0].cells[0].paragraphs[0].runs[0].bold = True
    right.paragraphs[0].runs[0].bold = True
    for _ in range(5):
        document.add_paragraph()
    _para(document, school.full_name, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(3):
        document.add_paragraph()
    _para(document, "ПРОГРАММА РАЗВИТИЯ", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=20)
    _para(document, school.short_name, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16)
    _para(document, f"на {programme.period} годы", align=WD_ALIGN_PARAGRAPH.CENTER, size=16)
    for _ in range(10):
        document.add_paragraph()
    _para(document, school.municipality.name, align=WD_ALIGN_PARAGRAPH.CENTER)
    year = programme.order_date.year if programme.order_date else programme.created_at.year
    _para(document, str(year), align=WD_ALIGN_PARAGRAPH.CENTER)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents(document: Any, headings: Sequence[tuple[str, int, str]]) -> None:
    _para(document, "СОДЕРЖАНИЕ", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    document.add_paragraph()
    for text, level, bookmark in headings:
        paragraph = _styled(document, f"TOC {min(level, 3)}")
        paragraph.add_run(f"{text}\t")
        _field(paragraph, f"PAGEREF {bookmark} \\h", "")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


class _Counter:
    def __init__(self) -> None:
        self.tables = 0
        self.bookmarks = 0


def _table(
    document: Any,
    counter: _Counter,
    caption: str,
    head: Sequence[str],
    rows: Iterable[Sequence[str]],
) -> None:
    counter.tables += 1
    paragraph = _styled(document, "Caption")
    paragraph.add_run(f"Таблица {counter.tables} — {caption}")
    table = document.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, label in zip(table.rows[0].cells, head, strict=True):
        _write(cell, label, bold=True)
    _repeat_header(table.rows[0])
    template = table.add_row()._tr
    tbl = table._tbl
    tbl.remove(template)
    for values in rows:
        tr = deepcopy(template)
        tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for tc, value in zip(tr.findall(qn("w:tc")), values, strict=False):
            _fill(tc, value)
        tbl.append(tr)
    document.add_paragraph()


def _heading(document: Any, counter: _Counter, text: str, level: int) -> str:
    counter.bookmarks += 1
    name = f"_Toc{counter.bookmarks:06d}"
    paragraph = _styled(document, f"Heading {level}")
    paragraph.add_run(text)
    _bookmark(paragraph, name, counter.bookmarks)
    return name


def _text(document: Any, text: str) -> None:
    for line in text.split("\n"):
        paragraph = document.add_paragraph(line)
        paragraph.paragraph_format.first_line_indent = Cm(1.25)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def section_caption(section: ProgrammeSection) -> str:
    return f"{section.code}. {section.title}"


def roadmap_rows(programme: Programme) -> list[list[str]]:
    if programme.roadmap is None:
        return []
    return [
        [item.number, item.title, item.deadline_text, item.responsible_text, item.expected_result]
        for item in programme.roadmap.items.order_by("position")
    ]


ROADMAP_HEAD = ("№", "Мероприятие", "Сроки", "Ответственные", "Ожидаемый результат")


def programme_docx(
    programme: Programme, sections: Sequence[ProgrammeSection] | None = None
) -> bytes:
    """The whole programme as DOCX."""
    sections = list(sections if sections is not None else programme.sections.order_by("position"))
    document = new_document(font_size=FONT_SIZE)
    _styles(document)
    _update_on_open(document)
    _page_numbers(document.sections[0])
    document.sections[0].different_first_page_header_footer = True
    _title_page(document, programme)
    headings = [
        (section_caption(s), s.depth, f"_Toc{n:06d}") for n, s in enumerate(sections, start=1)
    ]
    headings.append(("Приложение. Дорожная карта", 1, f"_Toc{len(sections) + 1:06d}"))
    _contents(document, headings)
    counter = _Counter()
    for section in sections:
        _heading(document, counter, section_caption(section), section.depth)
        table = section.table or {}
        if table.get("rows"):
            _table(document, counter, section.title, table["head"], table["rows"])
        for flag in table.get("flags", []):
            _para(document, f"Внимание: {flag}", size=12)
        if section.text:
            _text(document, section.text)
    new = document.add_section(WD_SECTION.NEW_PAGE)
    new.different_first_page_header_footer = False
    _heading(document, counter, "Приложение. Дорожная карта", 1)
    rows = roadmap_rows(programme)
    if rows:
        _table(
            document,
            counter,
            programme.roadmap.title if programme.roadmap else "",
            ROADMAP_HEAD,
            rows,
        )
    else:
        _para(document, "Дорожная карта не составлена.")
    return to_bytes(document)


def section_docx(programme: Programme, section: ProgrammeSection) -> bytes:
    """One section as its own document: what the federal constructor takes section by section."""
    document = new_document(font_size=FONT_SIZE)
    _styles(document)
    counter = _Counter()
    _heading(document, counter, section_caption(section), 1)
    table = section.table or {}
    if table.get("rows"):
        _table(document, counter, section.title, table["head"], table["rows"])
    if section.text:
        _text(document, section.text)
    return to_bytes(document)


def filename(programme: Programme, fmt: str) -> str:
    return f"Программа развития — {programme.school.short_name} — {programme.period}.{fmt}"


def libreoffice() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


class NoConverter(RuntimeError):
    """LibreOffice is not installed on this server: PDF cannot be made."""


def to_pdf(data: bytes, timeout: int = 120) -> bytes:
    """DOCX → PDF through LibreOffice, in a private profile so that runs do not collide."""
    binary = libreoffice()
    if binary is None:
        raise NoConverter("LibreOffice не установлен на сервере: PDF недоступен, скачайте DOCX.")
    with tempfile.TemporaryDirectory(prefix="marshrut-pdf-") as tmp:
        source = Path(tmp) / "programme.docx"
        source.write_bytes(data)
        subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        return (Path(tmp) / "programme.pdf").read_bytes()


def constructor_zip(programme: Programme) -> bytes:
    """The federal constructor's shape: each section as DOCX, every table in one XLSX."""
    sections = list(programme.sections.order_by("position"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section in sections:
            name = f"Раздел {section.code} {section.title}"[:120]
            archive.writestr(f"Разделы/{name}.docx", section_docx(programme, section))
        archive.writestr("Таблицы.xlsx", tables_xlsx(programme, sections))
    return buffer.getvalue()


def tables_xlsx(programme: Programme, sections: Sequence[ProgrammeSection]) -> bytes:
    """Every table of the programme on its own sheet, named by its section (and the roadmap)."""
    import xlsxwriter

    buffer = io.BytesIO()
    # strings_to_formulas=False: text typed by people is never run as a formula.
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    head_format = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#E8EEF7"}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheets: list[tuple[str, str, Sequence[str], Sequence[Sequence[str]]]] = [
        (f"Раздел {s.code}", s.title, s.table["head"], s.table["rows"])
        for s in sections
        if (s.table or {}).get("rows")
    ]
    rows = roadmap_rows(programme)
    if rows:
        sheets.append(("Дорожная карта", programme.roadmap.title, ROADMAP_HEAD, rows))  # type: ignore[union-attr]
    for name, title, head, body in sheets:
        sheet = book.add_worksheet(name[:31])
        sheet.write_string(0, 0, title, book.add_format({"bold": True}))
        for col, label in enumerate(head):
            sheet.write_string(2, col, str(label), head_format)
            sheet.set_column(col, col, 40 if col else 30)
        for r, values in enumerate(body, start=3):
            for col, value in enumerate(values):
                sheet.write_string(r, col, str(value), wrap)
        sheet.freeze_panes(3, 0)
    book.close()
    return buffer.getvalue()
