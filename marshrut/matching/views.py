"""Pages of horizontal learning: a school's partner schools, and project sessions for the operator.

Access: a school's partners page is seen by whoever sees the school's results; the partners
themselves are named (name, municipality, why strong — the point of the page is to find a host
school), but a partner's result page is linked only when the viewer may open it. The grouping of
municipalities compares municipalities with each other, so it is for people who see the whole
region; proposing and saving a plan needs the right to run campaigns there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.diagnostics.models import (
    Campaign,
    Deficit,
    Submission,
    get_campaign_for_user,
    get_submission_for_user,
)
from marshrut.kernels.assignment import Costs
from marshrut.kernels.criteria import LEVELS as LEVEL_CODES
from marshrut.kernels.criteria import level_name
from marshrut.kernels.matching import (
    Basis,
    Group,
    Need,
    Partner,
    PartnerIndex,
    Ring,
    SchoolRef,
    describe_grouping,
    group_municipalities,
)
from marshrut.kernels.whatif import plan as plan_whatif
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.listing import export_format, paginate, query_without
from marshrut.matching import actions, queries
from marshrut.matching.forms import (
    RING_CHOICES,
    AssignmentForm,
    SessionCountForm,
    SessionPlanForm,
    WhatIfForm,
)
from marshrut.matching.models import (
    AssignmentRun,
    ProjectSession,
    ProjectSessionMember,
    ProjectSessionPlan,
    get_assignment_for_user,
    get_session_plan_for_user,
)
from marshrut.matching.queries import direction_name, shared_rows
from marshrut.orgs import access
from marshrut.orgs.context import in_region
from marshrut.orgs.models import Region
from marshrut.orgs.roles import Cap

RING_NAMES = {
    Ring.MUNICIPALITY: "свой муниципалитет",
    Ring.NEIGHBOUR: "соседний муниципалитет",
    Ring.REGION: "другой муниципалитет области",
}
PARTNER_LIMIT = 5


def _keeps_plans(user: Any) -> bool:
    """Project-session plans are regional documents: a regional (or higher) role reads them."""
    return Region.objects.for_user(user, Cap.DIAGNOSTICS_VIEW, whole=True).exists()


def _manages(user: Any, campaign: Campaign) -> bool:
    return access.grant(user, Cap.CAMPAIGN_MANAGE).covers(campaign.region_id, None, None)


# The index --------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The campaigns with results and the scored schools the user sees, each with its partners."""
    access.require(request.user, Cap.DIAGNOSTICS_VIEW)
    campaigns = list(
        in_region(request, Campaign.objects.for_user(request.user))
        .filter(submissions__results__scope="overall")
        .distinct()
        .order_by("-year", "-opens_on")
    )
    chosen = next((c for c in campaigns if str(c.pk) == request.GET.get("campaign")), None)
    campaign = chosen or (campaigns[0] if campaigns else None)
    page = None
    if campaign is not None:
        subs = (
            Submission.objects.for_user(request.user)
            .filter(campaign=campaign, results__scope="overall")
            .select_related("school__municipality")
            .annotate(deficit_count=Count("deficit_rows", distinct=True))
            .order_by("school__municipality__name", "school__short_name")
        )
        page = paginate(request, subs)
    return render(
        request,
        "matching/index.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "page": page,
            "can_group": campaign is not None and _manages(request.user, campaign),
            "can_plans": _keeps_plans(request.user),
            "query": query_without(request, "page"),
        },
    )


# A school's partners ----------------------------------------------------------------------------


