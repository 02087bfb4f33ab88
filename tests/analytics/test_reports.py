"""The information-analytical report: its figures, its rules, its layout, its pages and its CLI.

Expected figures are computed here from the hand-made spec of ``conftest.py``, never through
``marshrut.analytics``.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from marshrut.analytics import report
from marshrut.analytics.models import ReportDraft
from tests.analytics.conftest import CODE, DEFICITS, LEVELS_BEFORE, LEVELS_NOW, RISK, ReportWorld

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
RANK = {"b": 0, "B": 1, "m": 2, "h": 3}


@pytest.fixture
def quick_charts(monkeypatch: Any) -> None:
    """Pages and CLI tests do not need real charts (vl-convert takes seconds)."""
    monkeypatch.setattr(report, "render_charts", lambda data: {"levels": PNG, "deficits": PNG})


def p(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".replace(".", ",")


def overall(name: str) -> str:
    return LEVELS_NOW[name].split()[-1]


# --------------------------------------------------------------------------------------------------
# Figures and rules
# --------------------------------------------------------------------------------------------------


def expected_figures(rw: ReportWorld) -> dict[str, Any]:
    scored = len(LEVELS_NOW)
    below = sum(1 for n in LEVELS_NOW if overall(n) == "b")
    rose = [n for n in LEVELS_BEFORE if RANK[overall(n)] > RANK[LEVELS_BEFORE[n]]]
    fell = [n for n in LEVELS_BEFORE if RANK[overall(n)] < RANK[LEVELS_BEFORE[n]]]
    stayed = [n for n in LEVELS_BEFORE if RANK[overall(n)] == RANK[LEVELS_BEFORE[n]]]
    by_direction = []
    for i in range(8):
        letters = [LEVELS_NOW[n].split()[i] for n in LEVELS_NOW]
        by_direction.append(Counter(letters))
    return {
        "schools": 6,
        "done": 5,
        "scored": scored,
        "below": below,
        "rose": rose,
        "fell": fell,
        "stayed": stayed,
        "by_direction": by_direction,
        "deficits": Counter(code for codes in DEFICITS.values() for code in codes),
    }


def test_sentences_state_the_hand_computed_figures(rw: ReportWorld) -> None:
    e = expected_figures(rw)
    data = report.collect(rw.campaign)
    text = "\n".join(report.conclusions(data))
    nb = "\u00a0"
    assert (
        f"Доля школ на уровне ниже базового составила {p(e['below'], e['scored'])}{nb}% "
        f"({e['below']} из {e['scored']})." in text
    )
    assert f"{e['done']} ОО из {e['schools']} ({p(e['done'], e['schools'])}{nb}%)" in text
    compared = len(e["rose"]) + len(e["fell"]) + len(e["stayed"])
    assert f"повысился у {len(e['rose'])} ОО ({p(len(e['rose']), compared)}{nb}%)" in text
    assert f"понизился у {len(e['fell'])} ОО ({p(len(e['fell']), compared)}{nb}%)" in text
    assert f"В зону риска входят {len(RISK)} ОО" in text


def test_problem_directions_follow_the_documented_rule(rw: ReportWorld) -> None:
    e = expected_figures(rw)
    catalogue = rw.campaign.criteria.catalogue
    shares = [100 * c["b"] / e["scored"] for c in e["by_direction"]]
    mean = sum(shares) / len(shares)
    expected = [
        d.name
        for d, s in zip(catalogue.directions, shares, strict=True)
        if s - mean > report.PROBLEM_MARGIN
    ]
    data = report.collect(rw.campaign)
    assert [d.name for d in report.problem_directions(data.directions)] == expected
    assert expected  # the spec is built to have some
    sentence = report.rule_problem_directions(data.directions)
    for name in expected:
        assert f"«{name}»" in sentence
    assert f"({f'{mean:.1f}'.replace('.', ',')}\u00a0%)" in sentence


def _numbers(text: str, names: Sequence[str] = ()) -> list[str]:
    # Names of schools and municipalities («МАОУ СОШ № 3», also as partners) and quoted names
    # («Самодиагностика 2023», indicator texts) are not figures of the report.
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    text = re.sub(r"«[^»]*»", "", text)
    text = re.sub(r"^\d+\. ", "", text, flags=re.MULTILINE)  # the numbering of decisions
    text = text.replace("приложение 1", "")
    return re.findall(r"\d+(?:,\d+)?", text)


def test_every_number_in_the_generated_text_comes_from_the_data(rw: ReportWorld) -> None:
    e = expected_figures(rw)
    scored, compared = e["scored"], len(e["rose"]) + len(e["fell"]) + len(e["stayed"])
    catalogue = rw.campaign.criteria.catalogue
    allowed: set[str] = set()
    counts: set[int] = {e["schools"], e["done"], e["schools"] - e["done"], scored, e["below"]}
    counts |= {len(e["rose"]), len(e["fell"]), len(e["stayed"]), compared, len(RISK)}
    counts |= set(e["deficits"].values())
    below_now = [n for n in LEVELS_NOW if overall(n) == "b"]
    counts |= {len(below_now), len([n for n in RISK if n in e["fell"]])}
    for c in e["by_direction"]:
        counts |= set(c.values())
    level_counts = Counter(overall(n) for n in LEVELS_NOW)
    counts |= set(level_counts.values())
    for name in RISK:  # a school's recommendation: its deficits in all and per direction
        mine = DEFICITS.get(name, [])
        counts.add(len(mine))
        counts |= set(Counter(catalogue.indicators[c].direction for c in mine).values())
    per_municipality = {"m1": ["s1", "s3", "s4", "s5"], "m2": ["s2"]}
    for names in per_municipality.values():
        b = sum(1 for n in names if overall(n) == "b")
        counts |= {len(names), b, len(RISK & set(names))}
        allowed.add(p(b, len(names)))
        mine = [c for n in names for c in DEFICITS.get(n, [])]
        counts |= set(Counter(catalogue.indicators[c].direction for c in mine).values())
    allowed |= {str(n) for n in counts}
    for whole in (e["schools"], scored, compared, len(RISK)):
        allowed |= {p(n, whole) for n in range(whole + 1)}
    shares = [100 * c["b"] / scored for c in e["by_direction"]]
    allowed.add(f"{sum(shares) / len(shares):.1f}".replace(".", ","))
    allowed |= {
        f"{report.PROBLEM_MARGIN:.1f}".replace(".", ","),
        f"{report.MUNICIPAL_MARGIN:.1f}".replace(".", ","),
    }
    data = report.collect(rw.campaign)
    texts = report.generated_texts(data)
    names = [s.short_name for s in rw.schools.values()] + [rw.world.m1.name, rw.world.m2.name]
    for key, text in texts.items():
        for number in _numbers(text, names):
            assert number in allowed, f"{key}: {number} does not come from the data"


def test_municipal_report_reads_only_its_schools(rw: ReportWorld) -> None:
    data = report.collect(rw.campaign, rw.world.m1)
    names = {"s1", "s3", "s4", "s5"}
    assert {s.short_name for s in data.schools} == {rw.schools[n].short_name for n in names}
    assert data.scored == 4
    assert {r.short_name for r in data.risk} == {rw.schools[n].short_name for n in RISK & names}
    assert [m.municipality for m in data.municipalities] == [rw.world.m1]


def test_report_reads_in_a_fixed_number_of_queries(
    rw: ReportWorld, django_assert_max_num_queries: Any
) -> None:
    # 21: one of them counts the management decisions register (section 10); up to 10 more read
    # the effectiveness of mechanisms against the previous campaign (section 8).
    with django_assert_max_num_queries(31):
        report.collect(rw.campaign)


# --------------------------------------------------------------------------------------------------
# DOCX and PDF
# --------------------------------------------------------------------------------------------------


def _docx(rw: ReportWorld, **texts: str) -> Any:
    data = report.collect(rw.campaign)
    merged = {**report.generated_texts(data), **texts}
    return docx.Document(io.BytesIO(report.build_docx(data, merged)))


def _table_after(document: Any, caption_start: str) -> Any:
    """The table that follows the paragraph starting with ``caption_start``."""
    body = document.element.body
    found = False
    for child in body.iterchildren():
        if child.tag == qn("w:p") and "".join(
            t.text or "" for t in child.iter(qn("w:t"))
        ).startswith(caption_start):
            found = True
        elif found and child.tag == qn("w:tbl"):
            return docx.table.Table(child, document)
    raise AssertionError(caption_start)


def test_docx_has_the_official_layout(rw: ReportWorld) -> None:
    document = _docx(rw)
    section = document.sections[0]

    def cm(length: Any) -> float:  # Word stores twips: compare to 0.01 cm
        return round(length / Cm(1), 2)

    assert (cm(section.page_width), cm(section.page_height)) == (21.0, 29.7)
    assert (cm(section.left_margin), cm(section.right_margin)) == (3.0, 1.5)
    assert (cm(section.top_margin), cm(section.bottom_margin)) == (2.0, 2.0)
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert {fonts.get(qn(a)) for a in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")} == {
        "Times New Roman"
    }
    footer = section.footer.paragraphs[0]._p
    assert any(f.get(qn("w:instr")) == "PAGE" for f in footer.iter(qn("w:fldSimple")))
    texts = [para.text for para in document.paragraphs]
    tables = [t for t in texts if t.startswith("Таблица ")]
    figures = [t for t in texts if t.startswith("Рисунок ")]
    assert [int(t.split()[1]) for t in tables] == list(range(1, len(tables) + 1))
    assert [int(t.split()[1]) for t in figures] == list(range(1, len(figures) + 1))
    assert all(" – " in t for t in tables + figures)
    assert len(tables) == len(document.tables) >= 7
    assert len(document.inline_shapes) == len(figures) == 2
    for heading in (
        "1. Общие сведения",
        "2. Участие в самодиагностике",
        "7. Зона риска",
        "8. Эффективность механизмов устранения дефицитов",
        "9. Выводы",
        "10. Управленческие решения",
        "11. Адресные рекомендации",
    ):
        assert heading in texts
    assert any("демонстрационный каталог" in t for t in texts)


def test_docx_risk_appendix_lists_exactly_the_risk_schools(rw: ReportWorld) -> None:
    document = _docx(rw)
    texts = [para.text for para in document.paragraphs]
    assert "Приложение 1" in texts and "Приложение 2" in texts
    caption = next(t for t in texts if t.endswith("– ОО зоны риска"))
    table = _table_after(document, caption)
    listed = {row.cells[1].text for row in table.rows[1:]}
    assert listed == {rw.schools[n].short_name for n in RISK}
    caption = next(t for t in texts if t.endswith("– Уровни соответствия ОО"))
    table = _table_after(document, caption)
    levels = {row.cells[1].text: row.cells[3].text for row in table.rows[1:]}
    names = {"b": "ниже базового", "B": "базовый", "m": "средний", "h": "высокий"}
    assert levels == {rw.schools[n].short_name: names[overall(n)] for n in LEVELS_NOW}


def test_docx_participation_table_matches_the_data(rw: ReportWorld) -> None:
    document = _docx(rw)
    table = _table_after(document, "Таблица 1 –")
    rows = {r.cells[1].text: [c.text for c in r.cells[2:]] for r in table.rows[1:]}
    assert rows[rw.world.m1.name] == ["4", "4", "100,0"]
    assert rows[rw.world.m2.name] == ["2", "1", "50,0"]
    assert rows["Итого"] == ["6", "5", p(5, 6)]


def test_pdf_pages_render(rw: ReportWorld, tmp_path: Path) -> None:
    data = report.collect(rw.campaign)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.build_pdf(data, report.generated_texts(data)))
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(page.stat().st_size > 1000 for page in pages)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Таблица 1 – Участие в самодиагностике" in text
    assert "Рисунок 1 –" in text and "Приложение 1" in text
    for n in RISK:
        assert rw.schools[n].short_name in text


# --------------------------------------------------------------------------------------------------
# Pages: access, editing before export
# --------------------------------------------------------------------------------------------------


def _url(name: str, rw: ReportWorld, **kw: Any) -> str:
    return reverse(f"analytics:{name}", kwargs={"pk": rw.campaign.pk, **kw})


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 200),
        ("department", 200),
        ("methodologist", 200),
        ("coordinator", 403),
        ("head", 403),
        ("curator", 403),
        ("outsider", 404),
    ],
)
def test_region_report_is_for_the_region(
    rw: ReportWorld, quick_charts: None, persona: str, status: int
) -> None:
    assert rw.world.client(persona).get(_url("report_region", rw)).status_code == status
    assert (
        rw.world.client(persona).get(_url("report_region_export", rw, fmt="docx")).status_code
        == status
    )


def test_coordinator_reads_own_municipality_report_only(
    rw: ReportWorld, quick_charts: None
) -> None:
    client = rw.world.client("coordinator")
    assert client.get(_url("report_municipality", rw, mid=rw.world.m1.pk)).status_code == 200
    assert client.get(_url("report_municipality", rw, mid=rw.world.m2.pk)).status_code == 404
    response = client.get(_url("report_municipality_export", rw, mid=rw.world.m1.pk, fmt="docx"))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    assert rw.schools["s2"].short_name not in "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
    assert (
        rw.world.client("head").get(_url("report_municipality", rw, mid=rw.world.m1.pk)).status_code
        == 403
    )
    assert rw.world.client(None).get(_url("report_region", rw)).status_code == 302


def test_operator_edits_the_conclusions_and_the_export_uses_them(
    rw: ReportWorld, quick_charts: None
) -> None:
    client = rw.world.client("operator")
    page = client.get(_url("report_region", rw))
    generated = page.context["form"].initial
    assert "Доля школ на уровне ниже базового составила" in generated["conclusions"]
    response = client.post(
        _url("report_region", rw),
        {
            "conclusions": "Выводы, исправленные оператором.",
            "decisions": generated["decisions"],
            "recommendations": generated["recommendations"],
            "action": "save",
        },
    )
    assert response.status_code == 302
    draft = ReportDraft.objects.get(campaign=rw.campaign, municipality=None)
    assert draft.conclusions == "Выводы, исправленные оператором."
    assert draft.decisions == ""  # unchanged text follows the data
    assert draft.updated_by == rw.world.users["operator"]
    document = docx.Document(
        io.BytesIO(client.get(_url("report_region_export", rw, fmt="docx")).content)
    )
    texts = [para.text for para in document.paragraphs]
    assert "Выводы, исправленные оператором." in texts
    assert not any(
        t.startswith("Доля школ на уровне ниже базового составила")
        for t in texts[texts.index("9. Выводы") : texts.index("10. Управленческие решения")]
    )
    # The figures are regenerated: the levels section still states them.
    assert any(t.startswith("Доля школ на уровне ниже базового составила") for t in texts)
    pdf = client.get(_url("report_region_export", rw, fmt="pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.post(_url("report_region", rw), {"action": "reset"})
    assert not ReportDraft.objects.exists()


def test_department_reads_but_cannot_edit(rw: ReportWorld, quick_charts: None) -> None:
    client = rw.world.client("department")
    page = client.get(_url("report_region", rw))
    assert page.status_code == 200 and not page.context["editable"]
    response = client.post(_url("report_region", rw), {"conclusions": "x", "action": "save"})
    assert response.status_code == 403
    assert not ReportDraft.objects.exists()


def test_coordinator_edits_the_municipal_report(rw: ReportWorld, quick_charts: None) -> None:
    client = rw.world.client("coordinator")
    url = _url("report_municipality", rw, mid=rw.world.m1.pk)
    assert client.post(url, {"decisions": "Решение МОУО.", "action": "save"}).status_code == 302
    assert ReportDraft.objects.get(municipality=rw.world.m1).decisions == "Решение МОУО."
    assert client.post(_url("report_region", rw), {"decisions": "x"}).status_code == 403


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def test_cli_writes_the_region_docx_and_a_municipal_pdf(
    rw: ReportWorld, quick_charts: None, tmp_path: Path
) -> None:
    out = io.StringIO()
    target = tmp_path / "r.docx"
    call_command(
        "report",
        "diagnostics",
        "--campaign",
        rw.campaign.title,
        "--format",
        "docx",
        "-o",
        str(target),
        stdout=out,
    )
    assert "в зоне риска: 3" in out.getvalue()
    assert round(docx.Document(str(target)).sections[0].page_width / Cm(1), 2) == 21.0
    target = tmp_path / "m.pdf"
    call_command(
        "report",
        "diagnostics",
        "--campaign",
        str(rw.campaign.pk),
        "--municipality",
        rw.world.m1.oktmo,
        "--format",
        "pdf",
        "-o",
        str(target),
        stdout=io.StringIO(),
    )
    assert target.read_bytes().startswith(b"%PDF")


def test_cli_rejects_an_unknown_campaign(db: Any, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="не найдена"):
        call_command(
            "report", "diagnostics", "--campaign", "нет такой", "-o", str(tmp_path / "x.docx")
        )


def test_level_codes_of_the_spec_are_real() -> None:
    assert set(CODE.values()) == {"below_basic", "basic", "medium", "high"}


@pytest.mark.parametrize(
    ("name", "index"),
    [
        (name, i)
        for name, rows in __import__(
            "tests.analytics.matrix_reports", fromlist=["x"]
        ).MATRIX_REPORTS.items()
        for i in range(len(rows))
    ],
)
def test_permission_matrix_rows(world: Any, quick_charts: None, name: str, index: int) -> None:
    """The rows handed to the lead's matrix, checked here until they are merged there."""
    from django.db import transaction

    from tests.analytics.matrix_reports import MATRIX_REPORTS
    from tests.conftest import PERSONAS

    expected, kwargs, method, data = MATRIX_REPORTS[name][index]
    got = []
    for persona in [*PERSONAS, None]:
        with transaction.atomic():
            url = reverse(name, kwargs=kwargs(world))
            response = getattr(world.client(persona), method)(url, data)
            got.append(str(response.status_code))
            transaction.set_rollback(True)
    assert " ".join(got) == expected, name


