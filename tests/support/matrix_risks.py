"""The risk profiles' rows of the permission matrix (tests/web/test_permission_matrix.py).

Columns: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous.
"""

from __future__ import annotations

from typing import Any

from marshrut.support.risks import shipped_model
from tests.conftest import World
from tests.support.matrix_cohort import participation


def shipped(w: World) -> dict[str, Any]:
    return {"pk": shipped_model().pk}


MATRIX_RISKS: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    # Everybody with a place in the hierarchy reads the prevalence and the methods.
    "support:risks": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "support:risk_models": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "support:risk_model": [("200 200 200 200 200 200 200 200 403 302", shipped, "get", {})],
    # s1's profile: the region, s1's municipality, school and team; m2's coordinator has none here.
    "support:risk_school": [
        ("200 200 200 200 200 200 200 200 403 302", participation("s1"), "get", {})
    ],
}
