"""Effectiveness of mechanisms: the sources, the figures, the page, its exports and the CLI.

A hand-made region: 35 schools had the deficit ZN.01 in the 2023 campaign and all answered the
2024 one. Schools 1–15 carried out a roadmap item drafted from the library's measure for ZN.01
(10 of them closed the deficit: schools 1–10); schools 16–35 did not (4 closed: 16–19). A
seminar on «Знание» was attended by schools 1–5 and 16–25. Every expected figure is counted here
from that spec; the interval comes from the kernel, whose arithmetic its own tests work by hand.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from marshrut.analytics import effectiveness
from marshrut.diagnostics.models import Campaign, Deficit
from marshrut.kernels.effectiveness import Verdict, newcombe
from marshrut.orgs.models import School
from tests.analytics.effectiveness_world import (
    CLOSED,
    SCHOOLS,
    SEMINAR,
    TREATED,
    EffWorld,
    build,
    deficit,
)
from tests.conftest import World


@pytest.fixture
def ew(world: World) -> EffWorld:
    return build(world)


def _counts(treated: set[int], among: set[int]) -> tuple[int, int, int, int]:
    """(treated, closed among them, others, closed among them) counted from the spec."""
    others = among - treated
    return len(treated), len(treated & CLOSED), len(others), len(others & CLOSED)


def _row(result: effectiveness.Effectiveness, key: str) -> effectiveness.MechanismRow:
    return next(r for r in result.rows if r.key == key)


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------


def test_facts_are_the_earlier_deficits_closed_or_not_later(ew: EffWorld) -> None:
    result = effectiveness.compute(ew.after)
    assert result.previous == ew.before
    assert (result.facts, result.closed) == (35, len(CLOSED))


def test_measure_and_roadmap_item_compare_with_the_same_deficit_elsewhere(ew: EffWorld) -> None:
    result = effectiveness.compute(ew.after)
    expected = _counts(set(TREATED), set(SCHOOLS))  # (15, 10, 20, 4)
    assert expected == (15, 10, 20, 4)
    for key in ("measure", "roadmap"):
        c = _row(result, key).overall
        assert (c.treated, c.treated_closed, c.control, c.control_closed) == expected
        assert c.difference == pytest.approx(10 / 15 - 4 / 20)
        assert c.interval == pytest.approx(newcombe(10, 15, 4, 20))
        assert c.verdict is Verdict.HELPS  # the interval's low end is above zero
    assert [d.name for d in _row(result, "measure").directions] == ["Знание"]


def test_an_event_reaches_the_deficits_of_its_direction_at_schools_that_attended(
    ew: EffWorld,
) -> None:
    result = effectiveness.compute(ew.after)
    c = _row(result, "event:seminar").overall
    expected = _counts(SEMINAR, set(SCHOOLS))  # 1–5 and 16–19 closed: (15, 9, 20, 5)
    assert expected == (15, 9, 20, 5)
    assert (c.treated, c.treated_closed, c.control, c.control_closed) == expected
    assert _row(result, "event:seminar").title == "Мероприятие: семинар"


def test_a_minimum_group_above_the_data_claims_nothing(ew: EffWorld) -> None:
    result = effectiveness.compute(ew.after, min_group=16)
    assert {r.overall.verdict for r in result.rows} == {Verdict.TOO_FEW}


def test_a_municipality_narrows_the_facts(ew: EffWorld) -> None:
    assert effectiveness.compute(ew.after, ew.world.m2).facts == 0


def test_a_registered_source_plugs_in_with_later_codes_carried_back(ew: EffWorld) -> None:
    # ZN.14 of the 2023 criteria is ZN.15 in 2024, a code the 2023 criteria do not have: a
    # practice card citing the 2024 code reaches the 2023 deficit. Schools 1–12 had it; 1–3
    # adopted the practice and closed it.
    schools = ew.schools
    Deficit.objects.bulk_create(
        [deficit(ew.before, schools[n], "ZN.14") for n in range(1, 13)]
        + [deficit(ew.after, schools[n], "ZN.15") for n in range(4, 13)]
    )
    practice = effectiveness.Source(
        "practice",
        "Внедрённая практика",
        lambda region: [(schools[n].pk, "ZN.15", dt.date(2024, 2, 1)) for n in (1, 2, 3)],
    )
    result = effectiveness.compute(ew.after, sources=[practice])
    assert [r.key for r in result.rows] == ["practice"]
    c = result.rows[0].overall
    assert (c.treated, c.treated_closed, c.control, c.control_closed) == (3, 3, 9, 0)
    assert c.verdict is Verdict.TOO_FEW


def adopted(region: Any) -> list[tuple[int, str, dt.date]]:
    """A source named by dotted path, as the practices app will provide one."""
    school = School.objects.filter(municipality__region=region).order_by("pk").first()
    assert school is not None
    return [(school.pk, "ZN.01", dt.date(2024, 2, 1))]


def test_lazy_sources_are_imported_when_asked(ew: EffWorld) -> None:
    source = effectiveness.Source(
        "practice",
        "Внедрённая практика",
        effectiveness.lazy("tests.analytics.test_effectiveness.adopted"),
    )
    [mechanism] = effectiveness.mechanisms(ew.world.region, [source])
    assert len(mechanism.rows) == 1


def test_without_a_previous_campaign_there_is_nothing_to_compare(ew: EffWorld) -> None:
    result = effectiveness.compute(ew.before)
    assert result.previous is None and result.rows == []


def test_figures_read_in_a_fixed_number_of_queries(
    ew: EffWorld, django_assert_max_num_queries: Any
) -> None:
    campaign = Campaign.objects.select_related("criteria", "region").get(pk=ew.after.pk)
    # the previous campaign: 1; the criteria chain between them: 1; facts: 3; measures: 2;
    # roadmap items: 1; events: 1; adopted practices: 1; partnerships: 1.
    with django_assert_max_num_queries(11):
        effectiveness.compute(campaign)


# --------------------------------------------------------------------------------------------------
# The page and its exports
# --------------------------------------------------------------------------------------------------


def _url(ew: EffWorld, name: str = "effectiveness_campaign", **kw: Any) -> str:
    return reverse(f"analytics:{name}", kwargs={"pk": ew.after.pk, **kw})


def test_operator_sees_the_table_with_verdicts(ew: EffWorld) -> None:
    response = ew.world.client("operator").get(_url(ew))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Эффективность механизмов устранения дефицитов" in html
    assert "Типовая мера из библиотеки" in html
    assert "10 из 15" in html and "4 из 20" in html
    assert "помогает" in html
    assert "«Самодиагностика 2023» → «Самодиагностика 2024»" in html


def test_index_opens_the_newest_closed_pair(ew: EffWorld) -> None:
    response = ew.world.client("department").get(reverse("analytics:effectiveness"))
    assert response.status_code == 302
    assert response["Location"] == _url(ew)


def test_coordinator_and_school_are_refused(ew: EffWorld) -> None:
    for persona in ("coordinator", "head"):
        assert ew.world.client(persona).get(_url(ew)).status_code == 403
        assert ew.world.client(persona).get(reverse("analytics:effectiveness")).status_code == 403


def test_page_reads_in_a_fixed_number_of_queries(
    ew: EffWorld, django_assert_max_num_queries: Any
) -> None:
    client = ew.world.client("operator")
    client.get(_url(ew))  # warm the session and caches
    with django_assert_max_num_queries(22):
        assert client.get(_url(ew)).status_code == 200


def test_xlsx_has_a_row_per_mechanism_and_direction(ew: EffWorld) -> None:
    response = ew.world.client("operator").get(_url(ew, "effectiveness_export", fmt="xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    measure = next(r for r in rows if r[0] == "Типовая мера из библиотеки" and r[1] == "Всего")
    assert measure[2:8] == [15, 10, pytest.approx(66.7), 20, 4, pytest.approx(20.0)]
    assert measure[8] == pytest.approx(46.7)
    assert measure[11] == "помогает"


def test_unknown_export_format_is_not_found(ew: EffWorld) -> None:
    client = ew.world.client("operator")
    assert client.get(_url(ew, "effectiveness_export", fmt="pdf")).status_code == 404


def _texts(body: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(body)).paragraphs]


def test_docx_section_from_the_page(ew: EffWorld) -> None:
    response = ew.world.client("operator").get(_url(ew, "effectiveness_export", fmt="docx"))
    texts = _texts(response.content)
    assert "1. Эффективность механизмов устранения дефицитов" in texts
    assert any(t.startswith("Таблица 1 – Доля закрытых дефицитов") for t in texts)


def test_cli_writes_the_section_alone(ew: EffWorld, tmp_path: Path) -> None:
    out = tmp_path / "eff.docx"
    stdout = io.StringIO()
    call_command(
        "report", "effectiveness", "--campaign", str(ew.after.pk), "-o", str(out), stdout=stdout
    )
    assert "дефицитов 35, закрыто 14" in stdout.getvalue()
    texts = _texts(out.read_bytes())
    assert texts[0] == "Анализ эффективности механизмов"
    assert "1. Эффективность механизмов устранения дефицитов" in texts
    # The section alone: none of the report's other sections.
    assert not any(t.startswith("2. ") for t in texts)
    document = docx.Document(str(out))
    measure = next(
        r for r in document.tables[0].rows if r.cells[1].text == "Типовая мера из библиотеки"
    )
    assert measure.cells[2].text == "10 из 15 (66,7\u00a0%)"
    assert measure.cells[5].text == "помогает"


# --------------------------------------------------------------------------------------------------
# The demo's part
# --------------------------------------------------------------------------------------------------


def test_demo_drafts_2024_roadmaps_from_2023_deficits_once(ew: EffWorld) -> None:
    from marshrut.analytics import demo
    from marshrut.diagnostics.models import Status
    from marshrut.plans.models import ItemStatus, Plan, PlanItem

    Campaign.objects.filter(pk=ew.before.pk).update(title=demo.BEFORE)
    Campaign.objects.filter(pk=ew.after.pk).update(title=demo.AFTER)
    ew.before.submissions.update(status=Status.SUBMITTED, submitted_at=ew.after.created_at)
    out = io.StringIO()
    demo.build_demo(ew.world.region, out)
    drafted = Plan.objects.filter(title__startswith="Дорожная карта школы по итогам")
    assert drafted.exists() and set(drafted.values_list("year", flat=True)) == {2024}
    items = PlanItem.objects.filter(plan__in=drafted)
    assert set(items.values_list("indicator_code", flat=True)) == {"ZN.01"}
    assert set(items.values_list("status", flat=True)) <= {ItemStatus.DONE, ItemStatus.NOT_DONE}
    assert "дорожных карт школ на 2024 год" in out.getvalue()
    count = drafted.count()
    demo.build_demo(ew.world.region, io.StringIO())
    assert drafted.count() == count


def test_section_says_why_there_is_nothing_to_compare() -> None:
    from marshrut.analytics import report

    before, after = Campaign(title="Самодиагностика 2023"), Campaign(title="Самодиагностика 2024")
    alone = effectiveness.Effectiveness(after, None)
    assert "нет предыдущей кампании" in report.rule_effectiveness(alone)
    empty = effectiveness.Effectiveness(after, before)
    sentence = report.rule_effectiveness(empty)
    assert sentence.startswith("Ни одна школа с дефицитами кампании «Самодиагностика 2023»")
    texts = [b.text for b in report.effectiveness_blocks(empty)]
    assert texts == ["1. Эффективность механизмов устранения дефицитов", sentence]
