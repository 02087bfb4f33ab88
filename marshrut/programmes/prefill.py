"""What a programme's sections say from the data, never retyped by the school.

Passport and reference from the registry; 3.1 and 3.2 from the school's latest scored
questionnaire; 4.1 from the path to the next level (:func:`marshrut.kernels.scoring.next_level_path`)
and the region's measures library; 5 checked against that path and the roadmap; 7 from the
roadmap's items and their targets. Each builder returns a table (``{"head", "rows", "flags"}``) and,
for the sections people write, a starting text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshrut.diagnostics.models import DONE, Deficit, Result, Submission
from marshrut.diagnostics.scoring import answers_of, normalised
from marshrut.kernels.criteria import LEVELS, Catalogue, level_name
from marshrut.kernels.scoring import LevelPath, next_level_path
from marshrut.orgs.models import Membership, School
from marshrut.orgs.roles import Role
from marshrut.plans.models import Plan, measures_by_indicator


def _points(value: float) -> str:
    return f"{value:.1f}".replace(".", ",").replace(",0", "") if value % 1 else f"{value:.0f}"


def latest_submission(school: School | int) -> Submission | None:
    """The school's most recent questionnaire that was sent (and so scored)."""
    return (
        Submission.objects.filter(school=school, status__in=DONE)
        .select_related("campaign__criteria", "campaign__region")
        .order_by("-campaign__year", "-campaign__opens_on", "-pk")
        .first()
    )


def results_of(submission: Submission) -> dict[str, dict[str, Any]]:
    """Scope → points, maximum and level, as stored for the submission."""
    return {
        r.scope: {"points": r.points, "max_points": r.max_points, "level": r.level}
        for r in Result.objects.filter(submission=submission, campaign_id=submission.campaign_id)
    }


def head_of(school: School) -> str:
    membership = (
        Membership.objects.filter(school=school, role=Role.SCHOOL_HEAD)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return membership.person.full_name if membership else ""


@dataclass
class Facts:
    """Everything the sections are drawn from, read once."""

    school: School
    submission: Submission | None
    catalogue: Catalogue | None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    deficits: list[Deficit] = field(default_factory=list)
    paths: dict[str, LevelPath] = field(default_factory=dict)
    measures: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    roadmap: Plan | None = None
    head: str = ""

    @property
    def directions(self) -> list[tuple[str, str]]:
        if self.catalogue is None:
            return []
        return [(d.code, d.name) for d in self.catalogue.directions]

    def roadmap_codes(self) -> set[str]:
        if self.roadmap is None:
            return set()
        return {c for c in self.roadmap.items.values_list("indicator_code", flat=True) if c}


def facts_for(school: School, submission: Submission | None, roadmap: Plan | None) -> Facts:
    if submission is None:
        return Facts(school, None, None, roadmap=roadmap, head=head_of(school))
    catalogue = submission.campaign.criteria.catalogue
    # In the catalogue's order: directions as the model lists them, indicators within each.
    position = {code: n for n, code in enumerate(catalogue.indicators)}
    deficits = sorted(
        Deficit.objects.filter(submission=submission),
        key=lambda d: (position.get(d.code, len(position)), d.code),
    )
    answers = answers_of([submission]).get(submission.pk, {})
    paths = next_level_path(catalogue, submission.profile, normalised(catalogue, answers))
    codes = {d.code for d in deficits} | {s.indicator for p in paths.values() for s in p.steps}
    return Facts(
        school,
        submission,
        catalogue,
        results=results_of(submission),
        deficits=deficits,
        paths=paths,
        measures=measures_by_indicator(submission.campaign.region_id, codes),
        roadmap=roadmap,
        head=head_of(school),
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], **extra: Any) -> dict[str, Any]:
    return {"head": list(head), "rows": [[str(c) for c in row] for row in rows], **extra}


# --- 1, 2: the registry --------------------------------------------------------------------------


