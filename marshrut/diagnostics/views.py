"""Self-diagnostics pages: criteria, campaigns, the questionnaire, verification, results."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, F, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.diagnostics import actions, queries
from marshrut.diagnostics.forms import (
    CampaignForm,
    CriteriaUploadForm,
    ReopenForm,
    ReviewForm,
    SubmissionFilter,
)
from marshrut.diagnostics.models import (
    Answer,
    Campaign,
    CriteriaVersion,
    Deficit,
    Flag,
    Result,
    Status,
    Submission,
    get_answer_for_user,
    get_campaign_for_user,
    get_submission_for_user,
)
from marshrut.diagnostics.scoring import answers_of, normalised, score_submission
from marshrut.kernels.criteria import AnswerError, CatalogueError, level_name
from marshrut.kernels.scoring import next_level_path
from marshrut.lib import uploads
from marshrut.lib.db import search
from marshrut.lib.exports import ExportColumn
from marshrut.lib.files import Served
from marshrut.lib.listing import maybe_export, paginate, query_without
from marshrut.lib.replica import reads_from_replica
from marshrut.orgs import access
from marshrut.orgs.context import current_region, in_region, in_zone
from marshrut.orgs.models import Municipality, School
from marshrut.orgs.roles import Cap
from marshrut.web.pages import cached_body, digest

# The templates and code the cached bodies of this module are rendered with.
PAGES_CODE = digest("diagnostics")
LEVEL_CLASS = {"below_basic": "danger", "basic": "warning", "medium": "info", "high": "success"}


def _can(user: Any, cap: Cap, school: School) -> bool:
    return access.can_on_school(user, cap, school)


# Criteria ---------------------------------------------------------------------------------------


@login_required
def criteria_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.DIAGNOSTICS_VIEW)
    form = CriteriaUploadForm(request.POST or None, request.FILES or None)
    can_load = bool(access.grant(request.user, Cap.CRITERIA_MANAGE))
    problems: list[str] = []
    if request.method == "POST":
        if not can_load:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                text = actions.catalogue_text(upload.read(), upload.name)
                version = actions.do_load_criteria(request.user, text, upload.name)
            except CatalogueError as e:
                problems = e.problems
            except ValidationError as e:
                problems = e.messages
            else:
                messages.success(request, _("Каталог «%(t)s» загружен.") % {"t": version.title})
                return redirect("diagnostics:criteria_detail", pk=version.pk)
    return render(
        request,
        "diagnostics/criteria_list.html",
        {
            "versions": CriteriaVersion.objects.all(),
            "form": form,
            "can_load": can_load,
            "problems": problems,
        },
    )


@login_required
def criteria_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(request.user, Cap.DIAGNOSTICS_VIEW)
    version = get_object_or_404(CriteriaVersion, pk=pk)
    return render(
        request,
        "diagnostics/criteria_detail.html",
        {
            "version": version,
            "catalogue": version.catalogue,
        },
    )


# Campaigns --------------------------------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    access.require(user, Cap.DIAGNOSTICS_VIEW)
    campaigns = list(
        in_region(request, Campaign.objects.for_user(user)).select_related("criteria", "region")
    )
    visible = Submission.objects.for_user(user).filter(campaign__in=campaigns)
    # The questionnaire to fill is offered only for the user's own school(s); whoever sees
    # more schools than their own gets the campaign's progress instead.
    own_schools = access.own_schools(user, Cap.DIAGNOSTICS_FILL)
    own: dict[int, list[Submission]] = {}
    for s in (
        Submission.objects.for_user(user, Cap.DIAGNOSTICS_FILL)
        .filter(campaign__in=campaigns, school__in=own_schools)
        .select_related("school")
        .order_by("school__short_name")
    ):
        own.setdefault(s.campaign_id, []).append(s)
    progress = queries.progress_by_campaign(visible)
    rows = []
    for c in campaigns:
        mine, seen = own.get(c.pk, []), progress.get(c.pk)
        rows.append((c, mine, seen if seen and seen.total > len(mine) else None))
    return render(
        request,
        "diagnostics/campaign_list.html",
        {
            "campaigns": rows,
            "can_manage": bool(access.grant(user, Cap.CAMPAIGN_MANAGE)),
        },
    )


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    region = current_region(request, Cap.CAMPAIGN_MANAGE)
    form = CampaignForm(request.POST or None, region=region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        schools = School.objects.filter(municipality__region=region, is_active=True)
        if data["municipalities"]:
            schools = schools.filter(municipality__in=data["municipalities"])
        try:
            campaign = actions.do_open_campaign(
                request.user,
                region,
                data["criteria"],
                title=data["title"],
                year=data["year"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                schools=schools,
                series=data["series"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Кампания открыта."))
            return redirect("diagnostics:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "title": _("Новая кампания самодиагностики"),
            "back": "diagnostics:campaign_list",
        },
    )


SUBMISSION_COLUMNS = [
    ExportColumn("Муниципалитет", lambda s: s.school.municipality.name, 28),
    ExportColumn("Школа", lambda s: s.school.short_name, 34),
    ExportColumn("ИНН", lambda s: s.school.inn, 13),
    ExportColumn("Состояние", lambda s: s.get_status_display(), 20),
    ExportColumn("Заполнено, %", lambda s: s.progress, 12),
    ExportColumn(
        "Отправлена", lambda s: timezone.localtime(s.submitted_at) if s.submitted_at else None, 18
    ),
    ExportColumn(
        "Общий уровень", lambda s: level_name(s.overall_level) if s.overall_level else "", 16
    ),
    ExportColumn("Нерассмотренных замечаний", lambda s: s.open_flags, 14),
]


def _status_counts() -> dict[str, Any]:
    return {
        "total": Count("id"),
        **{status.value: Count("id", filter=Q(status=status.value)) for status in Status},
    }


@login_required
@reads_from_replica
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    visible = Submission.objects.for_user(request.user).filter(campaign=campaign)
    municipalities = Municipality.objects.filter(pk__in=visible.values("school__municipality_id"))
    form = SubmissionFilter(request.GET, municipalities=municipalities)
    qs: Any = (
        visible.select_related("school__municipality")
        .annotate(
            open_flags=Count(
                "flags", filter=Q(flags__resolution=Flag.Resolution.OPEN), distinct=True
            ),
        )
        .order_by("school__municipality__name", "school__short_name")
    )
    qs = qs.annotate(
        overall_level=Subquery(
            Result.objects.filter(submission=OuterRef("pk"), scope="overall").values("level")[:1]
        )
    )
    if form.value("municipality"):
        qs = qs.filter(school__municipality=form.value("municipality"))
    if form.value("status"):
        qs = qs.filter(status=form.value("status"))
    if form.value("flagged") == "1":
        qs = qs.filter(open_flags__gt=0)
    if form.value("q"):
        qs = search(qs, form.value("q"), ["school__short_name", "school__inn"])
    with in_zone(campaign.region):  # times as the campaign's region reads them
        exported = maybe_export(
            request, qs, SUBMISSION_COLUMNS, f"campaign-{campaign.pk}", campaign.title
        )
    if exported:
        return exported

    def context() -> dict[str, Any]:
        by_municipality = list(
            visible.values(mid=F("school__municipality_id"), name=F("school__municipality__name"))
            .annotate(**_status_counts())
            .order_by("name")
        )
        totals = visible.aggregate(**_status_counts())
        for row in [*by_municipality, totals]:
            done = row["submitted"] + row["verified"]
            row["done"] = done
            row["share"] = round(100 * done / row["total"]) if row["total"] else 0
        return {
            "campaign": campaign,
            "by_municipality": by_municipality,
            "totals": totals,
            "form": form,
            "page": paginate(request, qs),
            "query": query_without(request, "page", "export"),
            "can_manage": access.grant(request.user, Cap.CAMPAIGN_MANAGE).covers(
                campaign.region_id, None, None
            ),
            "is_open": is_open,
        }

    # Submissions, flags, levels and the campaign itself are the «diagnostics» tables; school and
    # municipality names the registry's. Whether the window is open changes with the region's day.
    is_open = campaign.is_open()
    body = cached_body(
        request,
        "diagnostics.campaign_detail",
        code=PAGES_CODE,
        tables=("diagnostics", "registry"),
        parts=(campaign.pk, campaign.results_generation, is_open),
        template="diagnostics/_campaign_detail.html",
        context=context,
    )
    return render(request, "diagnostics/campaign_detail.html", {"campaign": campaign, "body": body})


# The questionnaire ------------------------------------------------------------------------------


def _answer_blocks(
    submission: Submission, answers: dict[str, Answer], errors: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    catalogue = submission.campaign.criteria.catalogue
    profile = submission.profile
    sections = []
    for direction in catalogue.directions:
        items = []
        for ind in direction.indicators:
            if not ind.applies_to(profile):
                continue
            answer = answers.get(ind.code)
            value = answer.value if answer else None
            items.append(
                {
                    "indicator": ind,
                    "answer": answer,
                    "value": value,
                    "values": value if isinstance(value, list) else [value],
                    "error": (errors or {}).get(ind.code),
                }
            )
        if items:
            answered = sum(1 for i in items if i["value"] is not None)
            sections.append({"direction": direction, "items": items, "answered": answered})
    return sections


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request.user, pk)
    school = submission.school
    answers = {a.code: a for a in submission.answers.all()}
    can_fill = _can(request.user, Cap.DIAGNOSTICS_FILL, school)
    editable = can_fill and submission.accepts_answers()
    can_verify = _can(request.user, Cap.DIAGNOSTICS_VERIFY, school)
    can_manage = access.grant(request.user, Cap.CAMPAIGN_MANAGE).covers(
        submission.campaign.region_id, None, None
    )
    missing = request.session.pop(f"missing-{submission.pk}", None)
    return render(
        request,
        "diagnostics/submission.html",
        {
            "submission": submission,
            "campaign": submission.campaign,
            "school": school,
            "catalogue": submission.campaign.criteria.catalogue,
            "sections": _answer_blocks(submission, answers),
            "editable": editable,
            "can_fill": can_fill,
            "can_verify": can_verify and submission.status in (Status.SUBMITTED, Status.VERIFIED),
            "can_reopen": can_manage,
            "flags": submission.flags.select_related("resolved_by"),
            "missing": missing,
            "review_form": ReviewForm(),
            "reopen_form": ReopenForm(),
            "has_results": submission.results.exists(),
            **uploads.hints(uploads.EVIDENCE, "evidence"),
        },
    )


def _fillable(request: HttpRequest, pk: int) -> Submission:
    submission = get_submission_for_user(request.user, pk)
    if not _can(request.user, Cap.DIAGNOSTICS_FILL, submission.school):
        raise PermissionDenied
    return submission


@login_required
@require_POST
def answer_save(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Autosave of one indicator (htmx); answers the re-rendered block."""
    submission = _fillable(request, pk)
    indicator = submission.campaign.criteria.catalogue.indicators.get(code)
    if indicator is None:
        raise PermissionDenied
    raw: object
    if indicator.type == "multiple":
        raw = request.POST.getlist("value")
    else:
        raw = request.POST.get("value")
        if indicator.type == "yesno" and raw in ("yes", "no"):
            raw = raw == "yes"
    error = None
    answer = None
    try:
        answer = actions.do_save_answer(
            request.user,
            submission,
            code,
            raw,
            comment=request.POST.get("comment", ""),
            evidence_url=request.POST.get("evidence_url", ""),
            evidence_file=request.FILES.get("evidence_file"),
        )
    except AnswerError as e:
        error = str(e)
    except ValidationError as e:
        error = " ".join(e.messages)
    if answer is None:
        answer = Answer.objects.filter(submission=submission, code=code).first()
    submission.refresh_from_db()
    value = answer.value if answer else None
    item = {
        "indicator": indicator,
        "answer": answer,
        "value": value,
        "values": value if isinstance(value, list) else [value],
        "error": error,
    }
    context = {
        "item": item,
        "submission": submission,
        "editable": True,
        "saved": error is None,
        **uploads.hints(uploads.EVIDENCE, "evidence"),
    }
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return redirect(f"{submission_url(submission)}#ind-{code}")
    return render(request, "diagnostics/_indicator.html", context)


