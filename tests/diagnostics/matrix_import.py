"""Permission-matrix rows of the results-import pages, to merge into ``MATRIX`` of
``tests/web/test_permission_matrix.py`` (columns: operator, department, methodologist, coordinator,
head, school, curator, mentor, outsider, anonymous).

Only the regional operator holds ``campaign.manage``: everybody else gets 404 for the campaign's
import pages and jobs (they are fetched through ``get_campaign_for_user``/``get_import_job_for_user``).
``Case`` mirrors the dataclass of the matrix test so that the rows can be moved there as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import World


@dataclass
class Case:
    expected: str
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _campaign_pk(w: World) -> dict[str, Any]:
    from tests.diagnostics.factories import campaign_for

    return {"pk": campaign_for(w).pk}


def _import_job(w: World) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from marshrut.lib.imports import ImportBatch as ImportJob
    from tests.diagnostics.factories import campaign_for

    campaign = campaign_for(w)
    job = ImportJob(
        kind="results",
        region=campaign.region,
        params={"campaign": campaign.pk},
        filename="r.csv",
        size=1,
        sha256="0" * 64,
        status=ImportJob.Status.FAILED,
        created_by=w.users["operator"],
    )
    job.file.save("r.csv", ContentFile("ИНН;ZN.01\r\n".encode("cp1251")))
    return {"pk": job.pk}


#                                   op  dep met crd hd  sch cur men out anon
MATRIX_IMPORT: dict[str, list[Case]] = {
    "diagnostics:import_upload": [
        Case("200 404 404 404 404 404 404 404 404 302", kwargs=_campaign_pk)
    ],
    "diagnostics:template": [Case("200 404 404 404 404 404 404 404 404 302", kwargs=_campaign_pk)],
    "diagnostics:import_job": [Case("200 404 404 404 404 404 404 404 404 302", kwargs=_import_job)],
    "diagnostics:import_file": [
        Case("200 404 404 404 404 404 404 404 404 302", kwargs=_import_job)
    ],
    "diagnostics:import_job_status": [
        Case("200 404 404 404 404 404 404 404 404 302", kwargs=_import_job)
    ],
    "diagnostics:import_apply": [
        Case(
            "302 404 404 404 404 404 404 404 404 302",
            kwargs=_import_job,
            method="post",
            note="a failed job is not applied: the operator is sent back to its page",
        ),
        Case(
            "405 405 405 405 405 405 405 405 405 302",
            kwargs=_import_job,
            note="GET applies nothing",
        ),
    ],
}
