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
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

from marshrut.analytics import charts, queries
from marshrut.analytics import effectiveness as eff_queries
from marshrut.analytics.queries import Filters
from marshrut.diagnostics.models import DONE, Campaign, Deficit, Submission
from marshrut.diagnostics.scoring import answers_of, normalised
from marshrut.kernels.criteria import LEVELS, Catalogue, Indicator, level_name
from marshrut.kernels.matching import Need, Partner, PartnerIndex, Ring, SchoolRef
from marshrut.kernels.scoring import next_level_path
from marshrut.lib.plural import plural
from marshrut.matching.queries import region_strengths
from marshrut.orgs.models import Municipality
from marshrut.plans.models import measures_by_indicator

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

MUNICIPAL_DIRECTIONS = 2
"""How many directions with the most deficits a municipality's recommendation names."""

PATH_STEPS = 5
"""How many steps of the path to the next level a school's recommendation names."""

SCHOOL_MEASURES = 3
"""How many measures from the measures library a school's recommendation names."""

PARTNER_DIRECTIONS = 3
"""In how many directions a school's recommendation names partner schools: those of its path
first, then those with the most deficits."""


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
    deficits: list[tuple[str, int]] = field(
        default_factory=list
    )  # direction name, rows; most first

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
    direction: str  # the direction's name
    kind: str
    direction_code: str = ""


@dataclass
class PartnerSchool:
    """A candidate host school: strong where the school is weak."""

    school_id: int
    name: str
    municipality: str
    ring: Ring
    covers: int
    """How many of the school's deficits in the direction it can help with."""

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality})"


@dataclass
class DirectionPartners:
    direction: str  # the direction's name
    schools: list[PartnerSchool]


@dataclass
class Step:
    """One improvement on a school's path to its next overall level, in words."""

    code: str
    text: str
    answer: str
    gain: float
    critical: bool
    direction: str = ""  # the direction's name


@dataclass
class SchoolPath:
    """The path to the next overall level: the target's name (None: already high), whether any
    answers reach it, and the steps (critical first, then the largest gains)."""

    target: str | None
    reachable: bool
    steps: list[Step]


@dataclass
class RiskRecommendation:
    school: SchoolRow
    deficits: dict[str, list[SchoolDeficit]]  # direction name → deficits
    measures: list[str]  # from the region's measures library, for the path's indicators first
    partners: list[DirectionPartners]  # directions with deficits that have candidate partners
    path: SchoolPath | None = None  # None: the school's answers are not in the system

    def critical(self) -> list[SchoolDeficit]:
        return [d for items in self.deficits.values() for d in items if d.kind == "critical"]

    def partner_directions(self) -> list[DirectionPartners]:
        """The partners of :data:`PARTNER_DIRECTIONS` directions: the path's, then the most
        deficient."""
        first = list(dict.fromkeys(s.direction for s in (self.path.steps if self.path else [])))
        rank = {name: i for i, name in enumerate(first)}
        count = {name: len(items) for name, items in self.deficits.items()}
        ordered = sorted(
            self.partners,
            key=lambda p: (rank.get(p.direction, len(rank)), -count.get(p.direction, 0)),
        )
        return ordered[:PARTNER_DIRECTIONS]


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
    # The decisions register since the campaign opened: taken, executed, overdue (one sentence).
    decisions_taken: str = ""
    # The mechanisms of closing deficits against the previous campaign (section 8).
    effectiveness: eff_queries.Effectiveness | None = None

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


def answer_text(indicator: Indicator | None, value: object) -> str:
    """The answer a step asks for, as a reader says it."""
    if indicator is None:
        return str(value)
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, tuple | list):
        texts = [o.text for code in value if (o := indicator.option(str(code))) is not None]
        return ", ".join(texts) or "—"
    if indicator.type == "single":
        option = indicator.option(str(value))
        return option.text if option else str(value)
    unit = " %" if indicator.type == "percent" else (f" {indicator.unit}" if indicator.unit else "")
    number = f"{value:g}" if isinstance(value, float) else str(value)
    return f"не менее {number}{unit}"


