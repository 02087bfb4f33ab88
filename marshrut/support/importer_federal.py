"""The federal list of ШНОР schools on the import pipeline: schools by INN into the cohort of a year.

The list is a table with an INN column (a name column is shown in the report, not matched). Each
school found becomes a participation of the year with the source «федеральный перечень»; a school
already in the cohort of that year stays as it is. An unknown INN or an INN twice in the list is a
problem of its row, and then nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marshrut.audit.log import Action, Source, record
from marshrut.lib.forms import StyledMixin
from marshrut.lib.imports import ImportBatch, Importer, Problem, Progress, Rejected, Report, Target
from marshrut.lib.uploads import TABLE, UploadField
from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.models import Region, School
from marshrut.orgs.roles import Cap
from marshrut.support.actions_cohort import do_enter
from marshrut.support.importer_common import (
    INN,
    NAME,
    check_inn,
    inn_text,
    read_table,
    schools_by_inn,
)
from marshrut.support.models import Participation

KIND = "shnor_federal_list"
COLUMNS = (INN, NAME)


@dataclass
class ListPlan:
    problems: list[Problem] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    sheet: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def to_enter(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["action"] == "create"]


class ListRejected(Exception):
    def __init__(self, plan: ListPlan) -> None:
        super().__init__("; ".join(str(p) for p in plan.problems[:5]))
        self.plan = plan


def check_list(data: bytes, filename: str, region: Region, year: int) -> ListPlan:
    """Read a federal list and plan the participations it adds, writing nothing."""
    plan = ListPlan()
    sheet = read_table(data, filename, COLUMNS)
    if sheet.table is None:
        plan.problems = sheet.problems
        return plan
    plan.sheet = sheet.table.sheet
    schools = schools_by_inn(region, [inn_text(r.values["inn"]) for r in sheet.table.rows])
    have = set(
        Participation.objects.filter(school__in=schools.values(), year=year).values_list(
            "school_id", flat=True
        )
    )
    seen: dict[str, int] = {}
    for row in sheet.table.rows:
        inn = check_inn(sheet, row.number, row.values["inn"])
        if inn is None:
            continue
        school = schools.get(inn)
        if school is None:
            sheet.problem(row.number, "inn", inn, "нет школы с таким ИНН в реестре региона")
            continue
        if inn in seen:
            sheet.problem(row.number, "inn", inn, f"школа уже есть в перечне в строке {seen[inn]}")
            continue
        seen[inn] = row.number
        plan.rows.append(
            {
                "row": row.number,
                "school_id": school.pk,
                "inn": inn,
                "school": school.short_name,
                "municipality": school.municipality.name,
                "action": "same" if school.pk in have else "create",
            }
        )
    plan.problems = sheet.problems
    return plan


@transaction.atomic
def apply_list(
    actor: Any,
    data: bytes,
    filename: str,
    region: Region,
    *,
    year: int,
    entered_on: dt.date,
    reason: str = "",
    source: str = Source.WEB,
) -> ListPlan:
    plan = check_list(data, filename, region, year)
    if not plan.ok:
        raise ListRejected(plan)
    schools = School.objects.filter(pk__in=[r["school_id"] for r in plan.to_enter])
    text = reason or f"федеральный перечень школ ШНОР на {year} год"
    do_enter(
        actor,
        schools,
        year,
        source=Participation.Source.FEDERAL_LIST,
        entered_on=entered_on,
        reasons=text,
        audit_source=source,
    )
    record(
        actor,
        Action.IMPORT,
        None,
        source=source,
        region_id=region.pk,
        target_type="support.participation",
        target_repr=filename[:300],
        message=f"загружен федеральный перечень ШНОР {year}: включено {len(plan.to_enter)}, "
        f"уже были {len(plan.rows) - len(plan.to_enter)}",
    )
    return plan


# --- the pipeline ---------------------------------------------------------------------------


class ListForm(StyledMixin, forms.Form):
    file = UploadField(
        policy=TABLE,
        label=_("Федеральный перечень школ"),
        help_text=_("XLSX, XLS или CSV со столбцом «ИНН»"),
    )
    year = forms.IntegerField(label=_("Год когорты"), min_value=2000, max_value=2100)
    entered_on = forms.DateField(
        label=_("Дата включения"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Основание"),
        required=False,
        max_length=300,
        help_text=_("например, «письмо ФИОКО от 01.02.2024 № 02-24»"),
    )


def report_of(plan: ListPlan) -> Report:
    return Report(
        ok=plan.ok,
        problems=list(plan.problems),
        summary={
            "sheet": plan.sheet,
            "create": len(plan.to_enter),
            "same": len(plan.rows) - len(plan.to_enter),
            "rows": plan.rows,
        },
    )


def check(data: bytes, batch: ImportBatch, progress: Progress) -> Report:
    return report_of(check_list(data, batch.filename, batch.region, int(batch.params["year"])))


def apply(user: Any, data: bytes, batch: ImportBatch, progress: Progress, prepared: Any) -> Report:
    try:
        plan = apply_list(
            user,
            data,
            batch.filename,
            batch.region,
            year=int(batch.params["year"]),
            entered_on=dt.date.fromisoformat(batch.params["entered_on"]),
            reason=batch.params.get("reason", ""),
        )
    except ListRejected as e:
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
            "upload_title": _("Загрузка федерального перечня школ ШНОР"),
            "crumbs": _crumbs(),
            "upload_crumb": _("Федеральный перечень"),
        },
    )


FEDERAL_LIST = Importer(
    kind=KIND,
    label=_("федеральный перечень школ ШНОР"),
    check=check,
    apply=apply,
    scope=scope,
    urls={
        "upload": "support:list_import",
        "page": "support:list_batch",
        "status": "support:list_status",
        "apply": "support:list_apply",
        "file": "support:list_file",
    },
    upload_template="support/cohort_list_intro.html",
    summary_template="support/cohort_list_summary.html",
    form=ListForm,
    target=target,
    form_params=lambda data: {
        "year": data["year"],
        "entered_on": data["entered_on"].isoformat(),
        "reason": data.get("reason") or "",
    },
    check_in_request=True,
    refused_status=400,
    context=lambda batch: {"crumbs": _crumbs()},
    texts={
        "apply": _("Применить: включить школы в когорту"),
        "applied": _("Включено в когорту: %(create)s (уже были: %(same)s)."),
        "refused": _("Перечень не загружен, в базе ничего не изменилось."),
    },
)
