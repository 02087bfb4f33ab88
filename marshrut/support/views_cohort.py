"""The cohort pages: the schools of the year, a school's results over the years, the selection
rule and its proposals, and the management team (curators, mentors, municipal coordinators)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marshrut.lib.concurrency import StaleEdit, VersionedFormMixin
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.forms import StyledMixin
from marshrut.lib.listing import FilterForm, export_format, query_without
from marshrut.orgs import access
from marshrut.orgs.context import current_region, holds_on_region
from marshrut.orgs.models import Membership, Municipality, Person, Region, School
from marshrut.orgs.roles import Cap, Role
from marshrut.support import actions_cohort as actions
from marshrut.support import cohort_queries as queries
from marshrut.support.models import Participation
from marshrut.support.models.assessments import Assessment, AssessmentResult, CandidateTest
from marshrut.support.views import programme_year

TEAM_ROLES = (Role.CURATOR, Role.MENTOR)


def _can_manage(request: HttpRequest, region: Region) -> bool:
    return holds_on_region(request.user, Cap.SHNOR_MANAGE, region)


def _require_manage(request: HttpRequest) -> Region:
    region = current_region(request, Cap.SHNOR_MANAGE)
    if not _can_manage(request, region):
        raise PermissionDenied
    return region


def _year_url(name: str, year: int, **kwargs: Any) -> str:
    return f"{reverse(name, kwargs=kwargs or None)}?year={year}"


# --- the cohort of the year ------------------------------------------------------------------


class CohortFilter(FilterForm):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Муниципалитет"),
        queryset=Municipality.objects.none(),
        empty_label=gettext_lazy("все"),
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Основание"), choices=[("", "все"), *Participation.Source.choices]
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Статус"),
        choices=[
            ("", "все"),
            ("current", gettext_lazy("в программе")),
            ("left", gettext_lazy("вышли")),
            ("recovered", gettext_lazy("результаты восстановились")),
        ],
    )
    years = forms.ChoiceField(
        label=gettext_lazy("Лет в программе"),
        choices=[("", "все"), ("1", "1"), ("2", "2"), ("3", gettext_lazy("3 и больше"))],
    )

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(  # type: ignore[attr-defined]
            region=region
        ).order_by("name")
        self.fields["q"].label = gettext_lazy("Школа или ИНН")


EXPORT_COLUMNS = [
    ExportColumn("Муниципалитет", lambda r: r.school.municipality.name, 28),
    ExportColumn("Школа", lambda r: r.school.short_name, 40),
    ExportColumn("ИНН", lambda r: r.school.inn, 14),
    ExportColumn("Основание", lambda r: r.participation.get_source_display(), 30),
    ExportColumn("Дата включения", lambda r: r.participation.entered_on, 14),
    ExportColumn("Причина включения", lambda r: r.participation.entry_reason, 40),
    ExportColumn("Дата выхода", lambda r: r.participation.left_on, 14),
    ExportColumn("Причина выхода", lambda r: r.participation.exit_reason, 40),
    ExportColumn("Лет в программе", lambda r: r.years, 10),
    ExportColumn("Условие выхода", lambda r: r.exit_label, 30),
]


def _cohort(request: HttpRequest, region: Region, year: int) -> QuerySet[Participation]:
    return (
        Participation.objects.for_user(request.user)
        .in_region(region)
        .of_year(year)
        .select_related("school__municipality")
    )


@login_required
def cohort(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.SHNOR_VIEW)
    region = current_region(request, Cap.SHNOR_VIEW)
    year = programme_year(request, region)
    form = CohortFilter(request.GET, region=region)
    qs = _cohort(request, region, year)
    if m := form.value("municipality"):
        qs = qs.filter(school__municipality=m)
    if source := form.value("source"):
        qs = qs.filter(source=source)
    status = form.value("status") or ""
    qs = qs.filter(queries.status_filter(status))
    if q := (form.value("q") or "").strip():
        qs = qs.filter(school__short_name__icontains=q) | qs.filter(school__inn=q)
    stored, rule = queries.rule_of(region)
    rows = queries.cohort_rows(qs, year, rule)
    if status == "recovered":
        rows = [r for r in rows if r.exit.recovered]
    if years := form.value("years"):
        n = int(years)
        rows = [r for r in rows if (r.years >= 3 if n == 3 else r.years == n)]
    if fmt := export_format(request):
        return export_response(
            fmt,
            EXPORT_COLUMNS,
            rows,
            filename=f"shnor-cohort-{year}",
            title=f"Когорта ШНОР {year}: {region.name}",
        )
    lacking = queries.without_team(r.participation for r in rows)
    return render(
        request,
        "support/cohort_list.html",
        {
            "region": region,
            "year": year,
            "form": form,
            "rows": rows,
            "lacking": lacking,
            "query": query_without(request, "export", "page"),
            "can_manage": _can_manage(request, region),
            "rule": stored,
            "tab": "cohort",
        },
    )


# --- one school: results over the years and its participations --------------------------------


def _school_for_user(request: HttpRequest, pk: int) -> School:
    """A school the user sees in the programme (a participation in scope), else 404.

    The region's operator also sees a school that has results but no participation yet: the
    selection page links proposed schools here.
    """
    school = get_object_or_404(School.objects.select_related("municipality__region"), pk=pk)
    if Participation.objects.for_user(request.user).filter(school_id=pk).exists():
        return school
    if holds_on_region(request.user, Cap.SHNOR_MANAGE, school.municipality.region_id):
        return school
    raise Http404


@login_required
def cohort_school(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Cap.SHNOR_VIEW)
    school = _school_for_user(request, pk)
    region = school.municipality.region
    year = programme_year(request, region)
    _stored, rule = queries.rule_of(region)
    shares = queries.selection.shares(queries.results_of([school.pk]))
    by_cell = shares.get(school.pk, {})
    years, table = queries.share_table(by_cell, rule)
    exit_check = queries.selection.exit_check(by_cell, rule, year)
    participations = list(Participation.objects.filter(school=school).order_by("-year"))
    team = (
        Membership.objects.active()
        .filter(role__in=TEAM_ROLES, schools=school)
        .select_related("person")
        .order_by("role")
    )
    results = AssessmentResult.objects.filter(school=school).order_by(
        "-year", "assessment", "subject", "grade"
    )
    return render(
        request,
        "support/cohort_school.html",
        {
            "school": school,
            "region": region,
            "year": year,
            "years": years,
            "table": table,
            "exit": exit_check,
            "triggers": [
                queries.selection.describe(t, queries.LABELS) for t in exit_check.triggers
            ],
            "participations": participations,
            "team": team,
            "results": results,
            "can_manage": _can_manage(request, region),
            "rule": _stored,
            "tab": "cohort",
        },
    )


class ParticipationForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    class Meta:
        model = Participation
        fields = ["entered_on", "entry_reason", "left_on", "exit_reason"]
        widgets = {
            "entered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "left_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "entry_reason": forms.Textarea(attrs={"rows": 2}),
            "exit_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        left, entered = data.get("left_on"), data.get("entered_on")
        if left and not (data.get("exit_reason") or "").strip():
            self.add_error("exit_reason", _("Укажите причину выхода из программы."))
        if left and entered and left < entered:
            self.add_error("left_on", _("Дата выхода раньше даты включения."))
        if not left and (data.get("exit_reason") or "").strip():
            self.add_error("left_on", _("Укажите дату выхода или сотрите причину."))
        return data

    def validate_constraints(self, exclude: Any = None) -> None:
        # The constraints are those the form's clean checks above, in the people's words.
        return None


@login_required
def participation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Entry and exit of a school in the cohort of a year: dates and reasons (operator)."""
    access.require(request.user, Cap.SHNOR_MANAGE)
    participation = get_object_or_404(
        Participation.objects.for_user(request.user, Cap.SHNOR_MANAGE).select_related(
            "school__municipality__region"
        ),
        pk=pk,
    )
    region = participation.school.municipality.region
    if not _can_manage(request, region):
        raise PermissionDenied
    form = ParticipationForm(request.POST or None, instance=participation)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_participation(
                request.user,
                Participation.objects.get(pk=participation.pk),
                form.version,
                {name: form.cleaned_data[name] for name in ParticipationForm.Meta.fields},
            )
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        else:
            messages.success(request, _("Сохранено."))
            return redirect(
                _year_url("support:cohort_school", participation.year, pk=participation.school_id)
            )
    return render(
        request,
        "support/cohort_form.html",
        {
            "form": form,
            "title": f"{participation.school.short_name}: {_('участие в ШНОР')} {participation.year}",
            "back": _year_url(
                "support:cohort_school", participation.year, pk=participation.school_id
            ),
            "tab": "cohort",
        },
        status=status,
    )