# --------------------------------------------------------------------------------------------------
# DOCX tables and pages; charts without Times New Roman
# --------------------------------------------------------------------------------------------------


def test_docx_tables_fit_the_text_width_and_keep_rows_whole(rw: ReportWorld) -> None:
    document = _docx(rw)
    width = round(report.TEXT_WIDTH * 1440 / 2.54)  # twips
    assert len(document.tables) >= 7
    for table in document.tables:
        tbl = table._tbl
        grid = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.iter(qn("w:gridCol"))]
        assert sum(grid) <= width + len(grid)  # rounding of each column to a twip
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        rows = tbl.findall(qn("w:tr"))
        assert rows[0].trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
        assert all(r.trPr.find(qn("w:cantSplit")) is not None for r in rows)
        assert all(len(r.findall(qn("w:tc"))) == len(grid) for r in rows[1:] if len(rows) > 2)
        style = table.rows[1].cells[0].paragraphs[0].style
        assert style.font.size == Pt(12)


def test_docx_appendices_start_a_page_without_a_blank_line(rw: ReportWorld) -> None:
    document = _docx(rw)
    paragraphs = document.paragraphs
    for number in (1, 2):
        i = next(n for n, p in enumerate(paragraphs) if p.text == f"Приложение {number}")
        assert paragraphs[i].paragraph_format.page_break_before
        assert paragraphs[i - 1].text or not paragraphs[i - 1]._p.xpath(".//w:br")


