"""The information-analytical report («информационно-аналитическая справка») of a campaign.

The report is built in three steps, so that DOCX and PDF say exactly the same thing:

1. :func:`collect` reads the figures of a campaign for the region or one municipality through the
   aggregates of :mod:`marshrut.analytics.queries` (a fixed number of queries, none per school).
2. The *rules* below turn the figures into sentences. Each rule is a small function with its
   condition in the docstring; a rule only ever prints numbers it was given, so no number appears
   in the text that the data does not give.
3. :func:`blocks` lays the report out as a list of headings, paragraphs, numbered tables and
   numbered figures; :func:`build_docx` and :func:`build_pdf` write that list.

Conclusions, management decisions and targeted recommendations are generated the same way, and the
operator may replace them with edited text (:class:`~marshrut.analytics.models.ReportDraft`) before
the final export; every other section is regenerated from the data on each export.
"""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from marshrut.analytics import charts, queries
from marshrut.analytics.queries import Filters
from marshrut.diagnostics.models import Campaign, Deficit
from marshrut.kernels.criteria import LEVELS, Catalogue, level_name
from marshrut.orgs.models import Municipality

# --------------------------------------------------------------------------------------------------
# Thresholds of the rules (percentage points)
# --------------------------------------------------------------------------------------------------

PROBLEM_MARGIN = 5.0
"""A direction is *problematic* when its share of schools below basic exceeds the mean of that
share over all directions by more than this many percentage points."""

MUNICIPAL_MARGIN = 10.0
"""A municipality *needs attention* when its share of schools below basic (overall level) exceeds
the regional share by more than this many percentage points."""

TOP_DEFICITS = 5
"""How many of the most frequent deficits the conclusions name."""

SCHOOL_DEFICITS = 5
"""How many deficits a school's recommendation names per direction (the rest are counted)."""


# --------------------------------------------------------------------------------------------------
# Numbers as text
# --------------------------------------------------------------------------------------------------


def pct(part: float, whole: float) -> str:
    """A share as a Russian percentage with one decimal: ``pct(1, 3)`` → «33,3»."""
    value = 100 * part / whole if whole else 0.0
    return f"{value:.1f}".replace(".", ",")


def pp(value: float) -> str:
    """A number of percentage points with one decimal, Russian style."""
    return f"{value:.1f}".replace(".", ",")


def schools_word(n: int) -> str:
    """«ОО» is indeclinable, so the count needs no agreement."""
    return f"{n} ОО"


# --------------------------------------------------------------------------------------------------
# The figures
# --------------------------------------------------------------------------------------------------


@dataclass
class DirectionRow:
    code: str
    name: str
    kind: str
    levels: dict[str, int]
    mean_share: float

    @property
    def scored(self) -> int:
        return sum(self.levels.values())

    @property
    def below_pct(self) -> float:
        return 100 * self.levels["below_basic"] / self.scored if self.scored else 0.0


@dataclass
class MunicipalityRow:
    municipality: Municipality
    schools: int
    done: int
    levels: dict[str, int]

    @property
    def scored(self) -> int:
        return sum(self.levels.values())

    @property
    def below_pct(self) -> float:
        return 100 * self.levels["below_basic"] / self.scored if self.scored else 0.0


@dataclass
class DeficitRow:
    code: str
    text: str
    direction: str
    schools: int
    critical: int


@dataclass
class SchoolRow:
    school_id: int
    short_name: str
    municipality: str
    level: str
    share: float
    reason: str = ""


@dataclass
class SchoolDeficit:
    code: str
    text: str
    direction: str
    kind: str


@dataclass
class RiskRecommendation:
    school: SchoolRow
    deficits: dict[str, list[SchoolDeficit]]  # direction name → deficits
    measures: list[str]
    partners: list[str] | None  # None: peer matching is not connected


@dataclass
class ReportData:
    campaign: Campaign
    catalogue: Catalogue
    municipality: Municipality | None
    generated_on: Any
    participation: queries.Participation
    overall: dict[str, int]
    overall_mean: float
    directions: list[DirectionRow]
    municipalities: list[MunicipalityRow]
    frequent: list[DeficitRow]
    by_direction: list[tuple[str, int]]  # direction name, deficits
    dynamics: queries.Dynamics
    risk: list[SchoolRow]
    schools: list[SchoolRow]
    risk_recommendations: list[RiskRecommendation] = field(default_factory=list)
    regional_below_pct: float | None = None  # for a municipal report: the region's share

    @property
    def scored(self) -> int:
        return sum(self.overall.values())

    @property
    def below(self) -> int:
        return self.overall.get("below_basic", 0)

    @property
    def place(self) -> str:
        return self.municipality.name if self.municipality else self.campaign.region.name


def _direction_name(catalogue: Catalogue, code: str) -> str:
    try:
        return catalogue.direction(code).name
    except KeyError:
        return code


