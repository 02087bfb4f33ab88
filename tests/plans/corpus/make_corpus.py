"""Build the plan-reading corpus: every source document in four forms, with its expected items.

Each ``src/<name>.yaml`` is one hand-written document: its preamble, header rows, body rows and,
beside every item row, the items the reader must give (``expect``). This script renders it as

* ``<name>.txt``  — the seeds' text form: tab-separated cells, a row cut by a page break goes on
  after a blank line and a repeated header, a continuation line has an empty first cell (or, with
  ``text_style: spaces``, columns aligned by runs of spaces, cells wrapped onto further lines);
* ``<name>.docx`` — a Word table with merged group headers, bold section rows spanning the table
  and continuation rows (``cont``) as rows of their own, as Word users type them;
* ``<name>.xlsx`` — the same rows on a sheet, group headers merged;
* ``<name>.pdf``  — a ruled table laid out as Word prints it: a row that does not fit the page
  breaks inside itself and goes on after the header repeated on the next page;

and writes ``<name>.expected.json``: the expected items (section, title, deadlines, responsibles,
targets) taken from the ``expect`` keys. Run it after editing a source; the outputs are
committed fixtures::

    python tests/plans/corpus/make_corpus.py
"""

from __future__ import annotations

import io
import json
import re
import sys
import textwrap
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
import yaml
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt
from fpdf import FPDF
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FORMS = ("txt", "docx", "xlsx", "pdf")


FIXED = datetime(2024, 1, 1, tzinfo=UTC)


def stable_zip(data: bytes) -> bytes:
    """The same package with fixed member times, so that an unchanged source gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the time of saving whatever the properties say.
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", content
                )
            target.writestr(fixed, content)
    return out.getvalue()


def load(name: str) -> dict[str, Any]:
    with open(HERE / "src" / f"{name}.yaml", encoding="utf-8") as handle:
        source: dict[str, Any] = yaml.safe_load(handle)
    source.setdefault("preamble", [])
    source.setdefault("header", [])
    source.setdefault("widths", [1] * len(source["body"][-1].get("row", [""])))
    return source


def sources() -> list[str]:
    return sorted(path.stem for path in (HERE / "src").glob("*.yaml"))


def width_of(source: dict[str, Any]) -> int:
    return len(source["widths"])


def header_texts(row: list[str | None]) -> list[str]:
    return ["" if cell is None else str(cell) for cell in row]


def full_row(source: dict[str, Any], cells: list[Any]) -> list[str]:
    texts = ["" if cell is None else str(cell) for cell in cells]
    return texts + [""] * (width_of(source) - len(texts))


def cont_row(source: dict[str, Any], cont: dict[int, str]) -> list[str]:
    cells = [""] * width_of(source)
    for index, text in cont.items():
        cells[int(index)] = text
    return cells


# --- expected items -----------------------------------------------------------------------------


def section_title(text: str) -> str:
    return re.sub(
        r"^(?:раздел\s+)?(?:\d{1,2}(?:\.\d{1,2})*|[IVXLC]{1,6})\.?\s*", "", text, flags=re.I
    )


def expected(source: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    section = ""
    title_column = source.get("title_column", 1)
    for entry in source["body"]:
        if "section" in entry:
            section = section_title(entry["section"])
            continue
        if "row" not in entry:
            continue
        cells = full_row(source, entry["row"])
        title = cells[title_column]
        cont = entry.get("cont") or {}
        if cont.get(title_column):
            title = f"{title} {cont[title_column]}"
        expect = entry["expect"]
        items.append(
            {
                "section": section,
                "title": title,
                "deadlines": expect.get("deadlines", []),
                "responsible": expect.get("responsible", []),
                "targets": expect.get("targets", []),
            }
        )
    return items


# --- text ---------------------------------------------------------------------------------------


def halves(text: str) -> tuple[str, str]:
    """Cut a cell's text at a word boundary near its middle, as a page break cuts a row."""
    words = text.split(" ")
    if len(words) < 4:
        return text, ""
    middle = len(words) // 2
    return " ".join(words[:middle]), " ".join(words[middle:])


def render_text(source: dict[str, Any]) -> str:
    if source.get("text_style") == "spaces":
        return render_spaces(source)
    lines = [*list(source["preamble"]), ""]
    headers = ["\t".join(header_texts(row)) for row in source["header"]]
    lines.extend(headers)
    for entry in source["body"]:
        if "section" in entry:
            lines.append("\t".join([f"<b>{entry['section']}</b>"] + [""] * (width_of(source) - 1)))
            continue
        cells = full_row(source, entry.get("row") or entry.get("total"))
        cont = entry.get("cont") or {}
        if entry.get("cut"):
            # The row breaks at the page end: its first halves, a blank line, the header again,
            # then the second halves with an empty number cell.
            first, second = zip(*(halves(cell) for cell in cells), strict=True)
            second = ("", *second[1:])
            lines.append("\t".join(first))
            lines.append("")
            lines.extend(headers)
            lines.append("\t".join(second))
        else:
            lines.append("\t".join(cells))
        if cont:
            lines.append("\t".join(cont_row(source, cont)))
    lines.extend(["", *list(source.get("signature", []))])
    return "\n".join(lines) + "\n"


