"""Pages of the visits: the schedules of curators and mentors, the share of cohort schools
visited, planning a visit, its report, the files, and the XLSX of visits."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marshrut.lib.concurrency import StaleEdit, VersionedFormMixin
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.files import Served
from marshrut.lib.forms import StyledMixin
from marshrut.lib.uploads import EVIDENCE, MultiUploadField
from marshrut.orgs import access
from marshrut.orgs.context import current_region, region_today
from marshrut.orgs.models import School
from marshrut.orgs.roles import Cap
from marshrut.support import actions_visits as actions
from marshrut.support import shares
from marshrut.support.models.visits import Visit, get_visit_file_for_user, get_visit_for_user
from marshrut.support.views import programme_year


class PlanForm(StyledMixin, forms.Form):
    school = forms.ModelChoiceField(label=gettext_lazy("Школа"), queryset=School.objects.none())
    planned_on = forms.DateField(
        label=gettext_lazy("Дата"), widget=forms.DateInput(attrs={"type": "date"})
    )
    purpose = forms.CharField(
        label=gettext_lazy("Цель посещения"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = schools


class ReportForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    instance: Visit

    attachments = MultiUploadField(
        label=gettext_lazy("Файлы (протокол, презентация, фото)"), policy=EVIDENCE, required=False
    )

    class Meta:
        model = Visit
        fields = ["visited_on", "participants", "findings", "recommendations", "next_steps"]
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "participants": forms.Textarea(attrs={"rows": 2}),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "recommendations": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].required = True
        self.fields["findings"].required = True
        if not self.instance.visited_on:
            self.initial["visited_on"] = self.instance.planned_on


EXPORT_COLUMNS = [
    ExportColumn("Муниципалитет", lambda v: v.school.municipality.name, 28),
    ExportColumn("Школа", lambda v: v.school.short_name, 36),
    ExportColumn("ИНН", lambda v: v.school.inn, 13),
    ExportColumn("Кто посещает", lambda v: v.visitor.full_name, 30),
    ExportColumn("Роль", lambda v: v.get_visitor_role_display(), 16),
    ExportColumn("Дата по плану", lambda v: v.planned_on, 13),
    ExportColumn("Цель", lambda v: v.purpose, 40),
    ExportColumn("Состояние", lambda v: v.status_text, 18),
    ExportColumn("Дата посещения", lambda v: v.visited_on, 13),
    ExportColumn("Участники", lambda v: v.participants, 30),
    ExportColumn("Выявлено", lambda v: v.findings, 40),
    ExportColumn("Рекомендации", lambda v: v.recommendations, 40),
    ExportColumn("Следующие шаги", lambda v: v.next_steps, 30),
]


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.SHNOR_VIEW)
    region = current_region(request, Cap.SHNOR_VIEW)
    year = programme_year(request, region)
    today = region_today(region)
    visits = list(
        Visit.objects.for_user(user)
        .in_region(region)
        .of_year(year)
        .select_related("school__municipality", "visitor")
        .order_by("visitor__last_name", "visitor__first_name", "visitor_id", "planned_on", "pk")
    )
    overdue = 0
    for v in visits:
        overdue += v.is_overdue(today)
        v.overdue = v.is_overdue(today)  # type: ignore[attr-defined]
        v.status_text = _("просрочено") if v.overdue else v.get_status_display()  # type: ignore[attr-defined]
    if request.GET.get("export") in ("xlsx", "csv"):
        return export_response(
            request.GET["export"],
            EXPORT_COLUMNS,
            visits,
            filename=f"Посещения ШНОР {year}",
            title=f"Посещения школ ШНОР кураторами и наставниками, {region.name}, {year} год",
        )
    schedules = [(person, list(rows)) for person, rows in groupby(visits, key=lambda v: v.visitor)]
    mine = actions.assigned_schools(user).filter(municipality__region=region)
    form = PlanForm(schools=mine) if mine.exists() else None
    total, by_municipality = shares.visit_shares(shares.cohort_schools(region, year, user), year)
    return render(
        request,
        "support/visit_list.html",
        {
            "region": region,
            "year": year,
            "schedules": schedules,
            "overdue": overdue,
            "form": form,
            "total": total,
            "by_municipality": by_municipality,
            "tab": "visits",
        },
    )


@login_required
@require_POST
def visit_plan(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = current_region(request, Cap.SHNOR_VISIT)
    schools = actions.assigned_schools(user).filter(municipality__region=region)
    if not schools.exists():
        raise PermissionDenied
    form = PlanForm(request.POST, schools=schools)
    if form.is_valid():
        try:
            visit = actions.do_plan_visit(
                user,
                form.cleaned_data["school"],
                planned_on=form.cleaned_data["planned_on"],
                purpose=form.cleaned_data["purpose"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Посещение запланировано на %(d)s.") % {"d": f"{visit.planned_on:%d.%m.%Y}"},
            )
            return redirect(f"/shnor/visits/?year={visit.planned_on.year}")
    else:
        messages.error(
            request,
            _("Посещение не запланировано: %(e)s")
            % {"e": " ".join(str(e) for errs in form.errors.values() for e in errs)},
        )
    return redirect("support:visits")


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    visit = get_visit_for_user(user, pk)
    is_visitor = visit.visitor.user_id == user.pk
    form = None
    status = 200
    if is_visitor and visit.status != Visit.Status.CANCELLED:
        form = ReportForm(instance=visit)
        if request.method == "POST":
            form = ReportForm(request.POST, request.FILES, instance=visit)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    # The form wrote its values into ``visit``: the action reads the row afresh.
                    actions.do_report_visit(
                        user,
                        get_visit_for_user(user, pk),
                        version=form.version,
                        visited_on=data["visited_on"],
                        participants=data["participants"],
                        findings=data["findings"],
                        recommendations=data["recommendations"],
                        next_steps=data["next_steps"],
                        files=data["attachments"],
                    )
                except StaleEdit as stale:
                    form.refuse(stale)
                    status = 409
                except ValidationError as error:
                    form.add_error(None, error)
                    status = 400
                else:
                    messages.success(request, _("Отчёт о посещении сохранён."))
                    return redirect("support:visit_detail", pk=visit.pk)
            else:
                status = 400
    elif request.method == "POST":
        raise PermissionDenied
    region = visit.school.municipality.region
    return render(
        request,
        "support/visit_detail.html",
        {
            "visit": visit,
            "region": region,
            "year": (visit.visited_on or visit.planned_on).year,
            "overdue": visit.is_overdue(region_today(region)),
            "files": visit.files.all(),
            "form": form,
            "can_cancel": is_visitor and visit.status == Visit.Status.PLANNED,
            "tab": "visits",
        },
        status=status,
    )


@login_required
@require_POST
def visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    try:
        actions.do_cancel_visit(request.user, visit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Посещение отменено."))
    return redirect("support:visit_detail", pk=visit.pk)


def visit_file(request: HttpRequest, pk: int) -> Served:
    stored = get_visit_file_for_user(request.user, pk)
    return Served(stored.file, stored.filename)
