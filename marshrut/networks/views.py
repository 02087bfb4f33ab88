"""Pages of the networks: project groups and designated sites.

Access: ``network.view`` shows groups and sites — the whole region to regional roles; a municipal
coordinator sees the groups with members from the municipality (and those members by name) and the
region's sites (with visitors from the municipality's schools). ``network.manage`` (the operator,
the methodologists) edits them. A group's documents are downloaded by whoever sees the group; the
results of their discussion are shown on the group page as counts and means (the surveys app's
small-group rule holds: fewer than five answers show nothing but the count).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.audit.log import snapshot
from marshrut.events.models import Event
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.files import Served
from marshrut.lib.listing import export_format, paginate, query_without
from marshrut.networks import actions, queries
from marshrut.networks.forms import (
    GroupFilter,
    GroupForm,
    MemberForm,
    SiteFilter,
    SiteForm,
    StageForm,
)
from marshrut.networks.models import (
    GroupDocument,
    GroupMember,
    GroupStage,
    ProjectGroup,
    Site,
    get_group_for_user,
    get_site_for_user,
)
from marshrut.orgs import access
from marshrut.orgs.context import by_region_date, current_region, holds_on_region, in_region
from marshrut.orgs.models import Region
from marshrut.orgs.roles import Cap
from marshrut.surveys.forms import DocumentForm
from marshrut.surveys.models import MIN_GROUP
from marshrut.surveys.results import document_summary


def _manages(user: Any, region: Region | int) -> bool:
    return holds_on_region(user, Cap.NETWORK_MANAGE, region)


def _require_manage(user: Any, region: Region | int) -> None:
    if not _manages(user, region):
        raise PermissionDenied


def _form_page(
    request: HttpRequest,
    form: Any,
    title: Any,
    back: str,
    *,
    status: int = 200,
    multipart: bool = False,
) -> HttpResponse:
    return render(
        request,
        "networks/form.html",
        {"form": form, "title": title, "back": back, "multipart": multipart},
        status=status,
    )


# Project groups --------------------------------------------------------------------------------


def _saved(request: HttpRequest, form: Any, save: Callable[[Any], Any]) -> tuple[Any, int]:
    """Save the form's row with ``save``: (the row, 200), or (None, 400 or 409) with the refusal
    or the error in the form; (None, 200) when nothing was posted."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400  # the form comes back with errors
    saved = form.save(commit=False)
    try:
        save(saved)
    except StaleEdit as e:
        form.refuse(e)
        return None, 409
    except ValidationError as e:
        form.add_error(None, e)
        return None, 400
    return saved, 200


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.NETWORK_VIEW)
    groups = in_region(request, ProjectGroup.objects.for_user(request.user))
    form = GroupFilter(request.GET)
    if year := form.value("year"):
        groups = groups.filter(year=year)
    if direction := form.value("direction"):
        groups = groups.filter(direction=direction)
    rows = queries.group_rows(groups.order_by("-year", "direction", "pk"))
    total = queries.composition([r["group"] for r in rows])
    region = getattr(request, "region", None)
    if region is not None:
        total.region_municipalities = queries.region_municipality_count(region.pk)
    return render(
        request,
        "networks/group_list.html",
        {
            "rows": rows,
            "total": total,
            "form": form,
            "can_manage": bool(access.grant(request.user, Cap.NETWORK_MANAGE)),
        },
    )


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    region = current_region(request, Cap.NETWORK_MANAGE)
    return _group_form(request, region, None)


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    _require_manage(request.user, group.region_id)
    return _group_form(request, group.region, group)


def _group_form(request: HttpRequest, region: Region, group: ProjectGroup | None) -> HttpResponse:
    before = snapshot(group) if group else None
    form = GroupForm(request.POST or None, instance=group, region=region)
    saved, status = _saved(
        request,
        form,
        lambda obj: actions.do_save_group(
            request.user,
            obj,
            before=before,
            version=form.version,
            events=form.cleaned_data["events"],
            standard_stages=form.cleaned_data.get("standard_stages", False),
        ),
    )
    if saved is not None:
        messages.success(request, _("Проектная группа сохранена."))
        return redirect("networks:group_detail", pk=saved.pk)
    return _form_page(
        request, form, group or _("Новая проектная группа"), "networks:group_list", status=status
    )


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    total = queries.composition([group])
    total.region_municipalities = queries.region_municipality_count(group.region_id)
    links = list(group.documents.select_related("document").order_by("pk"))
    documents = [(link, document_summary(link.document)) for link in links]
    sees_surveys = holds_on_region(request.user, Cap.SURVEY_MANAGE, group.region_id)
    return render(
        request,
        "networks/group_detail.html",
        {
            "group": group,
            "total": total,
            "members": queries.visible_members(request.user, group),
            "sees_all_members": holds_on_region(request.user, Cap.NETWORK_VIEW, group.region_id),
            "stages": group.stages.all(),
            "documents": documents,
            "events": Event.objects.for_user(request.user)
            .filter(project_groups=group)
            .order_by("starts_on", "pk"),
            "can_manage": _manages(request.user, group.region_id),
            "sees_surveys": sees_surveys,
            "min_group": MIN_GROUP,
        },
    )


