"""The dashboards of a campaign: region → municipality, drilling down to the school result pages."""

from __future__ import annotations

import operator
from html import escape
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from marshrut.analytics import charts, queries
from marshrut.analytics.forms import DashboardFilter
from marshrut.diagnostics.models import Campaign, Result, Submission
from marshrut.kernels.criteria import LEVEL_NAMES, LEVELS, level_name
from marshrut.lib.cache import cached, code_digest, generations
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.listing import PAGE_SIZE, query_without
from marshrut.lib.replica import reads_from_replica
from marshrut.orgs import access
from marshrut.orgs.context import in_region
from marshrut.orgs.models import Municipality
from marshrut.orgs.roles import Cap
from marshrut.web.pages import scope as user_scope

# A new release may render the same figures differently: its cached pages are not reused.
_PACKAGE = Path(__file__).parents[1]
CODE = code_digest(
    [
        *_PACKAGE.glob("*/templates/**/*.html"),
        *_PACKAGE.glob("analytics/*.py"),
        *_PACKAGE.glob("*/templatetags/*.py"),
        *_PACKAGE.glob("kernels/*.py"),
        *_PACKAGE.glob("locale/**/*.po"),
    ]
)


def _campaigns(request: HttpRequest) -> list[Campaign]:
    """The user's campaigns in the chosen region (every region of theirs when none is chosen).

    Asked on every dashboard request: kept in the cache per scope and region until a campaign,
    a criteria version or a region changes (the catalogue's text is read only when parsed).
    """
    region = getattr(request, "region", None)
    key = (
        generations("diagnostics", "registry"),
        user_scope(request.user),
        region.pk if region is not None else None,
    )
    return cached(
        "analytics.campaigns",
        key,
        lambda: list(
            in_region(request, Campaign.objects.for_user(request.user))
            .select_related("criteria", "previous", "region")
            .defer("criteria__source_text")
        ),
    )


def _pick(campaigns: list[Campaign], wanted: Any) -> Campaign:
    for c in campaigns:
        if str(c.pk) == str(wanted):
            return c
    with_results = set(
        Result.objects.filter(campaign__in=campaigns, scope="overall")
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    for c in campaigns:  # newest first
        if c.pk in with_results:
            return c
    if campaigns:
        return campaigns[0]
    raise Http404


class Table:
    """A table of the dashboard: shown on the page and exported to XLSX as it is."""

    def __init__(
        self, name: str, title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]
    ):
        self.name, self.title, self.columns, self.rows = name, title, columns, rows

    def export_columns(self) -> list[ExportColumn]:
        return [ExportColumn(title, operator.itemgetter(key), 18) for key, title in self.columns]

    def cells(self) -> list[list[Any]]:
        return [[row.get(key) for key, _title in self.columns] for row in self.rows]

    def body(self) -> SafeString:
        """The rows as HTML, built in Python: a template loop over hundreds of cells is slow."""
        if not self.rows:
            return format_html(
                '<tr><td colspan="{}" class="text-muted">{}</td></tr>',
                len(self.columns),
                _("Нет данных."),
            )
        return format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (
                    format_html_join(
                        "", "<td>{}</td>", ((_show(row.get(key)),) for key, _t in self.columns)
                    ),
                )
                for row in self.rows
            ),
        )

    def heat_body(self, campaign_id: int, shown: set[int]) -> SafeString:
        """The rows of the ``shown`` municipalities as HTML, the first column linking to the
        municipality, cells coloured.

        Joined as plain strings, every value escaped: a federal heat table has 10,000 cells,
        and ``format_html`` per cell cost half a second for each of the two tables.
        """
        rows = []
        for row, cells in self.heat_cells():
            if row["municipality_id"] not in shown:
                continue
            tds = "".join(
                f'<td style="background:hsl({int(hue)},70%,86%)">{escape(_show(value))}</td>'
                for value, hue in cells
            )
            rows.append(
                f'<tr><td class="text-start"><a href="?campaign={int(campaign_id)}&amp;'
                f'municipality={int(row["municipality_id"])}">{escape(str(row["municipality"]))}'
                f"</a></td>{tds}</tr>"
            )
        return mark_safe("".join(rows))

    def heat_cells(self) -> list[tuple[dict[str, Any], list[tuple[Any, int]]]]:
        """Rows of (value, hue) for a heat table: red is bad, green is good."""
        bad_is_high = self.name == "heatmap"
        out = []
        for row in self.rows:
            cells = []
            for key, _title in self.columns[1:]:
                value = row.get(key)
                share = (value or 0) / 100
                cells.append((value, round(120 * (1 - share if bad_is_high else share))))
            out.append((row, cells))
        return out


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _pct(value: float) -> float:
    return round(100 * value, 1)


