"""Registry pages: municipalities, schools, people and their roles."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.audit.log import snapshot
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.db import search
from marshrut.lib.exports import ExportColumn
from marshrut.lib.listing import maybe_export, paginate, query_without
from marshrut.orgs import access
from marshrut.orgs.actions import (
    do_create_account,
    do_end_membership,
    do_grant_role,
    do_save_municipality,
    do_save_person,
    do_save_region,
    do_save_school,
)
from marshrut.orgs.context import current_region, holds_on_region, in_region
from marshrut.orgs.forms import (
    AccountForm,
    MembershipForm,
    MunicipalityFilter,
    MunicipalityForm,
    PersonFilter,
    PersonForm,
    RegionForm,
    SchoolContactsForm,
    SchoolFilter,
    SchoolForm,
)
from marshrut.orgs.models import (
    Membership,
    Municipality,
    Person,
    School,
    get_membership_for_user,
    get_municipality_for_user,
    get_person_for_user,
    get_school_for_user,
)
from marshrut.orgs.roles import ROLES, Cap, Node, Role
from marshrut.web.pages import cached_body, digest

# The templates and code the cached bodies of this module are rendered with.
PAGES_CODE = digest("orgs")


@login_required
def region_edit(request: HttpRequest) -> HttpResponse:
    """The current region's settings, for whoever keeps its registry (the operator)."""
    region = current_region(request, Cap.MUNICIPALITY_EDIT)
    if not holds_on_region(request.user, Cap.MUNICIPALITY_EDIT, region):
        raise PermissionDenied
    before = snapshot(region)
    form = RegionForm(request.POST or None, instance=region)
    if request.method == "POST" and form.is_valid():
        do_save_region(request.user, form.save(commit=False), before=before)
        messages.success(request, _("Настройки региона сохранены."))
        return redirect("orgs:region_edit")
    return render(
        request,
        "orgs/form.html",
        {"form": form, "object": region, "title": region.name, "back": "home"},
        status=400 if form.errors else 200,
    )


def _yes_no(qs: Any, value: str | None, field: str) -> Any:
    if value in ("1", "0"):
        return qs.filter(**{field: value == "1"})
    return qs


# Municipalities -------------------------------------------------------------------------------

MUNICIPALITY_COLUMNS = [
    ExportColumn("Муниципалитет", lambda m: m.name, 40),
    ExportColumn("ОКТМО", lambda m: m.oktmo, 14),
    ExportColumn("Вид", lambda m: m.get_kind_display(), 22),
    ExportColumn("Административный центр", lambda m: m.centre, 25),
    ExportColumn("Школ", lambda m: m.school_count, 8),
    ExportColumn("Действует", lambda m: m.is_active, 10),
]


@login_required
def municipality_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.MUNICIPALITY_VIEW)
    form = MunicipalityFilter(request.GET)
    qs: Any = (
        in_region(request, Municipality.objects.for_user(request.user))
        .annotate(
            school_count=Count(
                "schools",
                filter=Q(schools__in=School.objects.for_user(request.user).active()),
            )
        )
        .order_by("name")
    )
    qs = search(qs, form.value("q"), ["name", "oktmo", "centre"])
    if form.value("kind"):
        qs = qs.filter(kind=form.value("kind"))
    exported = maybe_export(request, qs, MUNICIPALITY_COLUMNS, "municipalities", "Муниципалитеты")
    if exported:
        return exported
    return render(
        request,
        "orgs/municipality_list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "query": query_without(request, "page", "export"),
            "can_create": bool(access.grant(request.user, Cap.MUNICIPALITY_EDIT)),
        },
    )