def render_spaces(source: dict[str, Any]) -> str:
    """Columns aligned by runs of spaces; long cells wrap onto lines with the number cell empty."""
    widths = [int(width) for width in source["text_widths"]]
    lines = [*list(source["preamble"]), ""]

    def block(cells: list[str]) -> list[str]:
        wrapped = [
            textwrap.wrap(cell, width) or [""] for cell, width in zip(cells, widths, strict=True)
        ]
        height = max(len(parts) for parts in wrapped)
        out = []
        for line in range(height):
            parts = [(part[line] if line < len(part) else "") for part in wrapped]
            out.append(
                "  ".join(
                    part.ljust(width) for part, width in zip(parts, widths, strict=True)
                ).rstrip()
            )
        return out

    for row in source["header"]:
        lines.extend(block(header_texts(row)))
    lines.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    for entry in source["body"]:
        if "section" in entry:
            lines.append(entry["section"])
            continue
        cells = full_row(source, entry.get("row") or entry.get("total"))
        cont = entry.get("cont") or {}
        for index, text in cont.items():
            cells[int(index)] = f"{cells[int(index)]} {text}".strip()
        lines.extend(block(cells))
    lines.extend(["", *list(source.get("signature", []))])
    return "\n".join(lines) + "\n"


# --- DOCX ---------------------------------------------------------------------------------------


def render_docx(source: dict[str, Any]) -> bytes:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    style = document.styles["Normal"]
    style.font.size = Pt(10)  # type: ignore[union-attr]
    for line in source["preamble"]:
        document.add_paragraph(line)
    width = width_of(source)
    header_rows = source["header"]
    body = source["body"]
    extra = sum(1 for entry in body if entry.get("cont"))
    table = document.add_table(rows=len(header_rows) + len(body) + extra, cols=width)
    table.style = "Table Grid"
    position = 0
    for row in header_rows:
        for index, text in enumerate(row):
            if text is not None:
                table.cell(position, index).text = str(text)
        # A None cell is covered by the merged cell to its left (a group header).
        for index, text in enumerate(row):
            if text is None and index > 0:
                start = index - 1
                while row[start] is None:
                    start -= 1
                table.cell(position, start).merge(table.cell(position, index))
        position += 1
    for entry in body:
        if "section" in entry:
            merged = table.cell(position, 0).merge(table.cell(position, width - 1))
            merged.text = ""
            merged.paragraphs[0].add_run(entry["section"]).bold = True
            position += 1
            continue
        cells = full_row(source, entry.get("row") or entry.get("total"))
        for index, text in enumerate(cells):
            table.cell(position, index).text = text
        position += 1
        if entry.get("cont"):
            for index, text in enumerate(cont_row(source, entry["cont"])):
                table.cell(position, index).text = text
            position += 1
    for line in source.get("signature", []):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.core_properties.author = "corpus"
    document.core_properties.created = document.core_properties.modified = FIXED
    document.core_properties.last_modified_by = "corpus"
    document.save(buffer)
    return stable_zip(buffer.getvalue())


# --- XLSX ---------------------------------------------------------------------------------------


