"""Management decisions: the register (read) and execution reports (write, with the version).

A report is checked by ``programmes.forms_decisions.DecisionReportForm`` (evidence against the
one upload policy) and saved by ``do_report_decision``; a stale ``version`` answers 409 with who
changed the decision since. Scoping is the pages': ``Decision.objects.for_user``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from marshrut.api.base import FILE_RESPONSE, Id, Text, form_errors, responds
from marshrut.api.paging import PageQuery, cursor_page, page_of, region_id
from marshrut.audit.log import Source
from marshrut.lib.files import attachment
from marshrut.orgs import access
from marshrut.orgs.roles import Cap
from marshrut.programmes.actions_decisions import do_report_decision
from marshrut.programmes.forms_decisions import DecisionReportForm
from marshrut.programmes.models.decisions import (
    OVERDUE,
    Decision,
    DecisionReport,
    DecisionStatus,
    can_report_decision,
    get_decision_evidence_for_user,
    get_decision_for_user,
)

router = Router(tags=["management decisions"])


class DecisionOut(Schema):
    id: int
    region_id: int
    subject: str
    subject_name: str
    municipality_id: int | None
    school_id: int | None
    source: str
    source_name: str
    protocol_id: int | None
    source_text: str
    decided_by: str
    decided_on: dt.date
    text: str
    owner_id: int | None
    owner: str
    due_on: dt.date
    status: str
    status_name: str
    overdue: bool = Field(description="open and past its due date by the region's calendar")
    done_on: dt.date | None
    version: int = Field(description="send it back with a report: a stale version is answered 409")


class DecisionEvidenceOut(Schema):
    id: int
    filename: str
    size: int
    url: str


class DecisionReportOut(Schema):
    id: int
    decision_id: int
    status: str
    status_name: str
    comment: str
    author: str
    reported_at: dt.datetime
    evidence: list[DecisionEvidenceOut]


class DecisionReportIn(Schema):
    status: DecisionStatus
    comment: str = Field("", max_length=5000)
    version: int = Field(ge=1, le=2**31 - 1, description="the version of the decision you read")


DecisionPage = page_of(DecisionOut, "DecisionPage", counted=True)
DecisionReportPage = page_of(DecisionReportOut, "DecisionReportPage")


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "region_id": d.region_id,
        "subject": d.subject,
        "subject_name": d.get_subject_display(),
        "municipality_id": d.municipality_id,
        "school_id": d.school_id,
        "source": d.source,
        "source_name": d.get_source_display(),
        "protocol_id": d.protocol_id,
        "source_text": d.source_text,
        "decided_by": d.decided_by,
        "decided_on": d.decided_on,
        "text": d.text,
        "owner_id": d.owner_id,
        "owner": d.owner_name,
        "due_on": d.due_on,
        "status": d.status,
        "status_name": d.get_status_display(),
        "overdue": d.is_overdue(),
        "done_on": d.done_on,
        "version": d.version,
    }


def _report(r: DecisionReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "decision_id": r.decision_id,
        "status": r.status,
        "status_name": r.get_status_display(),
        "comment": r.comment,
        "author": (r.author.get_full_name() or r.author.get_username()) if r.author else "",
        "reported_at": r.reported_at,
        "evidence": [
            {
                "id": e.pk,
                "filename": e.filename,
                "size": e.size,
                "url": reverse("api:decision_evidence", kwargs={"pk": e.pk}),
            }
            for e in r.evidence.all()
        ],
    }


@router.get(
    summary="Management decisions register", path="/decisions", response=responds(DecisionPage)
)
def decisions(
    request: HttpRequest,
    page: Query[PageQuery],
    region: Text | None = None,
    source: Text | None = None,
    subject: Text | None = None,
    status: Text | None = None,
    municipality: Id | None = None,
    school: Id | None = None,
) -> Any:
    """The decisions the user sees; ``status=overdue`` — open ones past their date."""
    access.require(request.user, Cap.PLAN_VIEW)
    qs: Any = Decision.objects.for_user(request.user).select_related("region", "owner")
    if (rid := region_id(request, region, Cap.PLAN_VIEW)) is not None:
        qs = qs.filter(region_id=rid)
    if status == OVERDUE:
        qs = qs.overdue()
    elif status:
        qs = qs.filter(status=status)
    for name, value in (
        ("source", source),
        ("subject", subject),
        ("municipality_id", municipality),
        ("school_id", school),
    ):
        if value is not None and value != "":
            qs = qs.filter(**{name: value})
    found = cursor_page(qs, page, counted=True)
    found["items"] = [_decision(d) for d in found["items"]]
    return found


@router.get(summary="A management decision", path="/decisions/{pk}", response=responds(DecisionOut))
def decision(request: HttpRequest, pk: Id) -> Any:
    return _decision(get_decision_for_user(request.user, pk))


@router.get(
    summary="Execution reports of a decision",
    path="/decisions/{pk}/reports",
    response=responds(DecisionReportPage),
)
def decision_reports(request: HttpRequest, pk: Id, page: Query[PageQuery]) -> Any:
    d = get_decision_for_user(request.user, pk)
    qs = DecisionReport.objects.filter(decision=d).select_related("author")
    found = cursor_page(qs.prefetch_related("evidence"), page)
    found["items"] = [_report(r) for r in found["items"]]
    return found


@router.post(
    summary="Report execution of a decision (with its version and evidence)",
    path="/decisions/{pk}/reports",
    response=responds(DecisionReportOut, *(400, 401, 403, 404, 409, 422, 429), status=201),
)
def decision_report(
    request: HttpRequest,
    pk: Id,
    data: Form[DecisionReportIn],
    evidence: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """Report execution (multipart/form-data): status, what was done, evidence files. ``version``
    is the decision's as read; if it changed since, nothing is saved and the answer is 409."""
    user: Any = request.user
    d = get_decision_for_user(user, pk)
    if not can_report_decision(user, d):
        raise HttpError(403, "Отчитываться об исполнении может ответственный за решение.")
    form = DecisionReportForm(
        {"status": data.status, "comment": data.comment, "version": data.version},
        {"evidence": list(evidence or [])},
        decision=d,
    )
    if not form.is_valid():
        raise form_errors(form)
    cleaned = form.cleaned_data
    report = do_report_decision(
        user,
        d,
        status=cleaned["status"],
        comment=cleaned["comment"],
        files=cleaned["evidence"],
        version=cleaned["version"],
        source=Source.API,
    )
    return Status(201, _report(report))


@router.get(
    summary="Download an evidence file of a decision",
    path="/decision-evidence/{pk}",
    url_name="decision_evidence",
    response=responds(None, 401, 404, 422, 429),
    openapi_extra=FILE_RESPONSE,
)
def decision_evidence_file(request: HttpRequest, pk: Id) -> Any:
    e = get_decision_evidence_for_user(request.user, pk)
    return attachment(e.file, e.filename)
