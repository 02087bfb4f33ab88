"""Rows of the permission matrix (tests/web/test_permission_matrix.py) for partner assignment and
the what-if planner.

Columns: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous. Running an assignment or a plan weighs the region's schools against each
other and writes for the region: the operator only. An accepted assignment is a regional record:
those who see the whole region read it (as plans of project sessions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.conftest import World
from tests.matching.matrix import campaign


def run(w: World) -> dict[str, Any]:
    from marshrut.matching.models import AssignmentPair, AssignmentRun
    from tests.diagnostics.factories import campaign_for

    saved = AssignmentRun.objects.create(
        campaign=campaign_for(w),
        capacity=5,
        near_penalty=1,
        far_penalty=3,
        needs=1,
        covered=1,
        greedy_covered=1,
        starts_on=dt.date(2025, 9, 1),
    )
    AssignmentPair.objects.create(run=saved, school=w.s1, direction="znanie", partner=w.s2, ring=1)
    return {"pk": saved.pk}


OPERATOR_ONLY = "200 403 403 403 403 403 403 403 404 302"

MATRIX_ASSIGNMENT: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "matching:assignment": [
        (OPERATOR_ONLY, campaign, "get", {}),
        (OPERATOR_ONLY, campaign, "get", {"export": "xlsx"}),
        # Nothing to accept in the matrix world (no scored schools): the form says so.
        (OPERATOR_ONLY, campaign, "post", {"capacity": 5}),
    ],
    "matching:assignment_detail": [
        ("200 200 200 404 404 404 404 404 404 302", run, "get", {}),
        ("200 200 200 404 404 404 404 404 404 302", run, "get", {"export": "xlsx"}),
    ],
    "matching:whatif": [
        (OPERATOR_ONLY, campaign, "get", {}),
        (OPERATOR_ONLY, campaign, "post", {"schools": 5, "per_school": 5}),
    ],
}