def _indicator_text(catalogue: Catalogue, code: str) -> str:
    indicator = catalogue.indicators.get(code)
    return indicator.text if indicator else code


def measures_for(deficit: SchoolDeficit) -> list[str]:
    """The measures that close a deficit.

    HOOK: the measures library does not exist yet. When it does, look the indicator up there;
    until then the measure is the deficit's own wording, so nothing is invented.
    """
    return [f"обеспечить выполнение показателя «{deficit.text}»"]


PartnerFinder = Callable[[Campaign, int, Sequence[str]], list[str]]


def partner_finder() -> PartnerFinder | None:
    """Candidate partner schools for a school's deficits, if peer matching is installed.

    HOOK: ``marshrut.kernels.matching.partners`` is written by another engineer. Until it exists
    the report says that partners are not selected yet, rather than inventing any.
    """
    try:
        from marshrut.kernels import matching  # noqa: F401
    except ImportError:
        return None
    return None  # HOOK: adapt matching.partners here once its signature is settled


def collect(campaign: Campaign, municipality: Municipality | None = None) -> ReportData:
    """The figures of the report, read in a fixed number of queries."""
    catalogue = campaign.criteria.catalogue
    filters = Filters(municipality_id=municipality.pk if municipality else None)
    participation = queries.participation(campaign, filters)
    dist = queries.level_distribution(campaign, filters)
    means = queries.mean_shares(campaign, filters)
    empty = dict.fromkeys(LEVELS, 0)
    directions = [
        DirectionRow(d.code, d.name, d.kind, dist.get(d.code, dict(empty)), means.get(d.code, 0.0))
        for d in catalogue.directions
    ]
    by_mun_part = queries.participation_by_municipality(campaign, filters)
    by_mun_levels = queries.levels_by_municipality(campaign, filters)
    municipalities_qs = Municipality.objects.filter(region=campaign.region_id)
    if municipality:
        municipalities_qs = municipalities_qs.filter(pk=municipality.pk)
    municipalities = [
        MunicipalityRow(
            m,
            by_mun_part[m.pk].schools if m.pk in by_mun_part else 0,
            by_mun_part[m.pk].done if m.pk in by_mun_part else 0,
            by_mun_levels.get(m.pk, dict(empty)),
        )
        for m in municipalities_qs.order_by("name")
        if m.pk in by_mun_part
    ]
    frequent = [
        DeficitRow(
            d.code,
            _indicator_text(catalogue, d.code),
            _direction_name(catalogue, d.direction),
            d.schools,
            d.critical,
        )
        for d in queries.frequent_deficits(campaign, filters, limit=10)
    ]
    per_direction = queries.deficits_by_direction(campaign, filters)
    by_direction = [(d.name, per_direction.get(d.code, 0)) for d in catalogue.directions]
    dyn = queries.dynamics(campaign, filters)
    risk_zone = queries.risk_zone(campaign, filters, dyn)
    schools = school_rows(campaign, filters)
    share_of = {s.school_id: s.share for s in schools}
    risk = [
        SchoolRow(
            r.school.pk,
            r.school.short_name,
            r.school.municipality.name,
            r.level,
            share_of.get(r.school.pk, 0.0),
            r.reason,
        )
        for r in risk_zone
    ]
    data = ReportData(
        campaign=campaign,
        catalogue=catalogue,
        municipality=municipality,
        generated_on=timezone.localdate(),
        participation=participation,
        overall=dist.get("overall", dict(empty)),
        overall_mean=means.get("overall", 0.0),
        directions=directions,
        municipalities=municipalities,
        frequent=frequent,
        by_direction=by_direction,
        dynamics=dyn,
        risk=risk,
        schools=schools,
    )
    if municipality:
        region_overall = queries.level_distribution(campaign, Filters()).get("overall", empty)
        scored = sum(region_overall.values())
        data.regional_below_pct = (
            100 * region_overall.get("below_basic", 0) / scored if scored else 0.0
        )
    data.risk_recommendations = risk_recommendations(campaign, catalogue, risk)
    return data


def school_rows(campaign: Campaign, filters: Filters) -> list[SchoolRow]:
    """Every scored school with its overall level, for the appendix (one query)."""
    rows = (
        queries.results(campaign, filters)
        .values_list(
            "school_id",
            "school__short_name",
            "school__municipality__name",
            "level",
            "points",
            "max_points",
        )
        .order_by("school__municipality__name", "school__short_name")
    )
    return [
        SchoolRow(sid, name, mun, level, points / maxp if maxp else 0.0)
        for sid, name, mun, level, points, maxp in rows
    ]


