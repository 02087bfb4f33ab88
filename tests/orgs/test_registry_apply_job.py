"""The registry apply runs as a background job: the request only queues it, the page polls it."""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from marshrut.lib import jobs
from marshrut.lib.imports import ImportBatch as RegistryImport
from marshrut.lib.imports import apply_batch as apply_registry
from marshrut.lib.models import WorkerBeat
from marshrut.orgs.demo import make_inn
from marshrut.orgs.models import Municipality, School
from tests.conftest import World
from tests.orgs.test_registry_import import SCHOOL_HEADER, registry_state, school_row, xlsx


def checked(world: World, *serials: int) -> RegistryImport:
    response = world.client("operator").post(
        reverse("orgs:import_upload"),
        {"file": SimpleUploadedFile("reg.xlsx", xlsx([SCHOOL_HEADER, *map(school_row, serials)]))},
    )
    assert response.status_code == 302
    return RegistryImport.objects.get()


def apply(world: World, batch: RegistryImport) -> None:
    response = world.client("operator").post(reverse("orgs:import_apply", kwargs={"pk": batch.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:import_preview", kwargs={"pk": batch.pk})
    batch.refresh_from_db()


def preview(world: World, batch: RegistryImport) -> str:
    url = reverse("orgs:import_preview", kwargs={"pk": batch.pk})
    return world.client("operator").get(url).content.decode()


def test_the_request_only_queues_the_apply_and_the_page_polls_it(world: World) -> None:
    batch = checked(world, 41, 42)
    before = registry_state()
    apply(world, batch)
    # Nothing was written inside the request: a worker does it, with progress.
    assert registry_state() == before
    assert batch.status == RegistryImport.Status.APPLYING and batch.waiting
    assert DBTaskResult.objects.get(id=batch.task_id).status == TaskResultStatus.READY
    html = preview(world, batch)
    assert "Реестр обновляется из файла" in html and 'hx-trigger="every 1s"' in html
    assert reverse("orgs:import_status", kwargs={"pk": batch.pk}) in html
    assert "Применить изменения" not in html
    # A second click does not queue it twice.
    apply(world, batch)
    assert DBTaskResult.objects.count() == 1

    # The worker's turn (the task body, as the worker calls it).
    assert apply_registry.call(str(batch.pk), world.users["operator"].pk) == "applied"
    batch.refresh_from_db()
    assert batch.status == RegistryImport.Status.APPLIED and batch.progress == 100
    assert batch.applied_by == world.users["operator"]
    assert School.objects.filter(inn__in=[make_inn(41), make_inn(42)]).count() == 2
    status = world.client("operator").get(
        reverse("orgs:import_status", kwargs={"pk": batch.pk}), HTTP_HX_REQUEST="true"
    )
    assert status["HX-Refresh"] == "true"
    assert "Реестр обновлён из файла «reg.xlsx»" in preview(world, batch)


def test_a_queued_apply_without_a_worker_says_so(world: World) -> None:
    batch = checked(world, 41)
    apply(world, batch)
    RegistryImport.objects.filter(pk=batch.pk).update(
        queued_at=timezone.now() - dt.timedelta(seconds=90)
    )
    html = world.client("operator").get(reverse("orgs:import_status", kwargs={"pk": batch.pk}))
    assert "Обработчик задач не запущен: запустите marshrut worker. Задача ждёт уже 1 мин" in (
        html.content.decode()
    )


def test_an_apply_whose_worker_died_fails_with_nothing_written(world: World) -> None:
    batch = checked(world, 41)
    apply(world, batch)
    gone = subprocess.Popen(["true"])
    gone.wait()
    beat = WorkerBeat.objects.create(id="gone", host=jobs.HOST, pid=gone.pid)
    DBTaskResult.objects.get(id=batch.task_id).claim(beat.id)
    RegistryImport.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now(), worker_id=beat.id, progress=40
    )
    html = preview(world, batch)
    batch.refresh_from_db()
    assert batch.status == RegistryImport.Status.FAILED
    assert "Обработка прервалась: обработчик задач остановился" in html
    assert "Загрузите файл снова" in html
    assert not School.objects.filter(inn=make_inn(41)).exists()


def test_a_registry_changed_since_the_preview_is_refused_by_the_worker(
    world: World, settings: Any
) -> None:
    batch = checked(world, 41)
    # Somebody renames the file's municipality between the preview and the apply.
    Municipality.objects.filter(name="город Первогорск").update(name="город Первогорск-2")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    apply(world, batch)
    assert batch.status == RegistryImport.Status.FAILED
    html = preview(world, batch)
    assert "реестр изменился после проверки" in html
    assert not School.objects.filter(inn=make_inn(41)).exists()
