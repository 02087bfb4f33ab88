"""Surveys and their results, with the small-group rule of the results page.

Results come from :func:`marshrut.surveys.results.compute`, the same figures the page shows: with
fewer than ``MIN_GROUP`` respondents (in the survey, or in the chosen municipality) only the
count is given — or, for a municipality, not even that — and no answer at all; in the breakdown
by municipality, small groups are pooled. Individual answer rows are never listed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from marshrut.api.base import Id, Text, responds
from marshrut.api.paging import PageQuery, cursor_page, page_of, region_id
from marshrut.orgs import access
from marshrut.orgs.models import Municipality
from marshrut.orgs.roles import Cap
from marshrut.surveys.models import MIN_GROUP, Survey, get_survey_for_user
from marshrut.surveys.results import Bar, compute

router = Router(tags=["surveys"])


class SurveyOut(Schema):
    id: int
    region_id: int
    title: str
    status: str
    status_name: str
    closes_on: dt.date | None
    anonymous_link: bool


class BarOut(Schema):
    label: str
    count: int
    percent: float


class RowOut(Schema):
    row: str
    bars: list[BarOut]


class GroupOut(Schema):
    group: str
    responses: int
    bars: list[BarOut]


class QuestionOut(Schema):
    id: int
    text: str
    kind: str
    kind_name: str
    respondents: int
    bars: list[BarOut]
    matrix: list[RowOut]
    mean: float | None
    minimum: float | None
    maximum: float | None
    texts: list[str]
    breakdown: list[GroupOut]


class MunicipalityGroupOut(Schema):
    municipality_id: int
    name: str
    responses: int


class ResultsOut(Schema):
    survey_id: int
    municipality_id: int | None
    min_group: int
    hidden: bool
    responses: int | None
    groups: list[MunicipalityGroupOut]
    questions: list[QuestionOut]


SurveyPage = page_of(SurveyOut, "SurveyPage")


def _survey(s: Survey) -> dict[str, Any]:
    return {
        "id": s.pk,
        "region_id": s.region_id,
        "title": s.title,
        "status": s.status,
        "status_name": s.get_status_display(),
        "closes_on": s.closes_on,
        "anonymous_link": s.anonymous_link,
    }


def _bars(bars: list[Bar]) -> list[dict[str, Any]]:
    return [{"label": b.label, "count": b.count, "percent": b.percent} for b in bars]


@router.get(summary="Surveys", path="/surveys", response=responds(SurveyPage))
def surveys(request: HttpRequest, page: Query[PageQuery], region: Text | None = None) -> Any:
    access.require(request.user, Cap.SURVEY_MANAGE)
    qs = Survey.objects.for_user(request.user)
    if (rid := region_id(request, region, Cap.SURVEY_MANAGE)) is not None:
        qs = qs.filter(region_id=rid)
    found = cursor_page(qs, page)
    found["items"] = [_survey(s) for s in found["items"]]
    return found


@router.get(summary="Survey", path="/surveys/{pk}", response=responds(SurveyOut))
def survey(request: HttpRequest, pk: Id) -> Any:
    return _survey(get_survey_for_user(request.user, pk))


@router.get(
    summary="Survey results (small groups hidden)",
    path="/surveys/{pk}/results",
    response=responds(ResultsOut),
)
def survey_results(request: HttpRequest, pk: Id, municipality: Id | None = None) -> Any:
    """Aggregated results, whole or for one municipality; small groups hidden (``hidden``)."""
    s = get_survey_for_user(request.user, pk)
    group = (
        get_object_or_404(Municipality.objects.filter(region=s.region_id), pk=municipality)
        if municipality is not None
        else None
    )
    results = compute(s, group)
    out: dict[str, Any] = {
        "survey_id": s.pk,
        "municipality_id": group.pk if group else None,
        "min_group": MIN_GROUP,
        "hidden": results.hidden,
        # A small municipality's count is hidden as on the page; the survey's own is shown.
        "responses": None if (results.hidden and group is not None) else results.responses,
        "groups": [
            {"municipality_id": gid, "name": name, "responses": n}
            for gid, name, n in results.groups
        ],
        "questions": [],
    }
    if results.hidden:
        return out
    out["questions"] = [
        {
            "id": qr.question.pk,
            "text": qr.question.text,
            "kind": qr.question.kind,
            "kind_name": qr.question.get_kind_display(),
            "respondents": qr.respondents,
            "bars": _bars(qr.bars),
            "matrix": [{"row": row, "bars": _bars(bars)} for row, bars in qr.matrix],
            "mean": qr.mean,
            "minimum": qr.minimum,
            "maximum": qr.maximum,
            "texts": qr.texts,
            "breakdown": [
                {"group": name, "responses": n, "bars": _bars(bars)}
                for name, n, bars in qr.breakdown
            ],
        }
        for qr in results.questions
    ]
    return out