def school_deficits(
    campaign: Campaign, catalogue: Catalogue, school_ids: Iterable[int]
) -> dict[int, dict[str, list[SchoolDeficit]]]:
    """school id → direction name (catalogue order) → its deficits, in one query."""
    order = {d.code: i for i, d in enumerate(catalogue.directions)}
    position = {code: i for i, code in enumerate(catalogue.indicators)}
    rows = Deficit.objects.filter(campaign=campaign, school_id__in=list(school_ids)).values_list(
        "school_id", "code", "direction", "kind"
    )
    grouped: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for sid, code, direction, kind in rows:
        grouped[sid].append((code, direction, kind))
    out: dict[int, dict[str, list[SchoolDeficit]]] = {}
    for sid, items in grouped.items():
        items.sort(key=lambda t: (order.get(t[1], 99), position.get(t[0], 10**6), t[0]))
        per: dict[str, list[SchoolDeficit]] = {}
        for code, direction, kind in items:
            name = _direction_name(catalogue, direction)
            per.setdefault(name, []).append(
                SchoolDeficit(code, _indicator_text(catalogue, code), name, kind)
            )
        out[sid] = per
    return out


def risk_recommendations(
    campaign: Campaign, catalogue: Catalogue, risk: list[SchoolRow]
) -> list[RiskRecommendation]:
    deficits = school_deficits(campaign, catalogue, [r.school_id for r in risk])
    finder = partner_finder()
    out = []
    for row in risk:
        per = deficits.get(row.school_id, {})
        measures = [m for items in per.values() for d in items[:1] for m in measures_for(d)]
        partners = (
            finder(campaign, row.school_id, [d.code for items in per.values() for d in items])
            if finder
            else None
        )
        out.append(RiskRecommendation(row, per, measures, partners))
    return out


# --------------------------------------------------------------------------------------------------
# The rules: figures → sentences
# --------------------------------------------------------------------------------------------------


def rule_participation(p: queries.Participation) -> str:
    """Always: how many schools completed the questionnaire out of all schools of the campaign."""
    text = (
        f"В самодиагностике приняли участие (отправили анкету) {schools_word(p.done)} "
        f"из {p.schools} ({pct(p.done, p.schools)}\u00a0%)."
    )
    if p.schools - p.done:
        text += f" Не завершили анкету: {schools_word(p.schools - p.done)}."
    return text


def rule_levels(overall: dict[str, int]) -> str:
    """Always: the overall level distribution of the scored schools, from the highest level."""
    scored = sum(overall.values())
    if not scored:
        return "Оценённых анкет нет: уровни соответствия не определены."
    parts = [
        f"{level_name(level)} — {schools_word(overall[level])} ({pct(overall[level], scored)}\u00a0%)"
        for level in reversed(LEVELS)
    ]
    return (
        f"По итогам самодиагностики (оценено {schools_word(scored)}) уровень соответствия: "
        + "; ".join(parts)
        + "."
    )


def rule_below_basic(overall: dict[str, int]) -> str:
    """Always: the share of schools below the basic level overall."""
    scored = sum(overall.values())
    below = overall.get("below_basic", 0)
    return f"Доля школ на уровне ниже базового составила {pct(below, scored)}\u00a0% ({below} из {scored})."


def mean_below_pct(directions: Sequence[DirectionRow]) -> float:
    """The mean over the directions of the share of schools below basic, in percent."""
    scored = [d for d in directions if d.scored]
    return sum(d.below_pct for d in scored) / len(scored) if scored else 0.0


def problem_directions(directions: Sequence[DirectionRow]) -> list[DirectionRow]:
    """Directions whose share below basic exceeds the mean by more than :data:`PROBLEM_MARGIN`."""
    mean = mean_below_pct(directions)
    return [d for d in directions if d.scored and d.below_pct - mean > PROBLEM_MARGIN]


def rule_problem_directions(directions: Sequence[DirectionRow]) -> str:
    """A direction is problematic when its share below basic exceeds the mean share over all
    directions by more than :data:`PROBLEM_MARGIN` percentage points."""
    mean = mean_below_pct(directions)
    problems = problem_directions(directions)
    if not problems:
        return (
            f"Ни по одному направлению доля школ ниже базового уровня не превышает среднее по "
            f"направлениям значение ({pp(mean)}\u00a0%) более чем на {pp(PROBLEM_MARGIN)} п. п."
        )
    parts = [
        f"«{d.name}» — {pct(d.levels['below_basic'], d.scored)}\u00a0% ({d.levels['below_basic']} из {d.scored})"
        for d in problems
    ]
    return (
        f"Проблемными являются направления, по которым доля школ ниже базового уровня превышает "
        f"среднее по направлениям значение ({pp(mean)}\u00a0%) более чем на {pp(PROBLEM_MARGIN)} п. п.: "
        + "; ".join(parts)
        + "."
    )


