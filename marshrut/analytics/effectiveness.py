"""Effectiveness of the mechanisms that close deficits, between two successive campaigns.

Seed 001 §5.5: «Анализ эффективности механизмов устранения выявленных дефицитов». For a campaign
and the one before it (``Campaign.previous``), every deficit of the earlier campaign at a school
that answered the later one is a fact — closed or not. Each mechanism says which schools it
reached for which indicators, and when; :mod:`marshrut.kernels.effectiveness` compares the
closed share of the deficits it reached with that of the same deficits elsewhere.

Mechanisms come from :data:`SOURCES`, the one registry: a source is a function of the region
returning ``(school_id, target, since)`` rows, where ``target`` is an indicator code (of the
earlier or the later campaign's criteria: codes of the later one are carried back through the
indicator mapping) or ``direction:<code>`` for every deficit of the school in a direction.
Adopted practices and partnerships plug in with one line each (see the end of :data:`SOURCES`).

Reads: three queries for the facts (deficits before, schools that answered after, deficits after)
and one or two per source, whatever the number of schools.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce

from marshrut.diagnostics.models import DONE, Campaign, Deficit, Submission
from marshrut.kernels.criteria import MODEL_DIRECTIONS, Catalogue
from marshrut.kernels.effectiveness import (
    DIRECTION_PREFIX,
    Comparison,
    Effect,
    Fact,
    Treatment,
    effect,
)
from marshrut.orgs.models import Municipality, Region

TreatmentRow = tuple[int, str, dt.date]
"""(school id, indicator code or ``direction:<code>``, the date the school got the mechanism)."""


# --------------------------------------------------------------------------------------------------
# Sources of the mechanisms that exist in this app's neighbours
# --------------------------------------------------------------------------------------------------


def _done_items(region: Region) -> Any:
    """Executed items of the region's school roadmaps that target a self-diagnostics indicator."""
    from marshrut.plans.models import ItemStatus, Level, PlanItem

    return PlanItem.objects.filter(
        plan__region=region,
        plan__level=Level.SCHOOL,
        status=ItemStatus.DONE,
    ).exclude(indicator_code="")


def roadmap_treatments(region: Region) -> list[TreatmentRow]:
    """A school roadmap item aimed at an indicator's deficit and reported done (one query).

    Its date is the item's start, or the start of its roadmap's period.
    """
    return list(
        _done_items(region)
        .annotate(since=Coalesce(F("starts_on"), F("plan__starts_on")))
        .values_list("plan__school_id", "indicator_code", "since")
    )


def _measure_words(title: str) -> str:
    # As a drafted roadmap item quotes it: plans.actions.roadmap_rows joins the titles with «; ».
    return title.strip().rstrip(".;").casefold()


def measure_treatments(region: Region) -> list[TreatmentRow]:
    """A typical measure of the region's library carried out through a school roadmap item.

    An item drafted from the library quotes the measures of its indicator in its title (see
    ``plans.actions.roadmap_rows``); an item counts for the measure when it targets the measure's
    indicator and still quotes it — a school that rewrote the item into something else did not
    apply the library's measure. Two queries.
    """
    from marshrut.plans.models import Measure

    measures: dict[str, list[str]] = {}
    for indicator, title in Measure.objects.filter(region=region).values_list("indicator", "title"):
        measures.setdefault(indicator, []).append(_measure_words(title))
    if not measures:
        return []
    rows = (
        _done_items(region)
        .filter(indicator_code__in=measures)
        .annotate(since=Coalesce(F("starts_on"), F("plan__starts_on")))
        .values_list("plan__school_id", "indicator_code", "since", "title")
    )
    return [
        (school, code, since)
        for school, code, since, title in rows
        if any(words in title.casefold() for words in measures[code])
    ]


def _event_directions() -> dict[str, str]:
    """Event direction code → the model's direction code (the same eight, named alike)."""
    from marshrut.events.models import Direction

    by_name = {name: code for code, name, _kind in MODEL_DIRECTIONS}
    return {d.value: by_name[str(d.label)] for d in Direction if str(d.label) in by_name}


def event_treatments(region: Region) -> dict[str, list[TreatmentRow]]:
    """Events of the region attended by a school's people, one mechanism per form of event.

    An event addresses the directions it is marked with; attending reaches every deficit of the
    school in them. Its date is the event's first day. Events without directions say nothing
    about deficits and are left out. One query.
    """
    from marshrut.events.models import Participation

    directions = _event_directions()
    out: dict[str, set[TreatmentRow]] = {}
    rows = Participation.objects.filter(event__region=region, attended=True).values_list(
        "school_id", "person__school_id", "event__form", "event__starts_on", "event__directions"
    )
    for school, person_school, form, since, marked in rows:
        school = school or person_school
        if school is None or not marked:
            continue
        bucket = out.setdefault(form, set())
        for code in marked:
            if code in directions:
                bucket.add((school, DIRECTION_PREFIX + directions[code], since))
    return {form: sorted(rows) for form, rows in out.items() if rows}


