"""Objects in and out of each persona's scope, for the rows of the permission matrix."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from marshrut.programmes.actions_decisions import do_report_decision
from tests.conftest import World
from tests.programmes.factories_interviews import decision_for, protocol_for, round_for, slot_for


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


_VIEW = "200 200 200 200 200 200 200 200 404 302"
_VIEW_S2 = "200 200 200 404 404 404 404 404 404 302"

# name: [(expected, kwargs, method, data)], in the ten columns of the permission matrix; kwargs
# None: a page without arguments (a list or a form), not one region's object.
MATRIX_INTERVIEWS: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "programmes:interview_round_list": [
        ("200 200 200 200 200 200 200 200 403 302", None, "get", {})
    ],
    "programmes:interview_round_create": [
        ("200 403 403 403 403 403 403 403 403 302", None, "get", {})
    ],
    "programmes:interview_round_detail": [(_VIEW, interview_round, "get", {})],
    "programmes:interview_slot_create": [
        ("400 403 403 400 403 403 403 403 404 302", interview_round, "post", {})
    ],
    "programmes:interview_slot_delete": [
        ("302 403 403 302 403 403 403 403 404 302", slot("s1"), "post", {}),
        ("302 403 403 404 404 404 404 404 404 302", slot("s2"), "post", {}),
    ],
    "programmes:interview_protocol": [
        (_VIEW, slot("s1"), "get", {}),
        (_VIEW_S2, slot("s2"), "get", {}),
        ("200 403 403 200 403 403 403 403 404 302", protocol("s1"), "post", {}),
    ],
    "programmes:interview_protocol_docx": [
        (_VIEW, protocol("s1"), "get", {}),
        (_VIEW_S2, protocol("s2"), "get", {}),
    ],
    "programmes:decision_list": [("200 200 200 200 200 200 200 200 403 302", None, "get", {})],
    "programmes:decision_create": [("200 403 403 200 403 403 403 403 403 302", None, "get", {})],
    "programmes:decision_detail": [
        (_VIEW, decision("s1"), "get", {}),
        (_VIEW_S2, decision("s2"), "get", {}),
        ("200 200 200 404 404 404 404 404 404 302", decision("region"), "get", {}),
    ],
    "programmes:decision_edit": [
        ("200 403 403 200 403 403 403 403 404 302", decision("s1"), "get", {}),
        ("200 403 403 404 404 404 404 404 404 302", decision("s2"), "get", {}),
    ],
    "programmes:decision_report": [
        ("400 403 403 400 400 400 403 403 404 302", decision("s1"), "post", {}),
        ("400 403 403 404 404 404 404 404 404 302", decision("s2"), "post", {}),
    ],
    "programmes:decision_evidence": [
        (_VIEW, evidence("s1"), "get", {}),
        (_VIEW_S2, evidence("s2"), "get", {}),
    ],
}
