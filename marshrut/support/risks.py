"""Risk profiles: load a model, open its questionnaires, compute profiles in bulk, choose priorities.

The rule itself is the kernel :mod:`marshrut.kernels.risks`; this module moves data between it and
the database. Profiles of all schools of a year come from three grouped queries over the surveys'
responses and answers and two upserts, whatever the number of schools.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Model, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, user_or_none
from marshrut.kernels import risks as kernel
from marshrut.lib.concurrency import StaleEdit, claim
from marshrut.lib.plural import plural
from marshrut.lib.uploads import decode_text
from marshrut.orgs.roles import Cap
from marshrut.support.models import Participation
from marshrut.support.models.risks import (
    PriorityRisk,
    RiskFactor,
    RiskItem,
    RiskLevel,
    RiskModel,
    RiskOption,
    RiskPriorities,
    RiskProfile,
    RiskQuestion,
    RiskSurvey,
    RiskWeight,
)
from marshrut.surveys.models import Answer, Question, Response, Survey

DATA = Path(__file__).resolve().parent / "data" / "risks"
SHIPPED = DATA / "illustrative-2024.yaml"


# --- the model -----------------------------------------------------------------------------------


def model_text(data: bytes, filename: str) -> str:
    text = decode_text(data)
    if text is None:
        raise kernel.RiskModelError(
            ["файл не в кодировке UTF-8 (и не в Windows-1251): сохраните его в UTF-8"], filename
        )
    return text


@transaction.atomic
def do_load_risk_model(
    actor: Any, text: str, source_name: str, *, source: str = Source.WEB
) -> RiskModel:
    """Check a model file and store it: a new version, or one not yet used, replaced."""
    definition = kernel.parse_model(text, source_name)  # RiskModelError names each problem
    digest = RiskModel.digest(text)
    existing = RiskModel.objects.filter(code=definition.code).first()
    if existing is not None and existing.sha256 == digest:
        return existing
    if existing is not None and (
        existing.surveys.exists() or existing.profiles.exists()  # type: ignore[attr-defined]
    ):
        raise ValidationError(
            _(
                "Методика «%(v)s» уже используется анкетами школ; загрузите изменённую методику "
                "под новым кодом версии (code)."
            )
            % {"v": definition.code}
        )
    model = existing or RiskModel(code=definition.code)
    model.title = definition.title
    model.source = definition.source
    model.is_illustrative = definition.illustrative
    model.notice = definition.notice
    model.source_text = text
    model.source_name = source_name
    model.sha256 = digest
    model.loaded_at = timezone.now()
    model.loaded_by = user_or_none(actor)
    model.save()
    model.factors.all().delete()  # type: ignore[attr-defined]
    model.items.all().delete()  # type: ignore[attr-defined]
    factors = RiskFactor.objects.bulk_create(
        RiskFactor(
            model=model,
            code=f.code,
            position=n,
            name=f.name,
            medium=f.thresholds.medium,
            high=f.thresholds.high,
        )
        for n, f in enumerate(definition.factors)
    )
    by_code = {f.code: f for f in factors}
    items = RiskItem.objects.bulk_create(
        RiskItem(model=model, code=i.code, group=i.group, position=n, text=i.text)
        for n, i in enumerate(definition.items)
    )
    RiskOption.objects.bulk_create(
        RiskOption(item=row, number=k, text=o.text, risk=o.risk)
        for row, i in zip(items, definition.items, strict=True)
        for k, o in enumerate(i.options, start=1)
    )
    RiskWeight.objects.bulk_create(
        RiskWeight(item=row, factor=by_code[f], weight=w)
        for row, i in zip(items, definition.items, strict=True)
        for f, w in i.weights
    )
    record(
        actor,
        Action.CREATE if existing is None else Action.UPDATE,
        model,
        source=source,
        message=f"загружена методика профиля рисков {source_name}: "
        f"{plural(len(definition.items), 'вопрос', 'вопроса', 'вопросов')}",
    )
    return model


def shipped_model(source: str = Source.DEMO) -> RiskModel:
    """The illustrative model shipped with Маршрут, loaded on first use.

    Found by its code: a later release may reword the shipped file, while schools keep answering
    the version their questionnaires were opened with.
    """
    text = SHIPPED.read_text("utf-8")
    found = RiskModel.objects.filter(code=kernel.parse_model(text, SHIPPED.name).code).first()
    return found or do_load_risk_model(None, text, SHIPPED.name, source=source)


def current_model(participations: QuerySet[Participation] | None = None) -> RiskModel | None:
    """The model the pages show: the one the year's questionnaires use, else the newest loaded."""
    if participations is not None:
        used = (
            RiskSurvey.objects.filter(participation__in=participations)
            .order_by("-model__loaded_at")
            .values_list("model_id", flat=True)
            .first()
        )
        if used is not None:
            return RiskModel.objects.get(pk=used)
    return RiskModel.objects.order_by("is_illustrative", "-loaded_at", "-pk").first()