# Members ---------------------------------------------------------------------------------------


@login_required
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    _require_manage(request.user, group.region_id)
    return _member_form(request, group, None)


def _member_for_user(user: Any, pk: int) -> GroupMember:
    member = get_object_or_404(GroupMember.objects.select_related("group"), pk=pk)
    get_group_for_user(user, member.group_id)
    _require_manage(user, member.group.region_id)
    return member


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_for_user(request.user, pk)
    return _member_form(request, member.group, member)


def _member_form(
    request: HttpRequest, group: ProjectGroup, member: GroupMember | None
) -> HttpResponse:
    before = snapshot(member) if member else None
    form = MemberForm(request.POST or None, instance=member, user=request.user, group=group)
    saved, status = _saved(
        request,
        form,
        lambda obj: actions.do_save_member(request.user, obj, before=before, version=form.version),
    )
    if saved is not None:
        messages.success(request, _("Участник группы сохранён."))
        return redirect("networks:group_detail", pk=group.pk)
    return render(
        request,
        "networks/form.html",
        {
            "form": form,
            "title": member.name if member else _("Участник группы «%(g)s»") % {"g": group},
            "group": group,
        },
        status=status,
    )


@login_required
@require_POST
def member_delete(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member_for_user(request.user, pk)
    group_pk = member.group_id
    actions.do_delete_member(request.user, member)
    messages.success(request, _("Участник исключён из группы."))
    return redirect("networks:group_detail", pk=group_pk)


# Stages ----------------------------------------------------------------------------------------


@login_required
def stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    _require_manage(request.user, group.region_id)
    return _stage_form(request, group, None)


@login_required
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(GroupStage.objects.select_related("group"), pk=pk)
    get_group_for_user(request.user, stage.group_id)
    _require_manage(request.user, stage.group.region_id)
    return _stage_form(request, stage.group, stage)


def _stage_form(
    request: HttpRequest, group: ProjectGroup, stage: GroupStage | None
) -> HttpResponse:
    before = snapshot(stage) if stage else None
    form = StageForm(request.POST or None, instance=stage, group=group)
    saved, status = _saved(
        request,
        form,
        lambda obj: actions.do_save_stage(request.user, obj, before=before, version=form.version),
    )
    if saved is not None:
        messages.success(request, _("Этап сохранён."))
        return redirect("networks:group_detail", pk=group.pk)
    return render(
        request,
        "networks/form.html",
        {
            "form": form,
            "title": str(stage) if stage else _("Новый этап группы «%(g)s»") % {"g": group},
            "group": group,
        },
        status=status,
    )


# Model documents -------------------------------------------------------------------------------


@login_required
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk)
    _require_manage(request.user, group.region_id)
    # The discussion is a survey of the region: whoever puts it up must run surveys there too.
    if not holds_on_region(request.user, Cap.SURVEY_MANAGE, group.region_id):
        raise PermissionDenied
    form = DocumentForm(request.POST or None, request.FILES or None, region=group.region)
    status = 200
    if request.method == "POST" and form.is_valid():
        document = form.save(commit=False)
        try:
            actions.do_add_document(
                request.user, group, document, criteria=form.cleaned_data["criteria_text"]
            )
        except ValidationError as e:
            form.add_error(None, e)
            status = 400
        else:
            messages.success(
                request, _("Документ вынесен на профессионально-общественное обсуждение.")
            )
            return redirect("networks:group_detail", pk=group.pk)
    if request.method == "POST" and status == 200:
        status = 400  # the form came back with errors
    return render(
        request,
        "networks/form.html",
        {
            "form": form,
            "title": _("Модельный документ группы «%(g)s»") % {"g": group},
            "group": group,
            "multipart": True,
        },
        status=status,
    )


def document_file(request: HttpRequest, pk: int) -> Served:
    link = get_object_or_404(GroupDocument.objects.select_related("document"), pk=pk)
    get_group_for_user(request.user, link.group_id)
    document = link.document
    return Served(document.file, document.filename or document.title)


# Sites -----------------------------------------------------------------------------------------


