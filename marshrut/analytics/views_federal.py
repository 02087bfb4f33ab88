"""The federal page: regions side by side, drilling down to a region's own dashboard."""

from __future__ import annotations

from html import escape
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import json_script
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marshrut.analytics import charts, federal, federal_export
from marshrut.diagnostics.models import Campaign, CampaignSeries
from marshrut.kernels.criteria import LEVEL_NAMES, LEVELS
from marshrut.lib.docx import DOCX_TYPE
from marshrut.lib.exports import XLSX_TYPE
from marshrut.lib.listing import FilterForm
from marshrut.orgs import access
from marshrut.orgs.models import FederalDistrict, Region
from marshrut.orgs.roles import Cap


class _Utf8Encoder(DjangoJSONEncoder):
    """JSON with Cyrillic as UTF-8, not ``\\uXXXX``: a third of the bytes for the region and
    direction names the chart data repeats in every cell."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class FederalFilter(FilterForm):
    series = forms.ModelChoiceField(
        label=gettext_lazy("Серия кампаний"),
        queryset=CampaignSeries.objects.none(),
        empty_label=gettext_lazy("— по году —"),
    )
    year = forms.TypedChoiceField(
        label=gettext_lazy("Год"), coerce=int, choices=[], empty_value=None
    )
    district = forms.ModelChoiceField(
        label=gettext_lazy("Федеральный округ"),
        queryset=FederalDistrict.objects.none(),
        empty_label=gettext_lazy("все"),
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Порядок регионов"),
        choices=[(k, label) for k, (label, _key) in federal.SORTS.items()],
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["q"]
        campaigns = Campaign.objects.filter(region__in=regions)
        self.fields["series"].queryset = CampaignSeries.objects.filter(  # type: ignore[attr-defined]
            pk__in=campaigns.values("series_id")
        )
        years = sorted(set(campaigns.values_list("year", flat=True)), reverse=True)
        self.fields["year"].choices = [("", _("—")), *[(y, str(y)) for y in years]]  # type: ignore[attr-defined]
        self.fields["district"].queryset = FederalDistrict.objects.filter(  # type: ignore[attr-defined]
            pk__in=regions.values("district_id")
        )


def _pct(value: float) -> float:
    return round(100 * value, 1)


def _hue(share: float) -> int:
    """Red (0) for a low share of points, green (120) for a high one."""
    return round(120 * max(0.0, min(1.0, share)))


def heat_body(view: federal.FederalView) -> SafeString:
    """The region × direction table as HTML, a region per row linking to its dashboard.

    Joined as plain strings, every value escaped (as the region dashboard's heat tables are).
    """
    out = []
    for district, rows in view.grouped():
        out.append(
            f'<tr class="table-light"><th class="text-start" colspan="{len(view.scopes) + 1}">'
            f"{escape(district.name)}</th></tr>"
        )
        for row in rows:
            cells = []
            for code, _name in view.scopes:
                mean = row.mean(code)
                if mean is None:
                    cells.append("<td>—</td>")
                else:
                    shown = f"{_pct(mean):.1f}".replace(".", ",")
                    cells.append(f'<td style="background:hsl({_hue(mean)},70%,86%)">{shown}</td>')
            link = row.link
            out.append(
                f'<tr><td class="text-start"><a href="{escape(link)}">{escape(row.name)}</a></td>'
                f"{''.join(cells)}</tr>"
            )
    return mark_safe("".join(out))


def _drill_links(view: federal.FederalView) -> dict[int, str]:
    """campaign id → the region's own dashboard for that campaign."""
    base = reverse("analytics:dashboard")
    return {
        c.pk: f"{base}?{urlencode({'campaign': str(c.pk), 'region': c.region.code})}"
        for c in view.campaigns
    }


def _chart_specs(view: federal.FederalView) -> dict[str, dict[str, Any]]:
    names = {r.campaign_id: r.name for r in view.rows}
    order = {r.campaign_id: i for i, r in enumerate(view.rows)}
    levels = charts.levels_by_scope(
        _("Уровни соответствия по регионам (общий уровень)"),
        [
            {
                "scope": names[r.campaign_id],
                "order": order[r.campaign_id],
                "level": lv,
                "schools": n,
            }
            for r in view.rows
            for lv, n in r.levels.items()
        ],
        row_title=_("регион"),
    )
    scope_order = {code: i for i, (code, _n) in enumerate(view.scopes)}
    heat_rows = [
        {
            "municipality": r.name,
            "direction": name,
            "order": scope_order[code],
            "mean_share": round(cell[1], 3),
            "schools": cell[0],
        }
        for r in view.rows
        for code, name in view.scopes
        if (cell := r.means.get(code)) and cell[0]
    ]
    heat = charts.heatmap(
        _("Средняя доля баллов: регионы × направления"),
        heat_rows,
        "mean_share",
        _("доля баллов"),
        row_title=_("регион"),
    )
    return {"federal_levels": levels, "federal_heat": heat}


@login_required
def federal_dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, Cap.FEDERAL_VIEW)
    visible = Region.objects.for_user(user, Cap.FEDERAL_VIEW)
    form = FederalFilter(request.GET or None, regions=visible)
    district = form.value("district")
    series = form.value("series")
    year = form.value("year")
    if series is None and year is None:
        series_qs = form.fields["series"].queryset  # type: ignore[attr-defined]
        series = series_qs.order_by("-year", "-opens_on").first()
        if series is None:
            choices = [y for y, _label in form.fields["year"].choices if y != ""]  # type: ignore[attr-defined]
            year = choices[0] if choices else None
    if not form.is_bound:  # show what the page picked
        form.fields["series"].initial = series
        form.fields["year"].initial = year
    regions = federal.federal_regions(user, district)
    view = federal.build(regions, series=series, year=year, sort=form.value("sort") or "name")
    subject = str(series) if series is not None else (_("кампании %(y)s года") % {"y": year})
    fmt = request.GET.get("export")
    if fmt in ("xlsx", "docx"):
        if fmt == "xlsx":
            body, ctype = federal_export.write_xlsx(view, subject), XLSX_TYPE
        else:
            body, ctype = federal_export.write_docx(view, subject, district), DOCX_TYPE
        response = HttpResponse(body, content_type=ctype)
        response["Content-Disposition"] = (
            content_disposition_header(True, f"federal-summary.{fmt}") or ""
        )
        return response
    drill = _drill_links(view)
    for row in view.rows:
        row.link = drill.get(row.campaign_id or 0, "")
    return render(
        request,
        "analytics/federal.html",
        {
            "form": form,
            "view": view,
            "subject": subject,
            "series": series,
            "district": district,
            "heat_html": heat_body(view),
            "chart_scripts": mark_safe(
                "".join(
                    json_script(spec, f"spec-{name}", encoder=_Utf8Encoder)
                    for name, spec in _chart_specs(view).items()
                )
            ),
            "levels": [
                (code, LEVEL_NAMES[code], charts.LEVEL_COLOURS[code]) for code in reversed(LEVELS)
            ],
            "query": request.GET.urlencode(),
        },
    )


federal_urlpatterns = [path("federal/", federal_dashboard, name="federal")]
