"""Score the roadmap reader on the corpus of plan documents: per-field accuracy, per form.

Every document of ``tests/plans/corpus/`` (each source in four forms: text, DOCX, XLSX, PDF) is
read through the import's own path — :func:`marshrut.plans.importing.read_document` and
:func:`draft_from_plan`, what the upload's check stores and the preview shows — with the built-in
dictionary of organisations, and compared with the hand-written ``<name>.expected.json``:

* an expected item is *found* when a read row has its title and its section (whitespace-blind);
* deadlines, responsibles and targets of a found item are right only when exactly equal (every
  window, every organisation, every target's metric, comparator, value and unit); a missing item
  counts as wrong in every field; rows read beyond the expected ones are counted as *extra*.

Run::

    .venv/bin/python bench/score_plan_reader.py          # the table
    .venv/bin/python bench/score_plan_reader.py -v       # and every mismatch

Prints figures only; the corpus test asserts the goals.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marshrut.settings")
os.environ.setdefault("DEBUG", "1")
CORPUS = ROOT / "tests" / "plans" / "corpus"
FORMS = ("txt", "docx", "xlsx", "pdf")
FIELDS = ("items", "deadlines", "responsible", "targets")


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("ё", "е")).strip().lower()


def deadline_key(deadline: Mapping[str, Any]) -> str:
    """A read deadline in the expected files' notation: «kind start..end; start..end»."""
    windows = "; ".join(f"{start or ''}..{end or ''}" for start, end in deadline["windows"])
    return f"{deadline['kind']} {windows}".strip()


def responsible_key(found: Mapping[str, Any]) -> str:
    return found["organisation"] or f"?{found['text']}"


def target_key(target: Mapping[str, Any]) -> list[Any]:
    return [target["metric"], target["comparator"], target["value"], target["unit"]]


def row_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "deadlines": [deadline_key(d) for d in row["deadlines"]],
        "responsible": [responsible_key(r) for r in row["responsible"]],
        "targets": [target_key(t) for t in row["targets"]],
    }


@dataclass
class Score:
    expected: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    extra: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.expected += other.expected
        self.extra += other.extra
        for name in FIELDS:
            self.right[name] += other.right[name]
        self.errors.extend(other.errors)

    def share(self, name: str) -> float:
        return 100.0 * self.right[name] / self.expected if self.expected else 100.0


def read_rows(path: Path, year: int) -> list[dict[str, Any]]:
    """The draft rows the import's check would store for this file."""
    from marshrut.plans.importing import (
        ImportRefused,
        dictionary_for,
        draft_from_plan,
        read_document,
        sniff,
    )

    data = path.read_bytes()
    try:
        plan = read_document(data, path.name, year, dictionary_for(None))
    except ImportRefused as refused:
        raise LookupError(refused.message) from refused
    rows: list[dict[str, Any]] = draft_from_plan(plan, kind=sniff(data))["rows"]
    return rows


def score_document(path: Path, expected: Mapping[str, Any]) -> Score:
    score = Score(expected=len(expected["items"]))
    try:
        rows = read_rows(path, int(expected["year"]))
    except LookupError as refused:
        score.errors.append(f"{path.name}: refused: {refused}")
        return score
    unused = list(rows)
    for item in expected["items"]:
        match = next(
            (
                row
                for row in unused
                if _norm(row["title"]) == _norm(item["title"])
                and _norm(row["section_title"]) == _norm(item["section"])
            ),
            None,
        )
        if match is None:
            score.errors.append(f"{path.name}: not found: [{item['section']}] {item['title']}")
            continue
        unused.remove(match)
        score.right["items"] += 1
        got = row_fields(match)
        for name in ("deadlines", "responsible", "targets"):
            if got[name] == item[name]:
                score.right[name] += 1
            else:
                score.errors.append(
                    f"{path.name}: {name} of «{item['title'][:50]}»: "
                    f"{json.dumps(got[name], ensure_ascii=False)} ≠ "
                    f"{json.dumps(item[name], ensure_ascii=False)}"
                )
    score.extra = len(unused)
    for row in unused:
        score.errors.append(f"{path.name}: extra row: [{row['section_title']}] {row['title'][:80]}")
    return score


def score_corpus(forms: Iterable[str] = FORMS) -> dict[str, Score]:
    """Scores by form, plus «all»."""
    import django

    django.setup()
    scores: dict[str, Score] = {form: Score() for form in forms}
    for expected_path in sorted(CORPUS.glob("*.expected.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        stem = expected_path.name.removesuffix(".expected.json")
        for form in scores:
            path = CORPUS / f"{stem}.{form}"
            if path.exists():
                scores[form].add(score_document(path, expected))
    total = Score()
    for score in scores.values():
        total.add(score)
    scores["all"] = total
    return scores


def table(scores: Mapping[str, Score]) -> str:
    lines = [
        "| форма | мероприятий | найдено с разделом | сроки | ответственные | показатели | лишних строк |",
        "|---|---|---|---|---|---|---|",
    ]
    for form, score in scores.items():
        cells = [f"{score.share(name):.1f} %" for name in FIELDS]
        lines.append(f"| {form} | {score.expected} | " + " | ".join(cells) + f" | {score.extra} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    args = parser.parse_args()
    scores = score_corpus()
    print(table(scores))
    if args.verbose:
        for error in scores["all"].errors:
            print(error)


if __name__ == "__main__":
    main()
