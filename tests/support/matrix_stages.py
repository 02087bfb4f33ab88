"""Rows of the permission matrix (tests/web/test_permission_matrix.py) for the monitoring stages.

Columns: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.conftest import World

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _stage(w: World) -> Any:
    from marshrut.support.models import Participation
    from marshrut.support.models.stages import Stage
    from marshrut.support.stage_actions import do_save_stage

    year = w.region.today().year
    for school in (w.s1, w.s2, w.s3):
        Participation.objects.get_or_create(
            school=school, year=year, defaults={"entered_on": dt.date(year, 1, 10)}
        )
    stage = Stage.objects.filter(region=w.region, year=year, number=1).first()
    return stage or do_save_stage(
        None,
        Stage(region=w.region, year=year, number=1, title="Старт", control_on=dt.date(year, 3, 15)),
        "концепция развития",
    )


def _sent(w: World) -> Any:
    from marshrut.support.stage_actions import do_send_stage_file

    stage = _stage(w)
    return do_send_stage_file(None, stage.documents.get(), w.s1, filename="a.pdf", data=PDF)


def stage(w: World) -> dict[str, Any]:
    return {"pk": _stage(w).pk}


def school(name: str) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        _stage(w)
        return {"school_pk": getattr(w, name).pk}

    return kwargs


def upload(w: World) -> dict[str, Any]:
    return {"document_pk": _stage(w).documents.get().pk, "school_pk": w.s1.pk}


def submission(w: World) -> dict[str, Any]:
    return {"pk": _sent(w).pk}


def stored_file(w: World) -> dict[str, Any]:
    return {"pk": _sent(w).files.get().pk}


#                  op  dep met crd hd  sch cur men out anon
MATRIX_STAGES: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    # None: a URL without arguments (also checked by the lists-of-another-region test).
    "support:stage_table": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "support:stage_new": [("200 403 403 403 403 403 403 403 403 302", None, "get", {})],
    "support:stage_edit": [("200 403 403 403 403 403 403 403 403 302", stage, "get", {})],
    "support:stage_report": [("200 200 200 200 200 200 200 200 404 302", stage, "get", {})],
    "support:school_stages": [
        ("200 200 200 200 200 200 200 200 403 302", school("s1"), "get", {}),
        ("200 200 200 404 404 404 404 404 403 302", school("s2"), "get", {}),
    ],
    "support:stage_upload": [("302 403 403 302 302 302 403 403 404 302", upload, "post", {})],
    "support:stage_decide": [
        (
            "302 404 404 302 404 404 302 404 404 302",
            submission,
            "post",
            {"decision": "accepted", "version": 1},
        )
    ],
    "support:stage_file": [("200 200 200 200 200 200 200 200 404 302", stored_file, "get", {})],
}
