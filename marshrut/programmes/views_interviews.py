"""Interview pages: rounds, the schedule of a municipality's schools, protocols."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.audit.log import snapshot
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.docx import DOCX_TYPE
from marshrut.orgs import access
from marshrut.orgs.context import current_region, holds_on_region, in_region
from marshrut.orgs.models import School
from marshrut.orgs.roles import Cap
from marshrut.programmes import actions_interviews as actions
from marshrut.programmes.documents_interviews import protocol_docx, protocol_filename
from marshrut.programmes.forms_interviews import ProtocolForm, RoundForm, SlotForm
from marshrut.programmes.models.interviews import (
    InterviewProtocol,
    InterviewRound,
    InterviewSlot,
    can_on_slot,
    get_round_for_user,
    get_slot_for_user,
)


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.PLAN_VIEW)
    rounds = in_region(request, InterviewRound.objects.for_user(user)).select_related("region")
    region = getattr(request, "region", None)
    return render(
        request,
        "programmes/interview_round_list.html",
        {
            "rounds": rounds,
            "can_create": region is not None
            and holds_on_region(user, Cap.INTERVIEW_MANAGE, region),
        },
    )


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = current_region(request, Cap.INTERVIEW_MANAGE)
    if not holds_on_region(user, Cap.INTERVIEW_MANAGE, region):
        # Municipalities schedule their schools into the region's round; the round is the region's.
        raise PermissionDenied
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            r = actions.do_create_round(
                user,
                region,
                year=data["year"],
                half=data["half"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                title=data["title"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Тур собеседований создан."))
            return redirect("programmes:interview_round_detail", pk=r.pk)
    return render(
        request,
        "programmes/interview_form.html",
        {
            "form": form,
            "title": _("Новый тур собеседований"),
            "back": reverse("programmes:interview_round_list"),
        },
    )


def _schedulable(user: Any, r: InterviewRound) -> Any:
    """Schools of the round's region the user schedules and that have no time yet."""
    return (
        School.objects.for_user(user, Cap.INTERVIEW_MANAGE)
        .filter(municipality__region_id=r.region_id, is_active=True)
        .exclude(interview_slots__round=r)
    )


def _round_page(
    request: HttpRequest, r: InterviewRound, form: SlotForm | None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    slots = (
        InterviewSlot.objects.for_user(user)
        .filter(round=r)
        .select_related("municipality", "school", "protocol")
        .order_by("municipality__name", "on", "starts_at")
    )
    by_municipality: dict[Any, list[InterviewSlot]] = defaultdict(list)
    manage = access.grant(user, Cap.INTERVIEW_MANAGE)
    for slot in slots:
        slot.can_manage = manage.covers(r.region_id, slot.municipality_id, slot.school_id)  # type: ignore[attr-defined]
        by_municipality[slot.municipality].append(slot)
    return render(
        request,
        "programmes/interview_round_detail.html",
        {"round": r, "by_municipality": dict(by_municipality), "form": form},
        status=status,
    )


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    r = get_round_for_user(user, pk)
    schools = _schedulable(user, r)
    form = SlotForm(schools=schools, initial={"on": r.starts_on}) if schools.exists() else None
    return _round_page(request, r, form)


@login_required
@require_POST
def slot_create(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    r = get_round_for_user(user, pk)
    schools = _schedulable(user, r)
    if (
        not School.objects.for_user(user, Cap.INTERVIEW_MANAGE)
        .filter(municipality__region_id=r.region_id)
        .exists()
    ):
        raise PermissionDenied
    form = SlotForm(request.POST, schools=schools)
    if form.is_valid():
        slot = form.save(commit=False)
        slot.round = r
        slot.municipality_id = slot.school.municipality_id
        try:
            actions.do_schedule(user, slot)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _("Собеседование со школой «%(s)s» назначено на %(d)s.")
                % {"s": slot.school.short_name, "d": f"{slot.on:%d.%m.%Y} {slot.starts_at:%H:%M}"},
            )
            return redirect("programmes:interview_round_detail", pk=r.pk)
    return _round_page(request, r, form, status=400)


@login_required
@require_POST
def slot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    slot = get_slot_for_user(user, pk, Cap.INTERVIEW_MANAGE)
    try:
        actions.do_unschedule(user, slot)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Время собеседования снято."))
    return redirect("programmes:interview_round_detail", pk=slot.round_id)


@login_required
def protocol(request: HttpRequest, pk: int) -> HttpResponse:
    """A school's protocol: read by everybody who sees the slot, edited by the commission."""
    user: Any = request.user
    slot = get_slot_for_user(user, pk)
    existing = InterviewProtocol.objects.filter(slot=slot).first()
    can_manage = can_on_slot(user, Cap.INTERVIEW_MANAGE, slot)
    form = None
    status = 200
    if can_manage:
        instance = existing or InterviewProtocol(
            slot=slot, held_on=slot.on, results=actions.results_text(slot.school, slot.on)
        )
        before = snapshot(instance) if existing else None
        initial = (
            {}
            if existing
            else {
                "participants": actions.school_people(slot.school).filter(
                    memberships__role="school_head", memberships__school=slot.school
                )
            }
        )
        form = ProtocolForm(
            request.POST or None, instance=instance, school=slot.school, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            try:
                actions.do_save_protocol(
                    user,
                    form.save(commit=False),
                    before=before,
                    participants=form.cleaned_data["participants"],
                    version=form.version,
                )
            except StaleEdit as e:
                form.refuse(e)
                status = 409
            else:
                messages.success(request, _("Протокол сохранён."))
                return redirect("programmes:interview_protocol", pk=slot.pk)
    elif request.method == "POST":
        raise PermissionDenied
    decisions = (
        existing.decisions.select_related("owner", "region").order_by("due_on", "pk")
        if existing
        else []
    )
    return render(
        request,
        "programmes/interview_protocol.html",
        {
            "slot": slot,
            "protocol": existing,
            "form": form,
            "decisions": decisions,
            "can_manage": can_manage,
            "can_decide": existing is not None
            and access.grant(user, Cap.DECISION_MANAGE).covers(
                slot.round.region_id, slot.municipality_id, slot.school_id
            ),
            "today": slot.round.region.today(),
        },
        status=status,
    )


@login_required
def protocol_docx_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    slot = get_slot_for_user(user, pk)
    existing = InterviewProtocol.objects.filter(slot=slot).select_related(
        "slot__round", "slot__school", "slot__municipality"
    )
    p = existing.first()
    if p is None:
        messages.warning(request, _("Протокол ещё не составлен."))
        return redirect("programmes:interview_protocol", pk=slot.pk)
    response = HttpResponse(protocol_docx(p), content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, protocol_filename(p)) or ""
    return response
