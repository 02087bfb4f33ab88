"""Targeted recommendations to the schools of the risk zone: the measures come from the region's
measures library, the path to the next level from the school's own answers, and each paragraph
stays short whatever the number of deficits.

Expected values are worked out here from the hand-made data (``conftest.py``) and the rules the
report states, not through the code under test.
"""

from __future__ import annotations

import re
from typing import Any

from marshrut.analytics import report
from marshrut.diagnostics.models import Answer, Deficit
from marshrut.diagnostics.scoring import normalised
from marshrut.kernels.criteria import level_name
from marshrut.kernels.scoring import next_level_path
from marshrut.lib.plural import plural
from marshrut.orgs.models import Region
from marshrut.plans.models import Measure
from tests.analytics.conftest import ReportWorld


def _measure(
    rw: ReportWorld, region: Region, code: str, title: str, *, active: bool = True
) -> None:
    direction = rw.campaign.criteria.catalogue.indicators[code].direction
    Measure.objects.create(
        region=region, indicator=code, direction=direction, title=title, is_active=active
    )


def _recommendation(data: report.ReportData, school_id: int) -> report.RiskRecommendation:
    return next(r for r in data.risk_recommendations if r.school.school_id == school_id)


def test_measures_come_from_the_library_critical_deficits_first(rw: ReportWorld) -> None:
    region = rw.world.region
    other = Region.objects.create(name="Соседняя область", code="97", operator_name="ИРО-2")
    # s1 lacks ZN.01, ZN.02 (Знание) and ZD.01 (Здоровье); ZD.01 is made a failed critical one.
    Deficit.objects.filter(campaign=rw.campaign, school=rw.schools["s1"], code="ZD.01").update(
        kind="critical"
    )
    _measure(rw, region, "ZN.01", "Утвердить единый учебный план.")
    _measure(rw, region, "ZN.01", "Провести аудит учебного плана")
    _measure(rw, region, "ZN.01", "Старая мера", active=False)
    _measure(rw, region, "ZN.02", "Закупить учебники из федерального перечня")
    _measure(rw, region, "ZD.01", "Открыть школьный спортивный клуб")
    _measure(rw, other, "ZN.01", "Мера другого региона")

    data = report.collect(rw.campaign)

    s1 = _recommendation(data, rw.schools["s1"].pk)
    # No answers are stored for the hand-made schools, so there is no path: the critical deficit
    # first, then the deficits in catalogue order, at most SCHOOL_MEASURES, the trailing full stop
    # dropped; inactive measures and other regions' are never offered.
    assert s1.path is None
    assert s1.measures == [
        "Открыть школьный спортивный клуб",
        "Утвердить единый учебный план",
        "Провести аудит учебного плана",
    ]
    s5 = _recommendation(data, rw.schools["s5"].pk)
    assert s5.measures == ["Закупить учебники из федерального перечня"]

    text = report.school_recommendation(s1)
    catalogue = rw.campaign.criteria.catalogue
    assert (
        "Меры из библиотеки типовых мер: Открыть школьный спортивный клуб; "
        "Утвердить единый учебный план; Провести аудит учебного плана." in text
    )
    assert "Дефицитов — 3 («Знание» — 2, «Здоровье» — 1)" in text
    assert f"критические: «{catalogue.indicators['ZD.01'].text}»" in text
    assert "Старая мера" not in text and "другого региона" not in text


def test_without_library_measures_the_paragraph_says_nothing_of_measures(rw: ReportWorld) -> None:
    data = report.collect(rw.campaign)
    s1 = _recommendation(data, rw.schools["s1"].pk)
    assert s1.measures == []
    assert "Меры" not in report.school_recommendation(s1)


def test_partners_are_named_in_at_most_three_directions(rw: ReportWorld) -> None:
    # s2 lacks one indicator in each of four directions (ZN, ZD, TV, KL): with equal counts the
    # catalogue order decides, so the fourth direction's partners are left to the school sheet.
    data = report.collect(rw.campaign)
    s2 = _recommendation(data, rw.schools["s2"].pk)
    catalogue = rw.campaign.criteria.catalogue
    with_partners = [p.direction for p in s2.partners]
    assert len(with_partners) == 4
    named = [p.direction for p in s2.partner_directions()]
    assert named == with_partners[: report.PARTNER_DIRECTIONS]
    text = report.school_recommendation(s2)
    partners = text[text.index("Школы-партнёры: ") :]
    for name in with_partners:
        assert (f"«{name}»" in partners) == (name in named)
    assert [
        catalogue.direction(catalogue.indicators[code].direction).name
        for code in ("ZN.01", "ZD.01", "TV.01")
    ] == named