@login_required
@reads_from_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(user, Cap.DIAGNOSTICS_VIEW)
    campaigns = _campaigns(request)
    if not campaigns:
        return render(request, "analytics/empty.html")
    campaign = _pick(campaigns, request.GET.get("campaign"))
    grant = access.grant(user, Cap.DIAGNOSTICS_VIEW)
    whole_region = grant.everything or campaign.region_id in grant.regions
    municipalities = Municipality.objects.filter(region=campaign.region)
    if not whole_region:
        municipalities = municipalities.filter(pk__in=grant.municipalities)
        if not municipalities:
            return _schools_overview(request, campaigns, campaign)
    form = DashboardFilter(request.GET or None, campaigns=campaigns, municipalities=municipalities)
    wanted = request.GET.get("municipality")
    if wanted and not municipalities.filter(pk=wanted if str(wanted).isdigit() else 0).exists():
        raise Http404
    chosen = form.value("municipality")
    if chosen is None and not whole_region:
        chosen = municipalities.first()
    municipality = (
        chosen if chosen is None or municipalities.filter(pk=chosen.pk).exists() else None
    )
    if chosen is not None and municipality is None:
        raise Http404
    filters = form.filters(municipality.pk if municipality else None)
    table = request.GET.get("table")
    if request.GET.get("export") == "xlsx" and table:
        found = next(
            (t for t in build(campaign, filters, municipality)["tables"] if t.name == table), None
        )
        if found is None:
            raise Http404
        return export_response(
            "xlsx",
            found.export_columns(),
            found.rows,
            filename=f"{found.name}-{campaign.pk}",
            title=f"{found.title}. {campaign.title}",
        )

    def body() -> str:
        context = build(campaign, filters, municipality, page=request.GET.get("page"))
        context.update(
            form=form,
            campaign=campaign,
            municipality=municipality,
            whole_region=whole_region,
            query=query_without(request, "page"),
        )
        return render_to_string("analytics/_dashboard.html", context)

    # What the body shows changes only with the campaign's results generation (bumped by every
    # import, submission, return, reopening, criteria reload and registry change), the
    # comparison campaign's, the campaigns and municipalities this person may choose from, and
    # the query: all of it is in the key, so the figures are computed once per change.
    previous = campaign.previous
    parts = (
        CODE,
        campaign.pk,
        campaign.results_generation,
        previous.pk if previous else None,
        previous.results_generation if previous else None,
        campaign.title,
        campaign.criteria_id,
        str(campaign.region),
        tuple((c.pk, c.title) for c in campaigns),
        whole_region,
        None if whole_region else tuple(sorted(grant.municipalities)),
        tuple(sorted(request.GET.lists())),
    )
    return render(
        request,
        "analytics/dashboard.html",
        {"body": mark_safe(cached("analytics.dashboard", parts, body))},
    )


def _schools_overview(
    request: HttpRequest, campaigns: list[Campaign], campaign: Campaign
) -> HttpResponse:
    """A school team or a curator: one school's result page is its dashboard; several schools
    (a curator's assigned ones) get a table of all of them, each linking to its result."""
    submissions = Submission.objects.for_user(request.user).filter(campaign=campaign)
    ids = list(submissions.values_list("pk", flat=True)[:2])
    if not ids:
        raise PermissionDenied
    if len(ids) == 1:
        return redirect("diagnostics:result", pk=ids[0])
    directions = campaign.criteria.catalogue.directions
    codes = [d.code for d in directions]
    rows = queries.school_overview(submissions)
    return render(
        request,
        "analytics/schools.html",
        {
            "campaign": campaign,
            "campaigns": campaigns,
            "directions": directions,
            "rows": [(r, r.cells(codes)) for r in rows],
            "scored": sum(1 for r in rows if r.overall is not None),
        },
    )


