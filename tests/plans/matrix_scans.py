"""Rows of the permission matrix (tests/web/test_permission_matrix.py) for scanned roadmaps.

Columns: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous.
"""

from __future__ import annotations

from tests.plans.matrix import draft

MATRIX_SCANS = {
    "plans:import_confirm": [
        ("302 404 404 404 404 404 404 404 404 302", draft("region"), "post", {"row": "0"}),
        ("302 404 404 302 302 404 404 404 404 302", draft("school"), "post", {"row": "0"}),
    ],
}