@login_required
def municipality_detail(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_municipality_for_user(request.user, pk)
    schools = School.objects.for_user(request.user).filter(municipality=municipality)
    coordinators = (
        Membership.objects.active()
        .filter(municipality=municipality, role=Role.MUNICIPAL_COORDINATOR)
        .filter(person__in=Person.objects.for_user(request.user))
        .select_related("person")
    )
    return render(
        request,
        "orgs/municipality_detail.html",
        {
            "municipality": municipality,
            "schools": schools,
            "coordinators": coordinators,
            "neighbours": municipality.neighbours.all(),
            "can_edit": access.can_on_municipality(
                request.user, Cap.MUNICIPALITY_EDIT, municipality
            ),
        },
    )


def _municipality_form(request: HttpRequest, instance: Municipality | None) -> HttpResponse:
    region = instance.region if instance else current_region(request, Cap.MUNICIPALITY_EDIT)
    before = snapshot(instance) if instance else None
    form = MunicipalityForm(request.POST or None, instance=instance, region=region)
    status = 200
    if request.method == "POST" and form.is_valid():
        municipality = form.save(commit=False)
        try:
            do_save_municipality(request.user, municipality, before=before, version=form.version)
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        else:
            form.save_m2m()
            messages.success(request, _("Муниципалитет сохранён."))
            return redirect("orgs:municipality_detail", pk=municipality.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "object": instance,
            "title": instance or _("Новый муниципалитет"),
            "back": "orgs:municipality_list",
        },
        status=status,
    )


@login_required
def municipality_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.MUNICIPALITY_EDIT)
    return _municipality_form(request, None)


@login_required
def municipality_edit(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_municipality_for_user(request.user, pk)
    if not access.can_on_municipality(request.user, Cap.MUNICIPALITY_EDIT, municipality):
        raise PermissionDenied
    return _municipality_form(request, municipality)


# Schools --------------------------------------------------------------------------------------

SCHOOL_COLUMNS = [
    ExportColumn("Муниципалитет", lambda s: s.municipality.name, 28),
    ExportColumn("Краткое наименование", lambda s: s.short_name, 30),
    ExportColumn("Полное наименование", lambda s: s.full_name, 60),
    ExportColumn("ИНН", lambda s: s.inn, 13),
    ExportColumn("ОГРН", lambda s: s.ogrn or "", 16),
    ExportColumn("Тип ОО", lambda s: s.get_kind_display(), 24),
    ExportColumn("Местность", lambda s: s.get_settlement_display(), 12),
    ExportColumn("Уровни образования", lambda s: ", ".join(s.levels), 16),
    ExportColumn("Обучаются дети с ОВЗ", lambda s: s.teaches_ovz, 10),
    ExportColumn("Число обучающихся", lambda s: s.pupils, 10),
    ExportColumn("ШНОР", lambda s: s.is_shnor, 8),
    ExportColumn("РИП", lambda s: s.is_rip, 8),
    ExportColumn("Пилотная", lambda s: s.is_pilot, 8),
    ExportColumn("Адрес", lambda s: s.address, 40),
    ExportColumn("Телефон", lambda s: s.phone, 18),
    ExportColumn("E-mail", lambda s: s.email, 26),
    ExportColumn("Сайт", lambda s: s.website, 26),
    ExportColumn("Действует", lambda s: s.is_active, 10),
]


def filter_schools(user: Any, form: SchoolFilter) -> Any:
    qs: Any = School.objects.for_user(user).select_related("municipality")
    qs = search(qs, form.value("q"), ["short_name", "full_name", "inn", "address"])
    if form.value("municipality"):
        qs = qs.filter(municipality=form.value("municipality"))
    for name in ("kind", "settlement"):
        if form.value(name):
            qs = qs.filter(**{name: form.value(name)})
    if form.value("level") in ("noo", "ooo", "soo"):
        qs = qs.filter(**{f"offers_{form.value('level')}": True})
    for name, field in (
        ("shnor", "is_shnor"),
        ("rip", "is_rip"),
        ("pilot", "is_pilot"),
        ("ovz", "teaches_ovz"),
        ("active", "is_active"),
    ):
        qs = _yes_no(qs, form.value(name), field)
    return qs


@login_required
def school_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.SCHOOL_VIEW)

    def listing() -> tuple[SchoolFilter, Any]:
        form = SchoolFilter(request.GET or {"active": "1"}, user=request.user)
        field: Any = form.fields["municipality"]
        field.queryset = in_region(request, field.queryset)  # the chosen region's only
        return form, in_region(request, filter_schools(request.user, form), "municipality__region")

    if "export" in request.GET:
        exported = maybe_export(request, listing()[1], SCHOOL_COLUMNS, "schools", "Реестр школ")
        if exported:
            return exported

    def context() -> dict[str, Any]:
        form, qs = listing()
        return {
            "form": form,
            "page": paginate(request, qs),
            "query": query_without(request, "page", "export"),
            "can_create": bool(access.grant(request.user, Cap.SCHOOL_MANAGE)),
        }

    # The list changes only with the registry (schools, municipalities, regions): its generation,
    # the user's scope, the chosen region and the query are the key (marshrut/web/pages.py); the
    # filter form and the query are built only when the body is rendered.
    body = cached_body(
        request,
        "orgs.school_list",
        code=PAGES_CODE,
        tables=("registry",),
        parts=(),
        template="orgs/_school_list.html",
        context=context,
    )
    return render(request, "orgs/school_list.html", {"body": body})