def strongest_directions(directions: Sequence[DirectionRow]) -> list[DirectionRow]:
    """The directions with the greatest share of schools at the high level (ties: all of them)."""
    scored = [d for d in directions if d.scored]
    if not scored:
        return []
    best = max(d.levels["high"] / d.scored for d in scored)
    return [d for d in scored if d.levels["high"] / d.scored == best and d.levels["high"]]


def rule_strong_directions(directions: Sequence[DirectionRow]) -> str:
    """The direction(s) with the greatest share of schools at the high level, if any is high."""
    best = strongest_directions(directions)
    if not best:
        return "Ни по одному направлению нет школ на высоком уровне."
    parts = [
        f"«{d.name}» ({pct(d.levels['high'], d.scored)}\u00a0% школ на высоком уровне)"
        for d in best
    ]
    return "Наиболее высокие результаты — по направлению " + ", ".join(parts) + "."


def rule_frequent_deficits(frequent: Sequence[DeficitRow], scored: int) -> str:
    """The :data:`TOP_DEFICITS` indicators most often in deficit, with school counts."""
    if not frequent:
        return "Дефицитов не выявлено."
    parts = [
        f"«{d.text}» (направление «{d.direction}») — {schools_word(d.schools)} ({pct(d.schools, scored)}\u00a0%)"
        for d in frequent[:TOP_DEFICITS]
    ]
    return "Наиболее распространённые дефициты: " + "; ".join(parts) + "."


def rule_deficit_directions(by_direction: Sequence[tuple[str, int]]) -> str:
    """The direction(s) with the most deficits in total."""
    total = sum(n for _, n in by_direction)
    if not total:
        return "Дефицитов по направлениям не выявлено."
    most = max(n for _, n in by_direction)
    names = ", ".join(f"«{name}»" for name, n in by_direction if n == most)
    return (
        f"Всего выявлено дефицитов: {total}. Больше всего дефицитов по направлению {names}: "
        f"{most} ({pct(most, total)}\u00a0% от всех дефицитов)."
    )


def rule_dynamics(dyn: queries.Dynamics) -> str:
    """Against the previous campaign: how many comparable schools rose, fell or stayed."""
    if dyn.previous is None:
        return "Предыдущая кампания для сравнения не указана: динамика не оценивается."
    compared = len(dyn.rose) + len(dyn.fell) + len(dyn.stayed)
    if not compared:
        return f"С кампанией «{dyn.previous.title}» сопоставимых результатов нет."
    return (
        f"По сравнению с кампанией «{dyn.previous.title}» (сопоставимы результаты "
        f"{schools_word(compared)}) уровень соответствия повысился у {schools_word(len(dyn.rose))} "
        f"({pct(len(dyn.rose), compared)}\u00a0%), понизился у {schools_word(len(dyn.fell))} "
        f"({pct(len(dyn.fell), compared)}\u00a0%), не изменился у {schools_word(len(dyn.stayed))} "
        f"({pct(len(dyn.stayed), compared)}\u00a0%)."
    )


def rule_risk(risk: Sequence[SchoolRow], dyn: queries.Dynamics, scored: int) -> str:
    """The risk zone: schools below basic, or whose level fell against the previous campaign."""
    if not risk:
        return "Школ в зоне риска (ниже базового уровня или со снижением уровня) нет."
    below = sum(1 for r in risk if r.level == "below_basic")
    fell = sum(1 for r in risk if r.school_id in set(dyn.fell))
    return (
        f"В зону риска входят {schools_word(len(risk))} ({pct(len(risk), scored)}\u00a0% оценённых): "
        f"на уровне ниже базового — {below}, со снижением уровня к прошлой кампании — {fell} "
        f"(приложение 1)."
    )


def attention_municipalities(data: ReportData) -> list[MunicipalityRow]:
    """Municipalities whose share below basic exceeds the region's by more than
    :data:`MUNICIPAL_MARGIN` percentage points (region report only)."""
    if data.municipality is not None or not data.scored:
        return []
    region = 100 * data.below / data.scored
    return [m for m in data.municipalities if m.scored and m.below_pct - region > MUNICIPAL_MARGIN]


def rule_municipalities(data: ReportData) -> str:
    """Region report: the municipalities that need attention, see :func:`attention_municipalities`.
    Municipal report: the municipality's share below basic against the region's."""
    if data.municipality is not None:
        if data.regional_below_pct is None:
            return ""
        return (
            f"Доля школ муниципалитета на уровне ниже базового — {pct(data.below, data.scored)}\u00a0%, "
            f"по региону — {pp(data.regional_below_pct)}\u00a0%."
        )
    names = attention_municipalities(data)
    if not names:
        return (
            f"Ни в одном муниципалитете доля школ ниже базового уровня не превышает региональную "
            f"более чем на {pp(MUNICIPAL_MARGIN)} п. п."
        )
    region = pct(data.below, data.scored)
    parts = [
        f"{m.municipality.name} — {pct(m.levels['below_basic'], m.scored)}\u00a0%" for m in names
    ]
    return (
        f"Доля школ ниже базового уровня превышает региональную ({region} %) более чем на "
        f"{pp(MUNICIPAL_MARGIN)} п. п. в муниципалитетах: " + "; ".join(parts) + "."
    )