@login_required
def partners(request: HttpRequest, pk: int) -> HttpResponse:
    """The deficits of one school in one campaign, by direction, each with candidate hosts."""
    submission = get_submission_for_user(request.user, pk)
    campaign = submission.campaign
    school = submission.school
    catalogue = campaign.criteria.catalogue
    order = {code: i for i, code in enumerate(catalogue.indicators)}
    deficits = sorted(
        Deficit.objects.filter(submission=submission),
        key=lambda d: (order.get(d.code, 1e9), d.code),
    )
    scored = submission.results.filter(scope="overall").exists()
    directions: list[dict[str, Any]] = []
    if scored and deficits:
        data = queries.region_strengths(campaign, {d.code for d in deficits})
        index = PartnerIndex(data.strengths, data.neighbours)
        me = SchoolRef(school.pk, school.short_name, school.municipality_id)
        matches = index.partners_of(
            me, [Need(d.code, d.direction) for d in deficits], PARTNER_LIMIT
        )
        partner_subs = {data.submission_of[p.school.id] for m in matches for p in m.partners}
        # The one scoping rule decides which partners' results the viewer may open.
        openable = set(
            Submission.objects.for_user(request.user)
            .filter(pk__in=partner_subs)
            .values_list("pk", flat=True)
        )
        by_code = {d.code: d for d in deficits}
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for match in matches:
            d = by_code[match.need.code]
            grouped[d.direction].append(
                {
                    "deficit": d,
                    "indicator": catalogue.indicators.get(d.code),
                    "partners": [
                        {
                            "partner": p,
                            "municipality": data.municipality_names.get(p.school.municipality, ""),
                            "ring": RING_NAMES[p.ring],
                            "ring_value": int(p.ring),
                            "why": _why_text(p, d.code, d.direction),
                            "submission": data.submission_of[p.school.id]
                            if data.submission_of[p.school.id] in openable
                            else None,
                        }
                        for p in match.partners
                    ],
                }
            )
        directions = [
            {"code": d.code, "name": d.name, "items": grouped[d.code]}
            for d in catalogue.directions
            if grouped.get(d.code)
        ]
    return render(
        request,
        "matching/partners.html",
        {
            "submission": submission,
            "campaign": campaign,
            "school": school,
            "scored": scored,
            "directions": directions,
            "deficit_count": len(deficits),
            "limit": PARTNER_LIMIT,
        },
    )


def _why_text(partner: Partner, code: str, direction: str) -> str:
    share = round(100 * partner.share)
    level = f"уровень «{level_name(partner.level)}», " if partner.level else ""
    where = f"«{direction_name(direction)}»"
    if partner.basis is Basis.INDICATOR:
        return f"полный балл по показателю {code}; направление {where}: {level}{share} % баллов"
    return (
        f"показатель к школе не относится, но направление {where} сильное: {level}{share} % баллов"
    )


# Grouping municipalities into project sessions ---------------------------------------------------


def _groups_view(
    groups: list[Group], data: queries.RegionProfiles, names: dict[int, str]
) -> list[dict[str, Any]]:
    regional = data.regional()
    out = []
    for g in groups:
        shared = shared_rows(g.shared)
        rows = []
        for mid in g.members:
            cells = []
            for s in shared:
                f = data.figures.get(mid, {}).get(s["direction"])
                cells.append(
                    {
                        "gap": round(100 * f.gap) if f else None,
                        "below": f.below_basic if f else None,
                        "schools": f.schools if f else None,
                    }
                )
            rows.append(
                {"id": mid, "name": names[mid], "cells": cells, "schools": data.schools.get(mid, 0)}
            )
        region_cells = []
        for s in shared:
            f = regional.get(s["direction"])
            region_cells.append(
                {
                    "gap": round(100 * f.gap) if f else None,
                    "below": f.below_basic if f else None,
                    "schools": f.schools if f else None,
                }
            )
        out.append(
            {
                "group": g,
                "shared": shared,
                "rows": rows,
                "region": region_cells,
            }
        )
    return out


