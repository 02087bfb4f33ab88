"""Roadmaps: plans, their items, progress reports — and writing progress with evidence.

Writes go through the same forms and actions as the pages: a progress report is checked by
``plans.forms.ReportForm`` (links, the evidence files against the one upload policy) and saved by
``plans.actions.do_report_progress``; an item edit is checked by ``ItemForm`` and saved by
``do_update_item``, which claims the item's next version — a stale ``version`` answers 409 with
who changed the item and what they left in each field, as the edit page shows it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from marshrut.api.base import FILE_RESPONSE, Id, Text, form_errors, responds
from marshrut.api.paging import PageQuery, cursor_page, page_of, region_id
from marshrut.audit.log import Source, snapshot
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.files import attachment
from marshrut.orgs import access
from marshrut.orgs.roles import Cap
from marshrut.plans import actions
from marshrut.plans.forms import ItemForm, ReportForm
from marshrut.plans.models import (
    ItemStatus,
    Plan,
    PlanItem,
    ProgressReport,
    get_evidence_for_user,
    get_item_for_user,
    get_plan_for_user,
)

router = Router(tags=["roadmaps"])


class PlanOut(Schema):
    id: int
    title: str
    level: str
    level_name: str
    programme: str = Field(
        description="school (the «School of the Ministry of Education» project) or shnor"
    )
    region_id: int
    municipality_id: int | None
    school_id: int | None
    year: int
    starts_on: dt.date
    ends_on: dt.date
    status: str
    status_name: str


class ItemOut(Schema):
    id: int
    plan_id: int
    number: str
    title: str
    status: str
    status_name: str
    deadline_text: str
    federal_deadline_text: str = Field(
        description="the federal deadline of a shnor roadmap; deadline_text is the regional one"
    )
    starts_on: dt.date | None
    due_on: dt.date | None
    next_due_on: dt.date | None
    responsible_text: str
    expected_result: str
    indicator: str
    indicator_code: str
    directions: list[str]
    parent_id: int | None
    version: int = Field(
        description="send it back with a change: a stale version is answered with 409"
    )


class EvidenceOut(Schema):
    id: int
    filename: str
    size: int
    url: str


class ReportOut(Schema):
    id: int
    item_id: int
    status: str
    status_name: str
    comment: str
    actual_value: Decimal | None
    links: list[str]
    control_date: dt.date | None
    author: str
    reported_at: dt.datetime
    evidence: list[EvidenceOut]


class ReportIn(Schema):
    version: int = Field(
        ge=0, le=2**31 - 1, description="the item's version the report was written against"
    )
    status: ItemStatus
    comment: str = Field("", max_length=5000)
    actual_value: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    links: list[Text] = Field(default_factory=list, description="http(s):// links")
    control_date: Id | None = Field(None, description="id of one of the item's control dates")


class ItemPatch(Schema):
    version: int = Field(
        ge=0, le=2**31 - 1, description="the item's version the change starts from"
    )
    number: str | None = Field(None, max_length=20)
    title: str | None = Field(None, max_length=5000)
    deadline_text: str | None = Field(None, max_length=2000)
    federal_deadline_text: str | None = Field(None, max_length=2000)
    responsible_text: str | None = Field(None, max_length=5000)
    expected_result: str | None = Field(None, max_length=5000)
    indicator: str | None = Field(None, max_length=5000)
    directions: list[Text] | None = None


PlanPage = page_of(PlanOut, "PlanPage")
ItemPage = page_of(ItemOut, "ItemPage")
ReportPage = page_of(ReportOut, "ReportPage")


def _plan(p: Plan) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "level": p.level,
        "level_name": p.get_level_display(),
        "programme": p.programme,
        "region_id": p.region_id,
        "municipality_id": p.municipality_id,
        "school_id": p.school_id,
        "year": p.year,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "status": p.status,
        "status_name": p.get_status_display(),
    }


def _item(i: PlanItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "plan_id": i.plan_id,
        "number": i.number,
        "title": i.title,
        "status": i.status,
        "status_name": i.get_status_display(),
        "deadline_text": i.deadline_text,
        "federal_deadline_text": i.federal_deadline_text,
        "starts_on": i.starts_on,
        "due_on": i.due_on,
        "next_due_on": i.next_due_on,
        "responsible_text": i.responsible_text,
        "expected_result": i.expected_result,
        "indicator": i.indicator,
        "indicator_code": i.indicator_code,
        "directions": list(i.directions or []),
        "parent_id": i.parent_id,
        "version": i.version,
    }


def _report(r: ProgressReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "item_id": r.item_id,
        "status": r.status,
        "status_name": r.get_status_display(),
        "comment": r.comment,
        "actual_value": r.actual_value,
        "links": list(r.links or []),
        "control_date": r.control_date.due_on if r.control_date else None,
        "author": (r.author.get_full_name() or r.author.get_username()) if r.author else "",
        "reported_at": r.reported_at,
        "evidence": [
            {
                "id": e.pk,
                "filename": e.filename,
                "size": e.size,
                "url": reverse("api:evidence", kwargs={"pk": e.pk}),
            }
            for e in r.evidence.all()
        ],
    }


@router.get(summary="Roadmaps", path="/plans", response=responds(PlanPage))
def plans(
    request: HttpRequest,
    page: Query[PageQuery],
    region: Text | None = None,
    level: Text | None = None,
    programme: Text | None = None,
    status: Text | None = None,
    year: int | None = None,
    school: Id | None = None,
    municipality: Id | None = None,
) -> Any:
    access.require(request.user, Cap.PLAN_VIEW)
    qs = Plan.objects.for_user(request.user)
    if (rid := region_id(request, region, Cap.PLAN_VIEW)) is not None:
        qs = qs.filter(region_id=rid)
    for name, value in (
        ("level", level),
        ("programme", programme),
        ("status", status),
        ("year", year),
        ("school_id", school),
        ("municipality_id", municipality),
    ):
        if value is not None and value != "":
            qs = qs.filter(**{name: value})
    found = cursor_page(qs, page)
    found["items"] = [_plan(p) for p in found["items"]]
    return found


@router.get(summary="Roadmap", path="/plans/{pk}", response=responds(PlanOut))
def plan(request: HttpRequest, pk: Id) -> Any:
    return _plan(get_plan_for_user(request.user, pk))


@router.get(summary="Items of a roadmap", path="/plans/{pk}/items", response=responds(ItemPage))
def plan_items(
    request: HttpRequest, pk: Id, page: Query[PageQuery], status: Text | None = None
) -> Any:
    p = get_plan_for_user(request.user, pk)
    qs = PlanItem.objects.filter(plan=p)
    if status:
        qs = qs.filter(status=status)
    found = cursor_page(qs, page)
    found["items"] = [_item(i) for i in found["items"]]
    return found


@router.get(summary="Roadmap item", path="/items/{pk}", response=responds(ItemOut))
def item(request: HttpRequest, pk: Id) -> Any:
    return _item(get_item_for_user(request.user, pk))


@router.patch(
    summary="Change a roadmap item (with its version)",
    path="/items/{pk}",
    response=responds(ItemOut, *(400, 401, 403, 404, 409, 422, 429)),
)
def item_update(request: HttpRequest, pk: Id, payload: ItemPatch) -> Any:
    """Change an item's texts (as the item's edit page does). ``version`` is the one read with
    the item; if somebody saved it since, nothing is saved and the answer is 409."""
    user: Any = request.user
    current = get_item_for_user(user, pk, Cap.PLAN_MANAGE)
    if current.plan.status == Plan.Status.SUBMITTED:
        raise HttpError(
            409, "Дорожная карта на согласовании: править её можно после решения."
        )  # what the coordinator approves must be what the school sent
    before = snapshot(current)
    data: dict[str, Any] = {
        k: v for k, v in model_to_dict(current, fields=list(ItemForm.base_fields)).items()
    }
    data.update(payload.dict(exclude_unset=True, exclude={"version"}))
    data = {k: ("" if v is None and k != "directions" else v) for k, v in data.items()}
    data["directions"] = data.get("directions") or []
    data["version"] = payload.version
    form = ItemForm(data, instance=current)
    if not form.is_valid():
        raise form_errors(form)
    try:
        saved = actions.do_update_item(
            user, form.save(commit=False), before=before, version=form.version, source=Source.API
        )
    except StaleEdit as stale:
        stale.form_fields = ItemForm(instance=stale.current).fields  # type: ignore[attr-defined]
        raise
    return _item(saved)


@router.get(
    summary="Progress reports of an item",
    path="/items/{pk}/reports",
    response=responds(ReportPage),
)
def item_reports(request: HttpRequest, pk: Id, page: Query[PageQuery]) -> Any:
    i = get_item_for_user(request.user, pk)
    qs = ProgressReport.objects.filter(item=i).select_related("author", "control_date")
    found = cursor_page(qs.prefetch_related("evidence"), page)
    found["items"] = [_report(r) for r in found["items"]]
    return found


@router.post(
    summary="Report progress (with evidence; with the item's version)",
    path="/items/{pk}/reports",
    response=responds(ReportOut, *(400, 401, 403, 404, 409, 422, 429), status=201),
)
def item_report(
    request: HttpRequest,
    pk: Id,
    data: Form[ReportIn],
    evidence: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """Report progress on an item (multipart/form-data): status, comment, actual value, links
    and evidence files, checked against the same upload policy as the item page. ``version`` is
    the item's, as read: if the item was saved since, nothing is written and the answer is 409
    with who changed what; a report that changes the status moves the version on."""
    user: Any = request.user
    i = get_item_for_user(user, pk, Cap.PLAN_REPORT)
    form = ReportForm(
        {
            "status": data.status,
            "comment": data.comment,
            "actual_value": "" if data.actual_value is None else str(data.actual_value),
            "links": "\n".join(data.links),
            "control_date": data.control_date or "",
        },
        {"evidence": list(evidence or [])},
        item=i,
    )
    if not form.is_valid():
        raise form_errors(form)
    cleaned = form.cleaned_data
    try:
        report = actions.do_report_progress(
            user,
            i,
            status=cleaned["status"],
            comment=cleaned["comment"],
            actual_value=cleaned["actual_value"],
            links=cleaned["links"],
            files=cleaned["evidence"],
            control_date=cleaned["control_date"],
            source=Source.API,
            version=data.version,
        )
    except StaleEdit as stale:
        stale.form_fields = {  # type: ignore[attr-defined]
            "status": ReportForm.base_fields["status"],
            **ItemForm(instance=stale.current).fields,
        }
        raise
    return Status(201, _report(report))


@router.get(
    summary="Download an evidence file",
    path="/evidence/{pk}",
    url_name="evidence",
    response=responds(None, 401, 404, 422, 429),
    openapi_extra=FILE_RESPONSE,
)
def evidence_file(request: HttpRequest, pk: Id) -> Any:
    """Download an evidence file of a progress report the user may see."""
    e = get_evidence_for_user(request.user, pk)
    return attachment(e.file, e.filename)