@login_required
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_school_for_user(request.user, pk)
    team = (
        Membership.objects.active()
        .filter(Q(school=school) | Q(schools=school))
        .filter(person__in=Person.objects.for_user(request.user))
        .select_related("person")
        .distinct()
    )
    return render(
        request,
        "orgs/school_detail.html",
        {
            "school": school,
            "team": team,
            "can_edit": access.can_on_school(request.user, Cap.SCHOOL_EDIT, school),
        },
    )


def _school_form(request: HttpRequest, instance: School | None, full: bool) -> HttpResponse:
    before = snapshot(instance) if instance else None
    form: SchoolForm | SchoolContactsForm
    if full:
        form = SchoolForm(request.POST or None, instance=instance, user=request.user)
    else:
        form = SchoolContactsForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST" and form.is_valid():
        school = form.save(commit=False)
        try:
            do_save_school(request.user, school, before=before, version=form.version)
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Сведения о школе сохранены."))
            return redirect("orgs:school_detail", pk=school.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "object": instance,
            "title": instance or _("Новая школа"),
            "back": "orgs:school_list",
        },
        status=status,
    )


@login_required
def school_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.SCHOOL_MANAGE)
    return _school_form(request, None, full=True)


@login_required
def school_edit(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_school_for_user(request.user, pk)
    if access.can_on_school(request.user, Cap.SCHOOL_MANAGE, school):
        return _school_form(request, school, full=True)
    if access.can_on_school(request.user, Cap.SCHOOL_EDIT, school):
        return _school_form(request, school, full=False)
    raise PermissionDenied


# People ---------------------------------------------------------------------------------------


def _roles_text(person: Any) -> str:
    return "; ".join(str(m) for m in person.active_memberships)


PERSON_COLUMNS = [
    ExportColumn("Фамилия", lambda p: p.last_name, 18),
    ExportColumn("Имя", lambda p: p.first_name, 16),
    ExportColumn("Отчество", lambda p: p.middle_name, 18),
    ExportColumn("Должность", lambda p: p.position, 30),
    ExportColumn("Место работы", lambda p: p.school.short_name if p.school else p.workplace, 30),
    ExportColumn("Муниципалитет", lambda p: p.municipality.name if p.municipality else "", 26),
    ExportColumn("E-mail", lambda p: p.email, 28),
    ExportColumn("Телефон", lambda p: p.phone, 18),
    ExportColumn("Роли", _roles_text, 40),
    ExportColumn("ЕРКР", lambda p: p.in_reserve, 8),
    ExportColumn("Резерв на должность", lambda p: p.reserve_position, 24),
]


def filter_people(user: Any, form: PersonFilter) -> Any:
    qs: Any = (
        Person.objects.for_user(user)
        .select_related("municipality", "school")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.active().select_related(
                    "region", "municipality", "school"
                ),
                to_attr="active_memberships",
            )
        )
    )
    qs = search(
        qs,
        form.value("q"),
        ["last_name", "first_name", "middle_name", "email", "position", "workplace"],
    )
    if form.value("role"):
        qs = qs.filter(
            memberships__in=Membership.objects.active().filter(role=form.value("role"))
        ).distinct()
    if form.value("municipality"):
        qs = qs.filter(municipality=form.value("municipality"))
    qs = _yes_no(qs, form.value("reserve"), "in_reserve")
    if form.value("account") in ("1", "0"):
        qs = qs.filter(user__isnull=form.value("account") == "0")
    return qs


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.PERSON_VIEW)
    form = PersonFilter(request.GET, user=request.user)
    qs = in_region(request, filter_people(request.user, form))
    exported = maybe_export(request, qs, PERSON_COLUMNS, "people", "Люди и роли")
    if exported:
        return exported
    return render(
        request,
        "orgs/person_list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "query": query_without(request, "page", "export"),
            "can_create": bool(access.grant(request.user, Cap.PERSON_EDIT)),
        },
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    can_manage = access.can_on_person(request.user, Cap.MEMBERSHIP_MANAGE, person)
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "memberships": person.memberships.select_related("region", "municipality", "school")
            .prefetch_related("schools")
            .order_by("-ended_on", "role"),
            "can_edit": access.can_on_person(request.user, Cap.PERSON_EDIT, person),
            "can_manage": can_manage,
            "account_form": AccountForm() if can_manage and not person.user_id else None,
        },
    )


