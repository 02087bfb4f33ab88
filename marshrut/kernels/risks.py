"""Risk profiles of ШНОР schools: the model file, the level rule, a school's profile from counts.

A risk model (методика) is versioned data, like the criteria catalogue: the ten federal risk
factors, questionnaire items per respondent group with the factors each item feeds and its
weight there, and the thresholds that turn a factor's score into a level. The official formula is
not published in our sources; the shipped model says so (``illustrative``) and the operator loads
the official one in the same schema (``docs/shnor.md``, «Профили рисков»).

The rule, for one school and one factor:

* an item's risk is the mean «risk» of its answers: every option carries a risk from 0 (no risk)
  to 1 (a risk answer), so with 0/1 options it is the share of risk answers;
* the factor's score is the weighted mean of its items' risks, as a percentage (0–100);
* score ≥ ``high`` → высокий, ≥ ``medium`` → средний, otherwise низкий;
* a factor whose data is incomplete gets no score and no level, only the list of what is missing:
  a respondent group below its minimum number of responses (the survey's small-group rule for
  the groups of many people), or an item nobody of the group answered.

Plain Python, no Django: the bulk computation feeds it counts from a few grouped queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from marshrut.kernels.criteria import CatalogueError, PathKey, _compose, _Reader

HIGH: Final = "high"
MEDIUM: Final = "medium"
LOW: Final = "low"
LEVELS: Final = (HIGH, MEDIUM, LOW)
LEVEL_NAMES: Final = {HIGH: "высокий", MEDIUM: "средний", LOW: "низкий"}

# The ten federal risk factors of the ШНОР programme, in the federal order.
FACTORS: Final = (
    ("R01", "Низкий уровень оснащения школы"),
    ("R02", "Дефицит педагогических кадров"),
    ("R03", "Недостаточная предметная и методическая компетентность педагогических работников"),
    ("R04", "Риски низкой адаптивности учебного процесса"),
    ("R05", "Несформированность внутришкольной системы повышения квалификации"),
    ("R06", "Низкое качество преодоления языковых и культурных барьеров"),
    ("R07", "Пониженный уровень качества школьной образовательной и воспитательной среды"),
    ("R08", "Высокая доля обучающихся с рисками учебной неуспешности"),
    ("R09", "Низкий уровень вовлечённости родителей"),
    ("R10", "Низкая учебная мотивация обучающихся"),
)
FACTOR_CODES: Final = tuple(code for code, _ in FACTORS)

# Respondent groups: code, name, name in the genitive plural (for «нет ответов …»), and the
# default minimum of responses: one head; the groups of many people follow the surveys'
# small-group rule (fewer than five answers are never shown, so they are not used either).
GROUPS: Final = (
    ("head", "руководитель", "руководителя", 1),
    ("teachers", "педагоги", "педагогов", 5),
    ("pupils", "обучающиеся", "обучающихся", 5),
    ("parents", "родители", "родителей", 5),
)
GROUP_CODES: Final = tuple(g[0] for g in GROUPS)
GROUP_NAMES: Final = {g[0]: g[1] for g in GROUPS}
GROUP_GENITIVE: Final = {g[0]: g[2] for g in GROUPS}

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_TOP_KEYS: Final = (
    "code",
    "title",
    "source",
    "illustrative",
    "notice",
    "thresholds",
    "groups",
    "factors",
    "items",
)


class RiskModelError(ValueError):
    """A risk model file that cannot be used; ``problems`` names each problem and its place."""

    def __init__(self, problems: Sequence[str], source: str | None = None) -> None:
        self.problems: list[str] = list(problems)
        self.source = source
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f" «{self.source}»" if self.source else ""
        lines = [f"Методика профиля рисков{where} не загружена: найдено проблем — "]
        lines[0] += f"{len(self.problems)}."
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


@dataclass(frozen=True)
class Thresholds:
    medium: float
    high: float

    def level(self, score: float) -> str:
        if score >= self.high:
            return HIGH
        if score >= self.medium:
            return MEDIUM
        return LOW


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    min_respondents: int


@dataclass(frozen=True)
class Factor:
    code: str
    name: str
    thresholds: Thresholds


@dataclass(frozen=True)
class Option:
    text: str
    risk: float


@dataclass(frozen=True)
class Item:
    code: str
    group: str
    text: str
    options: tuple[Option, ...]
    # (factor code, weight) pairs: an item may feed several factors.
    weights: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class RiskModelDef:
    code: str
    title: str
    source: str
    illustrative: bool
    notice: str
    thresholds: Thresholds
    groups: tuple[Group, ...]
    factors: tuple[Factor, ...]
    items: tuple[Item, ...]

    def group(self, code: str) -> Group:
        return next(g for g in self.groups if g.code == code)

    def factor(self, code: str) -> Factor:
        return next(f for f in self.factors if f.code == code)

    def items_of(self, group: str) -> list[Item]:
        return [i for i in self.items if i.group == group]

    def items_for(self, factor: str) -> list[tuple[Item, float]]:
        return self._by_factor.get(factor, [])

    @cached_property
    def asked_groups(self) -> tuple[Group, ...]:
        """The groups that have questions in this model."""
        return tuple(g for g in self.groups if any(i.group == g.code for i in self.items))

    @cached_property
    def _by_factor(self) -> dict[str, list[tuple[Item, float]]]:
        # Profiles of thousands of schools look this up per factor: built once per model.
        out: dict[str, list[tuple[Item, float]]] = {}
        for item in self.items:
            for f, w in item.weights:
                out.setdefault(f, []).append((item, w))
        return out


# --- loading -------------------------------------------------------------------------------------


def load_model(path: str | Path) -> RiskModelDef:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RiskModelError([f"файл не найден: {path}"], str(path)) from None
    except UnicodeDecodeError:
        raise RiskModelError(["файл должен быть в кодировке UTF-8"], str(path)) from None
    return parse_model(text, path.name)


def parse_model(text: str, source_name: str = "<текст>") -> RiskModelDef:
    """Parse and check a model file (YAML, or JSON, which is YAML too); every problem at once."""
    try:
        # The criteria catalogue's reader: line numbers, duplicate keys, «billion laughs» guard.
        data, lines, problems = _compose(text, source_name)
    except CatalogueError as e:
        raise RiskModelError(e.problems, source_name) from None
    r = _Reader(lines, problems)
    model = _build(r, data)
    if problems or model is None:
        raise RiskModelError(problems or ["файл не читается"], source_name)
    return model


def _thresholds(r: _Reader, raw: object, path: PathKey) -> Thresholds | None:
    data = r.mapping(raw, path, ("medium", "high"), ("medium", "high"))
    if data is None:
        return None
    medium = r.number(data, "medium", path, minimum=0)
    high = r.number(data, "high", path, minimum=0)
    if medium is None or high is None:
        return None
    if not 0 < medium < high <= 100:
        r.add(
            path,
            "пороги должны идти по возрастанию в пределах 0–100: 0 < medium < high ≤ 100, "
            f"получено medium = {medium}, high = {high}",
        )
        return None
    return Thresholds(float(medium), float(high))


def _build(r: _Reader, raw: Any) -> RiskModelDef | None:
    top = r.mapping(raw, (), _TOP_KEYS, ("code", "title", "thresholds", "factors", "items"))
    if top is None:
        return None
    code = r.string(top, "code", (), pattern=_CODE)
    title = r.string(top, "title", ())
    source = r.string(top, "source", (), required=False) or ""
    illustrative = bool(r.boolean(top, "illustrative", ()))
    notice = r.string(top, "notice", (), required=False) or ""
    if illustrative and not notice:
        r.add(("notice",), "у иллюстративной методики нужно пояснение (notice)")
    thresholds = (
        _thresholds(r, top.get("thresholds"), ("thresholds",)) if "thresholds" in top else None
    )
    groups = _groups(r, top.get("groups", {}))
    factors = _factors(r, top, thresholds)
    items = _items(r, top, {f.code for f in factors})
    fed = {f for item in items for f, _ in item.weights}
    for f in factors:
        if f.code not in fed:
            r.add(("factors",), f"фактор {f.code} «{f.name}» не питает ни один вопрос анкет")
    if None in (code, title, thresholds):
        return None
    assert code is not None and title is not None and thresholds is not None
    return RiskModelDef(
        code=code,
        title=title,
        source=source,
        illustrative=illustrative,
        notice=notice,
        thresholds=thresholds,
        groups=groups,
        factors=tuple(factors),
        items=tuple(items),
    )


def _groups(r: _Reader, raw: object) -> tuple[Group, ...]:
    data = r.mapping(raw, ("groups",), GROUP_CODES) or {}
    out = []
    for code, name, _gen, default in GROUPS:
        minimum = default
        if code in data:
            path: PathKey = ("groups", code)
            entry = r.mapping(data[code], path, ("min_respondents",), ("min_respondents",))
            if entry is not None:
                value = r.number(entry, "min_respondents", path, minimum=1)
                if value is not None and value != int(value):
                    r.add((*path, "min_respondents"), "ожидалось целое число")
                elif value is not None:
                    minimum = int(value)
        out.append(Group(code, name, minimum))
    return tuple(out)


def _factors(r: _Reader, top: Mapping[str, Any], default: Thresholds | None) -> list[Factor]:
    raw = r.sequence(top, "factors", ())
    if raw is None:
        return []
    names = dict(FACTORS)
    found: dict[str, Factor] = {}
    for n, entry in enumerate(raw):
        path: PathKey = ("factors", n)
        data = r.mapping(entry, path, ("code", "name", "thresholds"), ("code",))
        if data is None:
            continue
        code = r.string(data, "code", path)
        if code is None:
            continue
        if code not in names:
            r.add(
                (*path, "code"),
                f"неизвестный фактор «{code}»: коды федеральных факторов — "
                + ", ".join(FACTOR_CODES),
            )
            continue
        if code in found:
            r.add((*path, "code"), f"фактор {code} указан дважды")
            continue
        name = r.string(data, "name", path, required=False) or names[code]
        own = (
            _thresholds(r, data["thresholds"], (*path, "thresholds"))
            if "thresholds" in data
            else None
        )
        found[code] = Factor(code, name, own or default or Thresholds(1, 2))
    missing = [c for c in FACTOR_CODES if c not in found]
    if missing and len(found) == len(raw):
        r.add(
            ("factors",),
            "в методике должны быть все десять федеральных факторов риска; нет: "
            + ", ".join(f"{c} «{names[c]}»" for c in missing),
        )
    return [found[c] for c in FACTOR_CODES if c in found]


def _items(r: _Reader, top: Mapping[str, Any], factor_codes: set[str]) -> list[Item]:
    raw = r.sequence(top, "items", ())
    if raw is None:
        return []
    seen: set[str] = set()
    out = []
    for n, entry in enumerate(raw):
        path: PathKey = ("items", n)
        data = r.mapping(
            entry,
            path,
            ("code", "group", "text", "options", "factors"),
            ("code", "group", "text", "options", "factors"),
        )
        if data is None:
            continue
        code = r.string(data, "code", path, pattern=_CODE)
        if code is not None and code in seen:
            r.add((*path, "code"), f"вопрос {code} указан дважды")
        elif code is not None:
            seen.add(code)
        group = data.get("group")
        if group not in GROUP_CODES:
            r.add(
                (*path, "group"),
                "группа респондентов должна быть одной из: "
                + ", ".join(f"{c} ({GROUP_NAMES[c]})" for c in GROUP_CODES),
            )
            group = None
        text = r.string(data, "text", path)
        options = _options(r, data, path)
        weights = _weights(r, data.get("factors"), (*path, "factors"), factor_codes)
        if code and group and text and options and weights:
            out.append(Item(code, group, text, options, weights))
    return out


def _options(r: _Reader, data: Mapping[str, Any], path: PathKey) -> tuple[Option, ...] | None:
    raw = r.sequence(data, "options", path, min_items=2)
    if raw is None:
        return None
    out = []
    for n, entry in enumerate(raw):
        where: PathKey = (*path, "options", n)
        option = r.mapping(entry, where, ("text", "risk"), ("text", "risk"))
        if option is None:
            continue
        text = r.string(option, "text", where)
        risk = r.number(option, "risk", where, minimum=0)
        if risk is not None and risk > 1:
            r.add((*where, "risk"), f"риск ответа — число от 0 до 1, получено {risk}")
            risk = None
        if text is not None and risk is not None:
            out.append(Option(text, float(risk)))
    if len(out) != len(raw):
        return None
    if not any(o.risk > 0 for o in out):
        r.add((*path, "options"), "ни один вариант ответа не указывает на риск (risk > 0)")
        return None
    return tuple(out)


def _weights(
    r: _Reader, raw: object, path: PathKey, factor_codes: set[str]
) -> tuple[tuple[str, float], ...] | None:
    data = r.mapping(raw, path, FACTOR_CODES)
    if data is None:
        return None
    if not data:
        r.add(path, "вопрос должен питать хотя бы один фактор: {R01: 1}")
        return None
    out = []
    for code in FACTOR_CODES:
        if code not in data:
            continue
        weight = r.number(data, code, path, positive=True)
        if weight is not None and code in factor_codes:
            out.append((code, float(weight)))
    return tuple(out) if len(out) == len(data) else None


# --- the rule ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactorResult:
    factor: str
    score: float | None
    level: str | None
    missing: tuple[str, ...] = ()


@dataclass
class SchoolData:
    """What the questionnaires of one school say: counts only, as the grouped queries give them.

    ``respondents``: responses per group; ``answers``: per item code, how many times each option
    (numbered from 1, as the surveys store ``choice``) was chosen — or, as the database sums them
    in bulk, ``sums``: per item code, the number of answers and the sum of their risks.
    """

    respondents: dict[str, int] = field(default_factory=dict)
    answers: dict[str, dict[int, int]] = field(default_factory=dict)
    sums: dict[str, tuple[int, float]] = field(default_factory=dict)


def item_risk(item: Item, counts: Mapping[int, int]) -> float | None:
    """Mean risk of an item's answers; None when nobody answered it with a known option."""
    total = 0
    risk = 0.0
    for choice, n in counts.items():
        if 1 <= choice <= len(item.options):
            total += n
            risk += n * item.options[choice - 1].risk
    return risk / total if total else None