def passport(f: Facts, title: str, starts: int, ends: int, targets: Mapping[str, str]) -> dict:
    school = f.school
    overall = f.results.get("overall")
    goal = "—"
    if overall is not None:
        target = targets.get("overall") or overall["level"]
        goal = (
            f"Достижение уровня «{level_name(target)}» соответствия модели «Школа Минпросвещения "
            f"России» (сейчас — «{level_name(overall['level'])}»)"
        )
    by_direction: dict[str, int] = {}
    for d in f.deficits:
        by_direction[d.direction] = by_direction.get(d.direction, 0) + 1
    tasks = [
        f"устранить дефициты по направлению «{name}» ({by_direction[code]})"
        for code, name in f.directions
        if by_direction.get(code)
    ]
    basis = "Федеральный закон от 29.12.2012 № 273-ФЗ «Об образовании в Российской Федерации»; "
    basis += "проект «Школа Минпросвещения России»"
    if f.submission is not None:
        basis += f"; результаты самодиагностики «{f.submission.campaign.title}»"
    contacts = "; ".join(
        x for x in (school.address, school.phone, school.email, school.website) if x
    )
    rows = [
        ("Наименование программы", title),
        ("Основания для разработки", basis),
        ("Учредитель", school.municipality.name),
        ("Разработчик", school.full_name),
        ("Руководитель", f.head or "—"),
        ("Цель", goal),
        ("Задачи", "; ".join(tasks) or "—"),
        ("Сроки реализации", f"{starts}–{ends} годы"),
        ("Контакты", contacts or "—"),
    ]
    return _table(("Параметр", "Содержание"), rows)


def reference(f: Facts) -> dict:
    s = f.school
    marks = [
        label
        for label, on in (("РИП", s.is_rip), ("ШНОР", s.is_shnor), ("пилотная", s.is_pilot))
        if on
    ]
    rows = [
        ("Полное наименование", s.full_name),
        ("Краткое наименование", s.short_name),
        ("ИНН", s.inn),
        ("ОГРН", s.ogrn or "—"),
        ("Адрес", s.address or "—"),
        ("Муниципалитет", s.municipality.name),
        ("Тип", s.get_kind_display()),
        ("Местность", s.get_settlement_display()),
        ("Уровни образования", ", ".join(s.levels)),
        ("Число обучающихся", s.pupils if s.pupils is not None else "—"),
        ("Обучаются дети с ОВЗ", "да" if s.teaches_ovz else "нет"),
        ("Особые статусы", ", ".join(marks) or "нет"),
        ("Руководитель", f.head or "—"),
    ]
    return _table(("Сведения", "Значение"), rows)


# --- 3: the analysis ------------------------------------------------------------------------------


def results_table(f: Facts) -> dict:
    rows = []
    for code, name in [*f.directions, ("overall", "Итого по школе")]:
        r = f.results.get(code)
        if r is None:
            continue
        rows.append((name, _points(r["points"]), _points(r["max_points"]), level_name(r["level"])))
    return _table(("Направление", "Баллы", "Максимум", "Уровень"), rows)


def deficits_table(f: Facts) -> dict:
    names = dict(f.directions)
    kinds = dict(Deficit.Kind.choices)
    rows = []
    for d in f.deficits:
        indicator = f.catalogue.indicators.get(d.code) if f.catalogue else None
        rows.append(
            (
                names.get(d.direction, d.direction),
                d.code,
                indicator.text if indicator else d.code,
                str(kinds.get(d.kind, d.kind)),
            )
        )
    return _table(("Направление", "Код", "Показатель", "Дефицит"), rows)


def causes_text(f: Facts) -> str:
    with_deficits = {d.direction for d in f.deficits}
    return "\n".join(f"{name}: " for code, name in f.directions if code in with_deficits)


def analysis_text(f: Facts) -> str:
    overall = f.results.get("overall")
    if overall is None or f.submission is None:
        return ""
    strong = [n for c, n in f.directions if f.results.get(c, {}).get("level") == "high"]
    weak = [
        n for c, n in f.directions if f.results.get(c, {}).get("level") in ("below_basic", "basic")
    ]
    lines = [
        f"По итогам самодиагностики «{f.submission.campaign.title}» школа соответствует уровню "
        f"«{level_name(overall['level'])}» ({_points(overall['points'])} из "
        f"{_points(overall['max_points'])} баллов)."
    ]
    if strong:
        lines.append("Сильные стороны: " + ", ".join(strong) + ".")
    if weak:
        lines.append("Зоны роста: " + ", ".join(weak) + ".")
    return "\n".join(lines)


# --- 4, 5: directions and expected results --------------------------------------------------------


def actions_table(f: Facts) -> dict:
    rows = []
    for code, name in f.directions:
        path = f.paths.get(code)
        if path is None or path.target is None:
            continue
        steps = []
        for s in path.steps:
            indicator = f.catalogue.indicators.get(s.indicator) if f.catalogue else None
            text = indicator.text if indicator else s.indicator
            steps.append(f"{s.indicator} {text} (+{_points(s.gain)})")
        measures = [m.title for s in path.steps for m in f.measures.get(s.indicator, ())]
        need = _points((path.target_points or 0) - path.points) if path.target_points else "—"
        rows.append(
            (
                name,
                f"{level_name(path.level)} → {level_name(path.target)}",
                need,
                "; ".join(steps) or "—",
                "; ".join(dict.fromkeys(measures)) or "—",
            )
        )
    return _table(
        ("Направление", "Уровень", "Не хватает баллов", "Действия (показатели)", "Типовые меры"),
        rows,
    )


