"""Benchmark of reading a scanned roadmap: a 10-page image-only PDF through OCR (goal: < 60 s).

Makes the scan with ``tests/plans/scans/make_scans.py`` (a ruled roadmap printed in Liberation
Serif, rasterised at 300 dpi, rotated by 1°, with noise and JPEG artefacts), then times:

* **ours** — ``read_plan`` on the PDF: rendering, straightening, grid recovery, Tesseract on the
  cells (a process per core), the number column read again, the plan reader on the result;
* **raw baseline** — bare ``tesseract -l rus --psm 6 tsv`` on the same pages, already rendered
  to PNG, one page after another: what OCR alone costs, with no table and no straightening.

    .venv/bin/python bench/bench_ocr.py [--pages 10]

Prints figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "plans" / "scans"))


def cpu() -> float:
    """Processor seconds of this process and its finished children (Tesseract): a figure that,
    unlike the wall clock, does not grow with other programs' load."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()

    import make_scans  # type: ignore[import-not-found]
    import pypdfium2

    from marshrut.kernels import ocr
    from marshrut.kernels.plan_reader import read_plan

    if not ocr.available():
        print("tesseract with Russian data is not installed")
        return
    with tempfile.TemporaryDirectory(prefix="marshrut-bench-ocr-") as folder:
        path = Path(folder) / f"scan_{args.pages}.pdf"
        spec = make_scans.Spec("bench", pages=args.pages, per_page=6, dpi=300, angle=1.0, seed=10)
        make_scans.make(spec, path)
        data = path.read_bytes()
        print(f"scan: {args.pages} pages, {len(data) / 2**20:.1f} MB, cores: {os.cpu_count()}")

        started, processor = time.perf_counter(), cpu()
        plan = read_plan(data, path.name, 2025)
        ours, ours_cpu = time.perf_counter() - started, cpu() - processor
        low = sum(
            1
            for item in plan.items
            if item.scan_confidence and min(item.scan_confidence.values()) < 0.8
        )
        print(
            f"ours: read_plan on the scan  {ours:6.1f} s  ({ours / args.pages:.1f} s a page; "
            f"{len(plan.items)} items, {low} under 80 %); processor {ours_cpu:.1f} s"
        )

        document = pypdfium2.PdfDocument(data)
        pages = []
        for index in range(len(document)):
            image = document[index].render(scale=300 / 72, grayscale=True).to_pil().convert("L")
            page = Path(folder) / f"page{index:02d}.png"
            image.save(page, dpi=(300, 300))
            pages.append(page)
        document.close()
        started, processor = time.perf_counter(), cpu()
        for page in pages:
            subprocess.run(
                ["tesseract", str(page), "stdout", "-l", "rus", "--psm", "6", "tsv"],
                capture_output=True,
                check=True,
            )
        raw, raw_cpu = time.perf_counter() - started, cpu() - processor
        print(
            f"raw: bare tesseract per page  {raw:6.1f} s  ({raw / args.pages:.1f} s a page); "
            f"processor {raw_cpu:.1f} s"
        )
        print(
            f"ratio ours / raw: {ours / raw:.2f} by the clock, {ours_cpu / raw_cpu:.2f} by the "
            f"processor; load average {os.getloadavg()[0]:.1f}; goal: a 10-page scan under 60 s"
        )


if __name__ == "__main__":
    main()
