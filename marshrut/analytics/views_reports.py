"""Pages of the information-analytical report and of the school result sheets.

The urls are listed in :data:`report_urlpatterns`; ``analytics/urls.py`` adds them to its own.

Who may do what:

* the region's report — read by whoever holds ``CAMPAIGN_MANAGE`` or ``DIAGNOSTICS_VIEW`` on the
  whole region (operator, department, methodologists); edited with ``CAMPAIGN_MANAGE`` there;
* a municipality's report — read with ``DIAGNOSTICS_VIEW`` on the municipality (its coordinator,
  and everybody who reads the region); edited with ``PLAN_MANAGE`` on it: the municipal
  coordinator's capability to write municipal documents, and the operator's through the region;
* school sheets — built for a region or a municipality by whoever may read its report.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from marshrut.analytics import report
from marshrut.analytics.actions import do_save_report_draft
from marshrut.analytics.models import ReportDraft, SheetsJob
from marshrut.analytics.tasks import build_sheets
from marshrut.diagnostics.models import Campaign, get_campaign_for_user
from marshrut.lib import files, jobs
from marshrut.lib.concurrency import StaleEdit, VersionedFormMixin
from marshrut.lib.docx import DOCX_TYPE
from marshrut.lib.files import Served
from marshrut.lib.forms import StyledMixin
from marshrut.lib.replica import reads_from_replica
from marshrut.orgs.access import can_on_municipality, grant
from marshrut.orgs.context import holds_on_region
from marshrut.orgs.models import Municipality
from marshrut.orgs.roles import Cap

TYPES = {"docx": DOCX_TYPE, "pdf": "application/pdf"}


def reads_region(user: Any, campaign: Campaign) -> bool:
    """Whether the user reads the campaign's whole region (the region-level report and sheets)."""
    return any(
        holds_on_region(user, cap, campaign.region_id)
        for cap in (Cap.CAMPAIGN_MANAGE, Cap.DIAGNOSTICS_VIEW)
    )


def _scope(request: HttpRequest, pk: int, mid: int | None) -> tuple[Campaign, Municipality | None]:
    """The campaign and municipality of a report, or 404/403 for the user."""
    user: Any = request.user
    campaign = get_campaign_for_user(user, pk)
    if mid is None:
        if not reads_region(user, campaign):
            raise PermissionDenied
        return campaign, None
    municipality = get_object_or_404(
        Municipality.objects.for_user(user), pk=mid, region_id=campaign.region_id
    )
    if not can_on_municipality(user, Cap.DIAGNOSTICS_VIEW, municipality):
        raise PermissionDenied
    return campaign, municipality


def may_edit(user: Any, campaign: Campaign, municipality: Municipality | None) -> bool:
    if municipality is None:
        return grant(user, Cap.CAMPAIGN_MANAGE).covers(campaign.region_id, None, None)
    return can_on_municipality(user, Cap.PLAN_MANAGE, municipality)


def _draft(campaign: Campaign, municipality: Municipality | None) -> ReportDraft | None:
    return ReportDraft.objects.filter(campaign=campaign, municipality=municipality).first()