@login_required
def grouping(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose N project sessions from the campaign's deficits; adjust; save as a named plan."""
    campaign = get_campaign_for_user(request.user, pk)
    if not _manages(request.user, campaign):
        raise PermissionDenied
    data = queries.municipality_profiles(campaign)
    municipalities = data.municipalities
    names = {m.pk: m.name for m in municipalities}
    profiles = data.profiles()
    if not municipalities:
        messages.info(request, _("В регионе нет муниципалитетов."))
        return redirect("matching:index")
    count_form = SessionCountForm(request.GET or None, initial={"n": 5})
    n = 5
    if count_form.is_bound and count_form.is_valid():
        n = count_form.cleaned_data["n"]
    if request.method == "POST":
        try:
            n = max(1, min(int(request.POST.get("n", n)), len(municipalities)))
        except ValueError:
            n = min(5, len(municipalities))
    n = min(n, len(municipalities))
    proposal = group_municipalities(profiles, data.neighbours, n)
    proposed = {m: g.number for g in proposal for m in g.members}
    groups = proposal
    form = SessionPlanForm(
        request.POST or None, municipalities=municipalities, n=n, assignment=proposed
    )
    adjusted = False
    if request.method == "POST" and form.is_valid():
        assignment = form.assignment()
        adjusted = assignment != proposed
        used = sorted(set(assignment.values()))
        if request.POST.get("action") == "save":
            renumber = {old: new for new, old in enumerate(used, start=1)}
            final = {m: renumber[k] for m, k in assignment.items()}
            final_groups = describe_grouping(profiles, data.neighbours, final)
            try:
                plan = actions.do_save_session_plan(
                    request.user,
                    campaign,
                    title=form.cleaned_data["title"]
                    or _("Проектные сессии от %(d)s")
                    % {"d": timezone.localdate().strftime("%d.%m.%Y")},
                    assignment=final,
                    shared={g.number: shared_rows(g.shared) for g in final_groups},
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                messages.success(request, _("План «%(t)s» сохранён.") % {"t": plan.title})
                return redirect("matching:plan_detail", pk=plan.pk)
        groups = describe_grouping(profiles, data.neighbours, assignment)
    by_group = _groups_view(groups, data, names)
    field_of = {m.pk: form[SessionPlanForm.key(m.pk)] for m in municipalities}
    for g in by_group:
        for row in g["rows"]:
            row["field"] = field_of[row["id"]]
    return render(
        request,
        "matching/grouping.html",
        {
            "campaign": campaign,
            "count_form": count_form,
            "form": form,
            "n": n,
            "groups": by_group,
            "adjusted": adjusted,
            "empty": [num for num in range(1, n + 1) if num not in {g.number for g in groups}],
            "plans": ProjectSessionPlan.objects.filter(campaign=campaign).annotate(
                session_count=Count("sessions")
            ),
            "scored": sum(data.schools.values()),
        },
    )


# Saved plans ------------------------------------------------------------------------------------

PLAN_COLUMNS = [
    ExportColumn("План", lambda r: r["plan"].title, 30),
    ExportColumn("Кампания", lambda r: r["plan"].campaign.title, 30),
    ExportColumn("№ сессии", lambda r: r["session"].number, 9),
    ExportColumn("Сессия", lambda r: str(r["session"]), 26),
    ExportColumn("Муниципалитет", lambda r: r["municipality"].name, 32),
    ExportColumn(
        "Общие дефицитные направления",
        lambda r: "; ".join(
            f"{s['name']} (недобрано {s['gap']} %, "
            + (
                f"больше, чем по области, на {s['excess']} п.п.)"
                if s["excess"] > 0
                else "не выше, чем по области)"
            )
            for s in r["session"].shared
        ),
        60,
    ),
]


def _plan_rows(plans: list[ProjectSessionPlan]) -> list[dict[str, Any]]:
    return [
        {"plan": plan, "session": session, "municipality": member.municipality}
        for plan in plans
        for session in plan.sessions.all()
        for member in session.members.all()
    ]


def _with_sessions(qs: Any) -> Any:
    return qs.select_related("campaign", "created_by").prefetch_related(
        Prefetch(
            "sessions",
            queryset=ProjectSession.objects.order_by("number").prefetch_related(
                Prefetch(
                    "members",
                    queryset=ProjectSessionMember.objects.select_related("municipality").order_by(
                        "municipality__name"
                    ),
                )
            ),
        )
    )


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    if not _keeps_plans(request.user):
        raise PermissionDenied
    plans = list(_with_sessions(ProjectSessionPlan.objects.for_user(request.user)))
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt,
            PLAN_COLUMNS,
            _plan_rows(plans),
            filename="project-sessions",
            title=_("Планы проектных сессий"),
        )
    return render(request, "matching/plan_list.html", {"plans": plans})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_session_plan_for_user(request.user, pk)
    plan = _with_sessions(ProjectSessionPlan.objects.filter(pk=plan.pk)).get()
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt,
            PLAN_COLUMNS,
            _plan_rows([plan]),
            filename=f"project-sessions-{plan.pk}",
            title=plan.title,
        )
    return render(
        request,
        "matching/plan_detail.html",
        {"plan": plan, "can_manage": _manages(request.user, plan.campaign)},
    )


@login_required
@require_POST
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_session_plan_for_user(request.user, pk)
    if not _manages(request.user, plan.campaign):
        raise PermissionDenied
    actions.do_delete_session_plan(request.user, plan)
    messages.success(request, _("План удалён."))
    return redirect("matching:plan_list")


