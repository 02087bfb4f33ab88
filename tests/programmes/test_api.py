"""The decisions API: the register read with the pages' scope, execution reported with the
version the reporter saw."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from marshrut.accounts.models import ApiToken
from marshrut.programmes.models import Decision
from tests.conftest import World, build_world
from tests.programmes.factories_interviews import decision_for

pytestmark = pytest.mark.django_db


def _api(w: World, persona: str) -> Client:
    _, key = ApiToken.issue(w.users[persona], "тест")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_list_is_scoped_and_filtered(world: World) -> None:
    decision_for(world, "s1", due=dt.date(2020, 1, 1), text="s1")
    decision_for(world, "s2", due=dt.date(2099, 1, 1), text="s2")
    decision_for(world, "m1", due=dt.date(2099, 1, 1), text="m1")
    body = _api(world, "coordinator").get("/api/v1/decisions").json()
    assert sorted(d["text"] for d in body["items"]) == ["m1", "s1"] and body["count"] == 2
    body = _api(world, "head").get("/api/v1/decisions").json()
    assert [d["text"] for d in body["items"]] == ["s1"]
    assert body["items"][0]["overdue"] is True
    body = _api(world, "operator").get("/api/v1/decisions", {"status": "overdue"}).json()
    assert [d["text"] for d in body["items"]] == ["s1"]
    other = build_world("99", "Вторая область", tag="r2-")
    assert _api(other, "operator").get("/api/v1/decisions").json()["items"] == []
    d = Decision.objects.get(text="s2")
    assert _api(world, "coordinator").get(f"/api/v1/decisions/{d.pk}").status_code == 404
    assert _api(world, "outsider").get("/api/v1/decisions").status_code == 403


def test_the_owner_reports_with_the_version_and_a_stale_one_is_409(world: World) -> None:
    d = decision_for(world, "s1", owner=world.people["head"], owner_text="")
    client = _api(world, "head")
    url = f"/api/v1/decisions/{d.pk}/reports"
    done = client.post(
        url,
        {
            "status": "done",
            "comment": "Сделано",
            "version": d.version,
            "evidence": SimpleUploadedFile("act.pdf", b"%PDF-1.4 act"),
        },
    )
    assert done.status_code == 201, done.content
    assert done.json()["evidence"][0]["filename"] == "act.pdf"
    again = client.post(url, {"status": "in_progress", "comment": "", "version": d.version})
    assert again.status_code == 409
    assert again.json()["version"] == d.version + 1
    d.refresh_from_db()
    assert d.status == "done" and d.reports.count() == 1
    evidence = client.get(done.json()["evidence"][0]["url"])
    assert evidence.status_code == 200
    assert (
        _api(world, "department")
        .post(url, {"status": "done", "comment": "x", "version": d.version})
        .status_code
        == 403
    )
    bad = client.post(
        url,
        {
            "status": "done",
            "comment": "x",
            "version": d.version,
            "evidence": SimpleUploadedFile("a.exe", b"MZ\x90\x00"),
        },
    )
    assert bad.status_code == 422