def overall_path(catalogue: Catalogue, profile: Any, answers: dict[str, Any]) -> SchoolPath:
    """The path to the next overall level from a school's stored answers
    (:func:`marshrut.kernels.scoring.next_level_path`, as on the result page)."""
    path = next_level_path(catalogue, profile, normalised(catalogue, answers)).get("overall")
    if path is None:
        return SchoolPath(None, True, [])
    steps = []
    if path.reachable:
        for s in path.steps:
            indicator = catalogue.indicators.get(s.indicator)
            steps.append(
                Step(
                    s.indicator,
                    indicator.text if indicator else s.indicator,
                    answer_text(indicator, s.to_answer),
                    s.gain,
                    s.critical,
                    _direction_name(catalogue, indicator.direction) if indicator else "",
                )
            )
    return SchoolPath(level_name(path.target) if path.target else None, path.reachable, steps)


PARTNERS_PER_DIRECTION = 3
"""Partner schools named per direction of a school's deficits."""


class PartnerFinder:
    """Candidate partner schools for many schools of one campaign, from one
    :class:`~marshrut.kernels.matching.PartnerIndex` of the whole region (a partner may be
    anywhere in it; four queries whatever the number of schools).

    For each direction in which a school has deficits the finder asks the index for the partners
    of every deficit and ranks them: nearest first (the school's municipality, its neighbours,
    the rest of the region), then those that can help with more of the school's deficits in the
    direction, then the strongest in the direction. A school is never its own partner, and a
    school short in an indicator is never offered for it (the kernel's rules).
    """

    def __init__(self, campaign: Campaign, codes: Iterable[str]) -> None:
        data = region_strengths(campaign, codes)
        self.index = PartnerIndex(data.strengths, data.neighbours)
        self.refs = {s.school.id: s.school for s in data.strengths}
        self.shares = {s.school.id: s.shares for s in data.strengths}
        self.municipalities = data.municipality_names
        self._near: dict[tuple[int, Need, int], tuple[Partner, ...]] = {}

    def near(self, school: SchoolRef, need: Need, limit: int) -> list[Partner]:
        """The index's partners of ``school`` for one deficit, at most ``limit``.

        They depend on the school only through its municipality and itself, so the index is asked
        once per municipality and deficit (for one more), and the school is dropped afterwards:
        for the sheets and the report of the benchmark region (1,000 schools) ~4,500 questions
        instead of ~50,000.
        """
        key = (school.municipality, need, limit)
        found = self._near.get(key)
        if found is None:
            found = self.index.match(
                SchoolRef(-1, "", school.municipality), need, limit + 1
            ).partners
            self._near[key] = found
        return [p for p in found if p.school.id != school.id][:limit]

    def __call__(
        self,
        school_id: int,
        deficits: dict[str, list[SchoolDeficit]],
        limit: int = PARTNERS_PER_DIRECTION,
    ) -> list[DirectionPartners]:
        """The partners of one school per direction of its deficits (``deficits`` as returned by
        :func:`school_deficits`), ranked among the ``3 × limit`` nearest candidates of each
        deficit; directions without candidates are left out."""
        me = self.refs.get(school_id)
        if me is None:  # not scored in this campaign: it has no deficits to match
            return []
        out = []
        for direction, items in deficits.items():
            found: dict[int, tuple[Partner, int]] = {}
            for d in items:
                for partner in self.near(me, Need(d.code, d.direction_code), 3 * limit):
                    seen = found.get(partner.school.id)
                    found[partner.school.id] = (partner, seen[1] + 1 if seen else 1)
            code = items[0].direction_code if items else ""
            ranked = sorted(
                found.values(),
                key=lambda pc: (
                    pc[0].ring,
                    -pc[1],
                    -self.shares.get(pc[0].school.id, {}).get(code, 0.0),
                    pc[0].school.name,
                    pc[0].school.id,
                ),
            )[:limit]
            if ranked:
                out.append(
                    DirectionPartners(
                        direction,
                        [
                            PartnerSchool(
                                p.school.id,
                                p.school.name,
                                self.municipalities.get(p.school.municipality, ""),
                                p.ring,
                                covers,
                            )
                            for p, covers in ranked
                        ],
                    )
                )
        return out


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
    by_mun_deficits = queries.deficits_by_municipality(campaign, filters)
    order = {d.code: i for i, d in enumerate(catalogue.directions)}
    municipalities_qs = Municipality.objects.filter(region=campaign.region_id)
    if municipality:
        municipalities_qs = municipalities_qs.filter(pk=municipality.pk)
    municipalities = [
        MunicipalityRow(
            m,
            by_mun_part[m.pk].schools if m.pk in by_mun_part else 0,
            by_mun_part[m.pk].done if m.pk in by_mun_part else 0,
            by_mun_levels.get(m.pk, dict(empty)),
            [
                (_direction_name(catalogue, code), n)
                for code, n in sorted(
                    by_mun_deficits.get(m.pk, {}).items(),
                    key=lambda cn: (-cn[1], order.get(cn[0], len(order)), cn[0]),
                )
            ],
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
        generated_on=campaign.region.today(),
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
    data.decisions_taken = decisions_taken(campaign, municipality, data.generated_on)
    data.effectiveness = eff_queries.compute(campaign, municipality)
    return data


def decisions_taken(campaign: Campaign, municipality: Municipality | None, today: Any) -> str:
    """What the register says of the decisions taken since the campaign opened (one query)."""
    from marshrut.programmes.queries_decisions import period_decisions

    start = campaign.opens_on
    if today < start:
        return ""
    return period_decisions(campaign.region, start, today, municipality).sentence()


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
                SchoolDeficit(code, _indicator_text(catalogue, code), name, kind, direction)
            )
        out[sid] = per
    return out


def risk_recommendations(
    campaign: Campaign, catalogue: Catalogue, risk: list[SchoolRow]
) -> list[RiskRecommendation]:
    """For each school of the risk zone: its deficits, its path to the next level, measures from
    the region's library for the path's indicators (then its critical deficits, then the rest)
    and candidate partner schools."""
    ids = [r.school_id for r in risk]
    deficits = school_deficits(campaign, catalogue, ids)
    submissions = list(
        Submission.objects.filter(campaign=campaign, school_id__in=ids, status__in=DONE)
    )
    answers = answers_of(submissions)
    paths = {
        sub.school_id: overall_path(catalogue, sub.profile, answers[sub.pk])
        for sub in submissions
        if answers.get(sub.pk)
    }
    codes = {d.code for per in deficits.values() for items in per.values() for d in items}
    library = measures_by_indicator(
        campaign.region_id, codes | {s.code for p in paths.values() for s in p.steps}
    )
    finder = PartnerFinder(campaign, codes) if codes else None
    out = []
    for row in risk:
        per = deficits.get(row.school_id, {})
        path = paths.get(row.school_id)
        flat = [d for items in per.values() for d in items]
        order = [s.code for s in path.steps] if path else []
        order += [d.code for d in flat if d.kind == "critical"] + [d.code for d in flat]
        measures = list(
            dict.fromkeys(
                m.title.strip().rstrip(".;")
                for code in dict.fromkeys(order)
                for m in library.get(code, ())
            )
        )[:SCHOOL_MEASURES]
        partners = finder(row.school_id, per) if finder else []
        out.append(RiskRecommendation(row, per, measures, partners, path))
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
    fallen = set(dyn.fell)
    fell = sum(1 for r in risk if r.school_id in fallen)
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
    at_risk = Counter(r.municipality for r in data.risk)
    for row in data.municipalities:
        text = _municipality_problems(data, row)
        if row.levels["below_basic"]:
            text += " Рекомендуется обеспечить адресное сопровождение школ ниже базового уровня."
        risk = at_risk.get(row.municipality.name, 0)
        if risk:
            text += f" В зоне риска — {schools_word(risk)}; адресные рекомендации школам — ниже."
        top = row.deficits[:MUNICIPAL_DIRECTIONS]
        if top:
            named = " и ".join(f"«{name}» — {n}" for name, n in top)
            word = "направлению" if len(top) == 1 else "направлениям"
            text += (
                f" Больше всего дефицитов у школ муниципалитета по {word} {named}: "
                "рекомендуется предусмотреть по ним мероприятия муниципальной дорожной карты."
            )
        out.append(text)
    for rec in data.risk_recommendations:
        out.append(school_recommendation(rec))
    return out


def partner_text(partners: Sequence[DirectionPartners]) -> str:
    """«по направлениям «А», «Б» — школа 1, школа 2 (муниципалитет)»: directions with the same
    partners share one list, and a municipality is named once after its schools."""
    by_schools: dict[tuple[int, ...], list[DirectionPartners]] = {}
    for p in partners:
        by_schools.setdefault(tuple(s.school_id for s in p.schools), []).append(p)
    parts = []
    for group in by_schools.values():
        names = [f"«{p.direction}»" for p in group]
        runs: list[tuple[str, list[str]]] = []
        for school in group[0].schools:
            if runs and runs[-1][0] == school.municipality:
                runs[-1][1].append(school.name)
            else:
                runs.append((school.municipality, [school.name]))
        schools = ", ".join(f"{', '.join(n)} ({m})" if m else ", ".join(n) for m, n in runs)
        word = "по направлению" if len(names) == 1 else "по направлениям"
        parts.append(f"{word} {', '.join(names)} — {schools}")
    return "; ".join(parts)


def school_recommendation(rec: RiskRecommendation) -> str:
    """One paragraph per school of the risk zone: what is short, the few steps that lift it to
    the next level, the library's measures for them, and where to learn."""
    r = rec.school
    head = f"{r.short_name} ({r.municipality}), уровень «{level_name(r.level) if r.level else '—'}»"
    if r.reason:
        head += f", основание: {r.reason}"
    lines = [head + "."]
    total = sum(len(items) for items in rec.deficits.values())
    if total:
        counts = ", ".join(f"«{name}» — {len(items)}" for name, items in rec.deficits.items())
        text = f"Дефицитов — {total} ({counts})"
        critical = rec.critical()
        if critical:
            text += "; критические: " + "; ".join(f"«{d.text}»" for d in critical)
        lines.append(text + ".")
    path = rec.path
    if path is not None and path.target:
        if not path.reachable:
            lines.append(f"Уровня «{path.target}» не достичь даже при лучших ответах.")
        elif path.steps:
            shown = path.steps[:PATH_STEPS]
            rest = len(path.steps) - len(shown)
            lines.append(
                f"Для перехода на уровень «{path.target}» достаточно: "
                + "; ".join(
                    f"«{s.text}» — ответ «{s.answer}» ({plural(s.gain, 'балл', 'балла', 'баллов', signed=True)})"
                    for s in shown
                )
                + (
                    f" и ещё {plural(rest, 'шаг', 'шага', 'шагов')} (весь путь — на листе результатов школы)"
                    if rest > 0
                    else ""
                )
                + "."
            )
    if rec.measures:
        lines.append("Меры из библиотеки типовых мер: " + "; ".join(rec.measures) + ".")
    partners = rec.partner_directions()
    if partners:
        lines.append("Школы-партнёры: " + partner_text(partners) + ".")
    elif rec.deficits:
        lines.append("Школы-партнёры: подходящих школ в регионе не найдено.")
    return " ".join(lines)


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


TEXT_WIDTH = 16.5
"""cm between the margins of A4 (21 − 3 − 1.5): a table's columns add up to it at most."""


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
        if sum(widths) > TEXT_WIDTH + 1e-9:
            raise ValueError(f"таблица «{title}» шире полосы набора: {sum(widths)} см")
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


def render_charts(data: ReportData) -> dict[str, bytes]:
    """Each chart of the report rendered once (PNG for both DOCX and PDF)."""
    out = {
        "levels": charts.render_png(charts.levels_by_scope("", _levels_chart_rows(data)), width=560)
    }
    rows = [{"direction": name, "deficits": n} for name, n in data.by_direction]
    out["deficits"] = charts.render_png(
        charts.bars("", rows, "direction", "deficits", "дефицитов"), width=520
    )
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
        [1.0, 8.0, 2.0, 3.5, 2.0],
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
        [1.0, 3.8, 1.9, 2.45, 2.45, 2.45, 2.45],
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
        [4.2, 2.45, 2.45, 2.45, 2.45, 2.5],
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
        [0.9, 7.0, 3.6, 1.3, 1.5, 2.2],
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

    if data.effectiveness is not None:
        effectiveness_section(lay, data.effectiveness, 8)

    for number, key, title in (
        (9, "conclusions", "Выводы"),
        (10, "decisions", "Управленческие решения"),
        (11, "recommendations", "Адресные рекомендации"),
    ):
        lay.heading(f"{number}. {title}")
        for line in texts.get(key, "").splitlines():
            if line.strip():
                lay.para(line.strip())
        if key == "decisions" and data.decisions_taken:
            taken = data.decisions_taken
            lay.para(f"По реестру управленческих решений: {taken[:1].lower()}{taken[1:]}")

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
        [1.0, 5.0, 3.6, 2.9, 4.0],
    )
    lay.appendix(2, "Перечень ОО с уровнями соответствия")
    lay.table(
        "Уровни соответствия ОО",
        ["№", "ОО", "Муниципалитет", "Уровень", "Доля баллов, %"],
        [
            [str(i), s.short_name, s.municipality, level_name(s.level), pct(s.share, 1)]
            for i, s in enumerate(data.schools, 1)
        ],
        [1.2, 5.8, 4.0, 2.9, 2.6],
    )
    return lay.blocks


