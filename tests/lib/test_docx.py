"""Every DOCX the project writes is in the one house style: A4 and Times New Roman."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

from marshrut.analytics import report as analytics_report
from marshrut.events import report as period_report
from marshrut.plans import documents
from marshrut.plans.models import Level
from tests.conftest import World
from tests.diagnostics.factories import campaign_for
from tests.plans.conftest import make_plan

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A4_TWIPS = {11906, 16838}  # 210 × 297 mm


def page_sizes(body: bytes) -> list[tuple[int, int, str]]:
    """(width, height, orientation) of every section, read from the document's own XML."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return [
        (int(size.get(f"{W}w")), int(size.get(f"{W}h")), size.get(f"{W}orient") or "portrait")
        for size in root.iter(f"{W}pgSz")
    ]


def normal_fonts(body: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        root = etree.fromstring(archive.read("word/styles.xml"))
    for style in root.iter(f"{W}style"):
        if style.get(f"{W}styleId") == "Normal":
            fonts = style.find(f"{W}rPr/{W}rFonts")
            return {fonts.get(f"{W}{a}") for a in ("ascii", "hAnsi", "eastAsia", "cs")}
    return set()


def assert_house_style(body: bytes) -> None:
    sizes = page_sizes(body)
    assert sizes, "no page size in the document"
    for width, height, orientation in sizes:
        assert {width, height} == A4_TWIPS, f"{width}×{height} twips is not A4"
        assert (orientation == "landscape") == (width > height)
    assert normal_fonts(body) == {"Times New Roman"}


def period_docx(world: World) -> bytes:
    start, end = dt.date(2024, 9, 1), dt.date(2024, 12, 31)
    return period_report.build_docx(period_report.content(world.region, start, end))


def analytical_docx(world: World) -> bytes:
    data = analytics_report.collect(campaign_for(world))
    return analytics_report.build_docx(data, analytics_report.generated_texts(data))


WRITERS: dict[str, Callable[[World], bytes]] = {
    "period report": period_docx,
    "analytical report": analytical_docx,
    "plan": lambda world: documents.plan_docx(make_plan(world, Level.REGION)),
    "monitoring": lambda world: documents.monitoring_docx(make_plan(world, Level.MUNICIPALITY)),
}


@pytest.mark.parametrize("name", WRITERS)
def test_every_docx_the_project_writes_is_a4_in_times_new_roman(world: World, name: str) -> None:
    assert_house_style(WRITERS[name](world))


def test_the_period_report_is_a4_landscape_not_us_letter(world: World) -> None:
    assert page_sizes(period_docx(world)) == [(16838, 11906, "landscape")]


@pytest.mark.parametrize(
    ("landscape", "expected"), [(False, (11906, 16838)), (True, (16838, 11906))]
)
def test_the_house_style_turns_a4_for_wide_tables(landscape: bool, expected: Any) -> None:
    from marshrut.lib.docx import new_document, to_bytes

    body = to_bytes(new_document(landscape=landscape))
    assert [s[:2] for s in page_sizes(body)] == [expected]
    assert_house_style(body)


def test_no_module_starts_a_blank_docx_of_its_own() -> None:
    # python-docx's blank document is US Letter: a writer that starts one bypasses the house style.
    from pathlib import Path

    import marshrut

    root = Path(marshrut.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path != root / "lib" / "docx.py" and "Document()" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
