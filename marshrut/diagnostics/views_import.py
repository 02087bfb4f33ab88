"""Results import pages: upload → checking with progress → report or preview → apply.

The urls are listed in :data:`import_urlpatterns`; the app's ``urls.py`` adds them to its own.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marshrut.diagnostics.importing import template_xlsx
from marshrut.diagnostics.models import ImportJob, get_campaign_for_user, get_import_job_for_user
from marshrut.diagnostics.tasks import apply_import, check_import
from marshrut.lib import files, jobs
from marshrut.lib.exports import XLSX_TYPE
from marshrut.lib.files import Served
from marshrut.lib.forms import StyledMixin
from marshrut.lib.uploads import TABLE, UploadField
from marshrut.orgs.roles import Cap


class UploadForm(StyledMixin, forms.Form):
    file = UploadField(label=gettext_lazy("Файл с результатами (XLSX, XLS или CSV)"), policy=TABLE)


@login_required
def import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    campaign = get_campaign_for_user(user, pk, Cap.CAMPAIGN_MANAGE)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        job = ImportJob(
            campaign=campaign,
            filename=upload.name[:255],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            created_by=user,
        )
        job.file.save(upload.name, ContentFile(data), save=False)
        job.save()
        jobs.enqueue(job, check_import, str(job.pk))
        return redirect("diagnostics:import_job", pk=job.pk)
    recent = ImportJob.objects.filter(campaign=campaign).select_related("created_by")[:10]
    return render(
        request,
        "diagnostics/import_upload.html",
        {"campaign": campaign, "form": form, "recent": recent},
    )


def _job_context(job: ImportJob) -> dict[str, Any]:
    hint = jobs.watch(job)
    return {
        "job": job,
        "hint": hint,
        "campaign": job.campaign,
        "report": job.counts,
        "problems": job.problems,
        "problem_count": max(job.counts.get("problem_count", 0), len(job.problems)),
        "hidden": max(job.counts.get("problem_count", 0) - len(job.problems), 0),
    }


@login_required
def import_job(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_import_job_for_user(request.user, pk)
    return render(request, "diagnostics/import_job.html", _job_context(job))


def import_file(request: HttpRequest, pk: str) -> Served:
    job = get_import_job_for_user(request.user, pk)
    return Served(job.file, job.filename)


@login_required
def import_job_status(request: HttpRequest, pk: str) -> HttpResponse:
    """The progress fragment the job page polls; once the work is done the page reloads."""
    job = get_import_job_for_user(request.user, pk)
    response = render(request, "diagnostics/import_progress.html", _job_context(job))
    if not job.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_apply(request: HttpRequest, pk: str) -> HttpResponse:
    user: Any = request.user
    job = get_import_job_for_user(user, pk)
    # Claim the job in one statement, so that a double click applies it once.
    claimed = jobs.enqueue(
        job,
        apply_import,
        str(job.pk),
        user.pk,
        expect={"pk": job.pk, "status": ImportJob.Status.CHECKED},
        status=ImportJob.Status.APPLYING,
        progress=0,
    )
    if not claimed:
        messages.warning(
            request, _("Этот файл нельзя применить: он не прошёл проверку или уже обработан.")
        )
    return redirect("diagnostics:import_job", pk=job.pk)


@login_required
def template(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk, Cap.CAMPAIGN_MANAGE)
    response = HttpResponse(template_xlsx(campaign), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(True, f"{campaign.title} — шаблон.xlsx") or ""
    )
    return response


import_urlpatterns = [
    path("campaigns/<int:pk>/import/", import_upload, name="import_upload"),
    path("campaigns/<int:pk>/template.xlsx", template, name="template"),
    path("imports/<uuid:pk>/", import_job, name="import_job"),
    path("imports/<uuid:pk>/file/", files.download, {"resolve": import_file}, name="import_file"),
    path("imports/<uuid:pk>/status/", import_job_status, name="import_job_status"),
    path("imports/<uuid:pk>/apply/", import_apply, name="import_apply"),
]