def _group_cell(closed: int, total: int) -> str:
    if not total:
        return "—"
    return f"{closed} из {total} ({pct(closed, total)}\u00a0%)"


def rule_effectiveness(e: eff_queries.Effectiveness) -> str:
    """What was compared, and how: the basis of every figure of the section.

    Condition: there is a previous campaign and a school that had its deficits finished the
    later one; otherwise the sentence says there is nothing to compare.
    """
    if e.previous is None:
        return (
            f"У кампании «{e.campaign.title}» нет предыдущей кампании: оценить, какие механизмы "
            "помогли закрыть дефициты, пока не с чем."
        )
    if not e.facts:
        return (
            f"Ни одна школа с дефицитами кампании «{e.previous.title}» ещё не завершила "
            f"кампанию «{e.campaign.title}»: сравнивать пока нечего."
        )
    start = f"{e.start:%d.%m.%Y}" if e.start else "—"
    end = f"{e.end:%d.%m.%Y}" if e.end else "—"
    return (
        f"Сравнивались дефициты кампании «{e.previous.title}» у школ, прошедших следующую "
        f"самодиагностику: {plural(e.facts, 'дефицит', 'дефицита', 'дефицитов')}, из них закрыто "
        f"к кампании «{e.campaign.title}» — {e.closed} ({pct(e.closed, e.facts)}\u00a0%). "
        f"Для каждого механизма доля закрытых дефицитов у школ, получивших его с {start} по {end} "
        "(по показателю или направлению, на которые он направлен), сравнивается с долей у школ "
        "с тем же дефицитом, которые его не получали. Разность указана в процентных пунктах "
        "с 95-процентным доверительным интервалом (гибридный интервал Ньюкомба); механизм "
        "«помогает», если весь интервал выше нуля. Если в одной из групп меньше "
        f"{plural(e.min_group, 'дефицита', 'дефицитов', 'дефицитов')}, вывод не делается: "
        "«недостаточно данных». Сравнение наблюдательное: школы выбирают механизмы сами, "
        "поэтому разность показывает связь, а не доказывает причину."
    )


