"""Rows of the permission matrix (tests/web/test_permission_matrix.py) for the API's areas.

Lists answer by capability (403 without it, 401 without login); details and writes are asked
for an id that exists for nobody, so they answer 404 to every persona and 401 without login.
Who sees which real row is tested per area in tests/api/test_scoping.py.
"""

from __future__ import annotations

from typing import Any

NONE = 2**62


def _none(*names: str) -> Any:
    return lambda w: dict.fromkeys(names, NONE)


_ALL = "200 200 200 200 200 200 200 200 403 401"
_MISSING = "404 404 404 404 404 404 404 404 404 401"

# name: [(expected, kwargs, method, data)]
MATRIX_API: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "api:campaigns": [(_ALL, lambda w: {}, "get", {})],
    "api:plans": [(_ALL, lambda w: {}, "get", {})],
    "api:events": [(_ALL, lambda w: {}, "get", {})],
    "api:decisions": [(_ALL, lambda w: {}, "get", {})],
    "api:surveys": [("200 403 200 403 403 403 403 403 403 401", lambda w: {}, "get", {})],
    **{
        name: [(_MISSING, _none("pk"), "get", {})]
        for name in (
            "api:campaign",
            "api:campaign_results",
            "api:campaign_deficits",
            "api:school_results",
            "api:plan",
            "api:plan_items",
            "api:item",
            "api:item_reports",
            "api:item_update",
            "api:event",
            "api:participants",
            "api:survey",
            "api:survey_results",
            "api:evidence",
            "api:decision",
            "api:decision_reports",
            "api:decision_evidence",
        )
    },
    "api:item_report": [(_MISSING, _none("pk"), "get", {})],
    "api:decision_report": [(_MISSING, _none("pk"), "get", {})],
    "api:campaign_school": [(_MISSING, _none("campaign_pk", "school_pk"), "get", {})],
    "api:next_level": [(_MISSING, _none("campaign_pk", "school_pk"), "get", {})],
}