# Partner assignment ------------------------------------------------------------------------------


@dataclass
class PairRow:
    """A row of the assignment table and of its XLSX: a need, and its partner when covered."""

    municipality: str
    school: str
    direction: str
    partner: str = ""
    partner_municipality: str = ""
    ring: int | None = None

    @property
    def direction_name(self) -> str:
        return direction_name(self.direction)

    @property
    def ring_name(self) -> str:
        return RING_NAMES[Ring(self.ring)] if self.ring is not None else "партнёр не найден"


ASSIGNMENT_COLUMNS = [
    ExportColumn("Муниципалитет школы", lambda r: r.municipality, 30),
    ExportColumn("Школа зоны риска", lambda r: r.school, 36),
    ExportColumn("Дефицитное направление", lambda r: direction_name(r.direction), 28),
    ExportColumn("Школа-партнёр", lambda r: r.partner or "—", 36),
    ExportColumn("Муниципалитет партнёра", lambda r: r.partner_municipality or "—", 30),
    ExportColumn("Расстояние", lambda r: r.ring_name, 26),
]


def _outcome_rows(outcome: queries.AssignmentOutcome) -> list[PairRow]:
    data = outcome.data
    mnames = data.municipality_names
    by_need = {p.need: p for p in outcome.best.pairs}
    rows = []
    for need in dict.fromkeys(data.needs):
        pair = by_need.get(need)
        row = PairRow(mnames.get(need.municipality, ""), data.names[need.school], need.direction)
        if pair is not None:
            row.partner = data.names[pair.partner]
            row.partner_municipality = mnames.get(data.municipality_of[pair.partner], "")
            row.ring = pair.ring
        rows.append(row)
    return rows


def _by_municipality(rows: list[PairRow]) -> list[dict[str, Any]]:
    grouped: dict[str, list[PairRow]] = {}
    for r in rows:
        grouped.setdefault(r.municipality, []).append(r)
    return [
        {
            "name": name,
            "rows": items,
            "covered": sum(1 for r in items if r.partner),
            "needs": len(items),
        }
        for name, items in sorted(grouped.items())
    ]


def _percent(x: float) -> int:
    return round(100 * x)


@login_required
def assignment(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign partner schools to the risk zone's deficit directions under a capacity; accept."""
    campaign = get_campaign_for_user(request.user, pk)
    if not _manages(request.user, campaign):
        raise PermissionDenied
    region = campaign.region
    params = {"capacity": 5, "near": 1, "far": 3, "max_ring": 2}
    given = request.POST or request.GET
    # A link may name only some parameters: the rest keep their defaults.
    form = AssignmentForm(
        {**params, "starts_on": region.today().isoformat(), **given.dict()}
        if given.keys() - {"export"} or request.method == "POST"
        else None,
        initial={**params, "starts_on": region.today()},
    )
    if form.is_bound and form.is_valid():
        params = {k: form.cleaned_data[k] for k in params}
    outcome = queries.run_assignment(
        campaign,
        capacity=params["capacity"],
        costs=Costs(params["near"], params["far"], params["max_ring"]),
    )
    rows = _outcome_rows(outcome)
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt,
            ASSIGNMENT_COLUMNS,
            rows,
            filename=f"partner-assignment-{campaign.pk}",
            title=_("Распределение партнёров: %(c)s") % {"c": campaign.title},
        )
    if request.method == "POST" and form.is_valid():
        try:
            run = actions.do_accept_assignment(
                request.user,
                campaign,
                outcome,
                starts_on=form.cleaned_data["starts_on"] or region.today(),
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _("Распределение принято: партнёрств %(n)s с %(d)s.")
                % {"n": run.covered, "d": run.starts_on.strftime("%d.%m.%Y")},
            )
            return redirect("matching:assignment_detail", pk=run.pk)
    best, greedy = outcome.best, outcome.greedy
    return render(
        request,
        "matching/assignment.html",
        {
            "campaign": campaign,
            "form": form,
            "groups": _by_municipality(rows),
            "risk": len(outcome.data.risk),
            "needs": best.needs,
            "covered": best.covered,
            "coverage": _percent(best.coverage),
            "greedy_covered": greedy.covered,
            "greedy_coverage": _percent(greedy.coverage),
            "cost": best.cost,
            "greedy_cost": greedy.cost,
            "partners": len(best.load()),
            "candidates": len(outcome.data.candidates),
            "query": query_without(request, "export"),
            "runs": AssignmentRun.objects.filter(campaign=campaign).annotate(
                pair_count=Count("pairs")
            ),
        },
    )


