"""Benchmark of reading a 300-row roadmap PDF, beside pdfplumber's bare table extraction.

Builds a PDF of 300+ items (the rows of the corpus document ``r01_tyumen_roadmap`` repeated and
renumbered, 25 sections, rows broken across pages as Word prints them) with the corpus's own
renderer, then times

* the import's path: :func:`marshrut.plans.importing.read_document` — pages, ruled tables, rows
  joined across page breaks, every deadline, responsible and target parsed (target: under 3 s);
* the raw baseline: ``pdfplumber`` opening the same file and calling ``page.extract_tables()`` on
  every page, nothing else;

and prints both with their ratio. Run::

    .venv/bin/python bench/bench_plan_reader.py [--rows 300] [--repeat 3]

Prints figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import io
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
CORPUS = ROOT / "tests" / "plans" / "corpus"


def corpus_module() -> Any:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def big_source(rows: int) -> dict[str, Any]:
    make_corpus = corpus_module()
    source = make_corpus.load("r01_tyumen_roadmap")
    items = [entry for entry in source["body"] if "row" in entry]
    body: list[dict[str, Any]] = []
    section = 0
    while sum(1 for entry in body if "row" in entry) < rows:
        section += 1
        body.append({"section": f"{section}. Раздел плана номер {section}"})
        for number, entry in enumerate(items, start=1):
            copied = copy.deepcopy(entry)
            copied["row"][0] = f"{section}.{number}."
            # Rows break where the page ends, as Word breaks them, not where the corpus forces.
            copied.pop("cut", None)
            body.append(copied)
    source["body"] = body
    source["pdf_format"] = "A4"
    return source


def timed(call: Any, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each call: the machine is shared, CPU time is steadier."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    import pdfplumber

    from marshrut.plans.importing import read_document

    data, split = corpus_module().render_pdf(big_source(args.rows))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
    plan = read_document(data, "plan.pdf", 2024)
    print(
        f"PDF: {len(data) // 1024} КиБ, страниц {pages}, строк через разрыв страницы {split}, "
        f"прочитано мероприятий {len(plan.items)} в разделах {len(plan.sections)}"
    )

    def bare() -> None:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_tables()

    reader, reader_cpu = timed(lambda: read_document(data, "plan.pdf", 2024), args.repeat)
    baseline, baseline_cpu = timed(bare, args.repeat)
    for label, wall, cpu in (
        ("read_document", reader, reader_cpu),
        ("pdfplumber extract_tables", baseline, baseline_cpu),
    ):
        print(
            f"{label}: медиана {statistics.median(wall):.2f} с, лучшее {min(wall):.2f} с; "
            f"процессор: медиана {statistics.median(cpu):.2f} с (повторов {args.repeat})"
        )
    ratio = statistics.median(reader_cpu) / statistics.median(baseline_cpu)
    print(f"отношение (процессорное время): {ratio:.2f}")


if __name__ == "__main__":
    main()