def evidence_file(request: HttpRequest, pk: int) -> Served:
    answer = get_answer_for_user(request.user, pk)
    return Served(answer.evidence_file, answer.evidence_name or _("подтверждение"))


def submission_url(submission: Submission) -> str:
    from django.urls import reverse

    return reverse("diagnostics:submission", kwargs={"pk": submission.pk})


@login_required
@require_POST
def submission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _fillable(request, pk)
    try:
        flags = actions.do_submit(request.user, submission)
    except ValidationError as e:
        if e.code == "incomplete":
            request.session[f"missing-{submission.pk}"] = actions.missing_codes(submission)
            messages.error(
                request, _("Анкета не отправлена: заполнены не все показатели (список ниже).")
            )
        else:
            messages.error(request, " ".join(e.messages))
        return redirect("diagnostics:submission", pk=submission.pk)
    messages.success(
        request,
        _("Анкета отправлена муниципальному координатору.")
        + (_(" Проверка отметила замечаний: %(n)s.") % {"n": flags} if flags else ""),
    )
    return redirect("diagnostics:result", pk=submission.pk)


def _verifiable(request: HttpRequest, pk: int) -> Submission:
    submission = get_submission_for_user(request.user, pk)
    if not _can(request.user, Cap.DIAGNOSTICS_VERIFY, submission.school):
        raise PermissionDenied
    return submission


