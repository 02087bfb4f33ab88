"""Pages of the library: the list with search and filters (and the offers for a school's deficits),
a practice's card with its materials, moderation and adopters, the form, the moderation queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.audit.log import snapshot
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.files import Served
from marshrut.lib.listing import PAGE_SIZE, export_format, query_without
from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.models import Municipality, Person, School
from marshrut.orgs.roles import Cap
from marshrut.practices import actions, queries
from marshrut.practices.forms import (
    AdoptForm,
    MaterialForm,
    ModerateForm,
    PracticeFilter,
    PracticeForm,
)
from marshrut.practices.models import (
    Adoption,
    Material,
    Practice,
    Status,
    adopting_schools,
    can_edit,
    can_moderate,
    can_submit,
    get_material_for_user,
    get_practice_for_user,
    get_practice_to_edit,
)


def _results_text(p: Practice) -> str:
    return "; ".join(
        f"{r['what']}: {'' if r.get('before') is None else str(r['before']) + ' → '}"
        f"{r['after']} {r.get('unit') or ''}".strip()
        for r in p.results
    )


COLUMNS = [
    ExportColumn("№", lambda p: p.pk, 6),
    ExportColumn("Практика", lambda p: p.title, 50),
    ExportColumn("Школа-автор", lambda p: p.school.short_name, 30),
    ExportColumn("Муниципалитет", lambda p: p.municipality.name, 25),
    ExportColumn("Направления", lambda p: ", ".join(p.direction_names), 30),
    ExportColumn("Показатели", lambda p: ", ".join(p.indicators), 20),
    ExportColumn("Уровни образования", lambda p: ", ".join(p.level_names), 30),
    ExportColumn("Результаты", _results_text, 50),
    ExportColumn("Контакт", lambda p: p.contact, 25),
    ExportColumn("Состояние", lambda p: p.get_status_display(), 16),
    ExportColumn("Опубликована", lambda p: p.published_at.date() if p.published_at else None, 12),
    ExportColumn("Внедрили школ", lambda p: getattr(p, "adopters", 0), 10),
]


def _own_school(user: Any, region: Any) -> School | None:
    """The school a school team member works for in the region (the first, if several)."""
    mine = access.own_schools(user, Cap.PRACTICE_ADOPT)
    if not mine:
        return None
    return (
        School.objects.filter(pk__in=mine, municipality__region=region)
        .select_related("municipality")
        .order_by("pk")
        .first()
    )


@login_required
def practice_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = current_region(request, Cap.PRACTICE_VIEW)
    catalogue = queries.region_catalogue(region)
    scope = Practice.objects.for_user(user).filter(region=region)
    form = PracticeFilter(
        request.GET,
        municipalities=Municipality.objects.filter(region=region),
        catalogue=catalogue,
    )
    filters = {name: form.value(name) for name in queries.FILTERS}
    filters["status"] = filters["status"] or Status.PUBLISHED
    text = (form.value("q") or "").strip()
    found = queries.ranked(queries.filtered(scope, filters), text)
    if export_format(request):
        rows = queries.in_order([pk for pk, _rank in found])
        counts = queries.adoption_counts(p.pk for p in rows)
        for p in rows:
            p.adopters = counts.get(p.pk, 0)  # type: ignore[attr-defined]
        return export_response(
            export_format(request) or "xlsx",
            COLUMNS,
            rows,
            filename="practices",
            title="Библиотека лучших практик",
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    hits = queries.hits_for(list(page.object_list), text)
    counts = queries.adoption_counts(h.practice.pk for h in hits)
    for h in hits:
        h.practice.adopters = counts.get(h.practice.pk, 0)  # type: ignore[attr-defined]
    school = _own_school(user, region)
    offers = queries.offers_for_school(school, limit=6) if school is not None else []
    own = (
        Practice.objects.filter(school=school).exclude(status=Status.PUBLISHED).order_by("-pk")
        if school is not None
        else Practice.objects.none()
    )
    moderator = access.grant(user, Cap.PRACTICE_MODERATE).covers(region.pk, None, None)
    return render(
        request,
        "practices/practice_list.html",
        {
            "form": form,
            "page": page,
            "hits": hits,
            "query": query_without(request, "page", "export"),
            "text": text,
            "school": school,
            "offers": offers,
            "own": own,
            "can_create": bool(
                School.objects.for_user(user, Cap.PRACTICE_SUBMIT)
                .filter(municipality__region=region)
                .exists()
            ),
            "queue": queries.moderation_queue(scope).count() if moderator else None,
        },
    )


def _form(request: HttpRequest, region: Any, instance: Practice) -> PracticeForm:
    user: Any = request.user
    schools = School.objects.for_user(user, Cap.PRACTICE_SUBMIT).filter(municipality__region=region)
    if instance.pk:
        schools = School.objects.filter(pk=instance.school_id)
    people = Person.objects.filter(school__in=schools, is_active=True)
    return PracticeForm(
        request.POST or None,
        instance=instance,
        schools=schools,
        people=people,
        catalogue=queries.region_catalogue(region),
    )


def _render_form(
    request: HttpRequest, form: PracticeForm, title: str, back: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "practices/practice_form.html",
        {"form": form, "title": title, "back": back},
        status=status,
    )


@login_required
def practice_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = current_region(request, Cap.PRACTICE_SUBMIT)
    form = _form(request, region, Practice(region=region))
    if request.method == "POST" and form.is_valid():
        practice = form.save(commit=False)
        actions.do_save_practice(user, practice, authors=form.cleaned_data["authors"])
        messages.success(
            request,
            _("Черновик практики сохранён. Отправьте его на модерацию, когда он будет готов."),
        )
        return redirect("practices:practice_detail", pk=practice.pk)
    return _render_form(
        request,
        form,
        _("Новая практика"),
        reverse("practices:practice_list"),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    practice = get_practice_to_edit(user, pk)
    before = snapshot(practice)
    form = _form(request, practice.region, practice)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.do_save_practice(
                    user,
                    form.save(commit=False),
                    authors=form.cleaned_data["authors"],
                    before=before,
                    version=form.version,
                )
            except StaleEdit as e:
                form.refuse(e)
                status = 409
            else:
                messages.success(request, _("Практика сохранена."))
                return redirect("practices:practice_detail", pk=practice.pk)
    return _render_form(
        request,
        form,
        practice.title,
        reverse("practices:practice_detail", args=[practice.pk]),
        status=status,
    )


def _detail(request: HttpRequest, practice: Practice, **forms: Any) -> HttpResponse:
    user: Any = request.user
    status = forms.pop("status", 200)
    catalogue = queries.region_catalogue(practice.region_id)
    texts = {c: i.text for c, i in catalogue.indicators.items()} if catalogue else {}
    schools = adopting_schools(user, practice)
    adopt_form = forms.get("adopt_form")
    if adopt_form is None and schools.exists():
        first = schools.order_by("short_name").first()
        deficits = queries.deficit_codes(first) if first is not None else set()
        adopt_form = AdoptForm(
            schools=schools,
            choices=_adopt_choices(practice, texts),
            initial={
                "indicators": [c for c in practice.indicators if c in deficits]
                or list(practice.indicators),
                "adopted_on": practice.region.today(),
            },
        )
    adoptions = list(practice.adoptions.select_related("school__municipality"))
    may_unadopt = access.grant(user, Cap.PRACTICE_ADOPT)
    for a in adoptions:
        a.can_remove = may_unadopt.covers(practice.region_id, a.school.municipality_id, a.school_id)  # type: ignore[attr-defined]
    editable = can_edit(user, practice)
    return render(
        request,
        "practices/practice_detail.html",
        {
            "practice": practice,
            "indicators": [(c, texts.get(c, "")) for c in practice.indicators],
            "authors": practice.authors.all(),
            "materials": practice.materials.all(),
            "reviews": practice.reviews.select_related("by"),
            "adoptions": adoptions,
            "can_edit": editable,
            "can_submit": can_submit(user, practice),
            "can_moderate": can_moderate(user, practice) and practice.status == Status.MODERATION,
            "can_archive": can_moderate(user, practice) and practice.status == Status.PUBLISHED,
            "moderate_form": forms.get("moderate_form")
            or ModerateForm(initial={"version": practice.version}),
            "material_form": forms.get("material_form") or (MaterialForm() if editable else None),
            "adopt_form": adopt_form,
        },
        status=status,
    )


def _adopt_choices(practice: Practice, texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(c, f"{c} — {texts[c][:120]}" if texts.get(c) else c) for c in practice.indicators]


@login_required
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_practice_for_user(request.user, pk))


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _stale(request: HttpRequest, practice: Practice) -> HttpResponse:
    messages.error(
        request,
        _(
            "Пока вы смотрели практику, её изменили. Ничего не сохранено: посмотрите, что изменилось."
        ),
    )
    return redirect("practices:practice_detail", pk=practice.pk)


@login_required
@require_POST
def practice_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    practice = get_practice_for_user(user, pk)
    if not can_submit(user, practice):
        raise PermissionDenied
    try:
        actions.do_submit_practice(user, practice, version=_version(request))
    except StaleEdit:
        return _stale(request, practice)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Практика отправлена на модерацию методистам региона."))
    return redirect("practices:practice_detail", pk=practice.pk)


@login_required
@require_POST
def practice_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    practice = get_practice_for_user(user, pk)
    if not can_moderate(user, practice):
        raise PermissionDenied
    form = ModerateForm(request.POST)
    if not form.is_valid():
        return _detail(request, practice, moderate_form=form, status=400)
    publish = form.cleaned_data["decision"] == "publish"
    try:
        actions.do_moderate_practice(
            user,
            practice,
            publish=publish,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except StaleEdit:
        return _stale(request, practice)
    except ValidationError as e:
        form.add_error(None, e)
        return _detail(request, practice, moderate_form=form, status=400)
    messages.success(
        request,
        _("Практика опубликована.") if publish else _("Практика возвращена школе с замечаниями."),
    )
    return redirect("practices:moderation_queue")


@login_required
@require_POST
def practice_archive(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    practice = get_practice_for_user(user, pk)
    if not can_moderate(user, practice):
        raise PermissionDenied
    try:
        actions.do_archive_practice(
            user, practice, comment=request.POST.get("comment", ""), version=_version(request)
        )
    except StaleEdit:
        return _stale(request, practice)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Практика убрана в архив."))
    return redirect("practices:practice_detail", pk=practice.pk)


@login_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = current_region(request, Cap.PRACTICE_MODERATE)
    scope = Practice.objects.for_user(user).filter(region=region)
    return render(
        request,
        "practices/moderation_queue.html",
        {
            "queue": queries.moderation_queue(scope),
            "returned": scope.filter(status=Status.RETURNED)
            .select_related("school", "municipality")
            .order_by("-pk"),
        },
    )


@login_required
@require_POST
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    practice = get_practice_to_edit(user, pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, practice, material_form=form, status=400)
    try:
        actions.do_add_material(
            user,
            practice,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            url=form.cleaned_data["url"],
        )
    except ValidationError as e:
        form.add_error(None, e)
        return _detail(request, practice, material_form=form, status=400)
    messages.success(request, _("Материал добавлен."))
    return redirect("practices:practice_detail", pk=practice.pk)


@login_required
@require_POST
def material_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    material = get_object_or_404(
        Material.objects.filter(practice__in=Practice.objects.for_user(user)), pk=pk
    )
    practice = get_practice_to_edit(user, material.practice_id)
    actions.do_remove_material(user, material)
    messages.success(request, _("Материал удалён."))
    return redirect("practices:practice_detail", pk=practice.pk)


def material_file(request: HttpRequest, pk: int) -> Served:
    material = get_material_for_user(request.user, pk)
    return Served(material.file, material.filename)


@login_required
@require_POST
def practice_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    practice = get_practice_for_user(user, pk)
    schools = adopting_schools(user, practice)
    if not schools.exists():
        raise PermissionDenied
    catalogue = queries.region_catalogue(practice.region_id)
    texts = {c: i.text for c, i in catalogue.indicators.items()} if catalogue else {}
    form = AdoptForm(request.POST, schools=schools, choices=_adopt_choices(practice, texts))
    if not form.is_valid():
        return _detail(request, practice, adopt_form=form, status=400)
    data = form.cleaned_data
    try:
        actions.do_adopt_practice(
            user,
            practice,
            data["school"],
            indicators=data["indicators"],
            adopted_on=data["adopted_on"],
            note=data["note"],
        )
    except ValidationError as e:
        form.add_error(None, e)
        return _detail(request, practice, adopt_form=form, status=400)
    messages.success(
        request, _("Отмечено: практику внедряет %(s)s.") % {"s": data["school"].short_name}
    )
    return redirect("practices:practice_detail", pk=practice.pk)


@login_required
@require_POST
def adoption_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    adoption = get_object_or_404(
        Adoption.objects.filter(practice__in=Practice.objects.for_user(user)).select_related(
            "practice", "school__municipality"
        ),
        pk=pk,
    )
    school = adoption.school
    if not access.grant(user, Cap.PRACTICE_ADOPT).covers(
        school.municipality.region_id, school.municipality_id, school.pk
    ):
        raise PermissionDenied
    actions.do_unadopt_practice(user, adoption)
    messages.success(request, _("Отметка о внедрении снята."))
    return redirect("practices:practice_detail", pk=adoption.practice_id)
