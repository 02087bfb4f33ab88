"""The management decisions register: scope, overdue by the region's clocks, execution reports
with a version check, the list's filters, counts and export."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marshrut.lib.concurrency import StaleEdit
from marshrut.programmes.actions_decisions import do_report_decision
from marshrut.programmes.models import Decision
from marshrut.programmes.queries_decisions import counts
from tests.conftest import World, build_world
from tests.programmes.factories_interviews import decision_for

pytestmark = pytest.mark.django_db


def _at(monkeypatch: pytest.MonkeyPatch, instant: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: instant)


def test_overdue_follows_the_regions_clocks(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    d = decision_for(world, "s1", due=dt.date(2025, 6, 30))
    # 13:00 UTC on 30 June: still 30 June in Moscow, already 1 July in Kamchatka.
    _at(monkeypatch, dt.datetime(2025, 6, 30, 13, 0, tzinfo=dt.UTC))
    world.region.time_zone = "Europe/Moscow"
    world.region.save()
    assert not Decision.objects.overdue().exists()
    assert not Decision.objects.get(pk=d.pk).is_overdue()
    world.region.time_zone = "Asia/Kamchatka"
    world.region.save()
    assert list(Decision.objects.overdue()) == [d]
    assert Decision.objects.select_related("region").get(pk=d.pk).is_overdue()
    assert counts(Decision.objects.all()).overdue == 1


def test_executed_and_cancelled_decisions_are_never_overdue(world: World) -> None:
    decision_for(world, "s1", due=dt.date(2020, 1, 1), status="done")
    decision_for(world, "s1", due=dt.date(2020, 1, 1), status="cancelled")
    late = decision_for(world, "s1", due=dt.date(2020, 1, 1), status="in_progress")
    assert list(Decision.objects.overdue()) == [late]


@pytest.mark.parametrize(
    ("persona", "seen"),
    [
        ("operator", {"region", "m1", "m2", "s1", "s2", "s3"}),
        ("department", {"region", "m1", "m2", "s1", "s2", "s3"}),
        ("coordinator", {"m1", "s1", "s3"}),
        ("head", {"s1"}),
        ("school", {"s1"}),
        ("curator", {"s1"}),
        ("outsider", set()),
    ],
)
def test_who_sees_which_decisions(world: World, persona: str, seen: set[str]) -> None:
    made = {
        where: decision_for(world, where, text=f"Решение {where}")
        for where in ("region", "m1", "m2", "s1", "s2", "s3")
    }
    visible = set(Decision.objects.for_user(world.users[persona]))
    assert visible == {made[w] for w in seen}


def test_another_region_sees_nothing_of_this_one(world: World) -> None:
    other = build_world("99", "Вторая область", tag="r2-")
    decision_for(world, "s1")
    assert not Decision.objects.for_user(other.users["operator"]).exists()
    d = Decision.objects.get()
    url = reverse("programmes:decision_detail", args=[d.pk])
    assert other.client("operator").get(url).status_code == 404


def test_the_coordinator_edits_own_municipalitys_decisions_only(world: World) -> None:
    mine, theirs = decision_for(world, "s1"), decision_for(world, "s2")
    client = world.client("coordinator")
    assert client.get(reverse("programmes:decision_edit", args=[mine.pk])).status_code == 200
    assert client.get(reverse("programmes:decision_edit", args=[theirs.pk])).status_code == 404
    # The school reads its decision but does not edit the register.
    head = world.client("head")
    assert head.get(reverse("programmes:decision_detail", args=[mine.pk])).status_code == 200
    assert head.get(reverse("programmes:decision_edit", args=[mine.pk])).status_code == 403


def test_a_coordinator_cannot_create_a_decision_about_another_municipality(world: World) -> None:
    form = {
        "subject": "school",
        "school": world.s2.pk,
        "source": "report",
        "decided_by": "МОУО",
        "decided_on": "2025-04-01",
        "text": "Чужое решение",
        "owner_text": "Директор",
        "due_on": "2025-06-01",
        "status": "accepted",
    }
    response = world.client("coordinator").post(reverse("programmes:decision_create"), form)
    assert response.status_code == 200  # the school is not among the choices
    assert not Decision.objects.exists()
    form["school"] = world.s3.pk
    response = world.client("coordinator").post(reverse("programmes:decision_create"), form)
    assert response.status_code == 302
    d = Decision.objects.get()
    assert (d.subject, d.school, d.municipality, d.created_by) == (
        "school",
        world.s3,
        world.m1,
        world.users["coordinator"],
    )


def test_the_owner_reports_execution_with_evidence(world: World) -> None:
    d = decision_for(world, "s1", owner=world.people["head"], owner_text="")
    url = reverse("programmes:decision_report", args=[d.pk])
    response = world.client("head").post(
        url,
        {
            "status": "done",
            "comment": "Педсовет проведён",
            "version": d.version,
            "evidence": SimpleUploadedFile("protocol.pdf", b"%PDF-1.4 test"),
        },
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == "done" and d.done_on == d.region.today()
    evidence = d.reports.get().evidence.get()
    download = reverse("programmes:decision_evidence", args=[evidence.pk])
    assert world.client("head").get(download).status_code == 200
    assert world.client("coordinator").get(download).status_code == 200
    assert world.client("outsider").get(download).status_code == 404
    other = build_world("99", "Вторая область", tag="r2-")
    assert other.client("operator").get(download).status_code == 404


def test_a_report_on_a_decision_changed_since_is_refused(world: World) -> None:
    d = decision_for(world, "s1")
    seen = d.version
    do_report_decision(None, d, status="in_progress", comment="начали", version=seen)
    with pytest.raises(StaleEdit):
        do_report_decision(
            None, Decision.objects.get(pk=d.pk), status="done", comment="готово", version=seen
        )
    response = world.client("head").post(
        reverse("programmes:decision_report", args=[d.pk]),
        {"status": "done", "comment": "готово", "version": seen},
    )
    assert response.status_code == 409
    d.refresh_from_db()
    assert d.status == "in_progress" and d.reports.count() == 1


def test_done_needs_what_was_done(world: World) -> None:
    d = decision_for(world, "s1")
    response = world.client("head").post(
        reverse("programmes:decision_report", args=[d.pk]),
        {"status": "done", "comment": "", "version": d.version},
    )
    assert response.status_code == 400
    assert "опишите, что сделано" in response.content.decode()


def test_people_outside_report_nothing(world: World) -> None:
    d = decision_for(world, "s1")
    url = reverse("programmes:decision_report", args=[d.pk])
    data = {"status": "in_progress", "version": d.version}
    assert world.client("department").post(url, data).status_code == 403
    assert world.client("coordinator").post(url, data).status_code == 302


def test_the_list_filters_counts_and_exports(world: World) -> None:
    decision_for(world, "s1", due=dt.date(2020, 1, 1), text="Просроченное решение")
    decision_for(world, "s3", source="shnor", status="done", text="Исполненное решение")
    decision_for(world, "m2", due=dt.date(2099, 1, 1), text="Решение о втором районе")
    client = world.client("operator")
    url = reverse("programmes:decision_list")
    page = client.get(url, {"status": "overdue"}).content.decode()
    assert "Просроченное решение" in page and "Исполненное решение" not in page
    decision_for(world, "s1", due=world.region.today() + dt.timedelta(days=3), text="Скорое")
    page = client.get(url, {"status": "soon"}).content.decode()
    assert "Скорое" in page and "Просроченное решение" not in page
    Decision.objects.filter(text="Скорое").delete()
    page = client.get(url, {"source": "shnor"}).content.decode()
    assert "Исполненное решение" in page and "Просроченное решение" not in page
    page = client.get(url, {"municipality": world.m2.pk}).content.decode()
    assert "Решение о втором районе" in page and "Исполненное решение" not in page
    all_counts = counts(Decision.objects.all())
    assert dict((c, n) for c, _l, n in all_counts.by_source) == {
        "report": 2,
        "interview": 0,
        "shnor": 1,
        "other": 0,
    }
    assert dict((c, n) for c, _l, n in all_counts.by_status)["overdue"] == 1
    exported = client.get(url, {"export": "xlsx"})
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[2]
    assert header[:3] == ["№", "Дата решения", "Кто принял"]
    states = {r[8]: r[11] for r in rows[3:]}
    assert states["Просроченное решение"] == "просрочено"
    assert states["Исполненное решение"] == "исполнено"
    # The coordinator's export holds only the coordinator's decisions.
    mine = world.client("coordinator").get(url, {"export": "xlsx"})
    texts = [
        r[8].value
        for r in openpyxl.load_workbook(io.BytesIO(mine.content)).active.iter_rows(min_row=4)
    ]
    assert "Решение о втором районе" not in texts and "Исполненное решение" in texts