def _event_form_titles() -> dict[str, str]:
    from marshrut.events.models import Event

    return {value: str(label) for value, label in Event.Form.choices}


# --------------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------------


def lazy(path: str) -> Callable[[Region], Iterable[TreatmentRow]]:
    """A source named by its dotted path, imported when first asked: an app above analytics (or
    one that imports analytics) plugs in without an import cycle."""

    def call(region: Region) -> Iterable[TreatmentRow]:
        module, _dot, name = path.rpartition(".")
        function: Callable[[Region], Iterable[TreatmentRow]] = getattr(import_module(module), name)
        return function(region)

    call.__name__ = path
    return call


@dataclass(frozen=True)
class Source:
    """A kind of mechanism. ``treatments`` gives the rows of one mechanism; ``split`` gives
    several mechanisms of the kind, keyed by a code that ``titles`` names (events by form)."""

    key: str
    title: str
    treatments: Callable[[Region], Iterable[TreatmentRow]] | None = None
    split: Callable[[Region], Mapping[str, Iterable[TreatmentRow]]] | None = None
    titles: Callable[[], Mapping[str, str]] | None = None
    description: str = ""


SOURCES: list[Source] = [
    Source(
        "measure",
        "Типовая мера из библиотеки",
        measure_treatments,
        description="мера библиотеки типовых мер, выполненная как пункт дорожной карты школы",
    ),
    Source(
        "roadmap",
        "Пункт дорожной карты школы",
        roadmap_treatments,
        description="выполненный пункт дорожной карты школы, нацеленный на показатель",
    ),
    Source(
        "event",
        "Мероприятие",
        split=event_treatments,
        titles=_event_form_titles,
        description="участие представителей школы в мероприятии по направлению дефицита",
    ),
    Source(
        "practice",
        "Внедрённая практика",
        lazy("marshrut.practices.queries.adoption_treatments"),
        description="практика из библиотеки, которую школа отметила внедрённой, по её показателям",
    ),
    Source(
        "partnership",
        "Школа-партнёр",
        lazy("marshrut.matching.queries.partnership_treatments"),
        description="школа-партнёр, сильная в направлении дефицита (принятое распределение)",
    ),
]


@dataclass(frozen=True)
class Mechanism:
    key: str  # «measure», «event:seminar»
    title: str
    description: str
    rows: list[TreatmentRow]


def mechanisms(region: Region, sources: Iterable[Source] | None = None) -> list[Mechanism]:
    """Every mechanism of the registry with its rows in the region, in registry order."""
    out: list[Mechanism] = []
    for source in SOURCES if sources is None else sources:
        if source.split is not None:
            titles = source.titles() if source.titles else {}
            for code, rows in source.split(region).items():
                out.append(
                    Mechanism(
                        f"{source.key}:{code}",
                        f"{source.title}: {titles.get(code, code)}",
                        source.description,
                        list(rows),
                    )
                )
        elif source.treatments is not None:
            out.append(
                Mechanism(
                    source.key, source.title, source.description, list(source.treatments(region))
                )
            )
    return out


# --------------------------------------------------------------------------------------------------
# Facts and the figures
# --------------------------------------------------------------------------------------------------


def facts(
    before: Campaign, after: Campaign, municipality: Municipality | None = None
) -> tuple[list[Fact], dict[str, str]]:
    """The deficits of ``before`` at schools that finished ``after``, each closed or not there.

    Returns the facts and the mapping of ``after``'s indicator codes to ``before``'s. A deficit
    in an indicator the later criteria no longer have (or cannot map) is no fact: nobody was
    asked about it again. Three queries.
    """
    mapping = after.criteria.codes_in(before.criteria)  # after's code → before's code
    comparable = set(mapping.values())
    where: dict[str, Any] = {}
    if municipality is not None:
        where["school__municipality"] = municipality
    answered = set(
        Submission.objects.filter(campaign=after, status__in=DONE, **where).values_list(
            "school_id", flat=True
        )
    )
    remaining = {
        (school, mapping[code])
        for school, code in Deficit.objects.filter(campaign=after, **where).values_list(
            "school_id", "code"
        )
        if code in mapping
    }
    out = [
        Fact(school, code, direction, (school, code) not in remaining)
        for school, code, direction in Deficit.objects.filter(campaign=before, **where)
        .order_by()
        .values_list("school_id", "code", "direction")
        if school in answered and code in comparable
    ]
    return out, mapping