def _risk(item: Item, data: SchoolData) -> float | None:
    summed = data.sums.get(item.code)
    if summed is not None:
        n, risk = summed
        return risk / n if n else None
    counts = data.answers.get(item.code)
    return item_risk(item, counts) if counts else None


def missing_groups(model: RiskModelDef, data: SchoolData) -> dict[str, str]:
    """Groups below their minimum of responses, each with the Russian reason."""
    out = {}
    for g in model.asked_groups:
        n = data.respondents.get(g.code, 0)
        if n == 0:
            out[g.code] = f"нет ответов {GROUP_GENITIVE[g.code]}"
        elif n < g.min_respondents:
            out[g.code] = (
                f"ответов {GROUP_GENITIVE[g.code]} {n}, нужно не меньше {g.min_respondents}"
            )
    return out


def profile(model: RiskModelDef, data: SchoolData) -> list[FactorResult]:
    """Score and level of each factor of the model for one school, or what is missing."""
    absent = missing_groups(model, data)
    if data.sums:
        risks: dict[str, float | None] = {
            code: risk / n for code, (n, risk) in data.sums.items() if n
        }
    else:
        risks = {i.code: _risk(i, data) for i in model.items}
    out = []
    for factor in model.factors:
        missing: list[str] = []
        weighted = 0.0
        weights = 0.0
        for item, weight in model.items_for(factor.code):
            if item.group in absent:
                if absent[item.group] not in missing:
                    missing.append(absent[item.group])
                continue
            risk = risks.get(item.code)
            if risk is None:
                missing.append(
                    f"на вопрос {item.code} «{item.text}» не ответил никто из "
                    f"{GROUP_GENITIVE[item.group]}"
                )
                continue
            weighted += weight * risk
            weights += weight
        if missing or not weights:
            out.append(FactorResult(factor.code, None, None, tuple(missing)))
            continue
        score = round(100 * weighted / weights, 1)
        out.append(FactorResult(factor.code, score, factor.thresholds.level(score)))
    return out


def profiles(
    model: RiskModelDef, schools: Iterable[tuple[Any, SchoolData]]
) -> dict[Any, list[FactorResult]]:
    return {key: profile(model, data) for key, data in schools}