def _person_form(request: HttpRequest, instance: Person | None) -> HttpResponse:
    region = (instance.region if instance else None) or current_region(request, Cap.PERSON_EDIT)
    before = snapshot(instance) if instance else None
    form = PersonForm(request.POST or None, instance=instance, user=request.user, region=region)
    status = 200
    if request.method == "POST" and form.is_valid():
        person = form.save(commit=False)
        try:
            do_save_person(request.user, person, before=before, version=form.version)
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        else:
            messages.success(request, _("Сведения о человеке сохранены."))
            return redirect("orgs:person_detail", pk=person.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "object": instance,
            "title": instance or _("Новый человек"),
            "back": "orgs:person_list",
        },
        status=status,
    )


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.PERSON_EDIT)
    return _person_form(request, None)


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if not access.can_on_person(request.user, Cap.PERSON_EDIT, person):
        raise PermissionDenied
    return _person_form(request, person)


@login_required
@require_POST
def person_account(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if not access.can_on_person(request.user, Cap.MEMBERSHIP_MANAGE, person):
        raise PermissionDenied
    form = AccountForm(request.POST)
    if form.is_valid():
        try:
            do_create_account(request.user, person, form.cleaned_data["username"], request=request)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(
                request, _("Учётная запись создана; письмо со ссылкой для входа отправлено.")
            )
    else:
        messages.error(
            request, _("Имя пользователя: латинские буквы, цифры, дефис и подчёркивание.")
        )
    return redirect("orgs:person_detail", pk=person.pk)


@login_required
def membership_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if not access.can_on_person(request.user, Cap.MEMBERSHIP_MANAGE, person):
        raise PermissionDenied
    form = MembershipForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        node = ROLES[data["role"]].node
        try:
            do_grant_role(
                request.user,
                person,
                data["role"],
                region=person.region if node in (Node.REGION, Node.ASSIGNED) else None,
                municipality=data["municipality"] if node == Node.MUNICIPALITY else None,
                school=data["school"] if node == Node.SCHOOL else None,
                schools=data["schools"] if node == Node.ASSIGNED else [],
                started_on=data["started_on"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Роль назначена."))
            return redirect("orgs:person_detail", pk=person.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "object": person,
            "title": _("Назначить роль: %(p)s") % {"p": person},
            "back": "orgs:person_list",
            "roles": ROLES.values(),
        },
    )


@login_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_membership_for_user(request.user, pk)
    do_end_membership(request.user, membership)
    messages.success(request, _("Роль снята."))
    return redirect("orgs:person_detail", pk=membership.person_id)
