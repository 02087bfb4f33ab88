"""Rows of the permission matrix for the effectiveness page and its exports.

Columns: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous. The page reads the whole region (as the region's report does): whoever holds
only a municipality, a school or assigned schools is refused; the outsider sees no campaign.
The matrix world's campaign has no previous one: the pages answer with «nothing to compare».
"""

from __future__ import annotations

from typing import Any

from tests.conftest import World


def _campaign(w: World, fmt: str | None = None) -> dict[str, Any]:
    from tests.diagnostics.factories import campaign_for

    kwargs: dict[str, Any] = {"pk": campaign_for(w).pk}
    return {**kwargs, "fmt": fmt} if fmt else kwargs


MATRIX_EFFECTIVENESS: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "analytics:effectiveness": [("200 200 200 403 403 403 403 403 403 302", None, "get", {})],
    "analytics:effectiveness_campaign": [
        ("200 200 200 403 403 403 403 403 404 302", _campaign, "get", {})
    ],
    "analytics:effectiveness_export": [
        ("200 200 200 403 403 403 403 403 404 302", lambda w: _campaign(w, "xlsx"), "get", {}),
        ("200 200 200 403 403 403 403 403 404 302", lambda w: _campaign(w, "docx"), "get", {}),
    ],
}
