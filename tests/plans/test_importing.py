"""Upload checks and reading DOCX, XLSX, PDF and text plans built from the seeds' rows."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl.styles import Font

from marshrut.kernels.plan_reader import plan_to_dict
from marshrut.kernels.responsibles import DEFAULT_ABBREVIATIONS, OrgDictionary
from marshrut.plans.importing import (
    MSG_ARCHIVE,
    MSG_MACROS,
    ImportRefused,
    apply_mappings,
    draft_from_plan,
    draft_summary,
    read_document,
    reparse_row,
    row_flags,
    sniff,
    unmapped_names,
)
from tests.kernels.test_plan_reader import build_docx, build_pdf, layout, seed_plan
from tests.plans.conftest import SEED_001, SEED_004

pytestmark = pytest.mark.usefixtures("seed_bytes")
ORGS = OrgDictionary(DEFAULT_ABBREVIATIONS)


def xlsx_bytes(name: str) -> bytes:
    plan_layout = layout(seed_plan(name))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Дорожная карта"
    sheet.append(["План мероприятий на 2024 год"])
    sheet.append([])
    sheet.append(plan_layout.header)
    for kind, cells in plan_layout.rows:
        sheet.append(cells)
        if kind == "section":
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_with(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("name", [SEED_001, SEED_004])
@pytest.mark.parametrize("kind", ["txt", "docx", "xlsx", "pdf"])
def test_every_format_built_from_the_seed_reads_like_the_seed(
    seed_bytes, name: str, kind: str
) -> None:
    expected = seed_plan(name)
    data = {
        "txt": lambda: seed_bytes(name),
        "docx": lambda: build_docx(layout(expected)),
        "xlsx": lambda: xlsx_bytes(name),
        "pdf": lambda: build_pdf(layout(expected)),
    }[kind]()
    assert sniff(data) == kind
    plan = read_document(data, f"plan.{kind}", 2024, ORGS)
    got = plan_to_dict(plan)
    if kind == "pdf":
        # A PDF keeps wrapped hyphenated words apart; compare structure and parsed fields.
        assert [len(s["items"]) for s in got["sections"]] == [
            len(s["items"]) for s in plan_to_dict(expected)["sections"]
        ]
        assert [d["deadlines"] for s in got["sections"] for d in s["items"]] == [
            d["deadlines"] for s in plan_to_dict(expected)["sections"] for d in s["items"]
        ]
    else:
        assert got == plan_to_dict(expected)


def test_the_draft_keeps_source_texts_and_flags_unknown_names(seed_bytes) -> None:
    draft = draft_from_plan(read_document(seed_bytes(SEED_001), SEED_001, 2024, ORGS), kind="txt")
    assert draft["labels"] == ["Сроки"]
    assert draft_summary(draft) == {
        "rows": 39,
        "sections": 5,
        "unknown_deadline": 0,
        "no_deadline": 0,
        "unmapped": 1,
        "scanned": 0,
        "scan_unconfirmed": 0,
        # Six rows joined across page breaks and the one with the unknown name.
        "doubtful": 7,
        "lost": 0,
    }
    assert unmapped_names(draft) == ["участники апробации проекта"]
    first = draft["rows"][0]
    assert first["source"]["deadlines"] == ["январь"] and first["source"]["number"] == "1.1"
    # Mapping the unknown name to an organisation is applied on the next reading.
    draft["mappings"] = {"участники апробации проекта": "ОО"}
    mapped = apply_mappings(draft, ORGS)
    assert unmapped_names(mapped) == []


def test_an_edited_row_is_read_again_and_an_unknown_deadline_is_flagged() -> None:
    row = {
        "title": "Семинар",
        "deadline_texts": ["когда-нибудь"],
        "responsible_text": "ТОГИРРО НИИ",
    }
    read = reparse_row(row, year=2024, labels=["Сроки"], orgs=ORGS, mappings={})
    flags = row_flags(read)
    assert flags.unknown_deadline and flags.unmapped == ["НИИ"] and flags.any
    row["deadline_texts"] = ["до 17.01"]
    read = reparse_row(row, year=2024, labels=["Сроки"], orgs=ORGS, mappings={"НИИ": "РУМО"})
    assert read["deadlines"][0]["windows"] == [[None, "2024-01-17"]]
    assert [r["organisation"] for r in read["responsible"]] == ["ТОГИРРО", "РУМО"]
    assert not row_flags(read).any


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "пуст."),
        (zip_with({"plan.txt": b"x"}), MSG_ARCHIVE),
        (b"Rar!\x1a\x07\x00rest", MSG_ARCHIVE),
        (b"7z\xbc\xaf\x27\x1crest", MSG_ARCHIVE),
        (
            zip_with({"word/document.xml": b"<w/>", "word/vbaProject.bin": b"x"}),
            MSG_MACROS,
        ),
        (
            zip_with(
                {
                    "[Content_Types].xml": b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                    "xl/workbook.xml": b"<w/>",
                }
            ),
            MSG_MACROS,
        ),
        # An image is a scan for OCR (tests/plans/test_scans.py); a broken one is refused.
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "изображение: файл повреждён"),
        (b"PK\x03\x04broken", "Файл повреждён"),
    ],
)
def test_refused_uploads_have_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        read_document(data, "x", 2024, ORGS)
    assert message in refused.value.message


def test_a_document_without_a_plan_table_is_refused() -> None:
    with pytest.raises(ImportRefused, match="Не найдена таблица плана"):
        read_document("Просто письмо\nбез таблицы".encode(), "letter.txt", 2024, ORGS)


def test_an_image_only_pdf_is_refused() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")
    with pytest.raises(ImportRefused, match="скан"):
        read_document(bytes(pdf.output()), "scan.pdf", 2024, ORGS)


def test_a_300_row_docx_is_read(seed_bytes) -> None:
    expected = seed_plan(SEED_001)
    big = layout(expected)
    items = [r for r in big.rows if r[0] == "item"]
    big.rows = big.rows + items * 7  # 39 + 273 rows
    plan = read_document(build_docx(big), "big.docx", 2024, ORGS)
    assert len(plan.items) == 39 * 8


def test_a_section_bold_by_its_paragraph_style_is_a_section() -> None:
    # The kernel caches the boldness of paragraph styles per document (a 300-row plan took 10 s
    # resolving the default style for every run); boldness from a style must still count.
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    bold = document.styles.add_style("Раздел", WD_STYLE_TYPE.PARAGRAPH)
    bold.font.bold = True
    table = document.add_table(rows=4, cols=3)
    for cell, text in zip(
        table.rows[0].cells, ["Мероприятие", "Сроки", "Ответственный"], strict=True
    ):
        cell.text = text
    table.rows[1].cells[0].paragraphs[0].add_run("Организационное сопровождение")
    table.rows[1].cells[0].paragraphs[0].style = bold
    for row, title in ((2, "Семинар"), (3, "Совещание")):
        for cell, text in zip(table.rows[row].cells, [title, "май", "ТОГИРРО"], strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    plan = read_document(buffer.getvalue(), "p.docx", 2024, ORGS)
    assert [(s.title, [i.title for i in s.items]) for s in plan.sections] == [
        ("Организационное сопровождение", ["Семинар", "Совещание"])
    ]
