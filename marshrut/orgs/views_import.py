"""Registry import pages: upload → preview with every problem → apply in the background."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marshrut.lib import jobs
from marshrut.lib.exports import XLSX_TYPE
from marshrut.lib.files import Served
from marshrut.lib.forms import StyledMixin
from marshrut.lib.uploads import TABLE, UploadField
from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.importing import check_file, summary, template_xlsx
from marshrut.orgs.models import RegistryImport, get_import_for_user
from marshrut.orgs.roles import Cap
from marshrut.orgs.tasks import apply_registry


class UploadForm(StyledMixin, forms.Form):
    file = UploadField(label=gettext_lazy("Файл реестра (XLSX, XLS или CSV)"), policy=TABLE)


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = current_region(request, Cap.REGISTRY_IMPORT)
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form, "region": region}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        plan = check_file(data, upload.name, region)
        if plan.ok:
            batch = RegistryImport(
                region=region,
                filename=upload.name[:255],
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                summary=summary(plan),
                created_by=user,
            )
            batch.file.save(upload.name, ContentFile(data), save=False)
            batch.save()
            return redirect("orgs:import_preview", pk=batch.pk)
        # A file with problems is not kept: the report is shown and nothing is saved.
        context.update(filename=upload.name, report=summary(plan), plan=plan)
    context["recent"] = RegistryImport.objects.filter(region=region).select_related("created_by")[
        :10
    ]
    return render(request, "orgs/import_upload.html", context)


@login_required
def import_preview(request: HttpRequest, pk: str) -> HttpResponse:
    batch = get_import_for_user(request.user, pk)
    plan = None
    hint = jobs.watch(batch)
    if batch.status == RegistryImport.Status.CHECKED:
        with batch.file.open("rb") as f:
            plan = check_file(f.read(), batch.filename, batch.region)
    return render(
        request,
        "orgs/import_preview.html",
        {
            "batch": batch,
            "hint": hint,
            "plan": plan,
            "report": summary(plan) if plan else batch.summary,
            "changes": [c for c in plan.changes if c.action != "same"][:500] if plan else [],
        },
    )


@login_required
def import_status(request: HttpRequest, pk: str) -> HttpResponse:
    """The progress fragment the preview polls while the file is applied; then it reloads."""
    batch = get_import_for_user(request.user, pk)
    hint = jobs.watch(batch)
    response = render(request, "orgs/import_progress.html", {"batch": batch, "hint": hint})
    if not batch.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_apply(request: HttpRequest, pk: str) -> HttpResponse:
    user: Any = request.user
    batch = get_import_for_user(user, pk)
    # Claimed in one statement, so that a double click applies the file once.
    claimed = jobs.enqueue(
        batch,
        apply_registry,
        str(batch.pk),
        user.pk,
        expect={"pk": batch.pk, "status": RegistryImport.Status.CHECKED},
        status=RegistryImport.Status.APPLYING,
        progress=0,
    )
    if not claimed:
        messages.warning(request, _("Этот файл уже обработан."))
    return redirect("orgs:import_preview", pk=batch.pk)


def import_file(request: HttpRequest, pk: str) -> Served:
    batch = get_import_for_user(request.user, pk)
    return Served(batch.file, batch.filename)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.REGISTRY_IMPORT)
    response = HttpResponse(template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="registry-template.xlsx"'
    return response
