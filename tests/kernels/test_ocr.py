"""The OCR kernel: grid recovery, straightening, confidences, and reading the scan fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from marshrut.kernels import ocr
from marshrut.kernels.ocr import OcrCell, OcrTable, Word
from marshrut.kernels.plan_reader import PlanReadError, read_plan

SCANS = Path(__file__).resolve().parents[1] / "plans" / "scans"
needs_tesseract = pytest.mark.skipif(
    not ocr.available(), reason="the tesseract command with Russian data is not installed"
)

# A ruled table: rules at these x and y (3 px thick), the second row one cell across the table
# (a section title) and the first column's last two rows one merged cell.
XS = [100, 260, 900, 1300, 1900]
YS = [150, 300, 420, 600, 780]


def ruled_page(angle: float = 0.0) -> Image.Image:
    image = Image.new("L", (2100, 1000), 255)
    draw = ImageDraw.Draw(image)
    for y in YS:
        draw.rectangle((XS[0], y - 1, XS[-1], y + 1), fill=0)
    for x in XS:
        draw.rectangle((x - 1, YS[0], x + 1, YS[1]), fill=0)
        if x in (XS[0], XS[-1]):
            draw.rectangle((x - 1, YS[1], x + 1, YS[-1]), fill=0)
        else:
            draw.rectangle((x - 1, YS[2], x + 1, YS[-1]), fill=0)
    # Between rows 3 and 4 in the first column: no rule (a merged cell).
    draw.rectangle((XS[0], YS[3] - 1, XS[1], YS[3] + 1), fill=255)
    draw.rectangle((XS[0] - 1, YS[3] - 2, XS[0] + 1, YS[3] + 2), fill=0)
    draw.rectangle((XS[1] - 1, YS[3] - 2, XS[1] + 1, YS[3] + 2), fill=0)
    # Some «text» inside the cells, which must not be taken for rules.
    for x0 in (120, 280, 920):
        for y0 in (170, 440, 620):
            for k in range(8):
                draw.rectangle((x0 + k * 18, y0, x0 + k * 18 + 10, y0 + 28), fill=0)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return image


def ink_of(image: Image.Image) -> np.ndarray:
    return np.asarray(image) < 128


def test_grid_recovery_finds_the_rules_exactly() -> None:
    grid = ocr.find_grid(ink_of(ruled_page()))
    assert grid is not None
    assert grid.rows == YS
    assert grid.columns == XS


def test_grid_cells_join_what_no_rule_separates() -> None:
    grid = ocr.find_grid(ink_of(ruled_page()))
    assert grid is not None
    table = ocr.grid_cells(grid)
    assert len(table.rows) == 4 and all(len(row) == 4 for row in table.rows)
    header = table.rows[0]
    assert [cell.box if cell else None for cell in header] == [
        (XS[c], YS[0], XS[c + 1], YS[1]) for c in range(4)
    ]
    section = table.rows[1]
    assert section[0] is not None and section[0].colspan == 4 and section[0].rowspan == 1
    assert section[0].box == (XS[0], YS[1], XS[-1], YS[2])
    assert section[1:] == [None, None, None]
    merged = table.rows[2][0]
    assert merged is not None and (merged.rowspan, merged.colspan) == (2, 1)
    assert merged.box == (XS[0], YS[2], XS[1], YS[4])
    assert table.rows[3][0] is None and table.rows[3][1] is not None


def test_a_page_without_rules_has_no_grid() -> None:
    image = Image.new("L", (1500, 800), 255)
    draw = ImageDraw.Draw(image)
    for y0 in range(100, 700, 60):
        for k in range(30):
            draw.rectangle((100 + k * 40, y0, 125 + k * 40, y0 + 30), fill=0)
    assert ocr.find_grid(ink_of(image)) is None


@pytest.mark.parametrize("angle", [1.2, -0.7, 2.5, 0.0])
def test_deskew_finds_the_angle_of_a_rotated_page(angle: float) -> None:
    found = ocr.deskew_angle(ink_of(ruled_page(angle)))
    assert found == pytest.approx(angle, abs=0.06)


def test_a_straightened_page_gives_the_same_grid() -> None:
    level, angle = ocr.straighten(ruled_page(1.3))
    assert angle == pytest.approx(1.3, abs=0.06)
    grid = ocr.find_grid(ink_of(level))
    assert grid is not None
    assert len(grid.rows) == len(YS) and len(grid.columns) == len(XS)
    # Rotation about the centre moves the rules a little; their spacing stays.
    assert np.allclose(np.diff(grid.rows), np.diff(YS), atol=4)
    assert np.allclose(np.diff(grid.columns), np.diff(XS), atol=4)


def test_runs_keep_only_long_straight_runs() -> None:
    mask = np.zeros((3, 20), dtype=bool)
    mask[0, 2:12] = True  # 10 long
    mask[1, 0:4] = True  # 4 long
    mask[1, 6:9] = True
    mask[2, 15:20] = True  # 5 long, at the edge
    runs = ocr._runs(mask, 5, axis=1)
    assert runs[0].tolist() == mask[0].tolist()
    assert not runs[1].any()
    assert runs[2].tolist() == mask[2].tolist()
    assert (ocr._runs(mask.T, 5, axis=0) == runs.T).all()


def _table() -> OcrTable:
    cells = [OcrCell(0, c, (c * 100, 0, c * 100 + 100, 100)) for c in range(3)]
    return OcrTable([list(cells)])


def test_cell_confidence_is_the_mean_of_its_words() -> None:
    table = _table()
    slots = [
        ocr._Slot(cell, top=c * 200, bottom=c * 200 + 100, dx=0, dy=0)
        for c, cell in enumerate(table.cells)
    ]
    words = [
        Word("Проведение", (10, 10, 90, 40), 0.9),
        Word("семинара", (10, 50, 90, 80), 0.7),
        Word("до", (10, 210, 30, 240), 0.5),
        Word("2025", (40, 210, 90, 240), 0.9),
    ]
    clean = np.zeros((100, 300), dtype=bool)
    clean[20:80, 220:280] = True  # ink in the third cell that no word came from
    ocr._fill(table, slots, words, clean)
    first, second, third = table.cells
    assert first.text == "Проведение\nсеминара" and first.confidence == pytest.approx(0.8)
    assert second.text == "до 2025" and second.confidence == pytest.approx(0.7)
    assert third.text == "" and third.confidence == 0.0


def test_a_blank_cell_has_no_confidence_and_dust_is_dropped() -> None:
    table = _table()
    slots = [ocr._Slot(table.cells[0], top=0, bottom=100, dx=0, dy=0)]
    words = [
        Word("Мониторинг", (10, 10, 90, 40), 0.95),
        Word("о", (50, 60, 53, 63), 0.4),  # a speck: far smaller than the text
        Word("—", (60, 50, 64, 90), 0.5),  # a tall dash: a rule's remnant
    ]
    ocr._fill(table, slots, words, np.zeros((100, 300), dtype=bool))
    assert table.cells[0].text == "Мониторинг" and table.cells[0].confidence == 0.95
    assert table.cells[1].confidence is None


@pytest.mark.parametrize(
    ("read", "fixed"),
    [
        ("1:5.", "1.5."),
        ("1.6,", "1.6."),
        ("до 30 ноября 2025 Г.", "до 30 ноября 2025 г."),
        ("апрель 2025 т.", "апрель 2025 г."),
        ("методического „сопровождения", "методического сопровождения"),
    ],
)
def test_certain_misreadings_are_fixed(read: str, fixed: str) -> None:
    assert ocr._tidy_text(read) == fixed


def test_aligned_words_without_rules_make_columns_and_rows() -> None:
    def word(text: str, x: int, y: int, line: int) -> Word:
        return Word(text, (x, y, x + 20 * len(text), y + 30), 0.9, (1, 1, line))

    words = [
        word("1.", 100, 100, 1),
        word("Семинар", 300, 100, 1),
        word("март", 900, 100, 1),
        word("для", 300, 140, 2),
        word("директоров", 380, 140, 2),
        word("2.", 100, 220, 3),
        word("Совещание", 300, 220, 3),
        word("май", 900, 220, 3),
    ]
    table = ocr._unruled(words, 1200)
    assert table is not None and not table.ruled
    texts = [[cell.text if cell else None for cell in row] for row in table.rows]
    assert texts == [["1.", "Семинар\nдля директоров", "март"], ["2.", "Совещание", "май"]]


# --- with Tesseract ---------------------------------------------------------------------------


def _normal(text: str | None) -> str:
    text = re.sub(r"(?<=\d) %", "%", (text or "").replace("\n", " "))
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def png_pages() -> list[ocr.OcrPage]:
    if not ocr.available():
        pytest.skip("the tesseract command with Russian data is not installed")
    return ocr.read_image_file((SCANS / "scan_order_c.png").read_bytes())


@needs_tesseract
def test_a_scanned_table_is_read_with_its_grid_and_most_cells_right(
    png_pages: list[ocr.OcrPage],
) -> None:
    expected = json.loads((SCANS / "scan_order_c.json").read_text(encoding="utf-8"))["pages"][0]
    (page,) = png_pages
    assert page.angle == pytest.approx(0.5, abs=0.1)
    (table,) = page.tables
    assert len(table.rows) == len(expected)
    # The section title spans the row, as printed.
    assert [cell is None for cell in table.rows[1]] == [text is None for text in expected[1]]
    right = total = 0
    for got, printed in zip(table.rows, expected, strict=True):
        for cell, text in zip(got, printed, strict=True):
            if text is None:
                continue
            total += 1
            right += cell is not None and _normal(cell.text) == _normal(text)
    assert right / total >= 0.85
    assert all(cell.confidence is not None for cell in table.cells)


@needs_tesseract
def test_a_scan_reads_as_a_plan_with_confidence_per_field() -> None:
    plan = read_plan((SCANS / "scan_order_c.png").read_bytes(), "скан.png", 2025)
    assert [column.role for column in plan.columns] == [
        "number",
        "title",
        "deadline",
        "responsible",
        "result",
    ]
    assert plan.sections[0].title == "Нормативно-правовое обеспечение"
    items = plan.items
    assert len(items) == 6
    for item in items:
        assert item.scan_confidence is not None
        assert set(item.scan_confidence) == {"number", "title", "deadline", "responsible", "result"}
        assert all(0 <= value <= 1 for value in item.scan_confidence.values())


@needs_tesseract
def test_an_image_without_a_table_is_refused_in_russian() -> None:
    blank = Image.new("L", (2480, 3508), 255)
    ImageDraw.Draw(blank).rectangle((300, 300, 900, 700), fill=0)
    import io

    buffer = io.BytesIO()
    blank.save(buffer, "PNG")
    with pytest.raises(PlanReadError, match="таблицы на нём распознать не удалось"):
        read_plan(buffer.getvalue(), "фото.png", 2025)


def test_a_damaged_image_is_refused_in_russian() -> None:
    with pytest.raises(PlanReadError, match="изображение: файл повреждён"):
        read_plan(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "скан.png", 2025)


def test_text_pdfs_are_not_sent_to_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    from fpdf import FPDF

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a page with text went to OCR")

    monkeypatch.setattr(ocr, "read_pdf", refuse)
    pdf = FPDF()
    pdf.add_font("Serif", "", "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")
    pdf.set_font("Serif", size=10)
    pdf.add_page()
    with pdf.table(first_row_as_headings=False) as table:
        for cells in (
            ("№", "Мероприятие", "Сроки", "Ответственный"),
            ("1.", "Семинар", "март", "ИРО"),
        ):
            row = table.row()
            for text in cells:
                row.cell(text)
    plan = read_plan(bytes(pdf.output()), "план.pdf", 2025)
    assert plan.items[0].title == "Семинар" and plan.items[0].scan_confidence is None


def test_a_dot_dropped_from_an_item_number_is_put_back_with_doubt() -> None:
    def number(text: str, confidence: float) -> list[OcrCell | None]:
        cell = OcrCell(0, 0, (0, 0, 1, 1), text=text, confidence=confidence)
        return [cell, OcrCell(0, 1, (1, 0, 2, 1), text="Семинар", confidence=0.9)]

    table = OcrTable(
        [number("1.2.", 0.95), number("13.", 0.9), number("1.4", 0.9), number("7", 0.9)]
    )
    ocr._repair_sequence(table)
    texts = [row[0].text for row in table.rows if row[0] is not None]
    confidences = [row[0].confidence for row in table.rows if row[0] is not None]
    assert texts == ["1.2.", "1.3.", "1.4.", "7"]
    assert confidences == [0.95, 0.75, 0.75, 0.9]


@needs_tesseract
def test_a_table_without_rules_is_read_from_aligned_text() -> None:
    plan = read_plan((SCANS / "scan_order_d.tiff").read_bytes(), "скан.tiff", 2025)
    assert [column.role for column in plan.columns][1:] == [
        "title",
        "deadline",
        "responsible",
        "result",
    ]
    titles = [item.title for item in plan.items]
    assert "Проведение самодиагностики общеобразовательных организаций" in titles
    assert len(plan.items) == 4