def _site_rows(sites: list[Site]) -> list[dict[str, Any]]:
    used = queries.usage(sites)
    return [
        {
            "site": s,
            "used": used[s.pk],
            "percent": round(100 * used[s.pk] / s.capacity, 1) if s.capacity else None,
            "over": used[s.pk] > s.capacity,
        }
        for s in sites
    ]


SITE_COLUMNS = [
    ExportColumn("Вид", lambda r: r["site"].get_kind_display(), 30),
    ExportColumn("Школа", lambda r: r["site"].school.short_name, 40),
    ExportColumn("Муниципалитет", lambda r: r["site"].school.municipality.name, 30),
    ExportColumn("Методист", lambda r: r["site"].person.full_name if r["site"].person else "", 30),
    ExportColumn("Направление", lambda r: r["site"].direction_name, 24),
    ExportColumn("Тема", lambda r: r["site"].theme, 50),
    ExportColumn("Назначена с", lambda r: r["site"].starts_on, 12),
    ExportColumn("По", lambda r: r["site"].ends_on, 12),
    ExportColumn("Вместимость", lambda r: r["site"].capacity, 12),
    ExportColumn("Единица", lambda r: r["site"].get_capacity_unit_display(), 10),
    ExportColumn("Принято", lambda r: r["used"], 10),
    ExportColumn("Загрузка, %", lambda r: r["percent"], 12),
    ExportColumn("Мероприятий", lambda r: r["site"].n_events, 12),
    ExportColumn("Приказ", lambda r: r["site"].order, 30),
]


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.NETWORK_VIEW)
    sites = in_region(request, Site.objects.for_user(request.user))
    regions = Region.objects.for_user(request.user, Cap.NETWORK_VIEW)
    form = SiteFilter(request.GET, regions=regions)
    if kind := form.value("kind"):
        sites = sites.filter(kind=kind)
    if direction := form.value("direction"):
        sites = sites.filter(direction=direction)
    if municipality := form.value("municipality"):
        sites = sites.filter(school__municipality=municipality)
    if q := form.value("q"):
        sites = sites.filter(Q(school__short_name__icontains=q) | Q(theme__icontains=q))
    if form.value("current"):
        # «Today» is each site's region's.
        sites = sites.filter(
            by_region_date("region", lambda day: Q(starts_on__lte=day, ends_on__gte=day))
        )
    sites = (
        sites.select_related("school__municipality", "person", "region")
        .annotate(n_events=Count("events", distinct=True))
        .order_by("kind", "direction", "school__short_name", "pk")
    )
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt,
            SITE_COLUMNS,
            _site_rows(list(sites)),
            filename="network-sites",
            title=_("Стажировочные и инновационные площадки"),
        )
    page = paginate(request, sites)
    return render(
        request,
        "networks/site_list.html",
        {
            "page": page,
            "rows": _site_rows(list(page.object_list)),
            "form": form,
            "query": query_without(request, "page", "export"),
            "can_manage": bool(access.grant(request.user, Cap.NETWORK_MANAGE)),
        },
    )


@login_required
def site_create(request: HttpRequest) -> HttpResponse:
    region = current_region(request, Cap.NETWORK_MANAGE)
    return _site_form(request, region, None)


@login_required
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_site_for_user(request.user, pk)
    _require_manage(request.user, site.region_id)
    return _site_form(request, site.region, site)


def _site_form(request: HttpRequest, region: Region, site: Site | None) -> HttpResponse:
    before = snapshot(site) if site else None
    form = SiteForm(request.POST or None, instance=site, user=request.user, region=region)
    saved, status = _saved(
        request,
        form,
        lambda obj: actions.do_save_site(
            request.user,
            obj,
            before=before,
            version=form.version,
            events=form.cleaned_data["events"],
        ),
    )
    if saved is not None:
        messages.success(request, _("Площадка сохранена."))
        return redirect("networks:site_detail", pk=saved.pk)
    return _form_page(
        request, form, site or _("Новая площадка"), "networks:site_list", status=status
    )


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_site_for_user(request.user, pk)
    report = queries.site_report(site, request.user)
    percent = round(100 * report.used / site.capacity, 1) if site.capacity else None
    return render(
        request,
        "networks/site_detail.html",
        {
            "site": site,
            "report": report,
            "percent": percent,
            "bar": round(min(percent or 0, 100)),
            "events": Event.objects.for_user(request.user)
            .filter(network_sites=site)
            .order_by("starts_on", "pk"),
            "can_manage": _manages(request.user, site.region_id),
            "sees_all": holds_on_region(request.user, Cap.NETWORK_VIEW, site.region_id),
        },
    )