def _run_rows(run: AssignmentRun) -> list[PairRow]:
    pairs = run.pairs.select_related("school__municipality", "partner__municipality").order_by(
        "school__municipality__name", "school__short_name", "pk"
    )
    order = {code: i for i, code in enumerate(queries.DIRECTION_NAMES)}
    rows = [
        PairRow(
            p.school.municipality.name,
            p.school.short_name,
            p.direction,
            p.partner.short_name,
            p.partner.municipality.name,
            p.ring,
        )
        for p in pairs
    ]
    # Within a school, directions in the model's order (the database sorts by name only).
    rows.sort(key=lambda r: (r.municipality, r.school, order.get(r.direction, len(order))))
    return rows


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An accepted assignment: its partnerships by municipality, coverage against greedy."""
    run = get_assignment_for_user(request.user, pk)
    rows = _run_rows(run)
    fmt = export_format(request)
    if fmt:
        return export_response(
            fmt,
            ASSIGNMENT_COLUMNS,
            rows,
            filename=f"partnerships-{run.pk}",
            title=str(run),
        )
    return render(
        request,
        "matching/assignment_detail.html",
        {
            "run": run,
            "groups": _by_municipality(rows),
            "coverage": _percent(run.coverage),
            "greedy_coverage": _percent(run.greedy_coverage),
            "ring_choice": dict(RING_CHOICES).get(run.max_ring, ""),
        },
    )


# What-if planner ---------------------------------------------------------------------------------


def _may_draft_regional(user: Any, campaign: Campaign) -> bool:
    return access.grant(user, Cap.PLAN_MANAGE).covers(campaign.region_id, None, None)


@login_required
def whatif(request: HttpRequest, pk: int) -> HttpResponse:
    """Which schools to support with which indicators to lift the most schools a level."""
    campaign = get_campaign_for_user(request.user, pk)
    if not _manages(request.user, campaign):
        raise PermissionDenied
    budget: dict[str, Any] = {"schools": 20, "per_school": 5, "total": None, "risk_only": False}
    given = request.POST or request.GET
    form = WhatIfForm(
        {"schools": 20, "per_school": 5, **given.dict()} if given else None,
    )
    if form.is_bound and form.is_valid():
        budget = {k: form.cleaned_data[k] for k in budget}
    data = queries.whatif_data(campaign, risk_only=budget["risk_only"])
    result = plan_whatif(
        data.schools,
        LEVEL_CODES,
        limit=budget["schools"],
        per_school=budget["per_school"],
        total=budget["total"],
    )
    if request.method == "POST" and form.is_valid():
        if not _may_draft_regional(request.user, campaign):
            raise PermissionDenied
        try:
            roadmap = actions.do_draft_whatif_roadmap(request.user, campaign, result)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _("Создан проект региональной дорожной карты «%(t)s» (черновик).")
                % {"t": roadmap.title},
            )
            return redirect("plans:plan_detail", pk=roadmap.pk)
    catalogue = campaign.criteria.catalogue
    chosen = [
        {
            "school": s,
            "municipality": data.municipality_of.get(s.school, ""),
            "level": level_name(s.level),
            "target": level_name(s.target) if s.target else "",
            "indicators": [
                {
                    "code": code,
                    "text": ind.text if (ind := catalogue.indicators.get(code)) else code,
                    "direction": direction_name(ind.direction) if ind else "",
                }
                for code in s.steps or ()
            ],
        }
        for s in result.chosen
    ]
    return render(
        request,
        "matching/whatif.html",
        {
            "campaign": campaign,
            "form": form,
            "plan": result,
            "chosen": chosen,
            "levels": [
                {
                    "name": level_name(code),
                    "before": result.before[code],
                    "after": result.after[code],
                    "change": result.after[code] - result.before[code],
                }
                for code in LEVEL_CODES
            ],
            "considered": len(data.schools),
            "can_draft": _may_draft_regional(request.user, campaign),
        },
    )