def rule_effectiveness_verdicts(e: eff_queries.Effectiveness) -> str:
    """Which mechanisms help, show no effect, or have too few cases; nothing when none applied.

    Condition: at least one mechanism reached a deficit of the compared schools.
    """
    applied = [r for r in e.rows if r.overall.treated]
    if not applied:
        return "Ни один из учтённых механизмов не дошёл до дефицитов сравниваемых школ."
    by: dict[str, list[str]] = defaultdict(list)
    for r in applied:
        by[r.overall.verdict_label].append(f"«{r.title}»")
    parts = []
    for label in ("помогает", "не видно эффекта", "недостаточно данных"):
        if by.get(label):
            parts.append(f"{label} — {', '.join(by[label])}")
    return "По итогам сравнения: " + "; ".join(parts) + "."


def effectiveness_section(lay: _Layout, e: eff_queries.Effectiveness, number: int) -> None:
    """Seed 001 §5.5: the analysis of the mechanisms of closing the deficits found."""
    lay.heading(f"{number}. Эффективность механизмов устранения дефицитов")
    lay.para(rule_effectiveness(e))
    if e.previous is None or not e.facts:
        return
    lay.para(rule_effectiveness_verdicts(e))
    rows = []
    for i, r in enumerate(e.rows, 1):
        c = r.overall
        rows.append(
            [
                str(i),
                r.title,
                _group_cell(c.treated_closed, c.treated),
                _group_cell(c.control_closed, c.control),
                eff_queries.difference_text(c),
                c.verdict_label if c.treated else "не применялся",
            ]
        )
    lay.table(
        "Доля закрытых дефицитов: получившие механизм и не получившие",
        [
            "№",
            "Механизм",
            "Получили: закрыто",
            "Не получили: закрыто",
            "Разность, п.\u00a0п. (95\u00a0% ДИ)",
            "Вывод",
        ],
        rows,
        [0.8, 4.2, 2.8, 2.8, 3.4, 2.5],
    )
    detail = [
        [
            r.title,
            d.name,
            _group_cell(d.comparison.treated_closed, d.comparison.treated),
            _group_cell(d.comparison.control_closed, d.comparison.control),
            eff_queries.difference_text(d.comparison),
            d.comparison.verdict_label,
        ]
        for r in e.rows
        if r.overall.treated
        for d in r.directions
        if d.comparison.treated
    ]
    if detail:
        lay.table(
            "Доля закрытых дефицитов по направлениям",
            [
                "Механизм",
                "Направление",
                "Получили: закрыто",
                "Не получили: закрыто",
                "Разность, п.\u00a0п. (95\u00a0% ДИ)",
                "Вывод",
            ],
            detail,
            [3.0, 3.4, 2.4, 2.4, 3.3, 2.0],
        )