def default_targets(f: Facts) -> dict[str, str]:
    """Raise each scope to its next level where the path says it is reachable, else keep it."""
    targets = {}
    for code in [*(c for c, _n in f.directions), "overall"]:
        path = f.paths.get(code)
        if path is None:
            continue
        targets[code] = path.target if path.target and path.reachable else path.level
    return targets


def target_flag(f: Facts, code: str, target: str, roadmap_codes: set[str]) -> str:
    """Why a target is not backed by the path and the roadmap; empty when it is."""
    path = f.paths.get(code)
    result = f.results.get(code)
    if path is None or result is None or target not in LEVELS:
        return ""
    now, wanted = LEVELS.index(result["level"]), LEVELS.index(target)
    if wanted < now:
        return (
            f"цель «{level_name(target)}» ниже достигнутого уровня «{level_name(result['level'])}»"
        )
    if wanted == now:
        return ""
    if wanted > now + 1:
        return (
            f"цель «{level_name(target)}» на {wanted - now} уровня выше текущего: путь рассчитан "
            f"только до уровня «{level_name(path.target or target)}»"
        )
    if not path.reachable:
        return f"уровень «{level_name(target)}» недостижим по текущим критериям"
    missing = [s for s in path.steps if s.indicator not in roadmap_codes]
    if not missing:
        return ""
    gain = sum(s.gain for s in missing)
    return (
        f"для уровня «{level_name(target)}» нужно ещё {_points(gain)} баллов по показателям "
        f"{', '.join(s.indicator for s in missing)}, которых нет в дорожной карте"
    )


def expected_table(f: Facts, targets: Mapping[str, str]) -> dict:
    roadmap_codes = f.roadmap_codes()
    rows, flags = [], []
    for code, name in [*f.directions, ("overall", "Итого по школе")]:
        result = f.results.get(code)
        if result is None:
            continue
        target = targets.get(code) or result["level"]
        kind = "сохранить" if target == result["level"] else "повысить"
        flag = target_flag(f, code, target, roadmap_codes)
        if flag:
            flags.append(f"{name}: {flag}")
        rows.append(
            (name, level_name(result["level"]), level_name(target), kind, flag or "обеспечено")
        )
    return _table(
        (
            "Направление",
            "Текущий уровень",
            "Целевой уровень",
            "Задача",
            "Проверка по дорожной карте",
        ),
        rows,
        flags=flags,
        targets=dict(targets),
    )


# --- 7: criteria and indicators, from the roadmap ------------------------------------------------


def indicators_table(f: Facts, targets: Mapping[str, str], starts: int, ends: int) -> dict:
    years = list(range(starts, ends + 1))
    rows: list[list[str]] = []
    for code, name in [*f.directions, ("overall", "Итого по школе")]:
        result = f.results.get(code)
        target = targets.get(code)
        if result is None or not target or target == result["level"]:
            continue
        cells = [level_name(result["level"])] + [
            level_name(target) if year == ends else "не ниже «" + level_name(result["level"]) + "»"
            for year in years
        ]
        rows.append([f"Уровень по направлению «{name}»", *cells])
    if f.roadmap is not None:
        for item in f.roadmap.items.order_by("position"):
            targets_text = "; ".join(t.get("text", "") for t in item.targets if t.get("text"))
            value = targets_text or item.expected_result or "выполнено"
            year = item.due_on.year if item.due_on else None
            cells = ["—"] + [value if year == y else "" for y in years]
            if year is None or year not in years:
                cells[-1] = value
            rows.append([f"{item.number} {item.indicator or item.title}".strip(), *cells])
    return _table(("Показатель", "Исходное значение", *map(str, years)), rows)


def texts_and_tables(
    f: Facts, *, title: str, starts: int, ends: int, targets: Mapping[str, str] | None = None
) -> dict[str, tuple[str, dict]]:
    """Code → (starting text, table) of every section the data fills."""
    chosen = dict(default_targets(f))
    chosen.update(targets or {})
    return {
        "1": ("", passport(f, title, starts, ends, chosen)),
        "2": ("", reference(f)),
        "3.1": ("", results_table(f)),
        "3.2": ("", deficits_table(f)),
        "3.2.1": (causes_text(f), {}),
        "3.2.2": (analysis_text(f), {}),
        "4.1": ("", actions_table(f)),
        "5": ("", expected_table(f, chosen)),
        "7": ("", indicators_table(f, chosen, starts, ends)),
    }
