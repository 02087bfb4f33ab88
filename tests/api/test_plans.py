"""Writing through the API: progress with evidence, item edits with versions, token scopes, CSRF."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from marshrut.audit.models import AuditEvent
from marshrut.plans.models import Evidence, ItemStatus, PlanItem, ProgressReport
from tests.api.conftest import ApiWorld


def _item(api_world: ApiWorld) -> PlanItem:
    item = PlanItem.objects.filter(plan__region=api_world.world.region).order_by("pk").first()
    assert item is not None
    return item


def test_progress_with_a_file_and_a_link_is_saved_as_on_the_page(api_world: ApiWorld) -> None:
    item = _item(api_world)
    client = api_world.client("operator")
    response = client.post(
        f"/api/v1/items/{item.pk}/reports",
        {
            "version": item.version,
            "status": "done",
            "comment": "Проведено совещание",
            "actual_value": "12.5",
            "links": ["https://example.org/protokol"],
            "evidence": SimpleUploadedFile("протокол.txt", "Протокол № 1".encode()),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status_name"] == "выполнено" and body["links"] == ["https://example.org/protokol"]
    assert body["actual_value"] == "12.50" or float(body["actual_value"]) == 12.5
    [evidence] = body["evidence"]
    assert evidence["filename"] == "протокол.txt"
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE
    report = ProgressReport.objects.get(pk=body["id"])
    assert report.author == api_world.world.users["operator"]
    stored = Evidence.objects.get(pk=evidence["id"])
    with stored.file.open("rb") as f:
        assert f.read() == "Протокол № 1".encode()
    # The audit records it, marked as coming from the API.
    event = AuditEvent.objects.filter(target_id=str(item.pk)).latest("at")
    assert event.source == "api" and "отчёт об исполнении" in event.message
    # The file comes back through the API with the same scoping.
    download = client.get(evidence["url"])
    # Read to the end, the test client closes the file (an explicit close() would fire
    # request_finished again and close the test's connection).
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert download.status_code == 200 and content == "Протокол № 1".encode()
    assert api_world.other_operator().get(evidence["url"]).status_code == 404


def test_upload_policy_and_links_are_checked(api_world: ApiWorld) -> None:
    item = _item(api_world)
    client = api_world.client("operator")
    before = ProgressReport.objects.count()
    response = client.post(
        f"/api/v1/items/{item.pk}/reports",
        {
            "version": item.version,
            "status": "done",
            "evidence": SimpleUploadedFile("вирус.exe", b"MZ\x90\x00"),
        },
    )
    assert response.status_code == 422
    assert any("exe" in e["message"] for e in response.json()["errors"])
    response = client.post(
        f"/api/v1/items/{item.pk}/reports",
        {"version": item.version, "status": "done", "links": ["не ссылка"]},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "links"
    assert ProgressReport.objects.count() == before


def test_read_only_token_reads_but_is_refused_every_write(api_world: ApiWorld) -> None:
    item = _item(api_world)
    client = api_world.client("operator", read_only=True)
    assert client.get(f"/api/v1/items/{item.pk}").status_code == 200
    assert client.get("/api/v1/me").json()["read_only"] is True
    before = ProgressReport.objects.count()
    response = client.post(f"/api/v1/items/{item.pk}/reports", {"status": "done"})
    assert response.status_code == 403 and "только для чтения" in response.json()["detail"]
    response = client.patch(
        f"/api/v1/items/{item.pk}",
        {"version": item.version, "title": "Новое"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert ProgressReport.objects.count() == before
    item.refresh_from_db()
    assert item.title != "Новое"


def test_a_session_writes_only_with_its_csrf_token(api_world: ApiWorld) -> None:
    item = _item(api_world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(api_world.world.users["operator"])
    client.get("/accounts/tokens/")  # any page sets the CSRF cookie
    response = client.post(f"/api/v1/items/{item.pk}/reports", {"status": "in_progress"})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/api/v1/items/{item.pk}/reports",
        {"version": item.version, "status": "in_progress"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
    item.refresh_from_db()
    # A token needs no CSRF token: it is no ambient credential a foreign page could borrow.
    response = Client(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {api_world.token('operator')}"
    ).post(f"/api/v1/items/{item.pk}/reports", {"version": item.version, "status": "in_progress"})
    assert response.status_code == 201


def test_stale_item_edit_answers_409_with_what_changed(api_world: ApiWorld) -> None:
    item = _item(api_world)
    mine = api_world.client("operator")
    url = f"/api/v1/items/{item.pk}"
    version = mine.get(url).json()["version"]
    first = mine.patch(
        url,
        {"version": version, "title": "Совещание с директорами"},
        content_type="application/json",
    )
    assert first.status_code == 200 and first.json()["version"] == version + 1
    stale = mine.patch(
        url, {"version": version, "title": "Иное название"}, content_type="application/json"
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["version"] == version + 1 and body["changed"]["title"] == "Совещание с директорами"
    assert "Ваши изменения не сохранены" in body["detail"] and body["changed_by"]
    item.refresh_from_db()
    assert item.title == "Совещание с директорами"
    again = mine.patch(
        url, {"version": body["version"], "title": "Иное название"}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["title"] == "Иное название"


def test_who_may_not_report_gets_403_and_another_region_404(api_world: ApiWorld) -> None:
    item = _item(api_world)
    response = api_world.client("department").post(
        f"/api/v1/items/{item.pk}/reports", {"version": item.version, "status": "done"}
    )
    assert response.status_code == 403
    other = api_world.other.item
    response = api_world.client("operator").post(
        f"/api/v1/items/{other.pk}/reports", {"version": other.version, "status": "done"}
    )
    assert response.status_code == 404