# --- questionnaires ------------------------------------------------------------------------------


def survey_title(participation: Participation, group: str) -> str:
    return (
        f"Профиль рисков ШНОР {participation.year}: {participation.school.short_name} — "
        f"{kernel.GROUP_NAMES[group]}"
    )


DESCRIPTION = (
    "Анкета для профиля рисков школы в программе адресной помощи школам с низкими "
    "образовательными результатами. Ответы анонимны: по ним считаются уровни факторов риска "
    "школы, отдельные ответы никому не показываются."
)


@transaction.atomic
def do_open_risk_surveys(
    actor: Any,
    model: RiskModel,
    participations: Iterable[Participation],
    *,
    source: str = Source.WEB,
) -> int:
    """Create the questionnaires of each school and group that has none yet; open them.

    Each is an ordinary survey with an anonymous link; its questions keep the item they ask
    (``RiskQuestion``), so answers flow into profiles whatever is edited around them.
    """
    definition = model.definition
    items = {i.code: i for i in model.items.all()}  # type: ignore[attr-defined]
    participations = list(participations)
    have = set(
        RiskSurvey.objects.filter(model=model, participation__in=participations).values_list(
            "participation_id", "group"
        )
    )
    wanted = [
        (p, g)
        for p in participations
        for g in kernel.GROUP_CODES
        if (p.pk, g) not in have and definition.items_of(g)
    ]
    surveys = Survey.objects.bulk_create(
        Survey(
            region_id=p.school.municipality.region_id,
            title=survey_title(p, g)[:300],
            description=DESCRIPTION,
            status=Survey.Status.OPEN,
            anonymous_link=True,
            ask_municipality=False,
            created_by=user_or_none(actor),
        )
        for p, g in wanted
    )
    RiskSurvey.objects.bulk_create(
        RiskSurvey(participation=p, model=model, group=g, survey=s)
        for (p, g), s in zip(wanted, surveys, strict=True)
    )
    questions: list[Question] = []
    links: list[str] = []
    for (_p, g), s in zip(wanted, surveys, strict=True):
        for n, item in enumerate(definition.items_of(g)):
            questions.append(
                Question(
                    survey=s,
                    position=n,
                    kind=Question.Kind.SINGLE,
                    text=item.text,
                    # The head answers for the school: every question; a pupil may skip one.
                    required=g == "head",
                    options=[o.text for o in item.options],
                )
            )
            links.append(item.code)
    questions = Question.objects.bulk_create(questions, batch_size=2000)
    RiskQuestion.objects.bulk_create(
        (
            RiskQuestion(question=q, item=items[code])
            for q, code in zip(questions, links, strict=True)
        ),
        batch_size=2000,
    )
    if wanted:
        record(
            actor,
            Action.CREATE,
            model,
            source=source,
            message=f"открыты анкеты профиля рисков: "
            f"{plural(len(wanted), 'анкета', 'анкеты', 'анкет')}",
        )
    return len(wanted)


# --- profiles ------------------------------------------------------------------------------------


