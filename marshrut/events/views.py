"""Events pages: list and calendar, an event with its participants, import, period reports."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.audit.log import snapshot
from marshrut.events.actions import (
    do_add_participants,
    do_delete_event,
    do_remove_participation,
    do_save_event,
    do_save_report,
    do_set_attendance,
)
from marshrut.events.forms import (
    EventFilter,
    EventForm,
    ParticipantsForm,
    PeriodForm,
    ReportForm,
    month_start,
)
from marshrut.events.models import (
    Event,
    Participation,
    PeriodReport,
    get_event_for_user,
    get_report_for_user,
    reports_for_user,
)
from marshrut.events.queries import coverage, difficulties_draft, tasks_draft
from marshrut.events.report import build_docx, content, period_words, tasks_text
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.db import search
from marshrut.lib.docx import DOCX_TYPE
from marshrut.lib.exports import ExportColumn
from marshrut.lib.listing import maybe_export, paginate, query_without
from marshrut.orgs import access
from marshrut.orgs.context import current_region, in_region
from marshrut.orgs.models import Person, Region, School
from marshrut.orgs.roles import Cap
from marshrut.plans.models import PlanItem

EVENT_COLUMNS = [
    ExportColumn("Начало", lambda e: e.starts_on, 12),
    ExportColumn("Окончание", lambda e: e.ends_on, 12),
    ExportColumn("Дата (как в отчёте)", lambda e: e.date_text, 18),
    ExportColumn("Форма", lambda e: e.get_form_display(), 22),
    ExportColumn("Форма и тема мероприятия", lambda e: e.title, 60),
    ExportColumn("Уровень", lambda e: e.level_label, 22),
    ExportColumn("Организатор", lambda e: e.organiser, 24),
    ExportColumn("Ссылка", lambda e: e.link, 30),
    ExportColumn("Количество и категория участников", lambda e: e.participants_text, 40),
    ExportColumn("Участников всего", lambda e: e.participants_total, 10),
    ExportColumn("Отмечено поимённо", lambda e: e.attended_count, 10),
    ExportColumn("Плановый охват, %", lambda e: e.planned_coverage, 10),
    ExportColumn("Направления", lambda e: ", ".join(e.direction_labels()), 24),
    ExportColumn("Пункт дорожной карты", lambda e: e.roadmap_text(e.roadmap_visible), 40),
]


def filter_events(user: Any, form: EventFilter) -> Any:
    qs: Any = Event.objects.for_user(user).select_related("municipality", "roadmap_item__plan")
    qs = search(qs, form.value("q"), ["title", "organiser", "participants_text"])
    if form.value("year"):
        year = form.value("year")
        qs = qs.in_period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    if form.value("start"):
        qs = qs.filter(ends_on__gte=form.value("start"))
    if form.value("end"):
        qs = qs.filter(starts_on__lte=form.value("end"))
    if form.value("form"):
        qs = qs.filter(form=form.value("form"))
    if form.value("level") == "region":
        qs = qs.filter(municipality__isnull=True)
    elif form.value("level") == "municipal":
        qs = qs.filter(municipality__isnull=False)
    if form.value("municipality"):
        qs = qs.filter(municipality=form.value("municipality"))
    if form.value("direction"):
        # JSON containment is not portable to SQLite; the list of codes is short and quoted.
        qs = qs.filter(directions__icontains=f'"{form.value("direction")}"')
    # A correlated subquery, not a join with GROUP BY: the page count stays a plain COUNT.
    attended = (
        Participation.objects.filter(event=OuterRef("pk"), attended=True)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        attended_count=Coalesce(Subquery(attended, output_field=IntegerField()), 0),
        # A linked item is named only to those who may see its plan.
        roadmap_visible=Exists(PlanItem.objects.for_user(user).filter(pk=OuterRef("roadmap_item"))),
    ).order_by("starts_on", "ends_on", "pk")


def _can_manage(user: Any) -> bool:
    return bool(access.grant(user, Cap.EVENT_MANAGE))


def _can_manage_event(user: Any, event: Event) -> bool:
    return access.grant(user, Cap.EVENT_MANAGE).covers(event.region_id, event.municipality_id, None)


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.EVENT_VIEW)
    form = EventFilter(request.GET, user=request.user)
    qs = in_region(request, filter_events(request.user, form))
    exported = maybe_export(request, qs, EVENT_COLUMNS, "events", "Мероприятия")
    if exported:
        return exported
    return render(
        request,
        "events/event_list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "query": query_without(request, "page", "export"),
            "can_manage": _can_manage(request.user),
        },
    )


@login_required
def event_calendar(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.EVENT_VIEW)
    first = month_start(request.GET.get("month"))
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    events = list(
        Event.objects.for_user(request.user)
        .in_period(first, last)
        .select_related("municipality")
        .order_by("starts_on", "pk")
    )
    # Long events (a month, a season) go above the grid instead of filling every cell.
    long = [e for e in events if (e.ends_on - e.starts_on).days > 6]
    short = [e for e in events if (e.ends_on - e.starts_on).days <= 6]
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                {
                    "day": day,
                    "in_month": day.month == first.month,
                    "events": [e for e in short if e.starts_on <= day <= e.ends_on],
                }
                for day in week
            ]
        )
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = last + dt.timedelta(days=1)
    return render(
        request,
        "events/event_calendar.html",
        {
            "first": first,
            "month_label": period_words(first, first).removesuffix("г."),
            "weeks": weeks,
            "long": long,
            "prev": f"{prev_month:%Y-%m}",
            "next": f"{next_month:%Y-%m}",
            "weekdays": ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"],
            "can_manage": _can_manage(request.user),
        },
    )


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    # Named participants only as far as the registry lets the user see people and schools.
    visible_people = Person.objects.for_user(request.user).values("pk")
    visible_schools = School.objects.for_user(request.user).values("pk")
    participations = (
        event.participations.filter(
            Q(person__in=visible_people) | Q(person=None, school__in=visible_schools)
        )
        .select_related("person", "school")
        .order_by("school__short_name", "person__last_name")
    )
    can_manage = _can_manage_event(request.user, event)
    roadmap_item = (
        PlanItem.objects.for_user(request.user)
        .select_related("plan")
        .filter(pk=event.roadmap_item_id)
        .first()
        if event.roadmap_item_id
        else None
    )
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "roadmap_item": roadmap_item,
            "counts": event.counts.all(),
            "participations": participations,
            "coverage": coverage(event),
            "can_manage": can_manage,
            "add_form": ParticipantsForm(user=request.user, event=event) if can_manage else None,
        },
    )


def _event_form(request: HttpRequest, instance: Event | None) -> HttpResponse:
    region = instance.region if instance else current_region(request, Cap.EVENT_MANAGE)
    before = snapshot(instance) if instance else None
    form = EventForm(request.POST or None, instance=instance, user=request.user, region=region)
    status = 200
    if request.method == "POST" and form.is_valid():
        event = form.save(commit=False)
        try:
            do_save_event(request.user, event, before=before, version=form.version)
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        else:
            messages.success(request, _("Мероприятие сохранено."))
            return redirect("events:event_detail", pk=event.pk)
    return render(
        request,
        "events/form.html",
        {
            "form": form,
            "title": instance or _("Новое мероприятие"),
            "back": "events:event_list",
        },
        status=status,
    )


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    current_region(request, Cap.EVENT_MANAGE)
    return _event_form(request, None)


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    if not _can_manage_event(request.user, event):
        raise PermissionDenied
    return _event_form(request, event)


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    if not _can_manage_event(request.user, event):
        raise PermissionDenied
    do_delete_event(request.user, event)
    messages.success(request, _("Мероприятие удалено."))
    return redirect("events:event_list")


@login_required
@require_POST
def participants_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event_for_user(request.user, pk)
    if not _can_manage_event(request.user, event):
        raise PermissionDenied
    form = ParticipantsForm(request.POST, user=request.user, event=event)
    if form.is_valid():
        n = do_add_participants(
            request.user,
            event,
            people=form.cleaned_data["people"],
            schools=form.cleaned_data["schools"],
            role=form.cleaned_data["role"],
        )
        messages.success(request, _("Добавлено участников: %(n)s.") % {"n": n})
    else:
        messages.error(request, _("Выберите людей или школы из списка."))
    return redirect("events:event_detail", pk=event.pk)


def _participation_for_user(user: Any, pk: int) -> Participation:
    participation = get_object_or_404(
        Participation.objects.select_related("event").filter(
            event__in=Event.objects.for_user(user)
        ),
        pk=pk,
    )
    if not _can_manage_event(user, participation.event):
        raise PermissionDenied
    return participation


@login_required
@require_POST
def participation_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    participation = _participation_for_user(request.user, pk)
    if request.POST.get("remove"):
        do_remove_participation(request.user, participation)
    else:
        do_set_attendance(request.user, participation, request.POST.get("attended") == "1")
    return redirect("events:event_detail", pk=participation.event_id)


# Period reports -------------------------------------------------------------------------------


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    # Period reports are regional documents: a regional (or higher) role reads them.
    if not Region.objects.for_user(request.user, Cap.EVENT_VIEW, whole=True).exists():
        raise PermissionDenied
    reports = in_region(request, reports_for_user(request.user, Cap.EVENT_VIEW)).select_related(
        "region"
    )
    can_manage = bool(
        access.grant(request.user, Cap.EVENT_MANAGE).regions
        or access.grant(request.user, Cap.EVENT_MANAGE).everything
    )
    return render(
        request,
        "events/report_list.html",
        {
            "reports": reports,
            "form": PeriodForm() if can_manage else None,
            "can_manage": can_manage,
        },
    )


@login_required
@require_POST
def report_create(request: HttpRequest) -> HttpResponse:
    region = current_region(request, Cap.EVENT_MANAGE)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("events:report_list")
    start, end = form.cleaned_data["starts_on"], form.cleaned_data["ends_on"]
    report = PeriodReport.objects.filter(region=region, starts_on=start, ends_on=end).first()
    if report is None:
        report = PeriodReport(region=region, starts_on=start, ends_on=end)
        do_save_report(request.user, report, before=None)
    return redirect("events:report_detail", pk=report.pk)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk, Cap.EVENT_VIEW)
    c = content(report.region, report.starts_on, report.ends_on, report)
    return render(
        request,
        "events/report_detail.html",
        {
            "report": report,
            "c": c,
            "can_manage": access.grant(request.user, Cap.EVENT_MANAGE).covers(
                report.region_id, None, None
            ),
        },
    )


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk, Cap.EVENT_VIEW)
    if not access.grant(request.user, Cap.EVENT_MANAGE).covers(report.region_id, None, None):
        raise PermissionDenied
    before = snapshot(report)
    status = 200
    # A campaign counts once its window has closed, and not after the period it would describe.
    on = min(report.region.today(), report.ends_on + dt.timedelta(days=1))
    draft = difficulties_draft(report.region, on)
    tasks = tasks_draft(report.region, report.starts_on, report.ends_on)
    fill = request.method == "POST" and (
        request.POST.get("fill_difficulties") or request.POST.get("fill_tasks")
    )
    if fill:
        # Put the draft into the form as it stands, with the rest of the user's edits, unsaved.
        data = request.POST.copy()
        if request.POST.get("fill_difficulties"):
            data["difficulties"], found = draft.text, draft.campaign is not None
            missing = _("Завершённой кампании самодиагностики нет.")
        else:
            data["tasks_text"], found = tasks_text(tasks.rows), bool(tasks.tasks)
            missing = _("В региональных дорожных картах нет мероприятий со сроком в этом периоде.")
        form = ReportForm(data, instance=report, draft=draft, tasks=tasks)
        if found:
            messages.info(request, _("Черновик подставлен: проверьте и сохраните."))
        else:
            messages.warning(request, missing)
    else:
        form = ReportForm(request.POST or None, instance=report, draft=draft, tasks=tasks)
        if request.method == "POST" and form.is_valid():
            report = form.save(commit=False)
            try:
                do_save_report(request.user, report, before=before, version=form.version)
            except StaleEdit as e:
                form.refuse(e)
                status = 409
            else:
                messages.success(request, _("Отчёт сохранён."))
                return redirect("events:report_detail", pk=report.pk)
    return render(
        request,
        "events/form.html",
        {
            "form": form,
            "title": _("Отчёт за %(p)s") % {"p": report},
            "back": "events:report_list",
            "fill_difficulties": draft.campaign is not None,
            "fill_tasks": bool(tasks.tasks),
        },
        status=status,
    )


@login_required
def report_docx(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk, Cap.EVENT_VIEW)
    body = build_docx(content(report.region, report.starts_on, report.ends_on, report))
    response = HttpResponse(body, content_type=DOCX_TYPE)
    name = f"otchet-koordinatora-{report.starts_on:%Y%m%d}-{report.ends_on:%Y%m%d}.docx"
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return response