def conclusions(data: ReportData) -> list[str]:
    """The generated conclusions: one paragraph per rule."""
    paragraphs = [
        rule_participation(data.participation),
        rule_levels(data.overall),
        rule_below_basic(data.overall),
        rule_problem_directions(data.directions),
        rule_strong_directions(data.directions),
        rule_frequent_deficits(data.frequent, data.scored),
        rule_dynamics(data.dynamics),
        rule_risk(data.risk, data.dynamics, data.scored),
        rule_municipalities(data),
    ]
    return [p for p in paragraphs if p]


def decisions(data: ReportData) -> list[str]:
    """Management decisions, each triggered by a rule's finding."""
    out = []
    not_done = data.participation.schools - data.participation.done
    if not_done:
        out.append(
            f"Обеспечить завершение самодиагностики в ОО, не отправивших анкету ({schools_word(not_done)})."
        )
    if data.risk:
        out.append(
            f"Включить {schools_word(len(data.risk))} зоны риска (приложение 1) в адресное методическое "
            "сопровождение с закреплением школ-партнёров с высоким уровнем по дефицитным направлениям."
        )
    outside = "муниципалитета" if data.municipality else "региона"
    for d in problem_directions(data.directions):
        if d.levels["high"]:
            out.append(
                f"Организовать по направлению «{d.name}» курсы повышения квалификации и стажировочные "
                f"площадки на базе ОО с высоким уровнем по направлению ({schools_word(d.levels['high'])})."
            )
        else:
            out.append(
                f"Организовать по направлению «{d.name}» курсы повышения квалификации; ОО с высоким "
                f"уровнем по направлению нет, стажировочные площадки подобрать за пределами {outside}."
            )
    if data.frequent:
        names = "; ".join(f"«{d.text}»" for d in data.frequent[:3])
        out.append(
            "Включить в дорожную карту мероприятия по устранению наиболее распространённых "
            f"дефицитов: {names}."
        )
    if data.dynamics.fell:
        out.append(
            f"Провести собеседования с управленческими командами {schools_word(len(data.dynamics.fell))}, "
            "у которых уровень соответствия понизился."
        )
    attention = attention_municipalities(data)
    if attention:
        out.append(
            "Рекомендовать МОУО ("
            + ", ".join(m.municipality.name for m in attention)
            + ") разработать муниципальные планы по снижению доли школ ниже базового уровня."
        )
    if not out:
        out.append("Продолжить работу по направлениям проекта в соответствии с дорожной картой.")
    return out


def _municipality_problems(data: ReportData, row: MunicipalityRow) -> str:
    return (
        f"{row.municipality.name}: оценено {schools_word(row.scored)}, ниже базового уровня — "
        + (
            f"{row.levels['below_basic']} ({pct(row.levels['below_basic'], row.scored)}\u00a0%"
            + (
                f", по региону — {pct(data.below, data.scored)}\u00a0%"
                if data.municipality is None
                else ""
            )
            + ")."
        )
    )


def recommendations(data: ReportData) -> list[str]:
    """Targeted recommendations: per municipality, then per school of the risk zone."""
    out = []
    for row in data.municipalities:
        text = _municipality_problems(data, row)
        if row.levels["below_basic"]:
            text += " Рекомендуется обеспечить адресное сопровождение школ ниже базового уровня."
        out.append(text)
    for rec in data.risk_recommendations:
        r = rec.school
        head = f"{r.short_name} ({r.municipality}), уровень «{level_name(r.level) if r.level else '—'}»"
        if r.reason:
            head += f", основание: {r.reason}"
        lines = [head + "."]
        for direction, items in rec.deficits.items():
            shown = "; ".join(f"«{d.text}»" for d in items[:SCHOOL_DEFICITS])
            rest = len(items) - SCHOOL_DEFICITS
            lines.append(
                f"Дефициты по направлению «{direction}»: {shown}"
                + (f" и ещё {rest}" if rest > 0 else "")
                + "."
            )
        if rec.measures:
            lines.append("Меры: " + "; ".join(rec.measures) + ".")
        if rec.partners is None:
            lines.append(
                "Школы-партнёры: подбор будет доступен после подключения модуля подбора партнёров."
            )
        elif rec.partners:
            lines.append("Школы-партнёры: " + ", ".join(rec.partners) + ".")
        else:
            lines.append("Школы-партнёры: подходящих школ не найдено.")
        out.append(" ".join(lines))
    return out


EDITABLE = ("conclusions", "decisions", "recommendations")


