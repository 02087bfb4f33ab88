"""Rows of the permission matrix for the report and school-sheet URLs (``report_urlpatterns``).

Same format as ``MATRIX`` in tests/web/test_permission_matrix.py — ten status codes, one per
column: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous. Plain tuples (expected, kwargs, method, data), so that this module does not
import the matrix test; the lead converts them with
``{name: [Case(e, k, m, d) for e, k, m, d in rows] for name, rows in MATRIX_REPORTS.items()}``.

The world's campaign has no scored schools here; the pages and exports still answer (empty
tables), which is what access needs. Charts render for real (vl-convert), so these rows are slow.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import World


def _campaign(w: World) -> Any:
    from tests.diagnostics.factories import campaign_for

    return campaign_for(w)


def region(w: World) -> dict[str, Any]:
    return {"pk": _campaign(w).pk}


def region_fmt(fmt: str) -> Any:
    return lambda w: {"pk": _campaign(w).pk, "fmt": fmt}


def municipality(where: str, fmt: str | None = None) -> Any:
    def make(w: World) -> dict[str, Any]:
        kwargs = {"pk": _campaign(w).pk, "mid": getattr(w, where).pk}
        return {**kwargs, "fmt": fmt} if fmt else kwargs

    return make


def sheets_job(where: str | None) -> Any:
    def make(w: World) -> dict[str, Any]:
        from marshrut.analytics.models import SheetsJob

        job = SheetsJob.objects.create(
            campaign=_campaign(w), municipality=getattr(w, where) if where else None
        )
        return {"pk": job.pk}

    return make


def done_job(w: World) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from marshrut.analytics.models import SheetsJob

    job = SheetsJob(campaign=_campaign(w), municipality=w.m1, status="done", progress=100)
    job.file.save("sheets.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=False)
    job.save()
    return {"pk": job.pk}


Row = tuple[str, Any, str, dict[str, Any]]

MATRIX_REPORTS: dict[str, list[Row]] = {
    "analytics:report_region": [
        ("200 200 200 403 403 403 403 403 404 302", region, "get", {}),
        # Saving edits: CAMPAIGN_MANAGE on the region only.
        (
            "302 403 403 403 403 403 403 403 404 302",
            region,
            "post",
            {"conclusions": "x", "action": "save"},
        ),
    ],
    "analytics:report_region_export": [
        ("200 200 200 403 403 403 403 403 404 302", region_fmt("docx"), "get", {}),
    ],
    "analytics:report_municipality": [
        ("200 200 200 200 403 403 403 403 404 302", municipality("m1"), "get", {}),
        ("200 200 200 404 404 404 404 404 404 302", municipality("m2"), "get", {}),
        # Saving edits: PLAN_MANAGE on the municipality (operator through the region, coordinator).
        (
            "302 403 403 302 403 403 403 403 404 302",
            municipality("m1"),
            "post",
            {"decisions": "x", "action": "save"},
        ),
    ],
    "analytics:report_municipality_export": [
        ("200 200 200 200 403 403 403 403 404 302", municipality("m1", "pdf"), "get", {}),
    ],
    "analytics:sheets_start": [
        ("200 200 200 200 403 403 403 403 404 302", region, "get", {}),
    ],
    "analytics:sheets_job": [
        ("200 200 200 404 404 404 404 404 404 302", sheets_job(None), "get", {}),
        ("200 200 200 200 404 404 404 404 404 302", sheets_job("m1"), "get", {}),
    ],
    "analytics:sheets_job_status": [
        ("200 200 200 200 404 404 404 404 404 302", sheets_job("m1"), "get", {}),
    ],
    "analytics:sheets_download": [
        ("200 200 200 200 404 404 404 404 404 302", done_job, "get", {}),
    ],
}