@login_required
@require_POST
def submission_review(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _verifiable(request, pk)
    form = ReviewForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    try:
        if request.POST.get("decision") == "return":
            actions.do_return(request.user, submission, comment)
            messages.success(request, _("Анкета возвращена школе."))
        else:
            actions.do_verify(request.user, submission, comment)
            messages.success(request, _("Анкета подтверждена."))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect("diagnostics:submission", pk=submission.pk)


@login_required
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(
        Flag.objects.select_related("submission__school__municipality", "submission__campaign"),
        pk=pk,
    )
    submission = get_submission_for_user(request.user, flag.submission_id)
    if not _can(request.user, Cap.DIAGNOSTICS_VERIFY, submission.school):
        raise PermissionDenied
    resolution = request.POST.get("resolution")
    if resolution not in (
        Flag.Resolution.CONFIRMED,
        Flag.Resolution.RETURNED,
        Flag.Resolution.REJECTED,
    ):
        raise PermissionDenied
    try:
        actions.do_resolve_flag(
            request.user, flag, resolution, request.POST.get("comment", "")[:2000]
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect("diagnostics:submission", pk=submission.pk)


@login_required
@require_POST
def submission_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request.user, pk)
    if not access.grant(request.user, Cap.CAMPAIGN_MANAGE).covers(
        submission.campaign.region_id, None, None
    ):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    if form.is_valid():
        actions.do_reopen(request.user, submission, form.cleaned_data["until"])
        messages.success(
            request,
            _("Приём ответов школы открыт до %(d)s.")
            % {"d": f"{form.cleaned_data['until']:%d.%m.%Y}"},
        )
    else:
        messages.error(request, _("Укажите дату."))
    return redirect("diagnostics:submission", pk=submission.pk)


@login_required
def verification(request: HttpRequest) -> HttpResponse:
    """Submitted questionnaires with open verification flags, for the coordinator."""
    access.require(request.user, Cap.DIAGNOSTICS_VERIFY)
    g = access.grant(request.user, Cap.DIAGNOSTICS_VERIFY)
    qs = (
        Submission.objects.for_user(request.user, Cap.DIAGNOSTICS_VERIFY)
        .filter(status=Status.SUBMITTED)
        .select_related("school__municipality", "campaign")
        .annotate(open_flags=Count("flags", filter=Q(flags__resolution=Flag.Resolution.OPEN)))
        .order_by("-open_flags", "school__short_name")
    )
    return render(
        request,
        "diagnostics/verification.html",
        {"page": paginate(request, qs), "query": "", "grant": g},
    )


# Results ----------------------------------------------------------------------------------------


def _averages(campaign: Campaign, **filters: Any) -> dict[str, float]:
    rows = (
        Result.objects.filter(campaign=campaign, **filters)
        .values("scope")
        .annotate(mean_share=Avg(F("points") / F("max_points")))
    )
    return {r["scope"]: r["mean_share"] or 0.0 for r in rows}


@login_required
def result(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request.user, pk)
    campaign = submission.campaign
    catalogue = campaign.criteria.catalogue
    stored = {r.scope: r for r in submission.results.all()}
    if not stored:
        messages.info(request, _("Результат появится после отправки анкеты."))
        return redirect("diagnostics:submission", pk=submission.pk)
    answers = answers_of([submission]).get(submission.pk, {})
    scored = score_submission(catalogue, submission, answers)
    paths = next_level_path(catalogue, submission.profile, normalised(catalogue, answers), scored)
    municipal = _averages(campaign, school__municipality=submission.school.municipality_id)
    regional = _averages(campaign)
    previous: dict[str, Any] | None = None
    if campaign.previous_id:
        previous_sub = Submission.objects.filter(
            campaign_id=campaign.previous_id, school=submission.school
        ).first()
        if previous_sub is not None:
            previous = {
                "submission": previous_sub,
                "results": {r.scope: r for r in previous_sub.results.all()},
                "changes": _indicator_changes(campaign.criteria, scored, previous_sub),
            }
    scopes = []
    for code in catalogue.scope_codes:
        r = stored[code]
        name = _("Итого по школе") if code == "overall" else catalogue.direction(code).name
        prev = previous["results"].get(code) if previous else None
        scopes.append(
            {
                "code": code,
                "name": name,
                "result": r,
                "share": r.share,
                "level_class": LEVEL_CLASS[r.level],
                "level_name": level_name(r.level),
                "municipal": municipal.get(code, 0.0),
                "regional": regional.get(code, 0.0),
                "path": paths.get(code),
                "previous": prev,
                "previous_level_name": level_name(prev.level) if prev else "",
            }
        )
    deficits = defaultdict(list)
    for d in Deficit.objects.filter(submission=submission).order_by("code"):
        deficits[d.direction].append({"row": d, "indicator": catalogue.indicators.get(d.code)})
    template = (
        "diagnostics/result_print.html" if request.GET.get("print") else "diagnostics/result.html"
    )
    return render(
        request,
        template,
        {
            "submission": submission,
            "campaign": campaign,
            "catalogue": catalogue,
            "scopes": scopes,
            "deficits": [
                (d.name, deficits[d.code]) for d in catalogue.directions if deficits.get(d.code)
            ],
            "previous": previous,
            "indicators": catalogue.indicators,
        },
    )


def _indicator_changes(
    criteria: CriteriaVersion, scored: Any, previous_sub: Submission
) -> dict[str, list[str]]:
    """Indicators that gained or lost points against the previous campaign, via the mapping."""
    codes = criteria.codes_in(previous_sub.campaign.criteria)
    prev_catalogue = previous_sub.campaign.criteria.catalogue
    prev_answers = answers_of([previous_sub]).get(previous_sub.pk, {})
    prev_scored = score_submission(prev_catalogue, previous_sub, prev_answers)
    rose, fell = [], []
    for code, ind in scored.indicators.items():
        old_code = codes.get(code)
        old = prev_scored.indicators.get(old_code) if old_code else None
        if (
            not ind.applicable
            or old is None
            or not old.applicable
            or not old.max_points
            or not ind.max_points
        ):
            continue
        now_share, old_share = ind.points / ind.max_points, old.points / old.max_points
        if now_share > old_share + 1e-9:
            rose.append(code)
        elif now_share < old_share - 1e-9:
            fell.append(code)
    return {"rose": rose, "fell": fell}