def build(
    campaign: Campaign,
    filters: queries.Filters,
    municipality: Municipality | None,
    *,
    page: str | None = None,
) -> dict[str, Any]:
    """Every figure, chart and table of a dashboard, from the aggregates in :mod:`queries`.

    The tables hold every row (the XLSX export gives them whole); the page shows one ``page`` of
    municipalities (or of a municipality's schools) in its tables and heat charts, so a region
    of a thousand municipalities does not ship ten thousand heat cells twice.
    """
    context: dict[str, Any] = {}
    catalogue = campaign.criteria.catalogue
    scope_names = {d.code: d.name for d in catalogue.directions} | {"overall": _("Итого")}
    order = {code: i for i, code in enumerate(catalogue.scope_codes)}
    participation = queries.participation(campaign, filters)
    # One pass over the result rows gives the heatmap, the level distribution and the means.
    heat = queries.heatmap(campaign, filters)
    distribution = queries.level_distribution_of(heat)
    means = queries.mean_shares_of(heat)
    region_means = (
        means if filters == queries.Filters() else queries.mean_shares(campaign, queries.Filters())
    )
    dyn = queries.dynamics(campaign, filters)
    risk = queries.risk_zone(campaign, filters, dyn)
    deficits = queries.frequent_deficits(campaign, filters, limit=15)
    by_direction = queries.deficits_by_direction(campaign, filters)
    tables: list[Table] = []
    chart_specs: dict[str, dict[str, Any]] = {}
    chart_data: dict[str, list[dict[str, Any]]] = {}

    level_rows = []
    for scope in catalogue.scope_codes:
        counts = distribution.get(scope, dict.fromkeys(LEVELS, 0))
        total = sum(counts.values())
        row = {
            "scope": scope_names[scope],
            "schools": total,
            "mean": _pct(means.get(scope, 0.0)),
            "region_mean": _pct(region_means.get(scope, 0.0)),
        }
        for level in LEVELS:
            row[level] = counts.get(level, 0)
            row[f"{level}_pct"] = _pct(counts.get(level, 0) / total) if total else 0.0
        level_rows.append(row)
    tables.append(
        Table(
            "levels",
            _("Уровни соответствия по направлениям"),
            [
                ("scope", _("Направление")),
                ("schools", _("Школ")),
                *[(level, LEVEL_NAMES[level]) for level in LEVELS],
                ("below_basic_pct", _("Ниже базового, %")),
                ("mean", _("Средняя доля баллов, %")),
                ("region_mean", _("По региону, %")),
            ],
            level_rows,
        )
    )
    chart_specs["levels"] = charts.levels_by_scope(
        _("Уровни соответствия по направлениям"),
        [
            {"scope": scope_names[s], "order": order[s], "level": lv, "schools": n}
            for s in catalogue.scope_codes
            for lv, n in distribution.get(s, {}).items()
        ],
    )

    if municipality is None:
        by_municipality = queries.participation_by_municipality(campaign, filters)
        names = dict(
            Municipality.objects.filter(region=campaign.region_id).values_list("pk", "name")
        )
        heat_rows: list[dict[str, Any]] = []
        for (mid, scope), cell in sorted(
            heat.items(), key=lambda kv: (names.get(kv[0][0], ""), order[kv[0][1]])
        ):
            heat_rows.append(
                {
                    "municipality": names.get(mid, str(mid)),
                    "municipality_id": mid,
                    "direction": scope_names[scope],
                    "order": order[scope],
                    "schools": cell.schools,
                    "below_share": round(cell.below_share, 3),
                    "mean_share": round(cell.mean_share, 3),
                }
            )
        participation_rows: list[dict[str, Any]] = sorted(
            (
                {
                    "name": names.get(mid, str(mid)),
                    "municipality_id": mid,
                    "schools": p.schools,
                    "done": p.done,
                    "share": _pct(p.share_done),
                }
                for mid, p in by_municipality.items()
            ),
            key=lambda r: r["name"],
        )
        shown_page = Paginator(participation_rows, PAGE_SIZE).get_page(page)
        shown: set[int] = {r["municipality_id"] for r in shown_page}
        heat_shown = [r for r in heat_rows if r["municipality_id"] in shown]
        chart_specs["heat_below"] = charts.heatmap(
            _("Доля школ ниже базового уровня"),
            heat_shown,
            "below_share",
            _("ниже базового"),
            data="heat",
        )
        chart_specs["heat_mean"] = charts.heatmap(
            _("Средняя доля баллов"), heat_shown, "mean_share", _("доля баллов"), data="heat"
        )
        chart_data["heat"] = [
            {k: v for k, v in r.items() if k != "municipality_id"} for r in heat_shown
        ]
        # The same cells as a pivot: a municipality a row, a direction a column.
        pivot: dict[int, dict[str, Any]] = {}
        for r in heat_rows:
            row = pivot.setdefault(
                r["municipality_id"],
                {"municipality": r["municipality"], "municipality_id": r["municipality_id"]},
            )
            row[r["direction"]] = _pct(r["below_share"])
            row[f"{r['direction']} (доля баллов)"] = _pct(r["mean_share"])
        directions = [scope_names[c] for c in catalogue.scope_codes]
        tables.append(
            Table(
                "heatmap",
                _("Доля школ ниже базового уровня, % (муниципалитеты × направления)"),
                [
                    ("municipality", _("Муниципалитет")),
                    *[(d, d) for d in directions],
                ],
                sorted(pivot.values(), key=lambda r: r["municipality"]),
            )
        )
        tables.append(
            Table(
                "heatmap_mean",
                _("Средняя доля баллов, % (муниципалитеты × направления)"),
                [
                    ("municipality", _("Муниципалитет")),
                    *[(f"{d} (доля баллов)", d) for d in directions],
                ],
                sorted(pivot.values(), key=lambda r: r["municipality"]),
            )
        )
        tables.append(
            Table(
                "participation",
                _("Участие по муниципалитетам"),
                [
                    ("name", _("Муниципалитет")),
                    ("schools", _("Школ")),
                    ("done", _("Прошли")),
                    ("share", _("Доля, %")),
                ],
                participation_rows,
            )
        )
        context["municipality_page"] = shown_page
        context["heat_below_html"] = tables[-3].heat_body(campaign.pk, shown)
        context["heat_mean_html"] = tables[-2].heat_body(campaign.pk, shown)
    else:
        schools = list(
            Result.objects.filter(
                campaign=campaign, scope="overall", school__municipality=municipality
            )
            .filter(queries._school_q(filters))
            .select_related("school", "submission")
            .order_by("school__short_name")
        )
        tables.append(
            Table(
                "schools",
                _("Школы муниципалитета"),
                [
                    ("school", _("Школа")),
                    ("level", _("Общий уровень")),
                    ("share", _("Доля баллов, %")),
                    ("deficits", _("Дефицитов")),
                ],
                [
                    {
                        "school": r.school.short_name,
                        "submission_id": r.submission_id,
                        "level": level_name(r.level),
                        "level_code": r.level,
                        "share": _pct(r.share),
                        "deficits": r.deficits,
                    }
                    for r in schools
                ],
            )
        )
        context["school_page"] = Paginator(tables[-1].rows, PAGE_SIZE).get_page(page)

    deficit_rows: list[dict[str, Any]] = [
        {
            "code": d.code,
            "text": getattr(catalogue.indicators.get(d.code), "text", d.code),
            "direction": scope_names.get(d.direction, d.direction),
            "schools": d.schools,
            "critical": d.critical,
        }
        for d in deficits
    ]
    tables.append(
        Table(
            "deficits",
            _("Самые частые дефициты"),
            [
                ("code", _("Код")),
                ("text", _("Показатель")),
                ("direction", _("Направление")),
                ("schools", _("Школ с дефицитом")),
                ("critical", _("Из них провален критический")),
            ],
            deficit_rows,
        )
    )
    chart_specs["deficits"] = charts.bars(
        _("Самые частые дефициты"),
        [{"label": f"{r['code']} {r['text'][:60]}", "schools": r["schools"]} for r in deficit_rows],
        "label",
        "schools",
        _("школ"),
    )
    direction_rows = [
        {"direction": scope_names.get(code, code), "deficits": by_direction.get(code, 0)}
        for code in catalogue.direction_codes
    ]
    tables.append(
        Table(
            "directions",
            _("Дефициты по направлениям"),
            [("direction", _("Направление")), ("deficits", _("Дефицитов"))],
            direction_rows,
        )
    )
    chart_specs["directions"] = charts.bars(
        _("Дефициты по направлениям"),
        direction_rows,
        "direction",
        "deficits",
        _("дефицитов"),
        colour="#b02a37",
    )

    dynamics_rows = [
        {"change": _("уровень повысился"), "schools": len(dyn.rose)},
        {"change": _("уровень не изменился"), "schools": len(dyn.stayed)},
        {"change": _("уровень снизился"), "schools": len(dyn.fell)},
    ]
    tables.append(
        Table(
            "dynamics",
            _("Динамика общего уровня к прошлой кампании"),
            [("change", _("Изменение")), ("schools", _("Школ"))],
            dynamics_rows,
        )
    )
    tables.append(
        Table(
            "risk",
            _("Зона риска"),
            [
                ("school", _("Школа")),
                ("municipality", _("Муниципалитет")),
                ("reason", _("Причина")),
            ],
            [
                {
                    "school": r.short_name,
                    "school_id": r.school_id,
                    "municipality": r.municipality.name,
                    "reason": r.reason,
                }
                for r in risk
            ],
        )
    )

    return context | {
        "participation": participation,
        "tables": tables,
        "tables_by_name": {t.name: t for t in tables},
        "charts": chart_specs,
        "chart_scripts": charts.scripts(chart_specs, chart_data),
        "dynamics": dyn,
        "risk": risk,
        "catalogue": catalogue,
    }