def effectiveness_title(e: eff_queries.Effectiveness) -> list[str]:
    where = e.campaign.region.name
    if e.municipality is not None:
        where = f"{e.municipality.name} ({where})"
    pair = f"«{e.previous.title}» → «{e.campaign.title}»" if e.previous else e.campaign.title
    return [
        "Анализ эффективности механизмов",
        "устранения выявленных дефицитов",
        "в рамках проекта «Школа Минпросвещения России»",
        f"{where}; {pair}",
    ]


def effectiveness_blocks(e: eff_queries.Effectiveness) -> list[Block]:
    """The section alone, numbered 1: what ``marshrut report effectiveness`` writes."""
    lay = _Layout()
    effectiveness_section(lay, e, 1)
    return lay.blocks


def build_effectiveness_docx(e: eff_queries.Effectiveness) -> bytes:
    return write_docx(effectiveness_title(e), effectiveness_blocks(e))


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

TABLE_TEXT, BODY, HEADING, CAPTION, FIGURE_CAPTION, CENTRED, RIGHT = (
    "Report Table Text",
    "Report Body",
    "Report Heading",
    "Report Table Caption",
    "Report Figure Caption",
    "Report Centred",
    "Report Right",
)
"""Paragraph styles of the DOCX, made once per document: a paragraph names its style instead of
carrying its own formatting, which keeps the XML small and lets an editor restyle the report."""

