"""Documents: the DOCX in the official layout, the CLI export read back, the federal constructor's
shape, the municipality's ZIP as a background job."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from docx.oxml.ns import qn
from openpyxl import load_workbook

from marshrut.diagnostics.models import Result, Submission
from marshrut.kernels.criteria import level_name
from marshrut.programmes import prefill
from marshrut.programmes.models import Programme, ProgrammeArchiveJob
from marshrut.programmes.models.programme import STRUCTURE
from marshrut.programmes.programme_docx import programme_docx
from tests.conftest import World

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _table_after(document: Any, caption_start: str) -> Any:
    """The table that follows the caption paragraph of a section's table."""
    body = document.element.body
    found = False
    for child in body.iterchildren():
        if child.tag == qn("w:p") and "".join(child.itertext()).startswith(caption_start):
            found = True
        elif found and child.tag == qn("w:tbl"):
            return next(t for t in document.tables if t._tbl is child)
    raise AssertionError(caption_start)


def test_cli_export_writes_section_3_1_equal_to_the_stored_results(
    world: World, scored: Submission, programme: Programme, tmp_path: Path
) -> None:
    out = tmp_path / "программа.docx"
    call_command(
        "programme",
        "export",
        "--school",
        world.s1.inn,
        "--year",
        str(programme.starts_year),
        "-o",
        str(out),
    )
    document = docx.Document(str(out))
    table = _table_after(document, "Таблица 3 — Результаты самодиагностики")
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["Направление", "Баллы", "Максимум", "Уровень"]
    catalogue = scored.campaign.criteria.catalogue
    names = {d.code: d.name for d in catalogue.directions} | {"overall": "Итого по школе"}
    stored = {r.scope: r for r in Result.objects.filter(submission=scored)}
    assert rows[1:] == [
        [
            names[code],
            prefill._points(stored[code].points),
            prefill._points(stored[code].max_points),
            level_name(stored[code].level),
        ]
        for code in catalogue.scope_codes
    ]


def test_cli_refuses_unknown_school_and_year(
    world: World, programme: Programme, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="нет школы с ИНН"):
        call_command(
            "programme",
            "export",
            "--school",
            "0000000000",
            "--year",
            "2025",
            "-o",
            str(tmp_path / "a.docx"),
        )
    with pytest.raises(CommandError, match="Есть программы с годами начала"):
        call_command(
            "programme",
            "export",
            "--school",
            world.s1.inn,
            "--year",
            "1999",
            "-o",
            str(tmp_path / "a.docx"),
        )


def test_the_docx_is_a4_times_14_with_contents_numbered_headings_and_repeated_headers(
    world: World, programme: Programme
) -> None:
    document = docx.Document(io.BytesIO(programme_docx(programme)))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 14
    texts = [p.text for p in document.paragraphs]
    assert "СОДЕРЖАНИЕ" in texts
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[: len(STRUCTURE)] == [f"{code}. {title}" for code, title in STRUCTURE]
    # The contents: one line per heading, each with a PAGEREF field to the heading's bookmark.
    xml = document.element.xml
    assert xml.count("PAGEREF _Toc") == len(STRUCTURE) + 1
    assert xml.count("<w:bookmarkStart") >= len(STRUCTURE) + 1
    captions = [t for t in texts if t.startswith("Таблица ")]
    assert captions[0].startswith("Таблица 1 — ") and len(captions) >= 6
    for table in document.tables[1:]:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_the_constructor_export_has_section_documents_and_the_tables_workbook(
    world: World, programme: Programme
) -> None:
    response = world.client("head").get(
        reverse("programmes:programme_export", args=[programme.pk, "zip"])
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert sum(n.startswith("Разделы/") and n.endswith(".docx") for n in names) == len(STRUCTURE)
    book = load_workbook(io.BytesIO(archive.read("Таблицы.xlsx")))
    assert "Раздел 3.1" in book.sheetnames and "Дорожная карта" in book.sheetnames
    sheet = book["Раздел 3.1"]
    assert [c.value for c in sheet[3]] == ["Направление", "Баллы", "Максимум", "Уровень"]


def test_the_municipality_zip_is_built_in_the_background(
    world: World, programme: Programme, settings: Any
) -> None:
    settings.TASKS = IMMEDIATE
    client = world.client("coordinator")
    start = reverse("programmes:programme_archive_start", args=[world.m1.pk])
    assert client.get(start).status_code == 200
    response = client.post(start)
    job = ProgrammeArchiveJob.objects.get()
    assert response["Location"] == reverse("programmes:programme_archive_job", args=[job.pk])
    assert job.status == ProgrammeArchiveJob.Status.DONE and job.progress == 100 and job.total == 1
    status = client.get(
        reverse("programmes:programme_archive_status", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    assert status["HX-Refresh"] == "true"
    download = client.get(reverse("programmes:programme_archive_file", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert archive.namelist() == [
        f"Программа развития — {world.s1.short_name} — {programme.period}.docx"
    ]
    # Another municipality's coordinator does not reach the archive.
    assert world.client("head").get(start).status_code == 403
