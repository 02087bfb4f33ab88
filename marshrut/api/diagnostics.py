"""Self-diagnostics: campaigns, results per campaign and per school, deficits, the next level.

Results and deficits are visible as on the pages: the campaigns of the user's region(s), and in
them the schools where ``DIAGNOSTICS_VIEW`` holds. The path to the next level is the same kernel
the result page uses (:func:`marshrut.kernels.scoring.next_level_path`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from marshrut.api.base import Id, Text, responds
from marshrut.api.paging import PageQuery, cursor_page, page_of, region_id
from marshrut.diagnostics.models import (
    Campaign,
    Deficit,
    Result,
    Submission,
    get_campaign_for_user,
)
from marshrut.diagnostics.scoring import answers_of, normalised, score_submission
from marshrut.kernels.criteria import Catalogue, level_name
from marshrut.kernels.scoring import next_level_path
from marshrut.orgs import access
from marshrut.orgs.models import get_school_for_user
from marshrut.orgs.roles import Cap

router = Router(tags=["self-assessment"])


class CampaignOut(Schema):
    id: int
    region_id: int
    title: str
    year: int
    opens_on: dt.date
    closes_on: dt.date
    criteria: str
    criteria_title: str
    previous_id: int | None
    is_open: bool


class ResultOut(Schema):
    id: int
    campaign_id: int
    school_id: int
    submission_id: int
    scope: str
    scope_name: str
    points: float
    max_points: float
    level: str
    level_name: str
    deficits: int
    critical_failed: int


class DeficitOut(Schema):
    id: int
    campaign_id: int
    school_id: int
    code: str
    indicator: str
    direction: str
    kind: str
    kind_name: str
    points: float
    max_points: float


class ScopeLevel(Schema):
    scope: str
    scope_name: str
    level: str
    level_name: str
    points: float
    max_points: float
    deficits: int


class SchoolResultOut(Schema):
    campaign_id: int
    campaign: str
    year: int
    school_id: int
    submission_id: int
    status: str
    status_name: str
    levels: list[ScopeLevel]


class StepOut(Schema):
    indicator: str
    indicator_text: str
    direction: str
    from_answer: Any
    from_points: float
    to_answer: Any
    to_points: float
    gain: float
    critical: bool


class PathOut(Schema):
    scope: str
    scope_name: str
    level: str
    level_name: str
    target: str | None
    target_name: str | None
    points: float
    target_points: float | None
    points_after: float
    reachable: bool
    steps: list[StepOut]


CampaignPage = page_of(CampaignOut, "CampaignPage")
ResultPage = page_of(ResultOut, "ResultPage")
DeficitPage = page_of(DeficitOut, "DeficitPage")


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "region_id": c.region_id,
        "title": c.title,
        "year": c.year,
        "opens_on": c.opens_on,
        "closes_on": c.closes_on,
        "criteria": c.criteria.code,
        "criteria_title": c.criteria.title,
        "previous_id": c.previous_id,
        "is_open": c.is_open(),
    }


def _scope_name(catalogue: Catalogue, code: str) -> str:
    if code == "overall":
        return "Итого по школе"
    try:
        return catalogue.direction(code).name
    except KeyError:
        return code


def _in_scope(user: Any) -> Any:
    """The filter of result and deficit rows by the schools the user may see in diagnostics."""
    return access.grant(user, Cap.DIAGNOSTICS_VIEW).q(
        region="campaign__region_id", municipality="school__municipality_id", school="school_id"
    )


@router.get(summary="Self-assessment campaigns", path="/campaigns", response=responds(CampaignPage))
def campaigns(
    request: HttpRequest,
    page: Query[PageQuery],
    region: Text | None = None,
    year: int | None = None,
) -> Any:
    access.require(request.user, Cap.DIAGNOSTICS_VIEW)
    qs = Campaign.objects.for_user(request.user).select_related("criteria")
    if (rid := region_id(request, region, Cap.DIAGNOSTICS_VIEW)) is not None:
        qs = qs.filter(region_id=rid)
    if year is not None:
        qs = qs.filter(year=year)
    found = cursor_page(qs, page)
    found["items"] = [_campaign(c) for c in found["items"]]
    return found


@router.get(
    summary="Self-assessment campaign", path="/campaigns/{pk}", response=responds(CampaignOut)
)
def campaign(request: HttpRequest, pk: Id) -> Any:
    return _campaign(get_campaign_for_user(request.user, pk))


@router.get(
    summary="Campaign results by school and direction",
    path="/campaigns/{pk}/results",
    response=responds(ResultPage),
)
def campaign_results(
    request: HttpRequest,
    pk: Id,
    page: Query[PageQuery],
    school: Id | None = None,
    municipality: Id | None = None,
    scope: Text | None = None,
    level: Text | None = None,
) -> Any:
    """Result rows of the campaign: one per school and scope (the 8 directions and «overall»)."""
    c = get_campaign_for_user(request.user, pk)
    catalogue = c.criteria.catalogue
    qs = Result.objects.filter(_in_scope(request.user), campaign=c)
    if school is not None:
        qs = qs.filter(school_id=school)
    if municipality is not None:
        qs = qs.filter(school__municipality_id=municipality)
    if scope:
        qs = qs.filter(scope=scope)
    if level:
        qs = qs.filter(level=level)
    found = cursor_page(qs, page)
    found["items"] = [
        {
            "id": r.pk,
            "campaign_id": r.campaign_id,
            "school_id": r.school_id,
            "submission_id": r.submission_id,
            "scope": r.scope,
            "scope_name": _scope_name(catalogue, r.scope),
            "points": r.points,
            "max_points": r.max_points,
            "level": r.level,
            "level_name": level_name(r.level),
            "deficits": r.deficits,
            "critical_failed": r.critical_failed,
        }
        for r in found["items"]
    ]
    return found


@router.get(
    summary="Schools' deficits in a campaign",
    path="/campaigns/{pk}/deficits",
    response=responds(DeficitPage),
)
def campaign_deficits(
    request: HttpRequest,
    pk: Id,
    page: Query[PageQuery],
    school: Id | None = None,
    municipality: Id | None = None,
    direction: Text | None = None,
    code: Text | None = None,
) -> Any:
    """Deficits of the campaign's schools: applicable indicators where a school falls short."""
    c = get_campaign_for_user(request.user, pk)
    catalogue = c.criteria.catalogue
    qs = Deficit.objects.filter(_in_scope(request.user), campaign=c)
    if school is not None:
        qs = qs.filter(school_id=school)
    if municipality is not None:
        qs = qs.filter(school__municipality_id=municipality)
    if direction:
        qs = qs.filter(direction=direction)
    if code:
        qs = qs.filter(code=code)
    found = cursor_page(qs, page)
    kinds = dict(Deficit.Kind.choices)
    found["items"] = [
        {
            "id": d.pk,
            "campaign_id": d.campaign_id,
            "school_id": d.school_id,
            "code": d.code,
            "indicator": ind.text if (ind := catalogue.indicators.get(d.code)) else "",
            "direction": d.direction,
            "kind": d.kind,
            "kind_name": str(kinds.get(d.kind, d.kind)),
            "points": d.points,
            "max_points": d.max_points,
        }
        for d in found["items"]
    ]
    return found