class EnterForm(StyledMixin, forms.Form):
    school = forms.ModelChoiceField(label=gettext_lazy("Школа"), queryset=School.objects.none())
    entered_on = forms.DateField(
        label=gettext_lazy("Дата включения"), widget=forms.DateInput(attrs={"type": "date"})
    )
    entry_reason = forms.CharField(
        label=gettext_lazy("Причина включения"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = (  # type: ignore[attr-defined]
            School.objects.filter(municipality__region=region, is_active=True)
            .select_related("municipality")
            .order_by("municipality__name", "short_name")
        )


@login_required
def cohort_add(request: HttpRequest) -> HttpResponse:
    """Put a school into the cohort of the year by the operator's decision."""
    region = _require_manage(request)
    year = programme_year(request, region)
    form = EnterForm(request.POST or None, region=region, initial={"entered_on": region.today()})
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        if Participation.objects.filter(school=school, year=year).exists():
            form.add_error("school", _("Школа уже в когорте %(year)s года.") % {"year": year})
        else:
            actions.do_enter(
                request.user,
                [school],
                year,
                source=Participation.Source.MANUAL,
                entered_on=form.cleaned_data["entered_on"],
                reasons=form.cleaned_data["entry_reason"],
            )
            messages.success(request, _("Школа включена в когорту."))
            return redirect(_year_url("support:cohort", year))
    return render(
        request,
        "support/cohort_form.html",
        {
            "form": form,
            "title": _("Включить школу в когорту %(year)s года") % {"year": year},
            "back": _year_url("support:cohort", year),
            "tab": "cohort",
        },
    )


# --- the selection rule and its proposals ----------------------------------------------------


class RuleForm(StyledMixin, forms.Form):
    threshold = forms.DecimalField(
        label=gettext_lazy("Порог доли «2», %"),
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        decimal_places=2,
        localize=True,
    )
    assessments = forms.MultipleChoiceField(
        label=gettext_lazy("Учитываемые процедуры"),
        choices=Assessment.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessments"].widget.attrs["class"] = "form-check-input"


@login_required
def selection_page(request: HttpRequest) -> HttpResponse:
    """The rule's proposals for the year with the reason per school; the operator accepts them."""
    region = _require_manage(request)
    year = programme_year(request, region)
    stored, rule = queries.rule_of(region)
    form = RuleForm(
        request.POST if request.POST.get("action") == "rule" else None,
        initial={
            "threshold": Decimal(stored.threshold).normalize(),
            "assessments": stored.assessments,
            "version": stored.version if stored.pk else None,
        },
    )
    status = 200
    if request.method == "POST" and request.POST.get("action") == "rule":
        if form.is_valid():
            try:
                actions.do_set_rule(
                    request.user,
                    region,
                    form.cleaned_data["version"],
                    form.cleaned_data["threshold"],
                    form.cleaned_data["assessments"],
                )
            except StaleEdit:
                form.add_error(
                    None,
                    _(
                        "Правило изменил другой пользователь, пока вы его редактировали. Ваши "
                        "изменения не сохранены: обновите страницу."
                    ),
                )
                status = 409
            else:
                messages.success(request, _("Правило отбора сохранено."))
                return redirect(_year_url("support:selection", year))
        else:
            status = 400
    found = queries.proposals(region, year, rule)
    if request.method == "POST" and request.POST.get("action") == "accept":
        chosen = {int(pk) for pk in request.POST.getlist("school") if pk.isdigit()}
        accepted = [p for p in found if p.school.pk in chosen]
        if not accepted:
            messages.warning(request, _("Не выбрано ни одной школы."))
        else:
            actions.do_enter(
                request.user,
                [p.school for p in accepted],
                year,
                source=Participation.Source.RULE,
                entered_on=region.today(),
                reasons={p.school.pk: p.reason for p in accepted},
            )
            messages.success(
                request,
                _("Включено в когорту %(year)s года: %(n)s.") % {"year": year, "n": len(accepted)},
            )
            return redirect(_year_url("support:cohort", year))
    return render(
        request,
        "support/cohort_selection.html",
        {
            "region": region,
            "year": year,
            "form": form,
            "proposals": found,
            "rule": stored,
            "window": (year - 2, year - 1),
            "tab": "selection",
        },
        status=status,
    )


# --- the management team ---------------------------------------------------------------------


class AssignForm(StyledMixin, forms.Form):
    membership = forms.ModelChoiceField(
        label=gettext_lazy("Куратор или наставник"), queryset=Membership.objects.none()
    )
    school = forms.ModelChoiceField(
        label=gettext_lazy("Школа когорты"), queryset=School.objects.none()
    )

    def __init__(self, *args: Any, members: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = members  # type: ignore[attr-defined]
        field.label_from_instance = lambda m: f"{m.person.full_name} — {m.get_role_display()}"  # type: ignore[attr-defined]
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]


class OrderForm(StyledMixin, forms.Form):
    order_number = forms.CharField(label=gettext_lazy("Номер приказа"), max_length=50)
    order_date = forms.DateField(
        label=gettext_lazy("Дата приказа"), widget=forms.DateInput(attrs={"type": "date"})
    )


class TestForm(StyledMixin, forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Кандидат"), queryset=Person.objects.none())
    role = forms.ChoiceField(label=gettext_lazy("Кандидат в"), choices=CandidateTest.ROLES)
    score = forms.IntegerField(label=gettext_lazy("Балл"), min_value=0, max_value=1000)
    max_score = forms.IntegerField(
        label=gettext_lazy("Наибольший балл"), min_value=1, max_value=1000, initial=100
    )
    tested_on = forms.DateField(
        label=gettext_lazy("Дата тестирования"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("score") is not None
            and data.get("max_score")
            and data["score"] > data["max_score"]
        ):
            self.add_error("score", _("Балл больше наибольшего."))
        return data


def _team_members(region: Region) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(role__in=TEAM_ROLES, region=region, person__is_active=True)
        .select_related("person")
        .order_by("role", "person__last_name", "person__first_name")
    )


def _appointable(region: Region) -> QuerySet[Membership]:
    """The team whose appointment orders are recorded: curators, mentors, municipal coordinators."""
    return Membership.objects.active().filter(
        Q(role__in=TEAM_ROLES, region=region)
        | Q(role=Role.MUNICIPAL_COORDINATOR, municipality__region=region),
        person__is_active=True,
    )


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """Curators and mentors with their cohort schools, municipal coordinators, gaps, orders."""
    access.require(request.user, Cap.SHNOR_VIEW)
    region = current_region(request, Cap.SHNOR_VIEW)
    year = programme_year(request, region)
    cohort = list(_cohort(request, region, year).filter(left_on__isnull=True))
    cohort_ids = {p.school_id for p in cohort}
    can_manage = _can_manage(request, region)
    members = list(
        _team_members(region)
        .prefetch_related("schools__municipality")
        .select_related("shnor_appointment")
        if can_manage
        else _team_members(region)
        .filter(schools__in=cohort_ids)
        .distinct()
        .prefetch_related("schools__municipality")
        .select_related("shnor_appointment")
    )
    # Candidates' scores are the operator's: others see the team, not how its members tested.
    tests = (
        {
            (t.person_id, t.role): t
            for t in CandidateTest.objects.select_related("person").filter(
                person__region=region, year=year
            )
        }
        if can_manage
        else {}
    )
    for m in members:
        m.cohort_schools = [s for s in m.schools.all() if s.pk in cohort_ids]  # type: ignore[attr-defined]
        m.test = tests.get((m.person_id, m.role))  # type: ignore[attr-defined]
        m.appointment = getattr(m, "shnor_appointment", None)  # type: ignore[attr-defined]
    lacking = queries.without_team(cohort)
    municipalities = {p.school.municipality_id for p in cohort}
    coordinators = (
        Membership.objects.active()
        .filter(role=Role.MUNICIPAL_COORDINATOR, municipality__in=municipalities)
        .select_related("person", "municipality", "shnor_appointment")
        .order_by("municipality__name")
    )
    context: dict[str, Any] = {
        "region": region,
        "year": year,
        "members": members,
        "coordinators": coordinators,
        "lacking": [(p, lacking[p.school_id]) for p in cohort if p.school_id in lacking],
        "can_manage": can_manage,
        "tests": sorted(tests.values(), key=lambda t: (t.role, -t.score)) if can_manage else [],
        "tab": "team",
    }
    if can_manage:
        members_qs = _team_members(region)
        schools_qs = School.objects.filter(pk__in=cohort_ids).order_by("short_name")
        context["assign_form"] = AssignForm(members=members_qs, schools=schools_qs)
        context["test_form"] = TestForm(
            people=Person.objects.filter(region=region, is_active=True).order_by("last_name"),
            initial={"tested_on": region.today()},
        )
    return render(request, "support/cohort_team.html", context)


@login_required
@require_POST
def team_assign(request: HttpRequest) -> HttpResponse:
    region = _require_manage(request)
    year = programme_year(request, region)
    cohort_ids = Participation.objects.in_region(region).of_year(year).values("school_id")
    form = AssignForm(
        request.POST,
        members=_team_members(region),
        schools=School.objects.filter(pk__in=cohort_ids),
    )
    if not form.is_valid():
        messages.error(request, _("Выберите куратора или наставника и школу когорты."))
    else:
        assign = request.POST.get("action") != "unassign"
        actions.do_assign(
            request.user,
            form.cleaned_data["membership"],
            form.cleaned_data["school"],
            assign=assign,
        )
        messages.success(request, _("Закреплено.") if assign else _("Откреплено."))
    return redirect(_year_url("support:team", year))


@login_required
@require_POST
def team_order(request: HttpRequest, pk: int) -> HttpResponse:
    region = _require_manage(request)
    year = programme_year(request, region)
    membership = get_object_or_404(_appointable(region), pk=pk)
    form = OrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите номер и дату приказа."))
    else:
        actions.do_record_order(
            request.user,
            membership,
            form.cleaned_data["order_number"],
            form.cleaned_data["order_date"],
        )
        messages.success(request, _("Приказ записан."))
    return redirect(_year_url("support:team", year))


@login_required
@require_POST
def team_test(request: HttpRequest) -> HttpResponse:
    region = _require_manage(request)
    year = programme_year(request, region)
    form = TestForm(request.POST, people=Person.objects.filter(region=region, is_active=True))
    if not form.is_valid():
        messages.error(
            request,
            _("Результат тестирования не записан: %(e)s")
            % {"e": "; ".join(str(e) for errors in form.errors.values() for e in errors)},
        )
    else:
        d = form.cleaned_data
        actions.do_record_test(
            request.user, d["person"], d["role"], year, d["score"], d["max_score"], d["tested_on"]
        )
        messages.success(request, _("Результат тестирования записан."))
    return redirect(_year_url("support:team", year))
