"""Roadmap pages: plans, their import with a preview, monitoring, exports, the calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.audit.log import snapshot
from marshrut.diagnostics.models import DONE as SUBMISSION_DONE
from marshrut.diagnostics.models import Submission, get_submission_for_user
from marshrut.events.models import Event
from marshrut.kernels.criteria import Catalogue
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.db import search
from marshrut.lib.exports import XLSX_TYPE, ExportColumn
from marshrut.lib.files import Served
from marshrut.lib.imports import ImportBatch, get_batch_for_user
from marshrut.lib.listing import maybe_export, paginate, query_without
from marshrut.lib.plural import plural
from marshrut.notify import queue
from marshrut.orgs import access
from marshrut.orgs.context import by_region_date, current_region, holds_on_region, in_region
from marshrut.orgs.models import Region
from marshrut.orgs.roles import Cap
from marshrut.plans import actions, documents, ical, importer, queries
from marshrut.plans.forms import (
    DraftRowForm,
    HandDownForm,
    ItemFilter,
    ItemForm,
    MeasureFilter,
    MeasureForm,
    OrganisationForm,
    PlanFilter,
    PlanForm,
    ReportForm,
    ReviewPlanForm,
    SubmitPlanForm,
    latest_catalogue,
)
from marshrut.plans.importing import row_flags
from marshrut.plans.models import (
    CalendarToken,
    ControlDate,
    Level,
    Measure,
    Organisation,
    Plan,
    PlanItem,
    can_on_plan,
    get_evidence_for_user,
    get_item_for_user,
    get_measure_for_user,
    get_plan_for_user,
)
from marshrut.web.pages import cached_body, digest, zone_dates

# Plans -------------------------------------------------------------------------------------------

# The templates and code the cached bodies of this module are rendered with (events' templates
# too: the plan page lists the events serving its items).
PAGES_CODE = digest("plans", "events")
PLAN_COLUMNS = [
    ExportColumn("Дорожная карта", lambda p: p.title, 50),
    ExportColumn("Уровень", lambda p: p.get_level_display(), 14),
    ExportColumn("Владелец", lambda p: p.owner_name, 36),
    ExportColumn("Год", lambda p: p.year, 8),
    ExportColumn("Мероприятий", lambda p: p.total, 10),
    ExportColumn("Выполнено", lambda p: p.done, 10),
    ExportColumn("Просрочено", lambda p: p.overdue, 10),
    ExportColumn("Срок в ближайшие 30 дней", lambda p: p.soon, 12),
    ExportColumn("Состояние", lambda p: p.get_status_display(), 16),
    # Last, so that the columns existing exports are read by keep their places.
    ExportColumn("Программа", lambda p: p.programme_short, 12),
]


def _base_url(request: HttpRequest) -> str:
    """The site's address as the visitor reached it, for links in e-mails and feeds."""
    return request.build_absolute_uri("/").rstrip("/")


def _years(plans: Any) -> list[int]:
    return sorted(set(plans.order_by().values_list("year", flat=True)), reverse=True)


def _filter_plans(qs: Any, form: PlanFilter) -> Any:
    if form.value("year"):
        qs = qs.filter(year=form.value("year"))
    if form.value("level"):
        qs = qs.filter(level=form.value("level"))
    if form.value("programme"):
        qs = qs.filter(programme=form.value("programme"))
    if form.value("municipality"):
        qs = qs.filter(municipality=form.value("municipality"))
    return search(qs, form.value("q"), ["title", "municipality__name", "school__short_name"])


def _plans(request: HttpRequest, form: PlanFilter) -> Any:
    """The user's plans in the chosen region (every region of theirs if none), filtered."""
    return (
        _filter_plans(in_region(request, Plan.objects.for_user(request.user)), form)
        .select_related("region", "municipality", "school")
        .order_by("-year", "level", "municipality__name", "school__short_name", "title")
    )


def _plans_with_counts(request: HttpRequest, form: PlanFilter, today: dt.date | None) -> Any:
    return _plans(request, form).annotate(**queries.counts("items__", today))