def render_xlsx(source: dict[str, Any]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "План"
    width = width_of(source)
    for line in source["preamble"]:
        sheet.append([line])
    for row in source["header"]:
        sheet.append([cell if cell is not None else None for cell in row])
        number = sheet.max_row
        for index, text in enumerate(row):
            if text is None and index > 0:
                start = index - 1
                while row[start] is None:
                    start -= 1
                sheet.merge_cells(
                    start_row=number, start_column=start + 1, end_row=number, end_column=index + 1
                )
    for entry in source["body"]:
        if "section" in entry:
            sheet.append([entry["section"]])
            number = sheet.max_row
            sheet.cell(number, 1).font = Font(bold=True)
            sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
            continue
        cells = full_row(source, entry.get("row") or entry.get("total"))
        sheet.append([text or None for text in cells])
        if entry.get("cont"):
            sheet.append([text or None for text in cont_row(source, entry["cont"])])
    for line in source.get("signature", []):
        sheet.append([line])
    for column in sheet.iter_cols():
        for cell in column:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.properties.creator = "corpus"
    workbook.properties.created = workbook.properties.modified = FIXED.replace(tzinfo=None)
    workbook.save(buffer)
    return stable_zip(buffer.getvalue())


# --- PDF ----------------------------------------------------------------------------------------

PAGE_SIZES = {"A5": (148.0, 210.0), "A4": (210.0, 297.0)}
LINE = 4.6
PAD = 1.2


class _Pdf(FPDF):
    def __init__(self, source: dict[str, Any]) -> None:
        size = PAGE_SIZES[source.get("pdf_format", "A5")]
        super().__init__(orientation="L", format=size)
        self.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
        self.add_font("DejaVu", "", FONT)
        self.add_font("DejaVu", "B", FONT_BOLD)
        self.set_auto_page_break(False)
        self.set_margins(12, 12, 12)
        self.source = source
        self.size = float(source.get("pdf_font", 8))
        total = sum(float(weight) for weight in source["widths"])
        usable = self.w - 24
        self.widths = [usable * float(weight) / total for weight in source["widths"]]
        self.split_rows = 0

    def lines(self, text: str, width: float) -> list[str]:
        if not text:
            return []
        found = list(
            self.multi_cell(width, LINE, text, dry_run=True, output="LINES", padding=(0, 1))
        )
        words = {word for line in found for word in line.split()}
        broken = [word for word in text.split() if word not in words and "-" not in word]
        if broken:
            # A word wider than its column is cut where no reader could join it: widen it.
            print(f"  column too narrow for {broken}", file=sys.stderr)
        return found

    def draw_row(self, cells: list[tuple[float, str]], bold: bool = False) -> None:
        """Draw one band of a row: cells as (width, text) with their lines already cut."""
        self.set_font("DejaVu", "B" if bold else "", self.size)
        height = max([len(text.split("\n")) if text else 1 for _width, text in cells]) * LINE
        height += 2 * PAD
        x, y = self.l_margin, self.get_y()
        for width, text in cells:
            self.rect(x, y, width, height)
            if text:
                self.set_xy(x, y + PAD)
                self.multi_cell(width, LINE, text, padding=(0, 1))
            x += width
        self.set_xy(self.l_margin, y + height)

    def header_rows(self) -> None:
        for row in self.source["header"]:
            merged: list[tuple[float, str]] = []
            for index, text in enumerate(row):
                if text is None and merged:
                    width, label = merged[-1]
                    merged[-1] = (width + self.widths[index], label)
                else:
                    merged.append((self.widths[index], str(text or "")))
            self.draw_row(
                [(width, "\n".join(self.lines(t, width)) if t else "") for width, t in merged]
            )

    def new_page(self) -> None:
        self.add_page()
        self.header_rows()

    def room(self) -> float:
        return self.h - 12 - self.get_y()

    def body_row(self, cells: list[str], bold_span: bool = False, cut: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold_span else "", self.size)
        if bold_span:
            width = sum(self.widths)
            lines = [self.lines(cells[0], width)]
            widths = [width]
        else:
            widths = self.widths
            lines = [self.lines(text, width) for text, width in zip(cells, widths, strict=True)]
        while True:
            height = max(1, max(len(part) for part in lines))
            fits = int((self.room() - 2 * PAD) // LINE)
            if cut and height >= 2 and fits >= 2:
                # A row the source marks as cut by the page end breaks here whatever its size.
                fits = min(fits, height // 2)
                cut = False
            elif height <= fits:
                texts = ["\n".join(part) for part in lines]
                self.draw_row(list(zip(widths, texts, strict=True)), bold=bold_span)
                return
            if fits < 1 or bold_span:
                self.new_page()
                continue
            # Word lets a row break across pages: what fits stays, the rest goes on.
            self.split_rows += 1
            head = [part[:fits] for part in lines]
            self.draw_row(list(zip(widths, ["\n".join(part) for part in head], strict=True)))
            lines = [part[fits:] for part in lines]
            self.new_page()


def render_pdf(source: dict[str, Any]) -> tuple[bytes, int]:
    pdf = _Pdf(source)
    pdf.add_page()
    pdf.set_font("DejaVu", "", pdf.size + 1)
    for line in source["preamble"]:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", pdf.size)
    pdf.header_rows()
    for entry in source["body"]:
        if "section" in entry:
            pdf.body_row([entry["section"]], bold_span=True)
            continue
        pdf.body_row(
            full_row(source, entry.get("row") or entry.get("total")), cut=entry.get("cut", False)
        )
        if entry.get("cont"):
            pdf.body_row(cont_row(source, entry["cont"]))
    pdf.set_font("DejaVu", "", pdf.size)
    pdf.ln(4)
    for line in source.get("signature", []):
        if pdf.room() < 8:
            pdf.add_page()
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output()), pdf.split_rows


def build(name: str) -> dict[str, int]:
    source = load(name)
    (HERE / f"{name}.txt").write_text(render_text(source), encoding="utf-8")
    (HERE / f"{name}.docx").write_bytes(render_docx(source))
    (HERE / f"{name}.xlsx").write_bytes(render_xlsx(source))
    data, split = render_pdf(source)
    (HERE / f"{name}.pdf").write_bytes(data)
    items = expected(source)
    document = {"year": source["year"], "items": items}
    (HERE / f"{name}.expected.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return {"items": len(items), "pdf_rows_split": split}


def main(names: list[str]) -> None:
    for name in names or sources():
        print(name, build(name))


if __name__ == "__main__":
    main(sys.argv[1:])
