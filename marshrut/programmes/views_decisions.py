"""The management decisions register: one list with filters and counts, a decision's page with
its execution reports and evidence, creating and editing decisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.audit.log import snapshot
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.exports import ExportColumn
from marshrut.lib.files import Served
from marshrut.lib.listing import maybe_export, paginate, query_without
from marshrut.orgs import access
from marshrut.orgs.context import current_region, in_region
from marshrut.orgs.models import Municipality, Person, School
from marshrut.orgs.roles import Cap
from marshrut.programmes import actions_decisions as actions
from marshrut.programmes.forms_decisions import (
    SOON,
    DecisionFilter,
    DecisionForm,
    DecisionReportForm,
)
from marshrut.programmes.models.decisions import (
    OVERDUE,
    OVERDUE_LABEL,
    Decision,
    DecisionStatus,
    Source,
    Subject,
    can_on_decision,
    can_report_decision,
    get_decision_evidence_for_user,
    get_decision_for_user,
)
from marshrut.programmes.models.interviews import InterviewProtocol
from marshrut.programmes.queries_decisions import counts


def _status_text(d: Decision) -> str:
    return str(OVERDUE_LABEL) if d.is_overdue() else d.get_status_display()


COLUMNS = [
    ExportColumn("№", lambda d: d.pk, 6),
    ExportColumn("Дата решения", lambda d: d.decided_on, 12),
    ExportColumn("Кто принял", lambda d: d.decided_by, 25),
    ExportColumn("Уровень", lambda d: d.get_subject_display(), 14),
    ExportColumn("Муниципалитет", lambda d: d.municipality.name if d.municipality else "", 25),
    ExportColumn("Школа", lambda d: d.school.short_name if d.school else "", 30),
    ExportColumn("Основание", lambda d: d.get_source_display(), 20),
    ExportColumn("Документ-основание", lambda d: d.source_text, 25),
    ExportColumn("Решение", lambda d: d.text, 60),
    ExportColumn("Ответственный", lambda d: d.owner_name, 25),
    ExportColumn("Срок", lambda d: d.due_on, 12),
    ExportColumn("Состояние", _status_text, 14),
    ExportColumn("Исполнено", lambda d: d.done_on, 12),
]


@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.PLAN_VIEW)
    visible = in_region(request, Decision.objects.for_user(user))
    form = DecisionFilter(
        request.GET,
        municipalities=in_region(request, Municipality.objects.for_user(user), "region"),
    )
    qs: Any = visible
    for name in ("source", "subject"):
        if form.value(name):
            qs = qs.filter(**{name: form.value(name)})
    if form.value("municipality"):
        qs = qs.filter(municipality=form.value("municipality"))
    status = form.value("status")
    if status == OVERDUE:
        qs = qs.overdue()
    elif status == SOON:
        qs = qs.due_soon()
    elif status:
        qs = qs.filter(status=status)
    if form.value("q"):
        qs = qs.filter(text__icontains=form.value("q"))
    qs = qs.select_related("region", "municipality", "school", "owner").order_by("due_on", "pk")
    exported = maybe_export(request, qs, COLUMNS, "decisions", "Реестр управленческих решений")
    if exported:
        return exported
    can_create = bool(access.grant(user, Cap.DECISION_MANAGE))
    return render(
        request,
        "programmes/decision_list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "query": query_without(request, "page", "export"),
            "counts": counts(qs),
            "can_create": can_create,
        },
    )


def _choices(user: Any, region: Any) -> dict[str, Any]:
    """What the user may pick in a decision: nodes where they keep the register, people of the
    region they may see."""
    return {
        "municipalities": Municipality.objects.for_user(user, Cap.DECISION_MANAGE).filter(
            region=region
        ),
        "schools": School.objects.for_user(user, Cap.DECISION_MANAGE).filter(
            municipality__region=region
        ),
        "people": Person.objects.for_user(user).filter(region=region, is_active=True),
    }


@login_required
def decision_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    protocol = None
    if request.GET.get("protocol", "").isdigit():
        protocol = (
            InterviewProtocol.objects.for_user(user, Cap.DECISION_MANAGE)
            .select_related("slot__round__region", "slot__school")
            .filter(pk=int(request.GET["protocol"]))
            .first()
        )
        if protocol is None:
            raise PermissionDenied
        region = protocol.slot.round.region
    else:
        region = current_region(request, Cap.DECISION_MANAGE)
    today = region.today()
    instance = Decision(region=region, decided_on=today)
    fixed = None
    if protocol is not None:
        fixed = protocol.slot.school
        instance.protocol = protocol
        instance.source = Source.INTERVIEW
        instance.subject = Subject.SCHOOL
        instance.school = fixed
        instance.municipality_id = fixed.municipality_id
        instance.decided_on = protocol.held_on
        instance.source_text = f"Протокол собеседования от {protocol.held_on:%d.%m.%Y}"
    choices = _choices(user, region)
    form = DecisionForm(request.POST or None, instance=instance, fixed_school=fixed, **choices)
    if request.method == "POST" and form.is_valid():
        decision = form.save(commit=False)
        if not can_on_decision(user, Cap.DECISION_MANAGE, decision):
            raise PermissionDenied
        try:
            actions.do_create_decision(user, decision)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Решение внесено в реестр."))
            if protocol is not None:
                return redirect("programmes:interview_protocol", pk=protocol.slot_id)
            return redirect("programmes:decision_detail", pk=decision.pk)
    back = (
        reverse("programmes:interview_protocol", args=[protocol.slot_id])
        if protocol
        else reverse("programmes:decision_list")
    )
    return render(
        request,
        "programmes/decision_form.html",
        {
            "form": form,
            "title": _("Новое управленческое решение"),
            "back": back,
            "protocol": protocol,
        },
    )


@login_required
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    decision = get_decision_for_user(user, pk, Cap.DECISION_MANAGE)
    before = snapshot(decision)
    choices = _choices(user, decision.region)
    form = DecisionForm(
        request.POST or None,
        instance=decision,
        fixed_school=decision.school if decision.protocol_id else None,
        **choices,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if not can_on_decision(user, Cap.DECISION_MANAGE, saved):
            raise PermissionDenied
        try:
            actions.do_update_decision(user, saved, before=before, version=form.version)
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        else:
            messages.success(request, _("Решение сохранено."))
            return redirect("programmes:decision_detail", pk=decision.pk)
    return render(
        request,
        "programmes/decision_form.html",
        {
            "form": form,
            "title": _("Решение №%(n)s") % {"n": decision.pk},
            "back": reverse("programmes:decision_detail", args=[decision.pk]),
        },
        status=status,
    )


def _detail(
    request: HttpRequest, decision: Decision, form: Any = None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    can_report = can_report_decision(user, decision)
    if form is None and can_report and decision.status != DecisionStatus.CANCELLED:
        form = DecisionReportForm(decision=decision)
    return render(
        request,
        "programmes/decision_detail.html",
        {
            "decision": decision,
            "today": decision.region.today(),
            "reports": decision.reports.select_related("author").prefetch_related("evidence"),
            "form": form if can_report else None,
            "can_edit": can_on_decision(user, Cap.DECISION_MANAGE, decision),
        },
        status=status,
    )


@login_required
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_decision_for_user(request.user, pk))


@login_required
@require_POST
def decision_report(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    decision = get_decision_for_user(user, pk)
    if not can_report_decision(user, decision):
        raise PermissionDenied
    form = DecisionReportForm(request.POST, request.FILES, decision=decision)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_report_decision(
                user,
                decision,
                status=data["status"],
                comment=data["comment"],
                files=data["evidence"],
                version=data["version"],
            )
        except StaleEdit:
            decision.refresh_from_db()
            # The typed report is kept, with the current version: sending again is a choice.
            data = request.POST.copy()
            data["version"] = str(decision.version)
            fresh = DecisionReportForm(data, decision=decision)
            fresh.is_valid()
            fresh.add_error(
                None,
                _(
                    "Пока вы заполняли отчёт, решение изменили или по нему отчитались: отчёт не "
                    "сохранён. Посмотрите, что изменилось, и отправьте снова."
                ),
            )
            return _detail(request, decision, fresh, status=409)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Отчёт об исполнении сохранён."))
            return redirect("programmes:decision_detail", pk=decision.pk)
    return _detail(request, decision, form, status=400)


def decision_evidence_file(request: HttpRequest, pk: int) -> Served:
    evidence = get_decision_evidence_for_user(request.user, pk)
    return Served(evidence.file, evidence.filename)