def _page_with_counts(request: HttpRequest, plans: Any, today: dt.date | None) -> Any:
    """A page of plans, counted over the items of that page only (not of every plan)."""
    page = paginate(request, plans)
    page.object_list = queries.attach_counts(list(page.object_list), today)
    return page


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.PLAN_VIEW)
    today = None  # across plans: each by its region's date
    form = PlanFilter(request.GET, user=user, years=_years(Plan.objects.for_user(user)))
    exported = maybe_export(
        request, _plans_with_counts(request, form, today), PLAN_COLUMNS, "plans", "Дорожные карты"
    )
    if exported:
        return exported
    return render(
        request,
        "plans/plan_list.html",
        {
            "form": form,
            "page": _page_with_counts(request, _plans(request, form), today),
            "query": query_without(request, "page", "export"),
            "can_manage": bool(access.grant(user, Cap.PLAN_MANAGE)),
        },
    )


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.PLAN_MANAGE)
    form = PlanForm(request.POST or None, user=user, region=request.region)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = actions.do_create_plan(
                user,
                level=data["level"],
                year=data["year"],
                title=data["title"],
                region=data.get("region"),
                municipality=data.get("municipality"),
                school=data.get("school"),
                status=Plan.Status.DRAFT if data["level"] == Level.SCHOOL else Plan.Status.ACTIVE,
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Дорожная карта создана."))
            return redirect("plans:plan_detail", pk=plan.pk)
    return render(
        request,
        "plans/form.html",
        {"form": form, "title": _("Новая дорожная карта"), "back": reverse("plans:plan_list")},
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    plan = get_plan_for_user(user, pk)
    today = plan.region.today()

    def context() -> dict[str, Any]:
        items = (
            queries.with_rollup(plan.items.all(), today)
            .select_related("section", "parent__plan")
            # The events that serve each item, as far as the user may see events.
            .prefetch_related(
                Prefetch(
                    "events",
                    queryset=Event.objects.for_user(user).order_by("starts_on", "pk"),
                    to_attr="served_events",
                )
            )
        )
        sections: list[tuple[Any, list[PlanItem]]] = []
        for item in items.order_by("position"):
            if not sections or sections[-1][0].pk != item.section_id:
                sections.append((item.section, []))
            sections[-1][1].append(item)
        return {
            "plan": plan,
            "sections": sections,
            "today": today,
            # One reverse() for all the rows: «{{ item_url }}{{ item.pk }}/».
            "item_url": reverse("plans:item_list"),
            "totals": queries.totals(plan.items.all(), today),
            "can_manage": can_on_plan(user, Cap.PLAN_MANAGE, plan),
            "can_report": can_on_plan(user, Cap.PLAN_REPORT, plan),
        }

    # Every write to a plan, its items, dates, reports, evidence, reviews, to the plans handed
    # down from it and to events changes the «plans» generation; owners' names are the
    # registry's, reviewers' the accounts'. Overdue and due-soon follow the plan region's day.
    body = cached_body(
        request,
        "plans.plan_detail",
        code=PAGES_CODE,
        tables=("plans", "registry", "accounts"),
        parts=(plan.pk, today),
        template="plans/_plan_detail.html",
        context=context,
    )
    return render(request, "plans/plan_detail.html", {"plan": plan, "body": body})


@login_required
def plan_execution(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    plan = get_plan_for_user(user, pk)
    today = plan.region.today()
    items = plan.items.all()
    return render(
        request,
        "plans/plan_execution.html",
        {
            "plan": plan,
            "today": today,
            "totals": queries.totals(items, today),
            "by_section": queries.by_section(items, today),
            "by_organisation": queries.by_organisation(items, today),
            "overdue": items.overdue(today).select_related("section").order_by("next_due_on")[:200],
            "soon": items.due_soon(today, queries.SOON_DAYS).order_by("next_due_on")[:200],
            "cascaded": queries.handed_down(items, today).order_by("position"),
        },
    )


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


@login_required
def plan_export(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    if kind not in ("plan", "monitoring") or fmt not in ("docx", "xlsx"):
        raise Http404
    plan = get_plan_for_user(request.user, pk)
    monitoring = kind == "monitoring"
    stem = f"{'monitoring' if monitoring else 'plan'}-{plan.year}-{plan.pk}"
    if fmt == "docx":
        body = documents.monitoring_docx(plan) if monitoring else documents.plan_docx(plan)
        return _download(body, documents.DOCX_TYPE, f"{stem}.docx")
    return _download(documents.plan_xlsx(plan, monitoring=monitoring), XLSX_TYPE, f"{stem}.xlsx")


# Execution across plans --------------------------------------------------------------------------

ITEM_COLUMNS = [
    ExportColumn("Дорожная карта", lambda i: i.plan.title, 40),
    ExportColumn("Владелец", lambda i: i.plan.owner_name, 30),
    ExportColumn("№", lambda i: i.number, 8),
    ExportColumn("Мероприятие", lambda i: i.title, 60),
    ExportColumn("Сроки", lambda i: i.deadline_text, 20),
    ExportColumn("Ближайшая контрольная дата", lambda i: i.next_due_on, 14),
    ExportColumn("Ответственные", lambda i: i.responsible_text, 30),
    ExportColumn("Исполнение", lambda i: i.get_status_display(), 14),
    ExportColumn("Просрочено", lambda i: i.is_overdue(), 10),
]


def _current_year(years: list[int]) -> int | None:
    this = timezone.localdate().year
    return this if this in years else (years[0] if years else None)


@login_required
def execution(request: HttpRequest) -> HttpResponse:
    """Execution across all the plans the user sees: by plan, level, organisation; late and due."""
    user: Any = request.user
    access.require(user, Cap.PLAN_VIEW)
    today = None  # across plans: each by its region's date

    def context() -> dict[str, Any]:
        years = _years(Plan.objects.for_user(user))
        data = request.GET.copy()
        if "year" not in data and years:
            data["year"] = str(_current_year(years))
        form = PlanFilter(data, user=user, years=years)
        plans = _filter_plans(in_region(request, Plan.objects.for_user(user)), form)
        items = PlanItem.objects.filter(plan__in=plans)
        totals, by_level = queries.totals_by_level(plans, today)
        return {
            "form": form,
            "today": today,
            "page": _page_with_counts(request, _plans(request, form), today),
            "query": query_without(request, "page", "export"),
            "totals": totals,
            "by_level": by_level,
            "by_organisation": queries.tally_by_organisation(plans, today)[:30],
            "overdue": items.overdue(today)
            .select_related("plan__municipality", "plan__school", "plan__region")
            .order_by("next_due_on", "plan_id", "position")[:50],
            "soon": items.due_soon(today, queries.SOON_DAYS)
            .select_related("plan__municipality", "plan__school", "plan__region")
            .order_by("next_due_on", "plan_id", "position")[:50],
            "levels": dict(Level.choices),
        }

    # Every plan write changes the «plans» generation, registry names the «registry» one;
    # overdue and due-soon follow each region's day: the dates of all Russia's zones are the key.
    body = cached_body(
        request,
        "plans.execution",
        code=PAGES_CODE,
        tables=("plans", "registry"),
        parts=(timezone.localdate(), zone_dates()),
        template="plans/_execution.html",
        context=context,
    )
    return render(request, "plans/execution.html", {"body": body})


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.PLAN_VIEW)
    today = None  # across plans: each item by its region's date
    years = _years(Plan.objects.for_user(user))
    form = ItemFilter(request.GET, user=user, years=years)
    plans = _filter_plans(in_region(request, Plan.objects.for_user(user)), form)
    qs: Any = PlanItem.objects.filter(plan__in=plans).select_related(
        "plan__region", "plan__municipality", "plan__school"
    )
    status = form.value("status")
    if status == "overdue":
        qs = qs.overdue(today)
    elif status == "soon":
        qs = qs.due_soon(today, queries.SOON_DAYS)
    elif status:
        qs = qs.filter(status=status)
    if form.value("organisation"):
        qs = qs.filter(
            Q(organisations__abbreviation=form.value("organisation"))
            | Q(responsible_text__icontains=form.value("organisation"))
        ).distinct()
    qs = qs.order_by("next_due_on", "plan_id", "position")
    exported = maybe_export(request, qs, ITEM_COLUMNS, "plan-items", "Мероприятия дорожных карт")
    if exported:
        return exported
    return render(
        request,
        "plans/item_list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "query": query_without(request, "page", "export"),
            "today": today,
        },
    )


# Items and progress ------------------------------------------------------------------------------


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    item = get_item_for_user(user, pk)
    today = item.plan.region.today()
    can_report = can_on_plan(user, Cap.PLAN_REPORT, item.plan)
    children = (
        item.children.filter(plan__in=Plan.objects.for_user(user))
        .select_related("plan__municipality", "plan__school")
        .order_by("plan__municipality__name", "plan__school__short_name")
    )
    return render(
        request,
        "plans/item_detail.html",
        {
            "item": item,
            "plan": item.plan,
            "today": today,
            "reports": item.reports.select_related("author", "control_date").prefetch_related(
                "evidence"
            ),
            "control_dates": item.control_dates.all(),
            "children": children,
            "rollup": queries.totals(item.children.all(), today),
            "form": ReportForm(item=item) if can_report else None,
            "can_manage": can_on_plan(user, Cap.PLAN_MANAGE, item.plan),
            "can_hand_down": item.plan.level != Level.SCHOOL
            and can_on_plan(user, Cap.PLAN_MANAGE, item.plan),
        },
    )


@login_required
@require_POST
def item_report(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    item = get_item_for_user(user, pk, Cap.PLAN_REPORT)
    form = ReportForm(request.POST, request.FILES, item=item)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_report_progress(
                user,
                item,
                status=data["status"],
                comment=data["comment"],
                actual_value=data["actual_value"],
                links=data["links"],
                files=data["evidence"],
                control_date=data["control_date"],
                version=form.version,
            )
        except StaleEdit as e:
            # Someone changed the item's status since the page was opened: nothing written,
            # the report stays in the form as typed beside what they changed.
            form.refuse(e)
            item.refresh_from_db()
            status = 409
        else:
            messages.success(request, _("Отчёт об исполнении сохранён."))
            return redirect("plans:item_detail", pk=item.pk)
    if status == 400:
        messages.error(request, _("Отчёт не сохранён: исправьте ошибки в форме."))
    return render(
        request,
        "plans/item_detail.html",
        {
            "item": item,
            "plan": item.plan,
            "today": item.plan.region.today(),
            "reports": item.reports.all(),
            "control_dates": item.control_dates.all(),
            "children": [],
            "rollup": None,
            "form": form,
        },
        status=status,
    )


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    item = get_item_for_user(user, pk, Cap.PLAN_MANAGE)
    if item.plan.status == Plan.Status.SUBMITTED:
        # What the coordinator approves must be what the school sent.
        messages.warning(
            request, _("Дорожная карта на согласовании: править её можно после решения.")
        )
        return redirect("plans:item_detail", pk=item.pk)
    before = snapshot(item)
    form = ItemForm(request.POST or None, instance=item)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_item(
                user, form.save(commit=False), before=before, version=form.version
            )
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        else:
            messages.success(request, _("Мероприятие сохранено."))
            return redirect("plans:item_detail", pk=item.pk)
    return render(
        request,
        "plans/form.html",
        {
            "form": form,
            "title": _("Мероприятие %(n)s") % {"n": item.number or ""},
            "back": reverse("plans:item_detail", args=[item.pk]),
        },
        status=status,
    )


@login_required
def item_hand_down(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    item = get_item_for_user(user, pk, Cap.PLAN_MANAGE)
    if item.plan.level == Level.SCHOOL:
        raise PermissionDenied
    form = HandDownForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        created = actions.do_hand_down(
            user,
            item,
            municipalities=form.cleaned_data.get("municipalities") or [],
            schools=form.cleaned_data.get("schools") or [],
        )
        messages.success(
            request,
            _("Мероприятие передано в %(plans)s.")
            % {"plans": plural(len(created), "дорожную карту", "дорожные карты", "дорожных карт")},
        )
        return redirect("plans:item_detail", pk=item.pk)
    return render(
        request,
        "plans/form.html",
        {
            "form": form,
            "title": _("Передать на уровень ниже: %(t)s") % {"t": str(item)[:120]},
            "back": reverse("plans:item_detail", args=[item.pk]),
        },
    )


def evidence_file(request: HttpRequest, pk: int) -> Served:
    evidence = get_evidence_for_user(request.user, pk)
    return Served(evidence.file, evidence.filename)


# Import: the pipeline's pages (marshrut.plans.importer); here only the draft's corrections --------


def _row_context(batch: ImportBatch, index: int) -> dict[str, Any]:
    row = batch.counts["draft"]["rows"][index]
    return {
        "batch": batch,
        "r": {"index": index, "row": row, "flags": row_flags(row)},
        "labels": batch.counts["draft"].get("labels", []),
        "editable": True,
    }


@login_required
def import_row(request: HttpRequest, pk: str, index: int) -> HttpResponse:
    """One row of a draft: its edit form (GET) and its correction (POST), in place with htmx."""
    user: Any = request.user
    batch = get_batch_for_user(user, pk, importer.KIND)
    rows = list(batch.counts.get("draft", {}).get("rows", []))
    if not 0 <= index < len(rows):
        raise Http404
    if batch.status != ImportBatch.Status.CHECKED:
        messages.warning(request, _("Черновик уже сохранён как дорожная карта."))
        return redirect("plans:import_preview", pk=batch.pk)
    labels = batch.counts["draft"].get("labels", [])
    is_htmx = bool(getattr(request, "htmx", False))
    if request.method == "POST":
        form = DraftRowForm(request.POST, labels=labels)
        if form.is_valid():
            try:
                if form.cleaned_data["delete"]:
                    del rows[index]
                    importer.do_update_draft_rows(batch, rows)
                    if is_htmx:
                        response = HttpResponse("")
                        response["HX-Refresh"] = "true"
                        return response
                    return redirect("plans:import_preview", pk=batch.pk)
                rows[index] = form.row(rows[index])
                importer.do_update_draft_rows(batch, rows)
            except ValidationError as e:
                messages.warning(request, " ".join(e.messages))
                return redirect("plans:import_preview", pk=batch.pk)
            if is_htmx:
                return render(request, "plans/_draft_row.html", _row_context(batch, index))
            messages.success(request, _("Строка исправлена."))
            return redirect(f"{reverse('plans:import_preview', args=[batch.pk])}#row-{index}")
    else:
        form = DraftRowForm(initial=DraftRowForm.initial_for(rows[index]), labels=labels)
    context = _row_context(batch, index) | {"form": form}
    template = "plans/_draft_row_form.html" if is_htmx else "plans/import_row.html"
    return render(request, template, context)


@login_required
@require_POST
def import_map(request: HttpRequest, pk: str) -> HttpResponse:
    user: Any = request.user
    batch = get_batch_for_user(user, pk, importer.KIND)
    form = importer.mapping_form(user, batch, request.POST)
    if form is not None and form.is_valid():
        chosen = form.mappings()
        if "remember" in form.fields and form.cleaned_data.get("remember"):
            for name, organisation in chosen.items():
                actions.do_add_alias(user, organisation, name)
        try:
            importer.do_update_draft_rows(
                batch,
                batch.counts["draft"]["rows"],
                mappings={name: o.abbreviation for name, o in chosen.items()},
            )
        except ValidationError as e:
            messages.warning(request, " ".join(e.messages))
        else:
            messages.success(request, _("Сопоставлено названий: %(n)s.") % {"n": len(chosen)})
    return redirect("plans:import_preview", pk=batch.pk)


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: str) -> HttpResponse:
    """The operator's confirmation of rows read from a scan with low confidence."""
    user: Any = request.user
    batch = get_batch_for_user(user, pk, importer.KIND)
    indexes = [int(value) for value in request.POST.getlist("row") if value.isdigit()]
    if not indexes:
        messages.warning(request, _("Отметьте строки, которые вы сверили с документом."))
        return redirect("plans:import_preview", pk=batch.pk)
    waiting = batch.counts.get("summary", {}).get("scan_unconfirmed", 0)
    try:
        importer.do_confirm_scan_rows(batch, indexes)
    except ValidationError as e:
        messages.warning(request, " ".join(e.messages))
    else:
        left = batch.counts.get("summary", {}).get("scan_unconfirmed", 0)
        messages.success(request, _("Подтверждено строк: %(n)s.") % {"n": waiting - left})
    return redirect("plans:import_preview", pk=batch.pk)


# The organisation dictionary -------------------------------------------------------------------

ORGANISATION_COLUMNS = [
    ExportColumn("Сокращение", lambda o: o.abbreviation, 20),
    ExportColumn("Полное наименование", lambda o: o.full_name, 60),
    ExportColumn("Другие написания", lambda o: "; ".join(o.aliases), 60),
]


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = current_region(request, Cap.PLAN_MANAGE)
    qs = Organisation.objects.filter(region=region)
    qs = search(qs, request.GET.get("q"), ["abbreviation", "full_name"])
    exported = maybe_export(
        request, qs, ORGANISATION_COLUMNS, "organisations", "Справочник организаций"
    )
    if exported:
        return exported
    return render(
        request,
        "plans/organisation_list.html",
        {
            "region": region,
            "page": paginate(request, qs, per_page=100),
            "query": query_without(request, "page", "export"),
            "q": request.GET.get("q", ""),
            "can_edit": holds_on_region(user, Cap.PLAN_MANAGE, region),
        },
    )


def _organisation_form(
    request: HttpRequest, region: Region, instance: Organisation | None
) -> HttpResponse:
    before = snapshot(instance) if instance else None
    form = OrganisationForm(request.POST or None, instance=instance, region=region)
    status = 200
    if request.method == "POST" and form.is_valid():
        organisation = form.save(commit=False)
        try:
            actions.do_save_organisation(
                request.user, organisation, before=before, version=form.version
            )
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Справочник обновлён."))
            return redirect("plans:organisation_list")
    return render(
        request,
        "plans/form.html",
        {
            "form": form,
            "title": instance or _("Новая организация"),
            "back": reverse("plans:organisation_list"),
        },
        status=status,
    )


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    region = current_region(request, Cap.PLAN_MANAGE)
    if not holds_on_region(request.user, Cap.PLAN_MANAGE, region):
        raise PermissionDenied
    return _organisation_form(request, region, None)


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    g = access.grant(user, Cap.PLAN_MANAGE)
    qs = (
        Organisation.objects.all()
        if g.everything
        else Organisation.objects.filter(region_id__in=g.regions)
    )
    organisation = get_object_or_404(qs, pk=pk)
    return _organisation_form(request, organisation.region, organisation)


# The calendar feed -----------------------------------------------------------------------------


def calendar_items(user: Any) -> Any:
    """Open items of the plans of the user's own level: what they report on, or else read."""
    cap = Cap.PLAN_REPORT if access.grant(user, Cap.PLAN_REPORT) else Cap.PLAN_VIEW
    return PlanItem.objects.open().filter(plan__in=Plan.objects.own_level(user, cap))


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.PLAN_VIEW)
    if request.method == "POST":
        actions.do_issue_calendar_token(user)
        messages.success(request, _("Выдан новый адрес календаря; старый больше не работает."))
        return redirect("plans:calendar")
    token = CalendarToken.objects.filter(user=user).first()
    url = (
        request.build_absolute_uri(reverse("plans:calendar_feed", args=[token.key]))
        if token
        else None
    )
    upcoming = (
        ControlDate.objects.filter(
            by_region_date("item__plan__region", lambda day: Q(due_on__gte=day)),
            item__in=calendar_items(user),
            met_on__isnull=True,
        )
        .select_related("item__plan")
        .order_by("due_on")[:20]
    )
    return render(request, "plans/calendar.html", {"url": url, "upcoming": upcoming})


def calendar_feed(request: HttpRequest, key: str) -> HttpResponse:
    token = CalendarToken.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        raise Http404
    user = token.user
    dates = (
        ControlDate.objects.filter(item__in=calendar_items(user), met_on__isnull=True)
        .select_related("item__plan__region", "item__plan__municipality", "item__plan__school")
        .order_by("due_on")[:2000]
    )
    base = _base_url(request)
    events = [
        ical.Event(
            uid=f"control-date-{c.pk}@marshrut",
            day=c.due_on,
            summary=f"{c.item.number} {c.item.title}".strip()[:250],
            description="\n".join(
                p
                for p in (
                    f"{c.item.plan.title} ({c.item.plan.owner_name})",
                    f"Сроки: {c.item.deadline_text}" if c.item.deadline_text else "",
                    f"Ответственные: {c.item.responsible_text}" if c.item.responsible_text else "",
                )
                if p
            ),
            url=base + reverse("plans:item_detail", args=[c.item_id]),
        )
        for c in dates
    ]
    # Every other dated task of the person's work queue (the questionnaire, returned answers,
    # programmes, ШНОР stages and visits, interviews, decisions, events), one event per task
    # with the task's own stable UID.
    tasks, zone = queue.calendar_tasks(user)
    events += [
        ical.Event(
            uid=f"task-{task.key}@marshrut",
            day=task.due,
            summary=task.title[:250],
            description="\n".join(p for p in (task.detail, task.group) if p),
            url=base + task.url,
        )
        for task in tasks
        if task.due is not None
    ]
    body = ical.calendar(events, name=_("Маршрут: мои сроки"), stamp=timezone.now(), time_zone=zone)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="marshrut.ics"'
    return response


# The measures library --------------------------------------------------------------------------


def _measure_columns(catalogue: Catalogue | None) -> list[ExportColumn]:
    texts = {code: i.text for code, i in catalogue.indicators.items()} if catalogue else {}
    return [
        ExportColumn("Направление", lambda m: m.get_direction_display(), 24),
        ExportColumn("Показатель", lambda m: m.indicator, 10),
        ExportColumn("Текст показателя", lambda m: texts.get(m.indicator, ""), 50),
        ExportColumn("Мера", lambda m: m.title, 60),
        ExportColumn("Ожидаемый результат", lambda m: m.expected_result, 50),
        ExportColumn("Типовой ответственный", lambda m: m.responsible, 20),
        ExportColumn("Действует", lambda m: "да" if m.is_active else "нет", 10),
    ]


@login_required
def measure_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.PLAN_VIEW)
    form = MeasureFilter(request.GET)
    qs: Any = in_region(request, Measure.objects.for_user(user)).select_related("region")
    if form.value("direction"):
        qs = qs.filter(direction=form.value("direction"))
    if form.value("indicator"):
        qs = qs.filter(indicator__istartswith=form.value("indicator").strip())
    if form.value("active"):
        qs = qs.filter(is_active=form.value("active") == "yes")
    qs = search(qs, form.value("q"), ["title", "expected_result", "responsible"])
    catalogue = latest_catalogue()
    exported = maybe_export(
        request, qs, _measure_columns(catalogue), "measures", "Библиотека типовых мер"
    )
    if exported:
        return exported
    page = paginate(request, qs, per_page=100)
    for measure in page.object_list:
        indicator = catalogue.indicators.get(measure.indicator) if catalogue else None
        measure.indicator_text = indicator.text if indicator else ""  # type: ignore[attr-defined]
    return render(
        request,
        "plans/measure_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page", "export"),
            "can_edit": bool(access.grant(user, Cap.MEASURES_MANAGE)),
        },
    )


