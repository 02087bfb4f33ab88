"""The import's preview: each row's confidence and its reasons, worst first, rows the reader
believes it lost, and the warning when the same plan is imported twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from marshrut.kernels.confidence import Confidence, field_doubts, ocr, row_score
from marshrut.plans import importer
from marshrut.plans.importing import (
    confidence_of,
    dictionary_for,
    doubtful_rows,
    draft_from_plan,
    read_document,
    reparse_row,
)
from marshrut.plans.models import Level
from tests.conftest import World

CORPUS = Path(__file__).resolve().parent / "corpus"
CONTINUED = "строка продолжается на следующей странице"


def corpus_draft(name: str, year: int = 2024) -> dict[str, Any]:
    data = (CORPUS / name).read_bytes()
    return draft_from_plan(read_document(data, name, year, dictionary_for(None)), kind="")


def test_an_ocr_cell_is_one_more_reason_with_its_confidence() -> None:
    doubt = ocr(0.62, "deadline")
    assert doubt == Confidence(0.62, "распознано по скану, уверенность 62 %", "deadline")
    assert Confidence.from_dict(doubt.to_dict()) == doubt
    assert row_score([doubt, Confidence(0.8, CONTINUED)]) == 0.62
    assert row_score([]) == 1.0


def test_fields_in_doubt_say_why() -> None:
    row = {
        "title": "",
        "deadlines": [{"kind": "unknown", "text": "к началу"}],
        "responsible": [{"text": "ЦДОД", "organisation": None}],
        "targets": [],
    }
    reasons = [doubt.reason for doubt in field_doubts(row)]
    assert reasons == [
        "нет названия мероприятия",
        "срок не распознан: «к началу»",
        "ответственный не найден в справочнике: «ЦДОД»",
    ]


def test_a_row_across_a_page_break_is_in_doubt_in_every_form() -> None:
    for form in ("txt", "pdf"):
        draft = corpus_draft(f"r01_tyumen_roadmap.{form}")
        rows = {row["number"]: row for row in draft["rows"]}
        reasons = [reason["reason"] for reason in rows["2.2"]["confidence"]["reasons"]]
        assert reasons == [CONTINUED], form
        assert rows["2.2"]["confidence"]["score"] == 0.8
        assert rows["1.1"]["confidence"] == {"score": 1.0, "reasons": []}


def test_doubtful_rows_come_worst_first() -> None:
    draft = corpus_draft("r01_tyumen_roadmap.txt")
    draft["rows"][5]["deadline_texts"] = ["когда-нибудь"]
    draft["rows"][5] = reparse_row(
        draft["rows"][5],
        year=2024,
        labels=draft["labels"],
        orgs=dictionary_for(None),
        mappings={},
    )
    ordered = doubtful_rows(draft)
    scores = [row["confidence"]["score"] for _index, row in ordered]
    assert scores == sorted(scores)
    assert ordered[0][0] == 5
    assert (
        ordered[0][1]["confidence"]["reasons"][0]["reason"] == "срок не распознан: «когда-нибудь»"
    )
    # The correction back to a readable date clears that doubt.
    draft["rows"][5]["deadline_texts"] = ["до 1 июня"]
    fixed = reparse_row(
        draft["rows"][5], year=2024, labels=draft["labels"], orgs=dictionary_for(None), mappings={}
    )
    assert confidence_of(fixed)["score"] == 1.0


def test_a_gap_in_the_numbering_is_counted_as_lost_rows() -> None:
    text = (
        "№ п/п\tНаименование мероприятия\tСроки\tОтветственный\n"
        "1.1.\tСовещание\tянварь\tМОУО\n"
        "1.2.\tСеминар\tфевраль\tМОУО\n"
        "1.5.\tКонференция\tмай\tМОУО\n"
    ).encode()
    draft = draft_from_plan(read_document(text, "plan.txt", 2024, dictionary_for(None)))
    assert draft["lost"] == ["1.3", "1.4"]


def test_a_table_without_header_says_its_columns_were_guessed() -> None:
    draft = corpus_draft("r04_headerless_totals.docx")
    assert draft["notes"] == ["у таблицы нет строки заголовков: столбцы определены по содержимому"]
    assert len(draft["rows"]) == 8


def params(world: World) -> dict[str, Any]:
    return importer.params_of(
        level=Level.REGION, year=2024, title="Дорожная карта 2024", owner={"region": world.region}
    )


def test_the_same_file_imported_twice_is_warned_about(world: World) -> None:
    data = (CORPUS / "r01_tyumen_roadmap.docx").read_bytes()
    first, report = importer.create_batch(
        None, data, "plan.docx", region=world.region, params=params(world)
    )
    assert report.ok and "duplicate" not in report.summary
    importer.apply_now(None, first)
    _second, report = importer.create_batch(
        None, data, "plan.docx", region=world.region, params=params(world)
    )
    assert report.ok  # a warning, not a refusal: the operator decides
    assert report.summary["duplicate"]["reason"].startswith("Этот же файл уже загружался")
    assert report.summary["duplicate"]["plan"] == first.counts["plan"]


def test_the_same_plan_in_another_form_is_warned_about(world: World) -> None:
    docx = (CORPUS / "r01_tyumen_roadmap.docx").read_bytes()
    first, _report = importer.create_batch(
        None, docx, "plan.docx", region=world.region, params=params(world)
    )
    importer.apply_now(None, first)
    pdf = (CORPUS / "r01_tyumen_roadmap.pdf").read_bytes()
    _second, report = importer.create_batch(
        None, pdf, "plan.pdf", region=world.region, params=params(world)
    )
    assert (
        report.summary["duplicate"]["reason"]
        == "В регионе уже есть дорожная карта с теми же мероприятиями."
    )


def test_another_plan_is_not_a_duplicate(world: World) -> None:
    first, _report = importer.create_batch(
        None,
        (CORPUS / "r01_tyumen_roadmap.docx").read_bytes(),
        "a.docx",
        region=world.region,
        params=params(world),
    )
    importer.apply_now(None, first)
    _second, report = importer.create_batch(
        None,
        (CORPUS / "r05_spaces_text.docx").read_bytes(),
        "b.docx",
        region=world.region,
        params=params(world),
    )
    assert "duplicate" not in report.summary


def test_the_preview_lists_doubtful_rows_worst_first_and_the_duplicate(
    client: Any, world: World
) -> None:
    data = (CORPUS / "r03_municipal_continuations.pdf").read_bytes()
    first, _report = importer.create_batch(
        None, data, "plan.pdf", region=world.region, params=params(world)
    )
    importer.apply_now(None, first)
    batch, _report = importer.create_batch(
        None, data, "plan.pdf", region=world.region, params=params(world)
    )
    client.force_login(world.users["operator"])
    response = client.get(reverse("plans:import_preview", args=[batch.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="duplicate"' in page
    assert 'data-testid="doubtful"' in page
    assert page.count('data-testid="doubtful-row"') == len(doubtful_rows(batch.counts["draft"]))
    assert CONTINUED in page
