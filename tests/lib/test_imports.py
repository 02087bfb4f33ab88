"""The one import pipeline (marshrut/lib/imports.py): a batch from upload to apply, whatever kind.

The results importer goes through the worker (its tasks are called here as the worker calls them:
the test settings queue tasks in the database and no worker runs); the registry importer checks a
small file in the request. Both share the batch, the pages, the runner and the scoping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from marshrut.diagnostics.models import Answer, Campaign, Status, Submission
from marshrut.lib import jobs
from marshrut.lib.imports import (
    ImportBatch,
    Problem,
    apply_batch,
    check_batch,
    claim_apply,
    importers,
)
from marshrut.lib.models import WorkerBeat
from marshrut.orgs.models import Membership, Person, Region, School
from marshrut.orgs.roles import Role
from tests.conftest import PASSWORD, World
from tests.diagnostics.conftest import wide_rows, xlsx
from tests.diagnostics.factories import campaign_for
from tests.orgs.test_registry_import import SCHOOL_HEADER, school_row
from tests.orgs.test_registry_import import xlsx as registry_xlsx


@pytest.fixture
def campaign(world: World) -> Campaign:
    return campaign_for(world)


def upload_results(world: World, campaign: Campaign, data: bytes, name: str = "fed.xlsx") -> Any:
    return world.client("operator").post(
        reverse("diagnostics:import_upload", kwargs={"pk": campaign.pk}),
        {"file": SimpleUploadedFile(name, data)},
    )


def results_state(campaign: Campaign) -> tuple[int, ...]:
    return (
        Answer.objects.count(),
        Submission.objects.filter(campaign=campaign).exclude(status=Status.NOT_STARTED).count(),
    )


def test_every_app_importer_is_registered() -> None:
    kinds = {i.kind for i in importers()}
    assert {"registry", "results", "events"} <= kinds
    for importer in importers():
        assert importer.label and importer.text("apply") and importer.text("refused")


def test_a_batch_goes_queued_checked_previewed_applied(
    world: World, campaign: Campaign, settings: Any
) -> None:
    data = xlsx(wide_rows(campaign, [world.s1, world.s3]))
    response = upload_results(world, campaign, data, "Результаты школ.xlsx")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    # Queued: the request stored the file and queued its check; nobody took it yet.
    assert batch.kind == "results" and batch.params == {"campaign": campaign.pk}
    assert batch.status == ImportBatch.Status.CHECKING and batch.waiting and batch.task_id
    assert batch.region == campaign.region and batch.created_by == world.users["operator"]
    # The name, size and checksum of what was uploaded; the stored file has a token name.
    assert batch.filename == "Результаты школ.xlsx" and batch.size == len(data)
    assert batch.sha256 == hashlib.sha256(data).hexdigest()
    assert "Результаты" not in batch.file.name and batch.read() == data
    page = world.client("operator").get(response["Location"]).content.decode()
    assert "Файл проверяется" in page and 'hx-trigger="every 1s"' in page

    # The worker checks it once and stores the result.
    assert check_batch.call(str(batch.pk)) == "checked"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED and batch.progress == 100
    assert batch.checked_at and batch.previewed_at is None
    assert batch.counts["counts"]["schools"] == 2 and batch.problems == []
    assert results_state(campaign) == (0, 0)  # nothing before the confirmation

    # The preview shows what was stored: the file is not read again.
    stored = batch.file.name
    batch.file.storage.delete(stored)
    page = world.client("operator").get(response["Location"]).content.decode()
    batch.refresh_from_db()
    assert batch.previewed_at is not None
    assert 'data-testid="counts"' in page and "Применить: загрузить результаты" in page
    batch.file.storage.save(stored, SimpleUploadedFile("x", data))

    apply_url = reverse("diagnostics:import_apply", kwargs={"pk": batch.pk})
    assert world.client("operator").post(apply_url).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLYING and batch.waiting
    assert results_state(campaign) == (0, 0)  # the request only queued it
    assert apply_batch.call(str(batch.pk), world.users["operator"].pk) == "applied"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.applied_at
    assert batch.applied_by == world.users["operator"]
    assert campaign.submissions.get(school=world.s1).status == Status.SUBMITTED
    page = world.client("operator").get(response["Location"]).content.decode()
    assert "Результаты загружены" in page and ">загружен<" in page


def test_a_second_apply_of_the_same_batch_is_refused(
    world: World, campaign: Campaign, settings: Any
) -> None:
    upload_results(world, campaign, xlsx(wide_rows(campaign, [world.s1])))
    batch = ImportBatch.objects.get()
    check_batch.call(str(batch.pk))
    apply_url = reverse("diagnostics:import_apply", kwargs={"pk": batch.pk})
    client = world.client("operator")
    client.post(apply_url)
    client.post(apply_url)  # a double click: queued once
    assert DBTaskResult.objects.filter(task_path__endswith="apply_batch").count() == 1
    apply_batch.call(str(batch.pk), None)
    answers = Answer.objects.count()
    response = client.post(apply_url, follow=True)
    assert "нельзя применить" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and not claim_apply(batch)
    assert DBTaskResult.objects.filter(task_path__endswith="apply_batch").count() == 1
    assert Answer.objects.count() == answers


def test_a_bad_file_is_refused_with_its_problems_and_changes_nothing(
    world: World, campaign: Campaign, django_capture_on_commit_callbacks: Any
) -> None:
    before = results_state(campaign)
    data = xlsx([["ИНН", "ZN.01", "ZN.04"], [world.s1.inn, "может быть", 150]])
    upload_results(world, campaign, data, "bad.xlsx")
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert check_batch.call(str(batch.pk)) == "failed"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.problem_count == 2
    assert not batch.file  # a refused file is given up; its report is kept
    problems = batch.problem_list()
    assert all(isinstance(p, Problem) and p.row == 2 for p in problems)
    assert {p.value for p in problems} == {"может быть", "150"}
    assert batch.sha256 == hashlib.sha256(data).hexdigest() and batch.size == len(data)
    page = (
        world.client("operator")
        .get(reverse("diagnostics:import_job", kwargs={"pk": batch.pk}))
        .content.decode()
    )
    assert "может быть" in page and "ничего не изменилось" in page and "Применить" not in page
    response = world.client("operator").post(
        reverse("diagnostics:import_apply", kwargs={"pk": batch.pk})
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and results_state(campaign) == before


def test_a_small_registry_file_is_checked_in_the_request_and_a_bad_one_not_kept(
    world: World, settings: Any
) -> None:
    client = world.client("operator")
    schools = School.objects.count()
    bad = registry_xlsx([SCHOOL_HEADER, school_row(11), school_row(11)])
    response = client.post(
        reverse("orgs:import_upload"), {"file": SimpleUploadedFile("b.xlsx", bad)}
    )
    assert response.status_code == 200 and "ИНН повторяется" in response.content.decode()
    assert not ImportBatch.objects.exists() and School.objects.count() == schools
    good = registry_xlsx([SCHOOL_HEADER, school_row(11)])
    response = client.post(
        reverse("orgs:import_upload"), {"file": SimpleUploadedFile("g.xlsx", good)}
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == ImportBatch.Status.CHECKED
    assert batch.counts["counts"]["school"]["create"] == 1 and not DBTaskResult.objects.exists()
    assert [c["label"] for c in batch.counts["changes"]] == ["МАОУ Школа № 11"]
    # Over the inline limit the same file goes to the worker.
    settings.IMPORT_INLINE_CHECK_BYTES = 10
    client.post(reverse("orgs:import_upload"), {"file": SimpleUploadedFile("w.xlsx", good)})
    queued = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert queued.status == ImportBatch.Status.CHECKING and queued.waiting


def test_the_upload_keeps_the_policy_limits(
    world: World, campaign: Campaign, settings: Any
) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    for url in (
        reverse("orgs:import_upload"),
        reverse("diagnostics:import_upload", kwargs={"pk": campaign.pk}),
        reverse("events:event_import"),
    ):
        response = world.client("operator").post(
            url, {"file": SimpleUploadedFile("big.csv", b"x" * 4096)}
        )
        assert "слишком большой" in response.content.decode()
        response = world.client("operator").post(
            url, {"file": SimpleUploadedFile("prog.xlsx", b"MZ\x90\x00" + b"\x00" * 200)}
        )
        assert "не принят" in response.content.decode()
    assert not ImportBatch.objects.exists()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _taken_by_dead_worker(batch: ImportBatch) -> None:
    beat = WorkerBeat.objects.create(id="gone", host=jobs.HOST, pid=_dead_pid())
    DBTaskResult.objects.get(id=batch.task_id).claim(beat.id)
    ImportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=2), worker_id=beat.id, progress=40
    )


def test_a_killed_worker_leaves_the_batch_recoverable(world: World, campaign: Campaign) -> None:
    data = xlsx(wide_rows(campaign, [world.s1]))
    upload_results(world, campaign, data)
    batch = ImportBatch.objects.get()
    # The worker died while checking: the check is queued again, and the next worker finishes it.
    _taken_by_dead_worker(batch)
    assert jobs.sweep() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKING and batch.waiting
    assert batch.notice.startswith("Обработчик задач остановился во время работы")
    assert check_batch.call(str(batch.pk)) == "checked"
    # The worker died while applying: nothing was written, the page says so, the file is kept.
    world.client("operator").post(reverse("diagnostics:import_apply", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    WorkerBeat.objects.all().delete()
    _taken_by_dead_worker(batch)
    page = world.client("operator").get(reverse("diagnostics:import_job", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.file
    assert "Обработка прервалась" in page.content.decode()
    assert results_state(campaign) == (0, 0)
    # The same file uploaded again goes through.
    upload_results(world, campaign, data)
    again = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert again.sha256 == batch.sha256
    check_batch.call(str(again.pk))
    world.client("operator").post(reverse("diagnostics:import_apply", kwargs={"pk": again.pk}))
    assert apply_batch.call(str(again.pk), None) == "applied"
    assert campaign.submissions.get(school=world.s1).status == Status.SUBMITTED


def _other_region_operator() -> Any:
    from marshrut.accounts.models import User

    region = Region.objects.create(name="Другая область", code="97", operator_name="ИРО-2")
    user = User.objects.create_user("operator2", "operator2@test.local", PASSWORD)
    person = Person.objects.create(
        region=region, last_name="Другой", first_name="Оператор", user=user
    )
    Membership.objects.create(person=person, role=Role.OPERATOR, region=region)
    return user


def test_an_operator_of_another_region_cannot_see_apply_or_download_a_batch(
    world: World, campaign: Campaign, tmp_path: Path
) -> None:
    from django.test import Client

    upload_results(world, campaign, xlsx(wide_rows(campaign, [world.s1])))
    results = ImportBatch.objects.get()
    check_batch.call(str(results.pk))
    world.client("operator").post(
        reverse("orgs:import_upload"),
        {"file": SimpleUploadedFile("r.xlsx", registry_xlsx([SCHOOL_HEADER, school_row(11)]))},
    )
    registry = ImportBatch.objects.get(kind="registry")
    stranger = Client()
    stranger.force_login(_other_region_operator())
    for batch, prefix in ((results, "diagnostics"), (registry, "orgs")):
        names = (
            ("import_job", "import_job_status", "import_file")
            if prefix == "diagnostics"
            else ("import_preview", "import_status", "import_file")
        )
        for name in names:
            url = reverse(f"{prefix}:{name}", kwargs={"pk": batch.pk})
            assert stranger.get(url).status_code == 404, name
            assert world.client("operator").get(url).status_code == 200, name
        assert (
            stranger.post(reverse(f"{prefix}:import_apply", kwargs={"pk": batch.pk})).status_code
            == 404
        )
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.CHECKED
    # Their own upload page lists only their region's batches.
    page = stranger.get(reverse("orgs:import_upload")).content.decode()
    assert "r.xlsx" not in page
    # A file is served only as an attachment through the scoped view.
    response = world.client("operator").get(reverse("orgs:import_file", kwargs={"pk": registry.pk}))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    # Other personas of the same region without the capability see nothing either.
    for persona in ("coordinator", "head", "outsider"):
        url = reverse("orgs:import_preview", kwargs={"pk": registry.pk})
        assert world.client(persona).get(url).status_code == 404