PADDING = 57
"""Left and right padding of a table cell in twips (0.1 cm, as in the PDF; Word's default 0.19 cm
wraps «ниже базового» and «281 (29,1 %)» in columns that otherwise hold them)."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text without the control characters XML 1.0 cannot hold (a stray one in a school's name
    would otherwise abort the export)."""
    return _NOT_XML.sub("", text)


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


def _styles(document: Any) -> dict[str, Any]:
    """Normal (Times New Roman 14, single-and-a-bit spacing) and the report's paragraph styles."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from marshrut.lib.docx import set_font

    styles = document.styles
    normal = styles["Normal"]
    set_font(normal, 14)
    normal.paragraph_format.space_after = 0
    normal.paragraph_format.line_spacing = 1.15
    set_font(styles["Table Grid"])

    def make(name: str, alignment: Any = None, **fmt: Any) -> Any:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        if alignment is not None:
            style.paragraph_format.alignment = alignment
        for key, value in fmt.items():
            setattr(style.paragraph_format, key, value)
        return style

    out = {
        BODY: make(BODY, WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_indent=Cm(1.25)),
        HEADING: make(HEADING, space_before=Pt(12), space_after=Pt(6), keep_with_next=True),
        CAPTION: make(CAPTION, space_before=Pt(6), keep_with_next=True),
        FIGURE_CAPTION: make(FIGURE_CAPTION, WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(6)),
        CENTRED: make(CENTRED, WD_ALIGN_PARAGRAPH.CENTER),
        RIGHT: make(RIGHT, WD_ALIGN_PARAGRAPH.RIGHT),
        TABLE_TEXT: make(TABLE_TEXT, space_after=0, line_spacing=1.0, first_line_indent=0),
    }
    out[HEADING].font.bold = True
    out[TABLE_TEXT].font.size = Pt(12)
    return out


def _twips(cm: float) -> int:
    return round(cm * 1440 / 2.54)


def _cells_xml(twips: Sequence[int], style_id: str, bold: bool) -> str:
    run_pr = "<w:rPr><w:b/><w:bCs/></w:rPr>" if bold else ""
    return "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{t}" w:type="dxa"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>'
        f'<w:r>{run_pr}<w:t xml:space="preserve"></w:t></w:r></w:p></w:tc>'
        for t in twips
    )


def _fill(row: Any, values: Sequence[str]) -> None:
    from docx.oxml.ns import qn

    for text, value in zip(row.iter(qn("w:t")), values, strict=True):
        text.text = _clean(value)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], style_id: str
) -> Any:
    """A ``w:tbl`` element: fixed layout, widths in the grid and the cells, a header row repeated
    on every page, rows that do not split across pages.

    Built as XML, every data row a deep copy of one prepared row: python-docx's ``add_row`` and
    ``cell.text`` re-read the whole table on each call, which cost ~20 s on the 1,000-school
    appendix.
    """
    from copy import deepcopy

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    twips = [_twips(w) for w in widths]
    table = parse_xml(
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        '<w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
        '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{PADDING}" w:type="dxa"/>'
        f'<w:right w:w="{PADDING}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{t}"/>' for t in twips) + "</w:tblGrid>"
        '<w:tr><w:trPr><w:cantSplit/><w:tblHeader w:val="true"/></w:trPr>'
        + _cells_xml(twips, style_id, bold=True)
        + "</w:tr>"
        "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        + (
            _cells_xml(twips, style_id, bold=False)
            if rows
            else f'<w:tc><w:tcPr><w:tcW w:w="{sum(twips)}" w:type="dxa"/>'
            f'<w:gridSpan w:val="{len(twips)}"/></w:tcPr><w:p><w:pPr>'
            f'<w:pStyle w:val="{style_id}"/></w:pPr><w:r><w:t>нет</w:t></w:r></w:p></w:tc>'
        )
        + "</w:tr></w:tbl>"
    )
    head, prototype = table[-2], table[-1]
    _fill(head, header)
    if rows:
        table.remove(prototype)
        for values in rows:
            row = deepcopy(prototype)
            _fill(row, values)
            table.append(row)
    return table


def build_docx(
    data: ReportData, texts: dict[str, str], pictures: dict[str, bytes] | None = None
) -> bytes:
    """The report as DOCX: A4, margins 3/1.5/2/2 cm, Times New Roman 14, numbered captions."""
    return write_docx(title_lines(data), blocks(data, texts, pictures))


def write_docx(title: Sequence[str], laid_out: Sequence[Block]) -> bytes:
    """Title lines (the first three bold) and blocks as a DOCX in the report's house style."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm
    from docx.text.paragraph import Paragraph

    from marshrut.lib.docx import new_document

    document = new_document(font_size=14)
    section = document.sections[0]
    style = _styles(document)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    body = document.element.body
    end = body.get_or_add_sectPr()  # tables go before it, where python-docx puts them

    new_page = False  # set by a page break: the next paragraph starts a page (no blank line)
    style_id = {name: s.style_id for name, s in style.items()}

    def para(text: str, name: str, *, bold: bool = False) -> Any:
        """A paragraph of one run, written as XML: python-docx's ``add_paragraph(text, style)``
        looks the style up among all styles and adds the text character by character."""
        nonlocal new_page
        p = body.add_p()
        properties = p.get_or_add_pPr()
        properties.style = style_id[name]
        if new_page:
            properties.pageBreakBefore_val = True
            new_page = False
        if text:
            run = p.add_r()
            if bold:
                run.get_or_add_rPr().append(run.makeelement(qn("w:b"), {}))
            run.add_t(_clean(text))
        return p

    for n, line in enumerate(title):
        para(line, CENTRED, bold=n < 3)
    body.add_p()

    for block in laid_out:
        if block.kind == "pagebreak":
            new_page = True
        elif block.kind == "heading":
            para(block.text, HEADING)
        elif block.kind == "para":
            para(block.text, BODY)
        elif block.kind == "appendix":
            para(f"Приложение {block.number}", RIGHT)
            para(block.text, CENTRED, bold=True)
        elif block.kind == "table":
            para(block.caption, CAPTION)
            end.addprevious(
                _table(block.header, block.rows, block.widths, style[TABLE_TEXT].style_id)
            )
            body.add_p()
        elif block.kind == "figure":
            picture = Paragraph(para("", CENTRED), document._body)
            picture.paragraph_format.keep_with_next = True
            picture.add_run().add_picture(io.BytesIO(block.png), width=Cm(15.5))
            para(block.caption, FIGURE_CAPTION)
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