def _measure_form(request: HttpRequest, instance: Measure | None) -> HttpResponse:
    before = snapshot(instance) if instance else None
    form = MeasureForm(
        request.POST or None,
        instance=instance,
        region=None if instance else current_region(request, Cap.MEASURES_MANAGE),
        catalogue=latest_catalogue(),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_measure(
                request.user, form.save(commit=False), before=before, version=form.version
            )
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Библиотека мер обновлена."))
            return redirect("plans:measure_list")
    return render(
        request,
        "plans/form.html",
        {
            "form": form,
            "title": instance or _("Новая типовая мера"),
            "back": reverse("plans:measure_list"),
        },
        status=status,
    )


@login_required
def measure_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.MEASURES_MANAGE)
    return _measure_form(request, None)


@login_required
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _measure_form(request, get_measure_for_user(request.user, pk, Cap.MEASURES_MANAGE))


# School roadmaps from deficits and their approval ----------------------------------------------


@login_required
def roadmap_list(request: HttpRequest) -> HttpResponse:
    """Scored questionnaires of the schools the user plans for, each with its roadmap or a button."""
    user: Any = request.user
    access.require(user, Cap.PLAN_MANAGE)
    drafted = Plan.objects.filter(
        level=Level.SCHOOL,
        school=OuterRef("school_id"),
        year=OuterRef("campaign__year") + 1,
        items__indicator_code__gt="",
    ).order_by("pk")
    submissions = (
        Submission.objects.for_user(user, Cap.PLAN_MANAGE)
        .filter(status__in=SUBMISSION_DONE)
        .select_related("campaign", "school__municipality")
        .annotate(
            deficit_count=Count("deficit_rows"),
            roadmap_id=Subquery(drafted.values("pk")[:1]),
            roadmap_status=Subquery(drafted.values("status")[:1]),
        )
        .order_by("-campaign__year", "school__municipality__name", "school__short_name")
    )
    statuses = dict(Plan.Status.choices)
    page = paginate(request, submissions)
    for sub in page.object_list:
        sub.roadmap_status_display = statuses.get(sub.roadmap_status, "")  # type: ignore[attr-defined]
    return render(request, "plans/roadmap_list.html", {"page": page})