def school_data(
    model: RiskModel, participations: QuerySet[Participation]
) -> dict[int, kernel.SchoolData]:
    """Counts per school: responses per group; answers and their summed risk per item.

    The answers are grouped by survey and question alone, with a count per option number
    (``COUNT(*) FILTER (WHERE choice = k)``), and the cohort's surveys are a semi-join: no join
    runs over the answers, and rows are schools × items. Surveys, questions and options are
    mapped to schools, items and risks here, from the model and two small lookups.
    """
    definition = model.definition
    out: dict[int, kernel.SchoolData] = defaultdict(kernel.SchoolData)
    mine = RiskSurvey.objects.filter(model=model, participation__in=participations)
    surveys = {
        sid: (pid, group)
        for sid, pid, group in mine.values_list("survey_id", "participation_id", "group")
    }
    cohort = mine.values("survey_id")
    for sid, n in (
        Response.objects.filter(survey_id__in=cohort)
        .values_list("survey_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        pid, group = surveys[sid]
        out[pid].respondents[group] = n
    risks_of = {i.code: tuple(o.risk for o in i.options) for i in definition.items}
    code_of = dict(RiskItem.objects.filter(model=model).values_list("pk", "code"))
    item_of = {
        qid: (code_of[item], risks_of[code_of[item]])
        for qid, item in RiskQuestion.objects.filter(question__survey_id__in=cohort).values_list(
            "question_id", "item_id"
        )
    }
    widest = max((len(r) for r in risks_of.values()), default=0)
    per_option = {f"c{k}": Count("pk", filter=Q(choice=k)) for k in range(1, widest + 1)}
    grouped = (
        Answer.objects.filter(survey_id__in=cohort, choice__isnull=False)
        .values_list("survey_id", "question_id")
        .annotate(**per_option)
        .order_by()
    )
    for sid, qid, *counts in _fetch(grouped):
        found = item_of.get(qid)
        if found is None:
            continue  # a question added to the survey by hand: not part of the model
        code, option_risks = found
        answered = sum(counts[: len(option_risks)])
        risk = sum(c * r for c, r in zip(counts, option_risks, strict=False))
        out[surveys[sid][0]].sums[code] = (answered, risk)
    return out


def _fetch(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a query the ORM built, as the driver returns them.

    A hundred thousand grouped rows of plain integers: Django's per-value converters (``int()``
    of every count) cost more than the database's work.
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _upsert(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
) -> None:
    """``INSERT … ON CONFLICT (…) DO UPDATE`` of many narrow rows at once.

    The bulk path of the profiles: tens of thousands of rows, where model instances for
    ``bulk_create`` and a statement with a placeholder per value cost more than the database's
    work. PostgreSQL takes one array per column (``unnest``): one statement, five parameters.
    SQLite runs the one-row statement for each row (``executemany``, in C).
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    conflict = ", ".join(quote(c) for c in unique)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c not in unique)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            fields: list[Any] = [model._meta.get_field(c.removesuffix("_id")) for c in columns]
            # A foreign key's type is its target's; JSON travels as text and is cast once.
            arrays = ", ".join(
                "%s::text[]::jsonb[]" if t == "jsonb" else f"%s::{t}[]"
                for t in (f.db_type(connection) for f in fields)
            )
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                [list(column) for column in zip(*rows, strict=True)]
                if rows
                else [[]] * len(columns),
            )
        else:
            one = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({one}) "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                rows,
            )


def compute_profiles(model: RiskModel, participations: QuerySet[Participation]) -> int:
    """Compute and store the profiles of all the given schools; returns how many.

    A handful of queries whatever their number: the lookups and the grouped counts of
    :func:`school_data`, the factors, the profiles' upsert, the stored levels, and the upsert of
    the levels that changed.
    """
    definition = model.definition
    ids = list(participations.values_list("pk", flat=True))
    data = school_data(model, Participation.objects.filter(pk__in=participations.values("pk")))
    factors = dict(RiskFactor.objects.filter(model=model).values_list("code", "pk"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    dumped: dict[tuple[str, ...], str] = {}

    def as_json(value: Sequence[str]) -> str:
        key = tuple(value)
        if key not in dumped:
            dumped[key] = json.dumps(list(key), ensure_ascii=False)
        return dumped[key]

    empty = kernel.SchoolData()
    results: dict[int, list[kernel.FactorResult]] = {}
    profiles = []
    for pid in ids:
        school = data.get(pid, empty)
        found = kernel.profile(definition, school)
        results[pid] = found
        missing = list(dict.fromkeys(m for r in found for m in r.missing))
        respondents = {g: school.respondents.get(g, 0) for g in kernel.GROUP_CODES}
        profiles.append((pid, model.pk, now, json.dumps(respondents), as_json(missing)))
    with transaction.atomic():
        _upsert(
            RiskProfile,
            ("participation_id", "model_id", "computed_at", "respondents", "missing"),
            profiles,
            unique=("participation_id", "model_id"),
        )
        stored = list(
            RiskProfile.objects.filter(model=model, participation_id__in=ids).values_list(
                "pk", "participation_id"
            )
        )
        # A recomputation changes few levels: only those are written.
        before = {
            (profile, factor): (score, level, m if isinstance(m, str) else as_json(m))
            for profile, factor, score, level, m in _fetch(
                RiskLevel.objects.filter(profile_id__in=[p for p, _pid in stored]).values_list(
                    "profile_id", "factor_id", "score", "level", "missing"
                )
            )
        }
        rows = [
            (profile, factors[r.factor], r.score, r.level or "", as_json(r.missing))
            for profile, pid in stored
            for r in results[pid]
        ]
        _upsert(
            RiskLevel,
            ("profile_id", "factor_id", "score", "level", "missing"),
            [row for row in rows if before.get(row[:2]) != row[2:]],
            unique=("profile_id", "factor_id"),
        )
    return len(profiles)


# --- priorities ----------------------------------------------------------------------------------


def do_choose_priorities(
    actor: Any,
    participation: Participation,
    model: RiskModel,
    factors: Sequence[RiskFactor],
    *,
    version: int | None,
    source: str = Source.WEB,
) -> RiskPriorities:
    """Replace the school's priority risks; more than three, or a stale form, saves nothing."""
    if len(factors) > RiskPriorities.MAX:
        raise ValidationError(
            _("Приоритетных рисков может быть не больше трёх, выбрано %(n)s.") % {"n": len(factors)}
        )
    if any(f.model_id != model.pk for f in factors):
        raise ValidationError(_("Фактор риска не из методики профиля школы."))
    with transaction.atomic():
        chosen, created = RiskPriorities.objects.get_or_create(
            participation=participation, model=model, defaults={"chosen_by": user_or_none(actor)}
        )
        if not created:
            chosen.chosen_by = user_or_none(actor)
            chosen.chosen_at = timezone.now()
            claim(chosen, version)
            chosen.save()
        elif version:
            # The form was built from a choice that has disappeared since: somebody reset it.
            raise StaleEdit(chosen, version)
        before = list(chosen.risks.values_list("factor__code", flat=True))  # type: ignore[attr-defined]
        chosen.risks.all().delete()  # type: ignore[attr-defined]
        PriorityRisk.objects.bulk_create(
            PriorityRisk(priorities=chosen, factor=f, rank=n) for n, f in enumerate(factors, 1)
        )
        record(
            actor,
            Action.CREATE if created else Action.UPDATE,
            chosen,
            changes={"risks": [before, [f.code for f in factors]]},
            source=source,
            region_id=participation.school.municipality.region_id,
        )
    return chosen


# --- reading -------------------------------------------------------------------------------------


def get_participation_for_user(user: Any, pk: int, cap: Cap = Cap.SHNOR_VIEW) -> Participation:
    return get_object_or_404(
        Participation.objects.for_user(user, cap).select_related(
            "school", "school__municipality", "school__municipality__region"
        ),
        pk=pk,
    )


@dataclass
class Prevalence:
    """Factors × municipalities: schools at the high level and schools that chose the factor."""

    factors: list[RiskFactor]
    municipalities: list[tuple[int, str]]
    profiled: dict[int, int]  # municipality → schools with a profile
    high: dict[tuple[int, int], int] = field(default_factory=dict)  # (factor, municipality)
    chosen: dict[tuple[int, int], int] = field(default_factory=dict)

    def total(self, counts: dict[tuple[int, int], int], factor: int) -> int:
        return sum(n for (f, _m), n in counts.items() if f == factor)

    @property
    def schools(self) -> int:
        return sum(self.profiled.values())


def prevalence(model: RiskModel, participations: QuerySet[Participation]) -> Prevalence:
    """Four grouped queries whatever the number of schools."""
    muni = "participation__school__municipality_id"
    profiles = RiskProfile.objects.filter(model=model, participation__in=participations)
    profiled = dict(profiles.values_list(muni).annotate(n=Count("pk")).order_by())
    names = dict(
        participations.values_list("school__municipality_id", "school__municipality__name")
        .distinct()
        .order_by()
    )
    high = {
        (f, m): n
        for f, m, n in RiskLevel.objects.filter(profile__in=profiles, level=RiskLevel.Level.HIGH)
        .values_list("factor_id", f"profile__{muni}")
        .annotate(n=Count("pk"))
        .order_by()
    }
    chosen = {
        (f, m): n
        for f, m, n in PriorityRisk.objects.filter(
            priorities__model=model, priorities__participation__in=participations
        )
        .values_list("factor_id", f"priorities__{muni}")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return Prevalence(
        factors=list(model.factors.all()),  # type: ignore[attr-defined]
        municipalities=sorted(names.items(), key=lambda kv: kv[1]),
        profiled=profiled,
        high=high,
        chosen=chosen,
    )
