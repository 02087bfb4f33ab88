"""Assessment results on the import pipeline: a table of schools (by INN) and their shares of «2».

One row per school, year, assessment, subject and grade: participants, the number and/or the
share of «2», the mean mark. The year and the assessment may be columns or be given on the
upload form for the whole file. A row already in the database (same school, year, assessment,
subject, grade) is updated; the file is written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.audit.log import Action, Source, record
from marshrut.kernels.tables import Column, cell_text, normalise_header
from marshrut.lib.forms import StyledMixin
from marshrut.lib.imports import ImportBatch, Importer, Problem, Progress, Rejected, Report, Target
from marshrut.lib.uploads import TABLE, UploadField
from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.models import Region
from marshrut.orgs.roles import Cap
from marshrut.support.importer_common import (
    INN,
    NAME,
    check_inn,
    inn_text,
    number,
    read_table,
    schools_by_inn,
    whole,
)
from marshrut.support.models.assessments import Assessment, AssessmentResult

KIND = "shnor_results"

COLUMNS = (
    INN,
    NAME,
    Column("year", "Год", ("год", "учебный год", "год проведения")),
    Column(
        "assessment",
        "Процедура",
        ("процедура", "оценочная процедура", "вид процедуры", "вид оценочной процедуры"),
    ),
    Column("subject", "Предмет", ("предмет", "учебный предмет"), required=True),
    Column("grade", "Класс", ("класс", "параллель"), required=True),
    Column(
        "participants",
        "Участников",
        (
            "участников",
            "участники",
            "количество участников",
            "число участников",
            "всего участников",
        ),
        required=True,
    ),
    Column(
        "failed",
        "Получили «2», чел.",
        (
            "получили 2",
            "получили 2 чел",
            "получили 2 количество",
            "количество 2",
            "число 2",
            "количество двоек",
            "ниже минимального чел",
            "ниже минимального количество",
        ),
    ),
    Column(
        "share",
        "Доля «2», %",
        (
            "доля 2",
            "доля 2 %",
            "получили 2 %",
            "получили 2 доля",
            "% 2",
            "процент 2",
            "доля двоек",
            "ниже минимального %",
            "ниже минимального доля",
            "доля ниже минимального",
        ),
    ),
    Column("mean", "Средняя отметка", ("средняя отметка", "средний балл", "ср отметка", "ср балл")),
)

ASSESSMENT_WORDS = {
    normalise_header(word): code
    for code, words in {
        Assessment.VPR: ("ВПР", "всероссийские проверочные работы"),
        Assessment.OGE: ("ОГЭ", "основной государственный экзамен"),
        Assessment.EGE: ("ЕГЭ", "единый государственный экзамен"),
        Assessment.NIKO: ("НИКО", "национальные исследования качества образования"),
        Assessment.REGIONAL: (
            "региональная диагностика",
            "РДР",
            "региональная диагностическая работа",
            "региональные диагностические работы",
            "региональная",
        ),
    }.items()
    for word in (*words, code)
}
# The share typed and the share of the count may differ by rounding in the source, not by more.
SHARE_TOLERANCE = Decimal(1)


def assessment_of(text: str) -> str | None:
    return ASSESSMENT_WORDS.get(normalise_header(text))


def subject_of(text: str) -> str:
    """«  математика » and «Математика» are one subject."""
    clean = " ".join(text.split())
    return clean[:1].upper() + clean[1:]


@dataclass
class ResultsPlan:
    problems: list[Problem] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    sheet: str = ""
    create: int = 0
    update: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


class ResultsRejected(Exception):
    def __init__(self, plan: ResultsPlan) -> None:
        super().__init__("; ".join(str(p) for p in plan.problems[:5]))
        self.plan = plan


def check_results(
    data: bytes,
    filename: str,
    region: Region,
    *,
    year: int | None = None,
    assessment: str | None = None,
) -> ResultsPlan:
    """Read a results table and plan its rows, writing nothing."""
    plan = ResultsPlan()
    sheet = read_table(data, filename, COLUMNS)
    if sheet.table is None:
        plan.problems = sheet.problems
        return plan
    table = sheet.table
    plan.sheet = table.sheet
    if "failed" not in table.columns and "share" not in table.columns:
        plan.problems.append(
            Problem(
                table.sheet,
                table.header_row,
                "",
                "",
                "нет столбца с числом или долей «2» (например, «Получили «2», чел.» или "
                "«Доля «2», %»)",
            )
        )
        return plan
    if "year" not in table.columns and not year:
        plan.problems.append(
            Problem(
                table.sheet,
                table.header_row,
                "",
                "",
                "нет столбца «Год»: укажите год в форме загрузки",
            )
        )
        return plan
    if "assessment" not in table.columns and not assessment:
        plan.problems.append(
            Problem(
                table.sheet,
                table.header_row,
                "",
                "",
                "нет столбца «Процедура»: укажите оценочную процедуру в форме загрузки",
            )
        )
        return plan
    schools = schools_by_inn(region, [inn_text(r.values["inn"]) for r in table.rows])
    seen: dict[tuple[Any, ...], int] = {}
    for row in table.rows:
        v = row.values
        n = row.number
        before = len(sheet.problems)
        inn = check_inn(sheet, n, v["inn"])
        school = schools.get(inn or "")
        if inn and school is None:
            sheet.problem(n, "inn", inn, "нет школы с таким ИНН в реестре региона")
        row_year = year
        if "year" in table.columns and v["year"] is not None:
            row_year = whole(v["year"])
            if row_year is None or not 2000 <= row_year <= 2100:
                sheet.problem(n, "year", v["year"], "год — четыре цифры, например 2024")
        elif not year:
            sheet.problem(n, "year", "", "не указан год")
        code = assessment
        if "assessment" in table.columns and v["assessment"] is not None:
            code = assessment_of(cell_text(v["assessment"]))
            if code is None:
                sheet.problem(
                    n,
                    "assessment",
                    v["assessment"],
                    "неизвестная процедура: ожидается ВПР, ОГЭ, ЕГЭ, НИКО или региональная "
                    "диагностика",
                )
        elif not assessment:
            sheet.problem(n, "assessment", "", "не указана оценочная процедура")
        subject = subject_of(cell_text(v["subject"]))
        if not subject:
            sheet.problem(n, "subject", "", "не указан предмет")
        elif len(subject) > 100:
            sheet.problem(n, "subject", subject[:60], "название предмета длиннее 100 знаков")
        grade = whole(
            cell_text(v["grade"]).lower().replace("класс", "").replace("кл", "").strip(" .")
        )
        if grade is None or not 1 <= grade <= 11:
            sheet.problem(n, "grade", v["grade"], "класс — число от 1 до 11")
        participants = whole(v["participants"])
        if participants is None or participants <= 0:
            sheet.problem(
                n, "participants", v["participants"], "число участников — целое число больше нуля"
            )
            participants = None
        failed = share = None
        if v["failed"] is not None:
            failed = whole(v["failed"])
            if failed is None or failed < 0:
                sheet.problem(n, "failed", v["failed"], "число «2» — целое число не меньше нуля")
                failed = None
            elif participants is not None and failed > participants:
                sheet.problem(
                    n,
                    "failed",
                    v["failed"],
                    f"получивших «2» больше, чем участников ({participants})",
                )
                failed = None
        if v["share"] is not None:
            share = number(v["share"])
            if share is None or not 0 <= share <= 100:
                sheet.problem(n, "share", v["share"], "доля «2» — число от 0 до 100 (в процентах)")
                share = None
        if v["failed"] is None and v["share"] is None:
            key = "failed" if "failed" in table.columns else "share"
            sheet.problem(n, key, "", "не указаны ни число, ни доля «2»")
        mean = None
        if v["mean"] is not None:
            mean = number(v["mean"])
            top = Decimal(100) if code == Assessment.EGE else Decimal(5)
            if mean is None or not 0 <= mean <= top:
                sheet.problem(n, "mean", v["mean"], f"средняя отметка — число от 0 до {top}")
        if len(sheet.problems) > before or participants is None or school is None:
            continue
        if failed is None and share is not None:
            failed = int((share * participants / 100).quantize(Decimal(1)))
        assert failed is not None
        counted = (Decimal(failed) * 100 / participants).quantize(Decimal("0.01"))
        if share is not None and v["failed"] is not None and abs(share - counted) > SHARE_TOLERANCE:
            sheet.problem(
                n,
                "share",
                v["share"],
                f"доля «2» не сходится с числом: {failed} из {participants} — это "
                f"{str(counted).replace('.', ',')} %",
            )
            continue
        same = (school.pk, row_year, code, subject.lower(), grade)
        if same in seen:
            sheet.problem(
                n,
                "inn",
                inn,
                f"школа уже есть в строке {seen[same]} с тем же годом, процедурой, предметом и "
                "классом",
            )
            continue
        seen[same] = n
        plan.rows.append(
            {
                "row": n,
                "school_id": school.pk,
                "school": school.short_name,
                "inn": school.inn,
                "year": row_year,
                "assessment": code,
                "subject": subject,
                "grade": grade,
                "participants": participants,
                "failed": failed,
                "failed_share": str(
                    share.quantize(Decimal("0.01")) if share is not None else counted
                ),
                "mean_mark": str(mean) if mean is not None else None,
            }
        )
    plan.problems = sheet.problems
    _mark_existing(plan)
    return plan


def _key(school_id: int, year: int, assessment: str, subject: str, grade: int) -> tuple[Any, ...]:
    return (school_id, year, assessment, subject.lower(), grade)


def _existing(plan: ResultsPlan) -> dict[tuple[Any, ...], AssessmentResult]:
    if not plan.rows:
        return {}
    found = AssessmentResult.objects.filter(
        school_id__in={r["school_id"] for r in plan.rows},
        year__in={r["year"] for r in plan.rows},
    )
    return {_key(r.school_id, r.year, r.assessment, r.subject, r.grade): r for r in found}


def _mark_existing(plan: ResultsPlan) -> None:
    existing = _existing(plan)
    for row in plan.rows:
        known = _key(row["school_id"], row["year"], row["assessment"], row["subject"], row["grade"])
        row["action"] = "update" if known in existing else "create"
    plan.update = sum(1 for r in plan.rows if r["action"] == "update")
    plan.create = len(plan.rows) - plan.update


@transaction.atomic
def apply_results(
    actor: Any,
    data: bytes,
    filename: str,
    region: Region,
    *,
    year: int | None = None,
    assessment: str | None = None,
    source: str = Source.WEB,
) -> ResultsPlan:
    """Check the table again and write its rows (new ones added, known ones updated)."""
    plan = check_results(data, filename, region, year=year, assessment=assessment)
    if not plan.ok:
        raise ResultsRejected(plan)
    existing = _existing(plan)
    now = timezone.now()
    new: list[AssessmentResult] = []
    changed: list[AssessmentResult] = []
    for row in plan.rows:
        values = {
            "participants": row["participants"],
            "failed": row["failed"],
            "failed_share": Decimal(row["failed_share"]),
            "mean_mark": Decimal(row["mean_mark"]) if row["mean_mark"] is not None else None,
            "imported_at": now,
        }
        known = existing.get(
            _key(row["school_id"], row["year"], row["assessment"], row["subject"], row["grade"])
        )
        if known is None:
            new.append(
                AssessmentResult(
                    school_id=row["school_id"],
                    year=row["year"],
                    assessment=row["assessment"],
                    subject=row["subject"],
                    grade=row["grade"],
                    **values,
                )
            )
        else:
            for name, value in values.items():
                setattr(known, name, value)
            changed.append(known)
    AssessmentResult.objects.bulk_create(new, batch_size=1000)
    AssessmentResult.objects.bulk_update(
        changed,
        ["participants", "failed", "failed_share", "mean_mark", "imported_at"],
        batch_size=1000,
    )
    record(
        actor,
        Action.IMPORT,
        None,
        source=source,
        region_id=region.pk,
        target_type="support.assessmentresult",
        target_repr=filename[:300],
        message=f"загружены результаты оценочных процедур: добавлено {len(new)}, обновлено {len(changed)}",
    )
    return plan


# --- the pipeline ---------------------------------------------------------------------------


class ResultsForm(StyledMixin, forms.Form):
    file = UploadField(
        policy=TABLE,
        label=_("Таблица результатов"),
        help_text=_("XLSX, XLS или CSV (в том числе в кодировке Windows-1251, через «;»)"),
    )
    year = forms.IntegerField(
        label=_("Год"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("если в таблице нет столбца «Год»"),
    )
    assessment = forms.ChoiceField(
        label=_("Оценочная процедура"),
        required=False,
        choices=[("", "—"), *Assessment.choices],
        help_text=_("если в таблице нет столбца «Процедура»"),
    )


def report_of(plan: ResultsPlan) -> Report:
    labels = dict(Assessment.choices)
    return Report(
        ok=plan.ok,
        problems=list(plan.problems),
        summary={
            "sheet": plan.sheet,
            "create": plan.create,
            "update": plan.update,
            "rows": [
                {**r, "assessment_label": str(labels.get(r["assessment"], r["assessment"]))}
                for r in plan.rows[:500]
            ],
            "more": max(len(plan.rows) - 500, 0),
        },
    )


def _params(batch: ImportBatch) -> dict[str, Any]:
    return {
        "year": batch.params.get("year") or None,
        "assessment": batch.params.get("assessment") or None,
    }


def check(data: bytes, batch: ImportBatch, progress: Progress) -> Report:
    return report_of(check_results(data, batch.filename, batch.region, **_params(batch)))


def apply(user: Any, data: bytes, batch: ImportBatch, progress: Progress, prepared: Any) -> Report:
    try:
        plan = apply_results(user, data, batch.filename, batch.region, **_params(batch))
    except ResultsRejected as e:
        raise Rejected(report_of(e.plan)) from None
    return report_of(plan)


def scope(user: Any) -> Q:
    return access.grant(user, Cap.SHNOR_MANAGE).q(region="region_id", municipality="", school="")


def _crumbs() -> list[tuple[Any, str]]:
    return [(_("ШНОР"), reverse("support:home")), (_("Когорта"), reverse("support:cohort"))]


def target(request: Any, kwargs: Mapping[str, Any]) -> Target:
    region = current_region(request, Cap.SHNOR_MANAGE)
    return Target(
        region,
        context={
            "upload_title": _("Загрузка результатов оценочных процедур"),
            "crumbs": _crumbs(),
            "upload_crumb": _("Результаты оценочных процедур"),
        },
    )


RESULTS = Importer(
    kind=KIND,
    label=_("результаты оценочных процедур (ШНОР)"),
    check=check,
    apply=apply,
    scope=scope,
    urls={
        "upload": "support:results_import",
        "page": "support:results_batch",
        "status": "support:results_status",
        "apply": "support:results_apply",
        "file": "support:results_file",
    },
    upload_template="support/cohort_results_intro.html",
    summary_template="support/cohort_results_summary.html",
    form=ResultsForm,
    target=target,
    form_params=lambda data: {"year": data.get("year"), "assessment": data.get("assessment") or ""},
    check_in_request=True,
    refused_status=400,
    context=lambda batch: {"crumbs": _crumbs()},
    texts={
        "apply": _("Применить: записать результаты"),
        "applied": _("Результаты записаны: добавлено %(create)s, обновлено %(update)s."),
        "refused": _("Таблица результатов не загружена, в базе ничего не изменилось."),
    },
)