def generated_texts(data: ReportData) -> dict[str, str]:
    """The editable sections as plain text, one paragraph per line."""
    return {
        "conclusions": "\n".join(conclusions(data)),
        "decisions": "\n".join(f"{i}. {t}" for i, t in enumerate(decisions(data), 1)),
        "recommendations": "\n".join(recommendations(data)),
    }


# --------------------------------------------------------------------------------------------------
# Layout: the document as blocks
# --------------------------------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # heading | para | table | figure | appendix | pagebreak
    text: str = ""
    number: int = 0
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # cm
    png: bytes = b""
    align: str = ""

    @property
    def caption(self) -> str:
        if self.kind == "table":
            return f"Таблица {self.number} – {self.text}"
        if self.kind == "figure":
            return f"Рисунок {self.number} – {self.text}"
        return self.text

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


class _Layout:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.tables = 0
        self.figures = 0

    def heading(self, text: str) -> None:
        self.blocks.append(Block("heading", text))

    def para(self, text: str, align: str = "") -> None:
        self.blocks.append(Block("para", text, align=align))

    def table(
        self, title: str, header: list[str], rows: list[list[str]], widths: list[float]
    ) -> None:
        self.tables += 1
        self.blocks.append(Block("table", title, self.tables, header, rows, widths))

    def figure(self, title: str, png: bytes) -> None:
        self.figures += 1
        self.blocks.append(Block("figure", title, self.figures, png=png))

    def appendix(self, number: int, title: str) -> None:
        self.blocks.append(Block("pagebreak"))
        self.blocks.append(Block("appendix", title, number))


def _level_cells(levels: dict[str, int], scored: int) -> list[str]:
    return [f"{levels[level]} ({pct(levels[level], scored)}\u00a0%)" for level in reversed(LEVELS)]


def _levels_chart_rows(data: ReportData) -> list[dict[str, Any]]:
    rows = []
    scopes = [(d.name, d.levels) for d in data.directions] + [("Итого по ОО", data.overall)]
    for order, (name, levels) in enumerate(scopes):
        for level in LEVELS:
            rows.append({"scope": name, "order": order, "level": level, "schools": levels[level]})
    return rows


CHART_FONT = "Times New Roman, Liberation Serif, serif"
"""vl-convert draws no text in a font it cannot find; Liberation Serif stands in on Linux."""


def _png(spec: dict[str, Any], width: int) -> bytes:
    spec = {**spec, "config": {**spec.get("config", {}), "font": CHART_FONT}}
    return charts.render_png(spec, width=width)


def render_charts(data: ReportData) -> dict[str, bytes]:
    """Each chart of the report rendered once (PNG for both DOCX and PDF)."""
    out = {"levels": _png(charts.levels_by_scope("", _levels_chart_rows(data)), 560)}
    rows = [{"direction": name, "deficits": n} for name, n in data.by_direction]
    out["deficits"] = _png(charts.bars("", rows, "direction", "deficits", "дефицитов"), 520)
    return out


