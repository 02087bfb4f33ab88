"""The page «Эффективность механизмов» (seed 001 §5.5) with its XLSX and DOCX.

Read by whoever reads the campaign's whole region (operator, department, methodologists), as
the region's report is: the comparison needs every school of the region, and a municipality's
schools alone rarely make groups big enough to say anything.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header

from marshrut.analytics import effectiveness, report
from marshrut.analytics.views_reports import reads_region
from marshrut.diagnostics.models import Campaign, get_campaign_for_user
from marshrut.lib.docx import DOCX_TYPE
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.replica import reads_from_replica
from marshrut.orgs.context import current_region, holds_on_region
from marshrut.orgs.roles import Cap


def _pairs(region_id: int) -> list[Campaign]:
    """The region's campaigns that have a previous one, newest first (one query)."""
    return effectiveness.pairs(
        Campaign.objects.filter(region_id=region_id, previous__isnull=False).select_related(
            "previous"
        )
    )


@login_required
def effectiveness_index(request: HttpRequest) -> HttpResponse:
    """The region's newest pair of campaigns (or the one asked for in ``?campaign=``)."""
    user: Any = request.user
    region = current_region(request, Cap.DIAGNOSTICS_VIEW)
    if not holds_on_region(user, Cap.DIAGNOSTICS_VIEW, region):
        raise PermissionDenied
    pairs = _pairs(region.pk)
    wanted = request.GET.get("campaign", "")
    chosen = next((c for c in pairs if str(c.pk) == wanted), None)
    chosen = chosen or effectiveness.default_pair(pairs, region.today())
    if chosen is None:
        return render(request, "analytics/effectiveness.html", {"region": region, "e": None})
    return redirect("analytics:effectiveness_campaign", pk=chosen.pk)


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = get_campaign_for_user(request.user, pk)
    if not reads_region(request.user, campaign):
        raise PermissionDenied
    return campaign


@login_required
@reads_from_replica
def effectiveness_campaign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    result = effectiveness.compute(campaign)
    return render(
        request,
        "analytics/effectiveness.html",
        {
            "region": campaign.region,
            "campaign": campaign,
            "e": result,
            "pairs": _pairs(campaign.region_id),
            "rows": [_row(r) for r in result.rows],
        },
    )


def _row(r: effectiveness.MechanismRow) -> dict[str, Any]:
    return {
        "key": r.key,
        "title": r.title,
        "description": r.description,
        "overall": _cells(r.overall),
        "directions": [{"name": d.name, **_cells(d.comparison)} for d in r.directions],
    }


def _cells(c: Any) -> dict[str, Any]:
    return {
        "treated": effectiveness.group_text(c.treated_closed, c.treated),
        "treated_share": effectiveness.share_text(c.treated_share),
        "control": effectiveness.group_text(c.control_closed, c.control),
        "control_share": effectiveness.share_text(c.control_share),
        "difference": effectiveness.difference_text(c),
        "verdict": c.verdict.value if c.treated else "none",
        "verdict_label": c.verdict_label if c.treated else "не применялся",
        "targeted": c.treated,
    }


def _pct(value: float | None) -> float | str:
    return "" if value is None else round(100 * value, 1)


def _export_rows(result: effectiveness.Effectiveness) -> list[dict[str, Any]]:
    rows = []
    for r in result.rows:
        parts = [("Всего", r.overall)] + [(d.name, d.comparison) for d in r.directions]
        for direction, c in parts:
            low, high = c.interval or (None, None)
            rows.append(
                {
                    "mechanism": r.title,
                    "direction": direction,
                    "treated": c.treated,
                    "treated_closed": c.treated_closed,
                    "treated_share": _pct(c.treated_share),
                    "control": c.control,
                    "control_closed": c.control_closed,
                    "control_share": _pct(c.control_share),
                    "difference": _pct(c.difference),
                    "low": _pct(low),
                    "high": _pct(high),
                    "verdict": c.verdict_label if c.treated else "не применялся",
                }
            )
    return rows


EXPORT_COLUMNS = [
    ExportColumn("Механизм", lambda r: r["mechanism"], 40),
    ExportColumn("Направление", lambda r: r["direction"], 24),
    ExportColumn("Получили: дефицитов", lambda r: r["treated"], 12),
    ExportColumn("Получили: закрыто", lambda r: r["treated_closed"], 12),
    ExportColumn("Получили: доля закрытых, %", lambda r: r["treated_share"], 12),
    ExportColumn("Не получили: дефицитов", lambda r: r["control"], 12),
    ExportColumn("Не получили: закрыто", lambda r: r["control_closed"], 12),
    ExportColumn("Не получили: доля закрытых, %", lambda r: r["control_share"], 12),
    ExportColumn("Разность, п. п.", lambda r: r["difference"], 12),
    ExportColumn("95 % ДИ: от, п. п.", lambda r: r["low"], 12),
    ExportColumn("95 % ДИ: до, п. п.", lambda r: r["high"], 12),
    ExportColumn("Вывод", lambda r: r["verdict"], 20),
]


@login_required
@reads_from_replica
def effectiveness_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "docx"):
        raise Http404
    campaign = _campaign(request, pk)
    result = effectiveness.compute(campaign)
    name = f"Эффективность механизмов — {campaign.title}"
    if fmt == "docx":
        response = HttpResponse(report.build_effectiveness_docx(result), content_type=DOCX_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, f"{name}.docx") or ""
        return response
    pair = f"«{result.previous.title}» → «{campaign.title}»" if result.previous else campaign.title
    return export_response(
        "xlsx",
        EXPORT_COLUMNS,
        _export_rows(result),
        filename=name,
        title=f"Эффективность механизмов устранения дефицитов: {pair}",
    )


effectiveness_urlpatterns = [
    path("effectiveness/", effectiveness_index, name="effectiveness"),
    path(
        "campaigns/<int:pk>/effectiveness/",
        effectiveness_campaign,
        name="effectiveness_campaign",
    ),
    path(
        "campaigns/<int:pk>/effectiveness.<str:fmt>",
        effectiveness_export,
        name="effectiveness_export",
    ),
]
