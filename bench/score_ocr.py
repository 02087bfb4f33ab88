"""Score the OCR of the scanned roadmaps: the share of table cells read exactly right.

For every fixture of ``tests/plans/scans`` (made by ``make_scans.py``, each with the cell texts it
was printed from) the scan is read by :mod:`marshrut.kernels.ocr`, and each page's table is
compared with the printed one cell by cell: a cell is right when its text, with lines joined as
the plan reader joins them and spaces collapsed, equals the printed text (a space before «%» and
the kind of dash, en or em, are not counted: neither changes what the reader takes from it). A page whose grid has a
different number of rows or columns scores its cells against the rows that exist.

    python bench/score_ocr.py            # all fixtures; exits 1 under the goal of 90 %
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from marshrut.kernels import ocr  # noqa: E402

SCANS = ROOT / "tests" / "plans" / "scans"
GOAL = 0.90


def normal(text: str | None) -> str:
    text = re.sub(r"(?<=[^\W\d_])-\n(?=\w)", "-", text or "").replace("\n", " ")
    text = re.sub(r"(?<=\d) %", "%", text)  # «70 %» and «70%» are the same number
    text = re.sub(r"[–—]", "–", text)  # an en dash or an em dash: the same dash
    return re.sub(r"\s+", " ", text).strip()


def read(path: Path) -> list[ocr.OcrPage]:
    data = path.read_bytes()
    return ocr.read_pdf(data) if path.suffix == ".pdf" else ocr.read_image_file(data)


def score(path: Path, *, verbose: bool = False) -> tuple[int, int, int, int]:
    """(cells right, cells printed, rows right, rows printed) of one fixture."""
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["pages"]
    pages = read(path)
    right = total = rows_right = rows_total = 0
    for page, printed in zip(pages, expected, strict=False):
        table = page.tables[0].rows if page.tables else []
        for index, cells in enumerate(printed):
            got = table[index] if index < len(table) else []
            row_ok = True
            for column, text in enumerate(cells):
                if text is None:
                    continue
                cell = got[column] if column < len(got) else None
                read_text = normal(cell.text) if cell is not None else ""
                total += 1
                if read_text == normal(text):
                    right += 1
                else:
                    row_ok = False
                    if verbose:
                        print(
                            f"  {path.name} p{page.number} r{index} c{column}: «{read_text}» ≠ «{text}»"
                        )
            rows_total += 1
            rows_right += row_ok
    pages_missing = len(expected) - len(pages)
    if pages_missing > 0:
        for printed in expected[len(pages) :]:
            total += sum(text is not None for cells in printed for text in cells)
            rows_total += len(printed)
    return right, total, rows_right, rows_total


def main() -> int:
    verbose = "-v" in sys.argv
    if not ocr.available():
        print("tesseract with Russian data is not installed: nothing to score")
        return 1
    right = total = rows_right = rows_total = 0
    started = time.perf_counter()
    for path in sorted(SCANS.glob("scan_*.*")):
        if path.suffix == ".json":
            continue
        r, t, rr, rt = score(path, verbose=verbose)
        print(
            f"{path.name:24} cells {r:4}/{t:<4} {r / t:6.1%}   rows {rr:3}/{rt:<3} {rr / rt:6.1%}"
        )
        right, total, rows_right, rows_total = (
            right + r,
            total + t,
            rows_right + rr,
            rows_total + rt,
        )
    share = right / total
    print(
        f"{'all':24} cells {right:4}/{total:<4} {share:6.1%}   rows {rows_right:3}/{rows_total:<3} "
        f"{rows_right / rows_total:6.1%}   ({time.perf_counter() - started:.1f} s; goal ≥ {GOAL:.0%} of cells)"
    )
    return 0 if share >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