def test_docx_export_survives_control_characters_in_names(rw: ReportWorld) -> None:
    school = rw.schools["s1"]
    school.short_name = "МАОУ\x0bСОШ\x01 № 1"
    school.save(update_fields=["short_name"])
    document = _docx(rw)
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert "МАОУСОШ № 1" in cells


def test_charts_draw_their_text_without_times_new_roman() -> None:
    from marshrut.analytics import charts

    def png(title: str) -> bytes:
        spec = charts.bars(title, [{"d": "Знание", "n": 3}], "d", "n", "дефицитов")
        spec["config"]["font"] = "НетТакогоШрифта"
        return charts.render_png(spec, width=200, scale=1)

    # vl-convert draws no text at all in a font it cannot find: without the fallback the two
    # titles (same place, same length) would leave the same picture.
    assert png("Дефициты школ") != png("Дефекты школы")
    assert charts.with_fallback("Times New Roman").endswith("Liberation Serif, DejaVu Serif, serif")
    assert charts.with_fallback("Arial, serif") == "Arial, serif, Liberation Serif, DejaVu Serif"


def test_docx_of_a_campaign_without_results_says_none_in_its_tables(
    world: Any, quick_charts: None
) -> None:
    from tests.diagnostics.factories import campaign_for

    data = report.collect(campaign_for(world))
    document = docx.Document(io.BytesIO(report.build_docx(data, report.generated_texts(data))))
    risk = _table_after(
        document,
        next(
            p.text
            for p in document.paragraphs
            if "ОО зоны риска" in p.text and p.text.startswith("Таблица")
        ),
    )
    assert [c.text for c in risk.rows[1].cells] == ["нет"] * 5  # one cell spanning the row
    assert risk._tbl.findall(qn("w:tr"))[1].find(f".//{qn('w:gridSpan')}").get(qn("w:val")) == "5"