def blocks(
    data: ReportData, texts: dict[str, str], pictures: dict[str, bytes] | None = None
) -> list[Block]:
    """The whole report as blocks. ``texts`` holds the (possibly edited) editable sections."""
    pictures = pictures if pictures is not None else render_charts(data)
    c, catalogue = data.campaign, data.catalogue
    lay = _Layout()
    scored = data.scored

    lay.heading("1. Общие сведения")
    lay.para(
        f"Самодиагностика «{c.title}» (субъект Российской Федерации: {c.region.name}"
        + (f"; муниципалитет: {data.municipality.name}" if data.municipality else "")
        + f") проведена с {c.opens_on:%d.%m.%Y} по {c.closes_on:%d.%m.%Y} по критериям «{c.criteria.title}» "
        f"(версия {catalogue.version}). Справка сформирована {data.generated_on:%d.%m.%Y} по данным системы «Маршрут»."
    )
    if catalogue.illustrative:
        lay.para(
            "Внимание: использован демонстрационный каталог критериев; показатели и пороги "
            "уровней носят иллюстративный характер и не совпадают с утверждёнными федеральными."
            + (f" {catalogue.notice}" if catalogue.notice else "")
        )
    lay.para(
        "Уровни соответствия: высокий, средний, базовый, ниже базового. Зона риска — школы на уровне "
        "ниже базового либо со снижением уровня по сравнению с предыдущей кампанией."
    )

    lay.heading("2. Участие в самодиагностике")
    lay.para(rule_participation(data.participation))
    rows = [
        [str(i), m.municipality.name, str(m.schools), str(m.done), pct(m.done, m.schools)]
        for i, m in enumerate(data.municipalities, 1)
    ]
    rows.append(
        [
            "",
            "Итого",
            str(data.participation.schools),
            str(data.participation.done),
            pct(data.participation.done, data.participation.schools),
        ]
    )
    lay.table(
        "Участие в самодиагностике по муниципалитетам",
        ["№", "Муниципалитет", "ОО", "Отправили анкету", "%"],
        rows,
        [1.0, 7.5, 2.0, 3.0, 2.0],
    )

    lay.heading("3. Уровни соответствия")
    lay.para(rule_levels(data.overall))
    lay.para(rule_below_basic(data.overall))
    level_header = ["Высокий", "Средний", "Базовый", "Ниже базового"]
    mun_rows = [
        [str(i), m.municipality.name, str(m.scored), *_level_cells(m.levels, m.scored)]
        for i, m in enumerate(data.municipalities, 1)
    ]
    mun_rows.append(["", "Итого", str(scored), *_level_cells(data.overall, scored)])
    lay.table(
        "Уровни соответствия по муниципалитетам (число ОО и доля)",
        ["№", "Муниципалитет", "Оценено ОО", *level_header],
        mun_rows,
        [0.8, 4.3, 1.6, 2.2, 2.2, 2.2, 2.2],
    )
    lay.figure("Уровни соответствия по направлениям и в целом (доля школ)", pictures["levels"])

    lay.heading("4. Результаты по направлениям")
    dir_rows = [
        [d.name, *_level_cells(d.levels, d.scored), pct(d.mean_share, 1)] for d in data.directions
    ]
    dir_rows.append(["Итого по ОО", *_level_cells(data.overall, scored), pct(data.overall_mean, 1)])
    lay.table(
        "Уровни соответствия по направлениям (число ОО и доля)",
        ["Направление", *level_header, "Средняя доля баллов, %"],
        dir_rows,
        [4.2, 2.3, 2.3, 2.3, 2.3, 2.1],
    )
    lay.para(rule_problem_directions(data.directions))
    lay.para(rule_strong_directions(data.directions))

    lay.heading("5. Дефициты")
    lay.para(rule_frequent_deficits(data.frequent, scored))
    lay.table(
        "Наиболее распространённые дефициты (по показателям)",
        ["№", "Показатель", "Направление", "ОО", "%", "Из них крит."],
        [
            [str(i), d.text, d.direction, str(d.schools), pct(d.schools, scored), str(d.critical)]
            for i, d in enumerate(data.frequent, 1)
        ],
        [0.8, 7.0, 3.6, 1.2, 1.4, 1.5],
    )
    lay.para(rule_deficit_directions(data.by_direction))
    total = sum(n for _, n in data.by_direction)
    lay.table(
        "Дефициты по направлениям",
        ["Направление", "Дефицитов", "% от всех"],
        [[name, str(n), pct(n, total)] for name, n in data.by_direction],
        [8.5, 3.5, 3.5],
    )
    lay.figure("Число дефицитов по направлениям", pictures["deficits"])

    lay.heading("6. Динамика по сравнению с предыдущей кампанией")
    lay.para(rule_dynamics(data.dynamics))
    dyn = data.dynamics
    if dyn.previous is not None and (dyn.rose or dyn.fell or dyn.stayed):
        compared = len(dyn.rose) + len(dyn.fell) + len(dyn.stayed)
        lay.table(
            f"Изменение уровня соответствия к кампании «{dyn.previous.title}»",
            ["Изменение", "ОО", "%"],
            [
                ["Уровень повысился", str(len(dyn.rose)), pct(len(dyn.rose), compared)],
                ["Уровень понизился", str(len(dyn.fell)), pct(len(dyn.fell), compared)],
                ["Уровень не изменился", str(len(dyn.stayed)), pct(len(dyn.stayed), compared)],
            ],
            [8.5, 3.5, 3.5],
        )

    lay.heading("7. Зона риска")
    lay.para(rule_risk(data.risk, data.dynamics, scored))
    lay.para(rule_municipalities(data))

    for number, key, title in (
        (8, "conclusions", "Выводы"),
        (9, "decisions", "Управленческие решения"),
        (10, "recommendations", "Адресные рекомендации"),
    ):
        lay.heading(f"{number}. {title}")
        for line in texts.get(key, "").splitlines():
            if line.strip():
                lay.para(line.strip())

    lay.appendix(1, "Перечень ОО зоны риска")
    lay.table(
        "ОО зоны риска",
        ["№", "ОО", "Муниципалитет", "Уровень", "Основание"],
        [
            [
                str(i),
                r.short_name,
                r.municipality,
                level_name(r.level) if r.level else "—",
                r.reason,
            ]
            for i, r in enumerate(data.risk, 1)
        ],
        [0.9, 5.0, 3.8, 2.5, 4.3],
    )
    lay.appendix(2, "Перечень ОО с уровнями соответствия")
    lay.table(
        "Уровни соответствия ОО",
        ["№", "ОО", "Муниципалитет", "Уровень", "Доля баллов, %"],
        [
            [str(i), s.short_name, s.municipality, level_name(s.level), pct(s.share, 1)]
            for i, s in enumerate(data.schools, 1)
        ],
        [1.1, 6.2, 4.3, 2.6, 2.3],
    )
    return lay.blocks


