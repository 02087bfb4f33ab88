"""Charts defined once, as Vega-Lite specifications: the page draws them in the browser with the
locally served Vega bundle, the documents get PNG/SVG rendered by vl-convert from the same spec."""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from marshrut.kernels.criteria import LEVEL_NAMES, LEVELS

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
FONT = "Times New Roman"
FONT_FALLBACKS = ("Liberation Serif", "DejaVu Serif", "serif")
"""Families tried after a chart's font. vl-convert draws no text at all in a font it cannot find
(a server without Times New Roman got charts with no labels), and a browser treats the list as CSS.
Liberation Serif has Times New Roman's metrics; DejaVu Serif has Cyrillic everywhere."""
LEVEL_COLOURS = {
    "below_basic": "#dc3545",
    "basic": "#ffc107",
    "medium": "#0dcaf0",
    "high": "#198754",
}
_LEVEL_SCALE = {
    "domain": [LEVEL_NAMES[level] for level in LEVELS],
    "range": [LEVEL_COLOURS[level] for level in LEVELS],
}


def _base(title: str, width: int | str = "container", height: int = 260) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start", "fontSize": 14},
        "width": width,
        "height": height,
        "config": {
            "font": with_fallback(FONT),
            "axis": {"labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelFontSize": 12},
        },
    }


def levels_by_scope(
    title: str, rows: list[dict[str, Any]], row_title: str = "направление"
) -> dict[str, Any]:
    """Stacked bars: for each scope (direction or «итого»), schools at each level.

    ``rows``: [{"scope": name, "order": n, "level": code, "schools": n}]; the federal view puts
    a region in ``scope`` and names the rows with ``row_title``.
    """
    data = [
        {**r, "level_name": LEVEL_NAMES[r["level"]], "level_order": LEVELS.index(r["level"])}
        for r in rows
    ]
    spec = _base(title, height=max(160, 26 * len({r["scope"] for r in rows})))
    spec.update(
        {
            "data": {"values": data},
            "mark": {"type": "bar"},
            "encoding": {
                "y": {
                    "field": "scope",
                    "type": "nominal",
                    "title": None,
                    "sort": {"field": "order"},
                },
                "x": {
                    "field": "schools",
                    "type": "quantitative",
                    "stack": "normalize",
                    "title": "доля школ",
                    "axis": {"format": "%"},
                },
                "color": {
                    "field": "level_name",
                    "type": "nominal",
                    "title": "уровень",
                    "scale": _LEVEL_SCALE,
                },
                "order": {"field": "level_order"},
                "tooltip": [
                    {"field": "scope", "title": row_title},
                    {"field": "level_name", "title": "уровень"},
                    {"field": "schools", "title": "школ"},
                ],
            },
        }
    )
    return spec


def heatmap(
    title: str,
    rows: list[dict[str, Any]],
    value: str,
    value_title: str,
    row_title: str = "муниципалитет",
    *,
    data: str = "",
) -> dict[str, Any]:
    """Municipalities × directions, coloured by ``value`` (a share 0…1).

    ``rows``: [{"municipality": name, "direction": name, "order": n, value: share, "schools": n}];
    the federal view puts a region in ``municipality`` and names the rows with ``row_title``.
    With ``data``, the rows are not in the spec: the page ships them once, under that name
    (:func:`scripts`), for the two heat charts that draw them.
    """
    municipalities = len({r["municipality"] for r in rows})
    spec = _base(title, height=max(200, 18 * municipalities))
    source: dict[str, Any] = {"name": data} if data else {"values": rows}
    spec.update(
        {
            "data": source,
            "mark": {"type": "rect"},
            "encoding": {
                "x": {
                    "field": "direction",
                    "type": "nominal",
                    "title": None,
                    "sort": {"field": "order"},
                    "axis": {"labelAngle": -30},
                },
                "y": {"field": "municipality", "type": "nominal", "title": None},
                "color": {
                    "field": value,
                    "type": "quantitative",
                    "title": value_title,
                    "scale": {
                        "scheme": "redyellowgreen" if value == "mean_share" else "reds",
                        "domain": [0, 1],
                    },
                    "legend": {"format": "%"},
                },
                "tooltip": [
                    {"field": "municipality", "title": row_title},
                    {"field": "direction", "title": "направление"},
                    {"field": value, "format": ".0%", "title": value_title},
                    {"field": "schools", "title": "школ"},
                ],
            },
        }
    )
    return spec


def bars(
    title: str,
    rows: list[dict[str, Any]],
    label: str,
    value: str,
    value_title: str,
    colour: str = "#1d4e89",
) -> dict[str, Any]:
    """Horizontal bars sorted by value: the most frequent deficits, deficits by direction."""
    spec = _base(title, height=max(120, 20 * len(rows)))
    spec.update(
        {
            "data": {"values": rows},
            "mark": {"type": "bar", "color": colour},
            "encoding": {
                "y": {
                    "field": label,
                    "type": "nominal",
                    "title": None,
                    "sort": "-x",
                    "axis": {"labelLimit": 420},
                },
                "x": {"field": value, "type": "quantitative", "title": value_title},
                "tooltip": [{"field": label}, {"field": value, "title": value_title}],
            },
        }
    )
    return spec


def with_fallback(family: str) -> str:
    """``family`` followed by :data:`FONT_FALLBACKS` (those it does not name already)."""
    names = [f.strip() for f in family.split(",") if f.strip()]
    seen = {n.strip("\"'").lower() for n in names}
    return ", ".join(names + [f for f in FONT_FALLBACKS if f.lower() not in seen])


def _fonts(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Vega-Lite ``config`` in which every font (``font``, ``labelFont``, …)
    ends with the fallbacks; the chart's font defaults to :data:`FONT`."""

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        return {
            key: with_fallback(value)
            if isinstance(value, str) and (key == "font" or key.endswith("Font"))
            else walk(value)
            for key, value in node.items()
        }

    out: dict[str, Any] = walk(config)
    out.setdefault("font", with_fallback(FONT))
    return out


def _offline(spec: dict[str, Any], width: int) -> dict[str, Any]:
    """The spec as vl-convert should draw it: a fixed width (documents have no container) and
    fonts with fallbacks."""
    fixed = {**spec, "config": _fonts(spec.get("config", {}))}
    if spec.get("width") == "container":
        fixed["width"] = width
    return fixed


def render_png(spec: dict[str, Any], *, width: int = 640, scale: float = 2.0) -> bytes:
    """The chart as PNG for a document."""
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(_offline(spec, width), scale=scale))


def render_svg(spec: dict[str, Any], *, width: int = 640) -> str:
    """The chart as SVG for a document."""
    import vl_convert

    return str(vl_convert.vegalite_to_svg(_offline(spec, width)))


# What json_script escapes, so that no text in the data can close the script element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def scripts(specs: dict[str, dict[str, Any]], data: dict[str, list[dict[str, Any]]]) -> SafeString:
    """The page's chart specs ("spec-NAME") and shared data ("data-NAME") as JSON script elements.

    Like ``json_script``, but in UTF-8: escaped as ``\\uXXXX``, Russian names took three times
    their size, and the region page's heat charts were most of its weight.
    """
    parts = [
        format_html(
            '<script id="{}-{}" type="application/json">{}</script>',
            kind,
            name,
            mark_safe(json.dumps(value, ensure_ascii=False).translate(_SCRIPT_ESCAPES)),
        )
        for kind, items in (("spec", specs), ("data", data))
        for name, value in items.items()
    ]
    return mark_safe("".join(parts))