def _school_result(submission: Submission) -> dict[str, Any]:
    c = submission.campaign
    catalogue = c.criteria.catalogue
    rows = {r.scope: r for r in submission.results.all()}
    order = {code: i for i, code in enumerate(catalogue.scope_codes)}
    return {
        "campaign_id": c.pk,
        "campaign": c.title,
        "year": c.year,
        "school_id": submission.school_id,
        "submission_id": submission.pk,
        "status": submission.status,
        "status_name": submission.get_status_display(),
        "levels": [
            {
                "scope": r.scope,
                "scope_name": _scope_name(catalogue, r.scope),
                "level": r.level,
                "level_name": level_name(r.level),
                "points": r.points,
                "max_points": r.max_points,
                "deficits": r.deficits,
            }
            for r in sorted(rows.values(), key=lambda r: order.get(r.scope, len(order)))
        ],
    }


def _submission(user: Any, campaign_pk: int, school_pk: int) -> Submission:
    submission = (
        Submission.objects.for_user(user)
        .select_related("campaign__criteria", "school")
        .filter(campaign_id=campaign_pk, school_id=school_pk)
        .first()
    )
    if submission is None:
        raise Http404
    return submission


@router.get(
    summary="A school's levels by direction in every campaign",
    path="/schools/{pk}/results",
    response=responds(list[SchoolResultOut]),
)
def school_results(request: HttpRequest, pk: Id) -> Any:
    """The school's levels per direction in every campaign the user may see, newest first."""
    school = get_school_for_user(request.user, pk)
    submissions = (
        Submission.objects.for_user(request.user)
        .filter(school=school, campaign__in=Campaign.objects.for_user(request.user))
        .select_related("campaign__criteria")
        .prefetch_related("results")
        .order_by("-campaign__year", "-campaign__opens_on", "-pk")
    )
    return [_school_result(s) for s in submissions]


@router.get(
    summary="A school's result in a campaign",
    path="/campaigns/{campaign_pk}/schools/{school_pk}",
    response=responds(SchoolResultOut),
)
def campaign_school(request: HttpRequest, campaign_pk: Id, school_pk: Id) -> Any:
    """One school's questionnaire status and levels per direction in one campaign."""
    return _school_result(_submission(request.user, campaign_pk, school_pk))


@router.get(
    summary="Path to the next level",
    path="/campaigns/{campaign_pk}/schools/{school_pk}/path",
    response=responds(list[PathOut]),
)
def next_level(request: HttpRequest, campaign_pk: Id, school_pk: Id) -> Any:
    """The path to the next level, per direction and overall: the fewest improvements that lift
    each scope one level, as on the school's result page. 404 until the school has a result."""
    submission = _submission(request.user, campaign_pk, school_pk)
    if not submission.results.exists():
        raise Http404
    catalogue = submission.campaign.criteria.catalogue
    answers = answers_of([submission]).get(submission.pk, {})
    scored = score_submission(catalogue, submission, answers)
    paths = next_level_path(catalogue, submission.profile, normalised(catalogue, answers), scored)
    out = []
    for code in catalogue.scope_codes:
        path = paths.get(code)
        if path is None:
            continue
        out.append(
            {
                "scope": code,
                "scope_name": _scope_name(catalogue, code),
                "level": path.level,
                "level_name": level_name(path.level),
                "target": path.target,
                "target_name": level_name(path.target) if path.target else None,
                "points": path.points,
                "target_points": path.target_points,
                "points_after": path.points_after,
                "reachable": path.reachable,
                "steps": [
                    {
                        "indicator": s.indicator,
                        "indicator_text": ind.text
                        if (ind := catalogue.indicators.get(s.indicator))
                        else "",
                        "direction": s.direction,
                        "from_answer": _jsonable(s.from_answer),
                        "from_points": s.from_points,
                        "to_answer": _jsonable(s.to_answer),
                        "to_points": s.to_points,
                        "gain": s.gain,
                        "critical": s.critical,
                    }
                    for s in path.steps
                ],
            }
        )
    return out


def _jsonable(value: object) -> Any:
    return list(value) if isinstance(value, tuple) else value