def test_the_path_comes_from_the_schools_own_answers(world: Any) -> None:
    from tests.diagnostics.factories import submission_for

    sub = submission_for(world, world.s1, submitted=True, strength=-0.6)
    campaign = sub.campaign
    catalogue = campaign.criteria.catalogue
    data = report.collect(campaign)
    rec = _recommendation(data, world.s1.pk)

    stored = dict(Answer.objects.filter(submission=sub).values_list("code", "value"))
    kernel = next_level_path(catalogue, sub.profile, normalised(catalogue, stored))["overall"]
    assert kernel.target is not None and kernel.reachable and kernel.steps
    assert rec.path is not None
    assert rec.path.target == level_name(kernel.target)
    assert [s.code for s in rec.path.steps] == [s.indicator for s in kernel.steps]
    assert [s.direction for s in rec.path.steps] == [
        catalogue.direction(catalogue.indicators[s.indicator].direction).name for s in kernel.steps
    ]

    text = report.school_recommendation(rec)
    first = catalogue.indicators[kernel.steps[0].indicator].text
    target = level_name(kernel.target)
    assert f"Для перехода на уровень «{target}» достаточно: «{first}» — ответ «" in text
    named = min(len(kernel.steps), report.PATH_STEPS)
    for step in kernel.steps[:named]:
        assert f"«{catalogue.indicators[step.indicator].text}» — " in text
    rest = len(kernel.steps) - named
    steps_left = plural(rest, "шаг", "шага", "шагов")
    assert (f" и ещё {steps_left} (весь путь — на листе результатов школы)" in text) == (rest > 0)
    # Each step's gain agrees with its number: «(+2 балла)», «(+0,5 балла)», «(+5 баллов)».
    gains = re.findall(r"\(\+(\d+(?:,\d+)?) (балл\w*)\)", text)
    assert len(gains) == named and "балл.)" not in text
    for number, word in gains:
        n = float(number.replace(",", "."))
        assert f"+{number} {word}" == plural(n, "балл", "балла", "баллов", signed=True)
    # Partners are named first in the directions the path goes through.
    path_directions = list(dict.fromkeys(s.direction for s in rec.path.steps))
    named_directions = [p.direction for p in rec.partner_directions()]
    with_partners = [d for d in path_directions if d in {p.direction for p in rec.partners}]
    assert named_directions[: len(with_partners)] == with_partners[: report.PARTNER_DIRECTIONS]


def test_municipal_recommendation_names_its_risk_schools_and_weakest_directions(
    rw: ReportWorld,
) -> None:
    """m1 (s1, s3, s4, s5) has ZN.01 twice and ZN.02 twice (Знание: 4) and ZD.01, ZD.02
    (Здоровье: 2); s1 and s5 are in the risk zone. m2's only scored school s2 has one deficit in
    each of four directions: the catalogue order breaks the tie; s2 is in the risk zone."""
    catalogue = rw.campaign.criteria.catalogue

    def name(code: str) -> str:
        return catalogue.direction(catalogue.indicators[code].direction).name

    lines = report.generated_texts(report.collect(rw.campaign))["recommendations"].splitlines()
    m1 = next(t for t in lines if t.startswith(rw.world.m1.name + ":"))
    assert "В зоне риска — 2 ОО" in m1
    assert (
        f"Больше всего дефицитов у школ муниципалитета по направлениям «{name('ZN.01')}» — 4 "
        f"и «{name('ZD.01')}» — 2:" in m1
    )
    m2 = next(t for t in lines if t.startswith(rw.world.m2.name + ":"))
    assert "В зоне риска — 1 ОО" in m2
    assert f"по направлениям «{name('ZN.01')}» — 1 и «{name('ZD.01')}» — 1:" in m2
