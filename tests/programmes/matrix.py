"""Objects in and out of each persona's scope, for the rows of the permission matrix."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from marshrut.programmes.actions_decisions import do_report_decision
from tests.conftest import World
from tests.programmes.factories import decision_for, protocol_for, round_for, slot_for


def interview_round(w: World) -> dict[str, Any]:
    return {"pk": round_for(w).pk}


def slot(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        return {"pk": slot_for(w, getattr(w, where), at="10:00" if where != "s3" else "11:00").pk}

    return make


def protocol(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        return {"pk": protocol_for(w, getattr(w, where)).slot_id}

    return make


def decision(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        return {"pk": decision_for(w, where).pk}

    return make


def evidence(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        d = decision_for(w, where)
        report = do_report_decision(
            None, d, status="done", files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")]
        )
        return {"pk": report.evidence.get().pk}

    return make