def title_lines(data: ReportData) -> list[str]:
    """Three bold lines and the place: names of places are not declined, so they stand alone."""
    where = data.campaign.region.name
    if data.municipality:
        where = f"{data.municipality.name} ({where})"
    return [
        "Информационно-аналитическая справка",
        "о результатах самодиагностики общеобразовательных организаций",
        "в рамках проекта «Школа Минпросвещения России»",
        f"{where}; {data.campaign.title}",
    ]


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------

FONT = "Times New Roman"


def _font(run_or_style: Any, size: float | None = None, bold: bool | None = None) -> None:
    """Times New Roman for every script, so Word uses it for Cyrillic as well."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _page_number(paragraph: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field_ = OxmlElement("w:fldSimple")
    field_.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field_.append(run)
    paragraph._p.append(field_)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _cell(cell: Any, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.first_line_indent = 0
    paragraph.paragraph_format.space_after = 0
    paragraph.paragraph_format.line_spacing = 1.0
    run = paragraph.add_run(text)
    run.font.size = _pt(12)
    if bold:
        run.bold = True


def _pt(size: float) -> Any:
    from docx.shared import Pt

    return Pt(size)


def build_docx(
    data: ReportData, texts: dict[str, str], pictures: dict[str, bytes] | None = None
) -> bytes:
    """The report as DOCX: A4, margins 3/1.5/2/2 cm, Times New Roman 14, numbered captions."""
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(2.0)
    normal = document.styles["Normal"]
    _font(normal, 14)
    normal.paragraph_format.space_after = 0
    normal.paragraph_format.line_spacing = 1.15
    for name in ("Table Grid",):
        _font(document.styles[name])
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)

    for n, line in enumerate(title_lines(data)):
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(line).bold = n < 3
    document.add_paragraph()

    for block in blocks(data, texts, pictures):
        if block.kind == "heading":
            p = document.add_paragraph()
            p.paragraph_format.space_before = _pt(12)
            p.paragraph_format.space_after = _pt(6)
            p.paragraph_format.keep_with_next = True
            p.add_run(block.text).bold = True
        elif block.kind == "para":
            p = document.add_paragraph(block.text)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            p.paragraph_format.first_line_indent = Cm(1.25)
        elif block.kind == "pagebreak":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif block.kind == "appendix":
            p = document.add_paragraph(f"Приложение {block.number}")
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(block.text).bold = True
        elif block.kind == "table":
            p = document.add_paragraph(block.caption)
            p.paragraph_format.space_before = _pt(6)
            p.paragraph_format.keep_with_next = True
            table = document.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            table.autofit = False
            for column, width in zip(table.columns, block.widths, strict=True):
                column.width = Cm(width)  # the grid: LibreOffice reads it, not the cells
            for cell, label, width in zip(
                table.rows[0].cells, block.header, block.widths, strict=True
            ):
                _cell(cell, label, bold=True)
                cell.width = Cm(width)
            _repeat_header(table.rows[0])
            for values in block.rows:
                cells = table.add_row().cells
                # Widths come from the grid and the header row: per-cell widths cost seconds
                # on a 1,000-row appendix.
                for cell, value in zip(cells, values, strict=True):
                    _cell(cell, value)
            if not block.rows:
                cells = table.add_row().cells
                merged = cells[0].merge(cells[-1])
                _cell(merged, "нет")
            document.add_paragraph()
        elif block.kind == "figure":
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.keep_with_next = True
            p.add_run().add_picture(io.BytesIO(block.png), width=Cm(15.5))
            p = document.add_paragraph(block.caption)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_after = _pt(6)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_html(
    data: ReportData, texts: dict[str, str], pictures: dict[str, bytes] | None = None
) -> str:
    return render_to_string(
        "analytics/report_document.html",
        {"title": title_lines(data), "blocks": blocks(data, texts, pictures)},
    )


def build_pdf(
    data: ReportData, texts: dict[str, str], pictures: dict[str, bytes] | None = None
) -> bytes:
    """The same report as PDF, through WeasyPrint from an HTML template."""
    import weasyprint

    return bytes(weasyprint.HTML(string=build_html(data, texts, pictures)).write_pdf())


def filename(data: ReportData, fmt: str) -> str:
    return f"Справка — {data.campaign.title} — {data.place}.{fmt}"


def texts_for(data: ReportData, draft: Any | None) -> dict[str, str]:
    """The editable sections: the draft's edits where given, generated text elsewhere."""
    texts = generated_texts(data)
    if draft is not None:
        for key in EDITABLE:
            edited = getattr(draft, key, "")
            if edited and edited.strip():
                texts[key] = edited
    return texts
