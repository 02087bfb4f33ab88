"""Scanned documents → tables of cells with the text Tesseract read and how sure it was.

A scanned order arrives as an image-only PDF or as images (PNG, JPEG, TIFF). Each page is:

1. **Made a page image**: a PDF page is rendered at :data:`DPI`; an image of another resolution is
   scaled to it (Tesseract reads body text best at about 300 dpi).
2. **Straightened**: a scanner's sheet is rarely straight. The angle (within ±3°) is the one at
   which the ink's horizontal projection is sharpest — table rules and text lines then fall on
   single rows of pixels; the page is rotated back by it.
3. **Given its grid**: table rules are the long straight runs of ink, found by a morphological
   opening with a long thin window (done with cumulative sums in numpy); their positions are the
   peaks of the runs' projections. Neighbouring grid cells that no rule separates are one merged
   cell (a section title spanning the row, a responsible spanning several rows). A page without
   rules falls back to aligned text: rows from text lines, columns from the gaps no word crosses.
4. **Read**: the whole page, with the rules erased, goes to the ``tesseract`` command once
   (``-l rus --psm 6``, TSV output: every word with its box and confidence), and each word goes to
   the cell holding its centre. A cell's confidence is the mean of its words' (0..1); a cell with
   ink but no words read has confidence 0.

Pages are read in parallel, one Tesseract process per core. Nothing here imports Django; errors
are :class:`OcrError` with a Russian message for the operator.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = [
    "DPI",
    "OcrCell",
    "OcrError",
    "OcrPage",
    "OcrTable",
    "Word",
    "available",
    "deskew_angle",
    "find_grid",
    "read_image_file",
    "read_images",
    "read_pdf",
]

DPI = 300
MAX_PAGES = 60
MAX_PIXELS = 60_000_000  # a page of A3 at 400 dpi is 35 megapixels
MAX_ANGLE = 3.0
TESSERACT = "tesseract"
LANGUAGE = "rus"
TIMEOUT = 120  # seconds for one page


class OcrError(ValueError):
    """A scan that cannot be read; ``message`` is Russian text for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Word:
    """A word Tesseract read: its text, box (left, top, right, bottom) in pixels and confidence."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float
    line: tuple[int, int, int] = (0, 0, 0)  # Tesseract's block, paragraph and line

    @property
    def centre(self) -> tuple[float, float]:
        left, top, right, bottom = self.box
        return (left + right) / 2, (top + bottom) / 2


@dataclass
class OcrCell:
    """A cell of a recovered table: its place in the grid, box, text and confidence.

    ``confidence`` is the mean of its words' confidences (0..1); ``None`` for a cell with no ink.
    """

    row: int
    column: int
    box: tuple[int, int, int, int]
    rowspan: int = 1
    colspan: int = 1
    text: str = ""
    confidence: float | None = None
    words: list[Word] = field(default_factory=list, repr=False)


@dataclass
class OcrTable:
    """A table: ``rows`` of the grid, each position the cell that starts there or ``None`` where
    a merged cell from the left or above covers it."""

    rows: list[list[OcrCell | None]]
    ruled: bool = True

    @property
    def cells(self) -> list[OcrCell]:
        return [cell for row in self.rows for cell in row if cell is not None]


@dataclass
class OcrPage:
    """A page read: its number (from 1), the angle it was straightened by and its tables."""

    number: int
    angle: float
    tables: list[OcrTable]
    size: tuple[int, int] = (0, 0)


def available() -> bool:
    """Whether the ``tesseract`` command with Russian data can be run here."""
    if shutil.which(TESSERACT) is None:
        return False
    try:
        listed = subprocess.run(
            [TESSERACT, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return LANGUAGE in (listed.stdout + listed.stderr).split()


# --- page images ----------------------------------------------------------------------------------


def read_pdf(data: bytes, pages: Sequence[int] | None = None) -> list[OcrPage]:
    """Read the pages of a PDF (``pages``: their indexes from 0; all when ``None``)."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except Exception as error:  # pdfium's errors are technical and English
        raise OcrError("Не удалось прочитать документ PDF: файл повреждён.") from error
    try:
        chosen = list(range(len(document))) if pages is None else list(pages)
        _check_count(len(chosen))
        images = []
        for index in chosen:
            page = document[index]
            width, height = page.get_size()
            scale = DPI / 72
            if width * height * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (width * height)) ** 0.5
            images.append(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
            page.close()
    finally:
        document.close()
    return read_images(images, numbers=[index + 1 for index in chosen])


def read_image_file(data: bytes) -> list[OcrPage]:
    """Read a PNG, JPEG or TIFF scan (every frame of a multi-page TIFF)."""
    try:
        image = Image.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
        _check_count(frames)
        images = []
        for frame in range(frames):
            image.seek(frame)
            if image.width * image.height > MAX_PIXELS:
                raise OcrError("Изображение слишком большое: сохраните скан с разрешением 300 dpi.")
            images.append(_to_dpi(image, image.info.get("dpi")))
    except OcrError:
        raise
    except Exception as error:  # Pillow raises many kinds of errors on a damaged image
        raise OcrError("Не удалось прочитать изображение: файл повреждён.") from error
    return read_images(images)


def _check_count(count: int) -> None:
    if count > MAX_PAGES:
        raise OcrError(
            f"В скане {count} страниц, распознаётся не более {MAX_PAGES}: загрузите план "
            "отдельным файлом."
        )


def _to_dpi(image: Image.Image, dpi: object) -> Image.Image:
    """A grayscale copy of the image at about :data:`DPI` (by its stated resolution or size)."""
    gray = image.convert("L")
    stated = 0.0
    if isinstance(dpi, tuple) and dpi and isinstance(dpi[0], int | float):
        stated = float(dpi[0])
    if not 100 <= stated <= 1200:
        # No stated resolution: take the longer side for an A4 sheet's (297 mm).
        stated = max(gray.size) / (297 / 25.4)
    factor = DPI / stated
    if abs(factor - 1) < 0.1 or not 0.25 <= factor <= 4:
        return gray
    size = (round(gray.width * factor), round(gray.height * factor))
    return gray.resize(size, Image.Resampling.LANCZOS)


# --- straightening --------------------------------------------------------------------------------


def _ink(gray: np.ndarray) -> np.ndarray:
    """Dark pixels by Otsu's threshold over the page's histogram."""
    # A sample of the pixels gives the same threshold for a fraction of the work.
    histogram = np.bincount(gray[::3, ::3].ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(histogram)
    mean = np.cumsum(histogram * levels)
    background = total - weight
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean[-1] * weight - mean * total) ** 2 / (weight * background)
    between = np.nan_to_num(between)
    threshold = int(np.argmax(between))
    return gray <= threshold


def deskew_angle(ink: np.ndarray, limit: float = MAX_ANGLE) -> float:
    """The angle in degrees (counter-clockwise, within ±``limit``) that straightens the page.

    At the right angle the rows of text and the rules project onto few rows of pixels: the sum of
    squares of the projection is largest. The ink's points are sheared rather than the image
    rotated, first in steps of 0.2°, then of 0.02° around the best.
    """
    step = max(1, int(max(ink.shape) // 1200))
    ys, xs = np.nonzero(ink[::step, ::step])
    if len(ys) < 50:
        return 0.0
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - xs.mean()

    def sharpness(angle: float) -> float:
        shifted = ys + xs * np.tan(np.radians(angle))
        bins = np.bincount(np.round(shifted - shifted.min()).astype(np.int64))
        return float(np.dot(bins, bins))

    coarse = np.arange(-limit, limit + 1e-9, 0.2)
    best = float(max(coarse, key=sharpness))
    fine = np.arange(best - 0.2, best + 0.2 + 1e-9, 0.02)
    best = float(max(fine, key=sharpness))
    # Image rows grow downwards: a shear that levels y + x·tan(a) is a rotation by a.
    return round(best, 2) if abs(best) >= 0.05 else 0.0


def straighten(gray: Image.Image) -> tuple[Image.Image, float]:
    """The page rotated level, and the angle it was rotated by."""
    array = np.asarray(gray)
    angle = deskew_angle(_ink(array))
    if not angle:
        return gray, 0.0
    return gray.rotate(-angle, resample=Image.Resampling.BICUBIC, fillcolor=255), angle


# --- the grid -------------------------------------------------------------------------------------


def _runs(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels lying on a straight run of at least ``length`` set pixels along ``axis``.

    A morphological opening by a 1×``length`` window: windows entirely set are found with a
    cumulative sum, then every pixel some such window covers is kept.
    """
    lines = mask if axis == 1 else mask.T
    n = lines.shape[1]
    if n < length:
        return np.zeros_like(mask)
    counts = np.zeros((lines.shape[0], n + 1), dtype=np.int32)
    np.cumsum(lines, axis=1, dtype=np.int32, out=counts[:, 1:])
    full = (counts[:, length:] - counts[:, :-length]) == length  # window [i, i + length) all set
    starts = np.zeros((lines.shape[0], full.shape[1] + 1), dtype=np.int32)
    np.cumsum(full, axis=1, dtype=np.int32, out=starts[:, 1:])
    # Pixel j is covered by a window starting in [j - length + 1, j].
    index = np.arange(n)
    upper = np.minimum(index + 1, full.shape[1])
    lower = np.clip(index - length + 1, 0, full.shape[1])
    covered = (starts[:, upper] - starts[:, lower]) > 0
    return covered if axis == 1 else covered.T


def _thicken(mask: np.ndarray, axis: int) -> np.ndarray:
    """The mask with each set pixel also set one pixel either side across ``axis``."""
    out = mask.copy()
    if axis == 0:
        out[1:] |= mask[:-1]
        out[:-1] |= mask[1:]
    else:
        out[:, 1:] |= mask[:, :-1]
        out[:, :-1] |= mask[:, 1:]
    return out


def _peaks(profile: np.ndarray, minimum: float, gap: int) -> list[tuple[int, int]]:
    """Bands of consecutive positions where ``profile`` reaches ``minimum``: (first, last)."""
    bands: list[tuple[int, int]] = []
    for position in np.flatnonzero(profile >= minimum):
        if bands and position - bands[-1][1] <= gap:
            bands[-1] = (bands[-1][0], int(position))
        else:
            bands.append((int(position), int(position)))
    return bands


@dataclass
class Grid:
    """Rule positions (band centres) and the masks of the rules found."""

    rows: list[int]  # y of the horizontal rules, top to bottom
    columns: list[int]  # x of the vertical rules, left to right
    horizontal: np.ndarray
    vertical: np.ndarray

    def separated(self, between: str, index: int, span: tuple[int, int]) -> bool:
        """Whether a rule separates two neighbouring grid cells.

        ``between="columns"``: the vertical rule at ``columns[index]`` over the y range ``span``;
        ``"rows"``: the horizontal rule at ``rows[index]`` over the x range ``span``.
        """
        low, high = span
        margin = max(2, (high - low) // 5)
        low, high = low + margin, high - margin
        if high <= low:
            return True
        if between == "columns":
            x = self.columns[index]
            band = self.vertical[low:high, max(0, x - 4) : x + 5]
        else:
            y = self.rows[index]
            band = self.horizontal[max(0, y - 4) : y + 5, low:high]
            band = band.T
        covered = band.any(axis=1)
        return bool(covered.mean() >= 0.6)


def find_grid(ink: np.ndarray, dpi: int = DPI) -> Grid | None:
    """The table rules on a straightened page, or ``None`` when it has no ruled table."""
    horizontal = _runs(_thicken(ink, 0), max(20, dpi // 4), axis=1)
    vertical = _runs(_thicken(ink, 1), max(15, dpi // 6), axis=0)
    if not horizontal.any() or not vertical.any():
        return None
    # The table is where the vertical rules are; text lines and stray marks outside are not rules.
    ys = np.flatnonzero(vertical.any(axis=1))
    xs = np.flatnonzero(horizontal.any(axis=0))
    top, bottom = int(ys[0]), int(ys[-1])
    left, right = int(xs[0]), int(xs[-1])
    width, height = right - left + 1, bottom - top + 1
    if width < dpi or height < dpi // 3:
        return None
    gap = max(3, dpi // 60)
    row_profile = horizontal[:, left : right + 1].sum(axis=1)
    row_bands = [
        band
        for band in _peaks(row_profile, max(dpi // 4, width * 0.04), gap)
        if top - gap <= band[0] and band[1] <= bottom + gap
    ]
    column_profile = vertical[top : bottom + 1, :].sum(axis=0)
    column_bands = [
        band
        for band in _peaks(column_profile, max(dpi // 6, height * 0.03), gap)
        if left - gap <= band[0] and band[1] <= right + gap
    ]
    rows = [(low + high) // 2 for low, high in row_bands]
    columns = [(low + high) // 2 for low, high in column_bands]
    if len(rows) < 2 or len(columns) < 2:
        return None
    return Grid(rows, columns, horizontal, vertical)


def grid_cells(grid: Grid) -> OcrTable:
    """The cells of the grid, neighbours that no rule separates joined into merged cells."""
    n_rows, n_columns = len(grid.rows) - 1, len(grid.columns) - 1
    parent = list(range(n_rows * n_columns))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def union(a: int, b: int) -> None:
        parent[find(b)] = find(a)

    for r in range(n_rows):
        span_y = (grid.rows[r], grid.rows[r + 1])
        for c in range(n_columns):
            span_x = (grid.columns[c], grid.columns[c + 1])
            if c + 1 < n_columns and not grid.separated("columns", c + 1, span_y):
                union(r * n_columns + c, r * n_columns + c + 1)
            if r + 1 < n_rows and not grid.separated("rows", r + 1, span_x):
                union(r * n_columns + c, (r + 1) * n_columns + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_columns):
            groups.setdefault(find(r * n_columns + c), []).append((r, c))
    rows: list[list[OcrCell | None]] = [[None] * n_columns for _ in range(n_rows)]
    for members in groups.values():
        r0 = min(r for r, _c in members)
        r1 = max(r for r, _c in members)
        c0 = min(c for _r, c in members)
        c1 = max(c for _r, c in members)
        box = (grid.columns[c0], grid.rows[r0], grid.columns[c1 + 1], grid.rows[r1 + 1])
        cell = OcrCell(r0, c0, box, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1)
        if rows[r0][c0] is None:
            rows[r0][c0] = cell
    return OcrTable(rows)


# --- reading the words ----------------------------------------------------------------------------


def _tesseract(images: Sequence[Image.Image], options: Sequence[str] = ()) -> list[list[Word]]:
    """The words of each image, from one ``tesseract`` run over all of them."""
    if not images:
        return []
    if shutil.which(TESSERACT) is None:
        raise OcrError(
            "Распознавание сканов недоступно: на сервере не установлен Tesseract "
            "(пакеты tesseract-ocr и tesseract-ocr-rus)."
        )
    with tempfile.TemporaryDirectory(prefix="marshrut-ocr-") as folder:
        paths = []
        for number, image in enumerate(images):
            path = Path(folder) / f"page{number:03d}.png"
            image.save(path, "PNG", dpi=(DPI, DPI))
            paths.append(str(path))
        listing = Path(folder) / "pages.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(
                [
                    TESSERACT,
                    str(listing),
                    "stdout",
                    "-l",
                    LANGUAGE,
                    "--psm",
                    "6",
                    "--dpi",
                    str(DPI),
                    *options,
                    "tsv",
                ],
                capture_output=True,
                timeout=TIMEOUT * len(images),
                env=environment,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise OcrError("Скан распознаётся слишком долго: загрузите его по частям.") from error
        if done.returncode != 0:
            raise OcrError("Не удалось распознать скан: программа распознавания вернула ошибку.")
    return _parse_tsv(done.stdout.decode("utf-8", "replace"), len(images))


def _parse_tsv(text: str, pages: int) -> list[list[Word]]:
    result: list[list[Word]] = [[] for _ in range(pages)]
    for line in text.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        word = parts[11].strip()
        confidence = float(parts[10])
        if not word or confidence < 0:
            continue
        page = int(parts[1]) - 1
        left, top, width, height = (int(value) for value in parts[6:10])
        if 0 <= page < pages:
            result[page].append(
                Word(
                    word,
                    (left, top, left + width, top + height),
                    min(1.0, confidence / 100),
                    (int(parts[2]), int(parts[3]), int(parts[4])),
                )
            )
    return result


_MEANINGFUL = set("%№–—-«»()/")
_STRAY = str.maketrans("", "", "`‘’„|")
_NUMBER_CELL = re.compile(r"^\d{1,2}(?:[.:,]\d{1,2}){0,3}[.:,]?$")
_BARE_NUMBER = re.compile(r"^(?:\d{1,2}|[IVX]{1,4})\.$")
_YEAR_LETTER = re.compile(r"(\d{4})\s*[ГгТт][.,]?(?=\s|$)")


def _is_noise(word: Word, height: float) -> bool:
    """Dust and marks left of an erased rule: a tiny box, or no letter or digit read with doubt."""
    left, top, right, bottom = word.box
    if any(char.isalnum() for char in word.text):
        if bottom - top < height * 0.35:
            return True
        return len(word.text) == 1 and word.confidence < 0.3 and not word.text.isdigit()
    if set(word.text) <= set("–—-"):
        # A dash is wider than tall; a tall «—» is a rule's remnant or a speck.
        return right - left < (bottom - top) * 1.5 or word.confidence < 0.3
    return not (set(word.text) & _MEANINGFUL) or word.confidence < 0.5


def _tidy_text(text: str) -> str:
    """Fix what Tesseract gets wrong in roadmaps time and again, where the fix is certain."""
    text = text.translate(_STRAY)
    if _NUMBER_CELL.match(text.strip()):
        # «1:5.», «1.6,» in a number cell: the dots of an item number.
        return re.sub(r"[:,]", ".", text.strip())
    # «2025 Г.», «2025 т.» — the abbreviation of «год» after a year.
    return _YEAR_LETTER.sub(r"\1 г.", text)


def _cell_text(words: Sequence[Word]) -> str:
    """The words of a cell in reading order: lines by their vertical position, joined by «\\n»."""
    if not words:
        return ""
    ordered = sorted(words, key=lambda word: word.centre[1])
    height = float(np.median([word.box[3] - word.box[1] for word in ordered]))
    lines: list[list[Word]] = []
    for word in ordered:
        if lines and abs(word.centre[1] - np.mean([w.centre[1] for w in lines[-1]])) < height * 0.6:
            lines[-1].append(word)
        else:
            lines.append([word])
    text = "\n".join(
        " ".join(w.text for w in sorted(line, key=lambda w: w.box[0])) for line in lines
    )
    return _tidy_text(text)


def _typical_height(words: Sequence[Word]) -> float:
    heights = [w.box[3] - w.box[1] for w in words if any(ch.isalnum() for ch in w.text)]
    return float(np.median(heights)) if heights else 0.0


@dataclass
class _Slot:
    """Where a cell's crop lies in the page's montage (its y range) and its offset from the page."""

    cell: OcrCell
    top: int
    bottom: int
    dx: int
    dy: int


def _montage(
    image: Image.Image, table: OcrTable, clean: np.ndarray
) -> tuple[Image.Image, list[_Slot]]:
    """The table's cells cut out and stacked one under another with white between.

    Read alone, a cell's text cannot run into its neighbour's, and a short number in a wide row
    is a line of its own: Tesseract reads such a strip far better than the page.
    """
    inset = max(4, DPI // 50)
    gap = DPI // 8
    crops: list[tuple[OcrCell, tuple[int, int, int, int]]] = []
    for cell in table.cells:
        left, top, right, bottom = cell.box
        left, top, right, bottom = left + inset, top + inset, right - inset, bottom - inset
        if right - left < 4 or bottom - top < 4:
            continue
        inner = clean[top:bottom, left:right]
        ys = np.flatnonzero(inner.sum(axis=1) > 1)
        xs = np.flatnonzero(inner.sum(axis=0) > 1)
        if len(ys) == 0 or len(xs) == 0 or inner.mean() < 0.002:
            continue
        pad = DPI // 25
        box = (
            max(left, left + int(xs[0]) - pad),
            max(top, top + int(ys[0]) - pad),
            min(right, left + int(xs[-1]) + pad + 1),
            min(bottom, top + int(ys[-1]) + pad + 1),
        )
        crops.append((cell, box))
    width = max((box[2] - box[0] for _cell, box in crops), default=1) + 2 * gap
    height = sum(box[3] - box[1] + gap for _cell, box in crops) + gap
    sheet = Image.new("L", (width, max(height, 1)), 255)
    slots: list[_Slot] = []
    y = gap
    for cell, box in crops:
        sheet.paste(image.crop(box), (gap, y))
        slots.append(_Slot(cell, y, y + box[3] - box[1], box[0] - gap, box[1] - y))
        y += box[3] - box[1] + gap
    return sheet, slots


def _fill(
    table: OcrTable, slots: Sequence[_Slot], words: Iterable[Word], clean: np.ndarray
) -> None:
    """Give each cell the words read in its slot of the montage, and its confidence."""
    words = list(words)
    height = _typical_height(words)
    for word in words:
        _x, y = word.centre
        for slot in slots:
            if slot.top - 2 <= y < slot.bottom + 2:
                left, top, right, bottom = word.box
                moved = (left + slot.dx, top + slot.dy, right + slot.dx, bottom + slot.dy)
                slot.cell.words.append(Word(word.text, moved, word.confidence, word.line))
                break
    for cell in table.cells:
        kept = [word for word in cell.words if not _is_noise(word, height)]
        cell.words = kept
        cell.text = _cell_text(kept)
        if kept:
            cell.confidence = round(sum(word.confidence for word in kept) / len(kept), 3)
        else:
            left, top, right, bottom = cell.box
            inner = clean[top + 6 : bottom - 6, left + 6 : right - 6]
            # Ink that no word came from: text Tesseract could not read at all.
            cell.confidence = 0.0 if inner.size and inner.mean() > 0.01 else None


def _unruled(words: Sequence[Word], width: int) -> OcrTable | None:
    """A table from aligned words when the page has no rules: columns from the gaps (almost) no
    line of text crosses, rows from the gaps between text wider than between a cell's lines."""
    height = _typical_height(words)
    words = [word for word in words if not _is_noise(word, height)]
    if len(words) < 4:
        return None
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    ordered = sorted(lines.values(), key=lambda line: min(w.box[1] for w in line))
    # How many lines cross each x: a column gap is crossed by none, or by a few lines of the
    # text around the table (a title, the preamble of the order).
    crossing = np.zeros(width + 1, dtype=np.int32)
    for line in ordered:
        covered = np.zeros(width + 1, dtype=bool)
        for word in line:
            covered[word.box[0] : word.box[2]] = True
        crossing += covered
    open_x = crossing <= max(0, len(ordered) // 10)
    heights = [word.box[3] - word.box[1] for word in words]
    space = max(8, int(np.median(heights) * 0.6))
    edges: list[int] = []
    start = None
    for x in range(len(open_x)):
        if open_x[x]:
            start = x if start is None else start
            continue
        if start is not None and x - start >= space:
            edges.append((start + x) // 2)
        start = None
    first = min(word.box[0] for word in words)
    last = max(word.box[2] for word in words)
    boundaries = [first - 1, *[edge for edge in edges if first < edge < last], last + 1]
    if len(boundaries) < 3:
        return None
    # Rows: bands of text between horizontal gaps wider than the gap between a cell's lines.
    top = min(word.box[1] for word in words)
    bottom = max(word.box[3] for word in words)
    inked = np.zeros(bottom - top + 2, dtype=bool)
    for word in words:
        inked[word.box[1] - top : word.box[3] - top] = True
    row_gap = max(6, int(np.median(heights) * 1.3))
    cuts: list[int] = []
    start = None
    for level in range(len(inked)):
        if not inked[level]:
            start = level if start is None else start
            continue
        if start is not None and level - start >= row_gap:
            cuts.append(top + (start + level) // 2)
        start = None
    bands = [top - 1, *cuts, bottom + 1]
    rows: list[list[list[Word]]] = [
        [[] for _ in range(len(boundaries) - 1)] for _ in range(len(bands) - 1)
    ]
    for word in words:
        across, down = word.centre
        band = next(r for r in range(len(bands) - 1) if bands[r] <= down < bands[r + 1])
        column = next(
            (c for c in range(len(boundaries) - 1) if boundaries[c] <= across < boundaries[c + 1]),
            len(boundaries) - 2,
        )
        rows[band][column].append(word)
    # The table starts at its header: a row with text in three columns or more. Above it is the
    # heading of the order.
    first_row = next((r for r, row in enumerate(rows) if sum(bool(f) for f in row) >= 3), None)
    if first_row is None:
        return None
    table_rows: list[list[OcrCell | None]] = []
    for r, row in enumerate(rows[first_row:]):
        filled = [c for c, found in enumerate(row) if found]
        if filled == [0, 1] and _BARE_NUMBER.match(_cell_text(row[0])):
            # «1.» | «Нормативно-правовое обеспечение»: a section heading; with rules it would be
            # one cell across the row.
            found = row[0] + row[1]
            cell = OcrCell(r, 0, (boundaries[0], 0, boundaries[-1], 0), colspan=len(row))
            cell.words = list(found)
            cell.text = f"{_cell_text(row[0])} {_cell_text(row[1])}"
            cell.confidence = round(sum(w.confidence for w in found) / len(found), 3)
            table_rows.append([cell, *[None] * (len(row) - 1)])
            continue
        cells: list[OcrCell | None] = []
        for c, found in enumerate(row):
            cell = OcrCell(r, c, (boundaries[c], 0, boundaries[c + 1], 0), words=list(found))
            cell.text = _cell_text(found)
            if found:
                cell.confidence = round(sum(w.confidence for w in found) / len(found), 3)
            cells.append(cell)
        table_rows.append(cells)
    return OcrTable(table_rows, ruled=False)


# --- pages ----------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    image: Image.Image  # what Tesseract reads: the montage of the cells, or the page
    angle: float
    size: tuple[int, int]
    table: OcrTable | None
    slots: list[_Slot]
    clean: np.ndarray


def _prepare(gray: Image.Image) -> _Prepared:
    level, angle = straighten(gray)
    array = np.asarray(level)
    ink = _ink(array)
    grid = find_grid(ink)
    if grid is None:
        return _Prepared(level, angle, level.size, None, [], ink)
    rules = _thicken(_thicken(grid.horizontal | grid.vertical, 0), 1)
    clean = ink & ~rules
    erased = array.copy()
    erased[rules] = 255
    table = grid_cells(grid)
    montage, slots = _montage(Image.fromarray(erased, "L"), table, clean)
    return _Prepared(montage, angle, level.size, table, slots, clean)


def _number_cells(table: OcrTable) -> list[OcrCell]:
    """The cells of the first column when it is the items' numbers: short, mostly digits."""
    first = [row[0] for row in table.rows if row and row[0] is not None and row[0].colspan == 1]
    filled = [cell for cell in first if cell.text]
    numeric = [cell for cell in filled if _NUMBER_CELL.match(cell.text)]
    if not filled or len(numeric) < len(filled) * 0.5:
        return []
    return [
        cell
        for cell in first
        if cell.confidence is not None
        and len(cell.text) <= 7
        and "№" not in cell.text
        and (cell.confidence < 0.9 or not _NUMBER_CELL.match(cell.text))
    ]


def _reread_numbers(pages: Sequence[_Prepared]) -> None:
    """Read the doubtful cells of number columns again, with only digits and dots allowed.

    Short item numbers («1.1.») alone in a narrow cell are what Tesseract misreads most; one more
    run over a strip of just those cells, allowed only digits and dots, reads them reliably.
    """
    doubtful: list[tuple[_Prepared, OcrCell]] = []
    for page in pages:
        assert page.table is not None
        slots = {id(slot.cell): slot for slot in page.slots}
        doubtful.extend((page, cell) for cell in _number_cells(page.table) if id(cell) in slots)
    if not doubtful:
        return
    gap = DPI // 8
    crops = []
    for page, cell in doubtful:
        slot = next(slot for slot in page.slots if slot.cell is cell)
        crops.append(
            page.image.crop((0, slot.top - gap // 2, page.image.width, slot.bottom + gap // 2))
        )
    width = max(crop.width for crop in crops)
    sheet = Image.new("L", (width, sum(crop.height for crop in crops)), 255)
    bands = []
    y = 0
    for crop in crops:
        sheet.paste(crop, (0, y))
        bands.append((y, y + crop.height))
        y += crop.height
    (found,) = _tesseract([sheet], ("-c", "tessedit_char_whitelist=0123456789."))
    for (_page, cell), (top, bottom) in zip(doubtful, bands, strict=True):
        words = [word for word in found if top <= word.centre[1] < bottom]
        text = _tidy_text(" ".join(word.text for word in words))
        if not words or not _NUMBER_CELL.match(text):
            continue
        confidence = round(sum(word.confidence for word in words) / len(words), 3)
        if confidence >= (cell.confidence or 0) or not _NUMBER_CELL.match(cell.text):
            cell.text, cell.confidence = text, confidence


def _repair_sequence(table: OcrTable) -> None:
    """Put back the dot Tesseract drops inside an item number, from the number above it.

    Under «1.2.» a cell read «13.» or «1.3» is «1.3.»; such a guess keeps a confidence under the
    threshold of doubt (0.75 at most), so the operator still looks at the row.
    """
    previous: tuple[str, int] | None = None
    for row in table.rows:
        cell = row[0] if row else None
        if cell is None or cell.colspan > 1 or not cell.text:
            continue
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.", cell.text)
        if previous is not None and not match:
            head, number = previous
            expected = f"{head}.{number + 1}."
            if cell.text.replace(".", "") == expected.replace(".", ""):
                cell.text = expected
                cell.confidence = min(cell.confidence or 0.0, 0.75)
                match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.", expected)
        previous = (match.group(1), int(match.group(2))) if match else None


def read_images(
    images: Sequence[Image.Image], numbers: Sequence[int] | None = None
) -> list[OcrPage]:
    """Read page images (grayscale at about :data:`DPI`) into pages of tables.

    Pages are straightened and their grids found in threads; Tesseract then runs once per share
    of the pages, a process per core (numpy and the processes release the interpreter).
    """
    numbers = list(numbers) if numbers is not None else list(range(1, len(images) + 1))
    if not images:
        return []
    workers = max(1, min(len(images), os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        prepared = list(pool.map(_prepare, images))
        chunks = [list(range(len(images)))[index::workers] for index in range(workers)]
        read = list(pool.map(lambda chunk: _tesseract([prepared[i].image for i in chunk]), chunks))
    words: dict[int, list[Word]] = {}
    for chunk, found in zip(chunks, read, strict=True):
        for index, page_words in zip(chunk, found, strict=True):
            words[index] = page_words
    for index, page in enumerate(prepared):
        if page.table is not None:
            _fill(page.table, page.slots, words[index], page.clean)
    _reread_numbers([page for page in prepared if page.table is not None])
    for page in prepared:
        if page.table is not None:
            _repair_sequence(page.table)
    pages = []
    for index, page in enumerate(prepared):
        tables: list[OcrTable] = []
        if page.table is not None:
            tables.append(page.table)
        else:
            unruled = _unruled(words[index], page.size[0])
            if unruled is not None:
                tables.append(unruled)
        pages.append(OcrPage(numbers[index], page.angle, tables, page.size))
    return pages