@login_required
def roadmap_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """What the roadmap from a school's deficits will hold (GET), and drafting it (POST)."""
    user: Any = request.user
    submission = get_submission_for_user(user, pk)
    school = submission.school
    if not access.grant(user, Cap.PLAN_MANAGE).covers(
        submission.campaign.region_id, school.municipality_id, school.pk
    ):
        raise PermissionDenied
    year = submission.campaign.year + 1
    if request.method == "POST":
        try:
            plan = actions.do_draft_school_roadmap(user, submission)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("plans:roadmap_draft", pk=submission.pk)
        messages.success(
            request,
            _(
                "Черновик дорожной карты составлен: %(items)s. Доработайте его и отправьте "
                "на согласование."
            )
            % {"items": plural(plan.items.count(), "мероприятие", "мероприятия", "мероприятий")},
        )
        return redirect("plans:plan_detail", pk=plan.pk)
    rows = actions.roadmap_draft(submission) if submission.status in SUBMISSION_DONE else []
    sections: list[tuple[str, list[dict[str, Any]]]] = []
    for row in rows:
        if not sections or sections[-1][0] != row["section_title"]:
            sections.append((row["section_title"], []))
        sections[-1][1].append(row)
    return render(
        request,
        "plans/roadmap_draft.html",
        {
            "submission": submission,
            "year": year,
            "sections": sections,
            "count": len(rows),
            "from_library": sum(1 for r in rows if r["measures"]),
            "existing": actions.drafted_roadmap(school, year),
            "done": submission.status in SUBMISSION_DONE,
        },
    )


def _errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    plan = get_plan_for_user(user, pk, Cap.PLAN_MANAGE)
    form = SubmitPlanForm(request.POST)
    form.is_valid()
    try:
        actions.do_submit_plan(
            user,
            plan,
            comment=form.cleaned_data.get("comment", ""),
            base_url=_base_url(request),
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Дорожная карта отправлена на согласование."))
    return redirect("plans:plan_detail", pk=plan.pk)


@login_required
@require_POST
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The municipal coordinator approves a submitted school roadmap or returns it with remarks."""
    user: Any = request.user
    plan = get_plan_for_user(user, pk, Cap.PLAN_APPROVE)
    form = ReviewPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("plans:plan_detail", pk=plan.pk)
    comment = form.cleaned_data.get("comment", "")
    try:
        if form.cleaned_data["decision"] == ReviewPlanForm.APPROVE:
            actions.do_approve_plan(user, plan, comment=comment, base_url=_base_url(request))
            messages.success(request, _("Дорожная карта утверждена."))
        else:
            actions.do_return_plan(user, plan, comment=comment, base_url=_base_url(request))
            messages.success(request, _("Дорожная карта возвращена школе с замечаниями."))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect("plans:plan_detail", pk=plan.pk)