@dataclass(frozen=True)
class DirectionRow:
    code: str
    name: str
    comparison: Comparison


@dataclass(frozen=True)
class MechanismRow:
    key: str
    title: str
    description: str
    effect: Effect
    directions: list[DirectionRow]

    @property
    def overall(self) -> Comparison:
        return self.effect.overall


@dataclass
class Effectiveness:
    """The figures of the page, the XLSX and the report section."""

    campaign: Campaign  # the later campaign: deficits closed by it
    previous: Campaign | None
    municipality: Municipality | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    facts: int = 0
    closed: int = 0
    rows: list[MechanismRow] = field(default_factory=list)
    min_group: int = 10

    @property
    def closed_share(self) -> float | None:
        return self.closed / self.facts if self.facts else None


def window(before: Campaign, after: Campaign) -> tuple[dt.date, dt.date]:
    """Mechanisms count from the day the earlier campaign opened (its deficits were being named)
    to the day the later one closed (the last day a school could report the deficit closed)."""
    return before.opens_on, after.closes_on


def direction_names(catalogue: Catalogue) -> dict[str, str]:
    names = {code: name for code, name, _kind in MODEL_DIRECTIONS}
    names.update({d.code: d.name for d in catalogue.directions})
    return names


def _carry_back(target: str, mapping: Mapping[str, str], codes: set[str]) -> str:
    """A target in the earlier campaign's codes: a later code goes back through the mapping."""
    if target.startswith(DIRECTION_PREFIX) or target in codes:
        return target
    return mapping.get(target, target)


def compute(
    campaign: Campaign,
    municipality: Municipality | None = None,
    *,
    min_group: int | None = None,
    sources: Iterable[Source] | None = None,
) -> Effectiveness:
    """The effectiveness of every mechanism between ``campaign.previous`` and ``campaign``."""
    min_group = settings.EFFECTIVENESS_MIN_GROUP if min_group is None else min_group
    if campaign.previous_id is None:
        return Effectiveness(campaign, None, municipality, min_group=min_group)
    before = Campaign.objects.select_related("criteria").get(pk=campaign.previous_id)
    result = Effectiveness(campaign, before, municipality, min_group=min_group)
    start, end = window(before, campaign)
    result.start, result.end = start, end
    found, mapping = facts(before, campaign, municipality)
    result.facts = len(found)
    result.closed = sum(f.closed for f in found)
    catalogue = before.criteria.catalogue
    codes = set(catalogue.indicators)
    names = direction_names(catalogue)
    order = {d.code: n for n, d in enumerate(catalogue.directions)}
    for mechanism in mechanisms(campaign.region, sources):
        treatments = [
            Treatment(school, _carry_back(target, mapping, codes), since)
            for school, target, since in mechanism.rows
        ]
        eff = effect(found, treatments, start=start, end=end, min_group=min_group)
        directions = [
            DirectionRow(code, names.get(code, code), comparison)
            for code, comparison in sorted(
                eff.by_direction.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
            )
        ]
        result.rows.append(
            MechanismRow(mechanism.key, mechanism.title, mechanism.description, eff, directions)
        )
    return result


def pairs(campaigns: Iterable[Campaign]) -> list[Campaign]:
    """Campaigns that have a previous one to compare with, newest first."""
    return [c for c in campaigns if c.previous_id is not None]


def default_pair(campaigns: list[Campaign], today: dt.date) -> Campaign | None:
    """The newest campaign with a previous one that has closed by ``today``, else the newest."""
    with_previous = pairs(campaigns)
    for c in with_previous:
        if c.closes_on < today:
            return c
    return with_previous[0] if with_previous else None


# --------------------------------------------------------------------------------------------------
# As text and cells
# --------------------------------------------------------------------------------------------------


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f}".replace(".", ",") + "\u00a0%"


def difference_text(c: Comparison) -> str:
    """«+40,0 п. п. (от +12,5 до +60,9)» — in percentage points, the interval in brackets."""
    if c.difference is None or c.interval is None:
        return "—"
    low, high = c.interval
    return f"{_pp(c.difference)} п.\u00a0п. (от {_pp(low)} до {_pp(high)})"


def _pp(value: float) -> str:
    text = f"{100 * value:+.1f}".replace(".", ",")
    return text.replace("-", "−")


def group_text(closed: int, total: int) -> str:
    return f"{closed} из {total}" if total else "—"
