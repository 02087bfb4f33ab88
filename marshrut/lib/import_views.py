"""The pages of the import pipeline (:mod:`marshrut.lib.imports`), the same for every kind.

Each app routes its own addresses here with the importer's kind, e.g.::

    path("import/", import_views.upload, {"kind": "registry"}, name="import_upload"),
    path("import/<uuid:pk>/", import_views.page, {"kind": "registry"}, name="import_preview"),

so that its links and breadcrumbs stay its own; the views find the importer by ``kind``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.lib import jobs
from marshrut.lib.files import Served
from marshrut.lib.imports import (
    ImportBatch,
    Importer,
    batches_for_user,
    check_batch,
    claim_apply,
    get_batch_for_user,
    importer_for,
    keep_file,
    new_batch,
    queue_apply,
    run_apply,
    run_check,
    store_check,
)
from marshrut.lib.uploads import hints


def urls_of(importer: Importer, batch: ImportBatch) -> dict[str, str]:
    """The app's addresses of a batch's pages, by role."""
    found = {
        role: reverse(importer.urls[role], kwargs={"pk": batch.pk})
        for role in ("page", "status", "apply", "file")
    }
    found["upload"] = reverse(importer.urls["upload"], kwargs=importer.upload_args(batch))
    return found


def applied_text(batch: ImportBatch) -> str:
    """The importer's «applied» sentence, filled from the batch's counts and its file name."""
    values: defaultdict[str, Any] = defaultdict(str, batch.counts)
    values["name"] = batch.filename
    return batch.importer.text("applied") % values


def batch_context(batch: ImportBatch, user: Any = None) -> dict[str, Any]:
    importer = batch.importer
    hint = jobs.watch(batch)
    problems = batch.problem_list()
    count = max(batch.problem_count, len(problems))
    return {
        "batch": batch,
        "job": batch,
        "importer": importer,
        "hint": hint,
        "report": batch.counts,
        "problems": problems,
        "problem_count": count,
        "hidden": max(count - len(problems), 0),
        "urls": urls_of(importer, batch),
        "texts": {
            key: importer.text(key)
            for key in ("checking", "applying", "apply", "refused", "upload")
        },
        "applied_text": applied_text(batch),
        **importer.context(batch),
        **(importer.user_context(user, batch) if importer.user_context else {}),
    }


@login_required
def page(request: HttpRequest, pk: str, kind: str) -> HttpResponse:
    """A batch: its progress while checked or applied, then its preview or its problem report."""
    batch = get_batch_for_user(request.user, pk, kind)
    if batch.status == ImportBatch.Status.CHECKED and batch.previewed_at is None:
        batch.previewed_at = timezone.now()
        ImportBatch.objects.filter(pk=batch.pk, previewed_at=None).update(
            previewed_at=batch.previewed_at
        )
    return render(request, "lib/imports/batch.html", batch_context(batch, request.user))


@login_required
def status(request: HttpRequest, pk: str, kind: str) -> HttpResponse:
    """The progress fragment the batch page polls; once the work is done the page reloads."""
    batch = get_batch_for_user(request.user, pk, kind)
    response = render(request, "lib/imports/progress.html", batch_context(batch))
    if not batch.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def apply(request: HttpRequest, pk: str, kind: str) -> HttpResponse:
    """Queue the apply of a checked batch; a second click (or a refused file) is turned away."""
    batch = get_batch_for_user(request.user, pk, kind)
    importer = batch.importer
    why = importer.waiting(batch) if importer.waiting else None
    if why and batch.status == ImportBatch.Status.CHECKED:
        messages.warning(request, why)
        return redirect(urls_of(importer, batch)["page"])
    if importer.apply_in_request and claim_apply(batch):
        run_apply(batch, request.user)
        if batch.status == ImportBatch.Status.APPLIED:
            messages.success(request, applied_text(batch))
            if importer.done:
                return redirect(importer.done(batch))
    elif importer.apply_in_request or not queue_apply(batch, request.user):
        messages.warning(
            request, _("Этот файл нельзя применить: он не прошёл проверку или уже обработан.")
        )
    return redirect(urls_of(batch.importer, batch)["page"])


def file(request: HttpRequest, pk: str, kind: str) -> Served:
    """The stored file of a batch, for :func:`marshrut.lib.files.download`."""
    batch = get_batch_for_user(request.user, pk, kind)
    return Served(batch.file, batch.filename)


@login_required
def upload(request: HttpRequest, kind: str, **kwargs: Any) -> HttpResponse:
    """The upload form; a file the policy takes becomes a batch and is checked."""
    importer = importer_for(kind)
    user: Any = request.user
    target = importer.target(request, kwargs)
    form = importer.form(request.POST or None, request.FILES or None, **target.form_kwargs)
    recent = batches_for_user(user, kind).filter(
        region=target.region, **{f"params__{k}": v for k, v in target.params.items()}
    )[:10]
    context: dict[str, Any] = {
        "form": form,
        "importer": importer,
        "recent": recent,
        **hints(importer.policy, "file"),
        "texts": {"upload": importer.text("upload")},
        **target.context,
    }
    if request.method != "POST" or not form.is_valid():
        return render(request, "lib/imports/upload.html", context, status=200)
    upload = form.cleaned_data["file"]
    data = upload.read()
    params = {**target.params, **importer.form_params(form.cleaned_data)}
    batch = new_batch(kind, target.region, data, upload.name, user=user, **params)
    if not (importer.check_in_request and len(data) <= settings.IMPORT_INLINE_CHECK_BYTES):
        with transaction.atomic():
            keep_file(batch, data)
            batch.save()
        jobs.enqueue(batch, check_batch, str(batch.pk))
        return redirect(urls_of(importer, batch)["page"])
    # A small file is checked here, by the importer's same check; a refused one is not kept.
    report = run_check(batch, data)
    if not report.ok:
        context.update(
            filename=batch.filename,
            report={**report.summary, "problems": [asdict(p) for p in report.problems]},
            problems=report.problems,
            problem_count=report.count,
            hidden=0,
            texts={"refused": importer.text("refused"), "upload": importer.text("upload")},
        )
        return render(request, "lib/imports/upload.html", context, status=importer.refused_status)
    with transaction.atomic():
        keep_file(batch, data)
        batch.save()
        batch.save(update_fields=store_check(batch, report))
    if importer.apply_at_once(form.cleaned_data) and claim_apply(batch):
        run_apply(batch, user)
        if batch.status == ImportBatch.Status.APPLIED:
            messages.success(request, applied_text(batch))
            if importer.done:
                return redirect(importer.done(batch))
        return redirect(urls_of(importer, batch)["page"])
    if importer.preview_in_place:
        context.update(batch_context(batch, user), form=form)
        return render(request, "lib/imports/upload.html", context)
    return redirect(urls_of(importer, batch)["page"])


def batch_urlpatterns(kind: str, prefix: str, names: dict[str, str]) -> list[Any]:
    """The routes of a kind's batch pages under ``prefix`` (``"import/"``), named by the app.

    ``names`` maps the roles ``page``, ``status``, ``apply``, ``file`` to the app's url names.
    """
    from django.urls import path

    from marshrut.lib import files

    return [
        path(f"{prefix}<uuid:pk>/", page, {"kind": kind}, name=names["page"]),
        path(f"{prefix}<uuid:pk>/status/", status, {"kind": kind}, name=names["status"]),
        path(f"{prefix}<uuid:pk>/apply/", apply, {"kind": kind}, name=names["apply"]),
        path(
            f"{prefix}<uuid:pk>/file/",
            files.download,
            {"resolve": file, "kind": kind},
            name=names["file"],
        ),
    ]