class DraftForm(VersionedFormMixin, StyledMixin, forms.Form):
    conclusions = forms.CharField(
        label="Выводы", required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    decisions = forms.CharField(
        label="Управленческие решения", required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    recommendations = forms.CharField(
        label="Адресные рекомендации", required=False, widget=forms.Textarea(attrs={"rows": 14})
    )

    def __init__(self, *args: Any, instance: ReportDraft, **kwargs: Any) -> None:
        # The draft the form edits (unsaved if there is none yet) carries the version.
        self.instance = instance
        super().__init__(*args, **kwargs)


def _links(campaign: Campaign, municipality: Municipality | None) -> dict[str, str]:
    if municipality is None:
        kw: dict[str, Any] = {"pk": campaign.pk}
        return {
            fmt: reverse("analytics:report_region_export", kwargs={**kw, "fmt": fmt})
            for fmt in TYPES
        } | {"self": reverse("analytics:report_region", kwargs=kw)}
    kw = {"pk": campaign.pk, "mid": municipality.pk}
    return {
        fmt: reverse("analytics:report_municipality_export", kwargs={**kw, "fmt": fmt})
        for fmt in TYPES
    } | {"self": reverse("analytics:report_municipality", kwargs=kw)}


def _report_page(request: HttpRequest, pk: int, mid: int | None) -> HttpResponse:
    user: Any = request.user
    campaign, municipality = _scope(request, pk, mid)
    editable = may_edit(user, campaign, municipality)
    draft = _draft(campaign, municipality)
    data = report.collect(campaign, municipality)
    generated = report.generated_texts(data)
    links = _links(campaign, municipality)
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if request.POST.get("action") == "reset":
            ReportDraft.objects.filter(campaign=campaign, municipality=municipality).delete()
            messages.success(
                request, _("Правки удалены: в справку войдёт текст, сформированный по данным.")
            )
            return redirect(links["self"])
        form = DraftForm(request.POST, instance=draft or ReportDraft())
        if form.is_valid():
            texts = {}
            for key in report.EDITABLE:
                text = form.cleaned_data[key].replace("\r\n", "\n").strip()
                # Unchanged text is stored empty: the export then follows the data.
                texts[key] = "" if text == generated[key].strip() else text
            try:
                do_save_report_draft(
                    user, campaign, municipality, texts, generated, version=form.version
                )
            except StaleEdit as e:
                form.refuse(e)
                status = 409
            else:
                messages.success(request, _("Правки сохранены; они войдут в выгружаемую справку."))
                return redirect(links["self"])
    else:
        form = DraftForm(initial=report.texts_for(data, draft), instance=draft or ReportDraft())
    stale = bool(draft and draft.generated and draft.generated != generated)
    if not editable:
        for field in form.fields.values():
            field.widget.attrs["readonly"] = True
    return render(
        request,
        "analytics/report_draft.html",
        {
            "campaign": campaign,
            "municipality": municipality,
            "data": data,
            "form": form,
            "draft": draft,
            "editable": editable,
            "stale": stale,
            "links": links,
            "conclusions": report.conclusions(data),
        },
        status=status,
    )


@login_required
@reads_from_replica
def report_region(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, pk, None)


@login_required
@reads_from_replica
def report_municipality(request: HttpRequest, pk: int, mid: int) -> HttpResponse:
    return _report_page(request, pk, mid)


def _export(request: HttpRequest, pk: int, mid: int | None, fmt: str) -> HttpResponse:
    if fmt not in TYPES:
        raise Http404
    campaign, municipality = _scope(request, pk, mid)
    data = report.collect(campaign, municipality)
    texts = report.texts_for(data, _draft(campaign, municipality))
    body = report.build_docx(data, texts) if fmt == "docx" else report.build_pdf(data, texts)
    response = HttpResponse(body, content_type=TYPES[fmt])
    response["Content-Disposition"] = (
        content_disposition_header(True, report.filename(data, fmt)) or ""
    )
    return response


@login_required
@reads_from_replica
def report_region_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _export(request, pk, None, fmt)


@login_required
@reads_from_replica
def report_municipality_export(request: HttpRequest, pk: int, mid: int, fmt: str) -> HttpResponse:
    return _export(request, pk, mid, fmt)


# --------------------------------------------------------------------------------------------------
# School sheets
# --------------------------------------------------------------------------------------------------


REGION = "region"


def sheet_places(user: Any, campaign: Campaign) -> list[tuple[str, str]]:
    """The places the user may build sheets for: the region and municipalities (value, label)."""
    municipalities = Municipality.objects.filter(region_id=campaign.region_id).order_by("name")
    if reads_region(user, campaign):
        return [(REGION, str(campaign.region)), *((str(m.pk), m.name) for m in municipalities)]
    return [
        (str(m.pk), m.name)
        for m in municipalities
        if can_on_municipality(user, Cap.DIAGNOSTICS_VIEW, m)
    ]


class SheetsForm(StyledMixin, forms.Form):
    place = forms.ChoiceField(label="Для каких школ")

    def __init__(self, *args: Any, places: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = places  # type: ignore[attr-defined]


@login_required
def sheets_start(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    campaign = get_campaign_for_user(user, pk)
    places = sheet_places(user, campaign)
    if not places:
        raise PermissionDenied
    form = SheetsForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        place = form.cleaned_data["place"]
        municipality = None if place == REGION else Municipality.objects.get(pk=place)
        job = SheetsJob.objects.create(
            campaign=campaign, municipality=municipality, created_by=user
        )
        jobs.enqueue(job, build_sheets, str(job.pk))
        return redirect("analytics:sheets_job", pk=job.pk)
    recent = [
        j
        for j in SheetsJob.objects.filter(campaign=campaign).select_related(
            "municipality", "created_by"
        )[:20]
        if _may_see_job(user, j)
    ]
    return render(
        request,
        "analytics/sheets_start.html",
        {"campaign": campaign, "form": form, "recent": recent[:10]},
    )


def _may_see_job(user: Any, job: SheetsJob) -> bool:
    if job.municipality is None:
        return reads_region(user, job.campaign)
    return can_on_municipality(user, Cap.DIAGNOSTICS_VIEW, job.municipality)


def get_sheets_job_for_user(user: Any, pk: Any) -> SheetsJob:
    campaigns = Campaign.objects.for_user(user)
    job = get_object_or_404(
        SheetsJob.objects.filter(campaign__in=campaigns).select_related(
            "campaign__region", "municipality", "created_by"
        ),
        pk=pk,
    )
    if not _may_see_job(user, job):
        raise Http404
    return job


@login_required
def sheets_job(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_sheets_job_for_user(request.user, pk)
    hint = jobs.watch(job)
    return render(
        request,
        "analytics/sheets_job.html",
        {"job": job, "campaign": job.campaign, "hint": hint},
    )


@login_required
def sheets_job_status(request: HttpRequest, pk: str) -> HttpResponse:
    """The progress fragment the job page polls; once the ZIP is ready the page reloads."""
    job = get_sheets_job_for_user(request.user, pk)
    hint = jobs.watch(job)
    response = render(request, "analytics/sheets_progress.html", {"job": job, "hint": hint})
    if not job.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def sheets_file(request: HttpRequest, pk: str) -> Served:
    job = get_sheets_job_for_user(request.user, pk)
    if job.status != SheetsJob.Status.DONE or not job.file:
        raise Http404
    return Served(job.file, f"Листы результатов — {job.campaign.title} — {job.place}.zip")


report_urlpatterns = [
    path("campaigns/<int:pk>/report/", report_region, name="report_region"),
    path("campaigns/<int:pk>/report.<str:fmt>", report_region_export, name="report_region_export"),
    path(
        "campaigns/<int:pk>/municipalities/<int:mid>/report/",
        report_municipality,
        name="report_municipality",
    ),
    path(
        "campaigns/<int:pk>/municipalities/<int:mid>/report.<str:fmt>",
        report_municipality_export,
        name="report_municipality_export",
    ),
    path("campaigns/<int:pk>/sheets/", sheets_start, name="sheets_start"),
    path("sheets/<uuid:pk>/", sheets_job, name="sheets_job"),
    path("sheets/<uuid:pk>/status/", sheets_job_status, name="sheets_job_status"),
    path(
        "sheets/<uuid:pk>/download/",
        files.download,
        {"resolve": sheets_file},
        name="sheets_download",
    ),
]
