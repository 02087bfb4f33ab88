"""The corpus of plan documents: its fixtures are what the script builds, and the reader meets
the goals on it in every form (items with their sections ≥ 98 %, fields exactly right ≥ 97 %)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "tests" / "plans" / "corpus"


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


make_corpus = load(CORPUS / "make_corpus.py", "make_corpus")
score = load(ROOT / "bench" / "score_plan_reader.py", "score_plan_reader")


def test_the_corpus_has_twenty_documents_in_four_forms() -> None:
    names = make_corpus.sources()
    documents = [CORPUS / f"{name}.{form}" for name in names for form in make_corpus.FORMS]
    assert len(documents) >= 20 and all(path.exists() for path in documents)


@pytest.mark.parametrize("name", make_corpus.sources())
def test_the_fixtures_are_what_the_sources_give(name: str) -> None:
    source = make_corpus.load(name)
    assert (CORPUS / f"{name}.txt").read_text(encoding="utf-8") == make_corpus.render_text(source)
    assert (CORPUS / f"{name}.docx").read_bytes() == make_corpus.render_docx(source)
    assert (CORPUS / f"{name}.xlsx").read_bytes() == make_corpus.render_xlsx(source)
    assert (CORPUS / f"{name}.pdf").read_bytes() == make_corpus.render_pdf(source)[0]
    expected = score.json.loads((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert expected["items"] == make_corpus.expected(source)


def test_every_pdf_has_rows_across_page_breaks() -> None:
    for name in make_corpus.sources():
        assert make_corpus.render_pdf(make_corpus.load(name))[1] >= 1, name


@pytest.mark.parametrize("form", score.FORMS)
def test_the_reader_meets_the_goals_in_every_form(form: str) -> None:
    scores = score.score_corpus([form])[form]
    assert scores.expected >= 50
    assert scores.share("items") >= 98.0, scores.errors
    for field in ("deadlines", "responsible", "targets"):
        assert scores.share(field) >= 97.0, scores.errors
    assert scores.extra == 0, scores.errors
