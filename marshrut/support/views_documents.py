"""Pages of the ШНОР documents: the region's table, a school's (or municipality's) package, one
document with its versions and reviews, the expert's decision, the files and the package DOCX."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.docx import DOCX_TYPE
from marshrut.lib.files import Served
from marshrut.orgs import access
from marshrut.orgs.access import grant
from marshrut.orgs.context import current_region
from marshrut.orgs.models import Municipality, School
from marshrut.orgs.roles import Cap
from marshrut.support import actions_documents as actions
from marshrut.support import docx_package, shares
from marshrut.support.forms_documents import ReviewForm, VersionForm
from marshrut.support.models.documents import (
    SCHOOL_KINDS,
    Document,
    DocumentKind,
    DocumentReview,
    DocumentVersion,
    can_on_document,
    can_review,
    get_document_for_user,
    get_version_for_user,
)
from marshrut.support.views import programme_year


def _school_for_user(user: Any, pk: int, cap: Cap = Cap.SHNOR_VIEW) -> School:
    schools = School.objects.filter(
        grant(user, Cap.SHNOR_VIEW).q(
            region="municipality__region_id", municipality="municipality_id", school="id"
        )
    ).select_related("municipality__region")
    school = get_object_or_404(schools, pk=pk)
    if cap != Cap.SHNOR_VIEW and not access.can_on_school(user, cap, school):
        raise PermissionDenied
    return school


def _municipality_for_user(user: Any, pk: int, cap: Cap = Cap.SHNOR_VIEW) -> Municipality:
    g = grant(user, Cap.SHNOR_VIEW)
    municipality = get_object_or_404(
        Municipality.objects.filter(
            g.q(region="region_id", municipality="id", school="")
        ).select_related("region"),
        pk=pk,
    )
    if cap != Cap.SHNOR_VIEW and not access.can_on_municipality(user, cap, municipality):
        raise PermissionDenied
    return municipality


@login_required
def region_documents(request: HttpRequest) -> HttpResponse:
    """Cohort schools × document kinds with statuses; the municipal programmes of transition."""
    access.require(request.user, Cap.SHNOR_VIEW)
    region = current_region(request, Cap.SHNOR_VIEW)
    year = programme_year(request, region)
    schools = shares.cohort_schools(region, year, request.user)
    rows = list(schools.select_related("municipality").order_by("municipality__name", "short_name"))
    cells: dict[tuple[int, str], list[Document]] = {}
    for d in Document.objects.for_user(request.user).of_year(year).filter(school__in=schools):
        cells.setdefault((d.school_id, d.kind), []).append(d)  # type: ignore[arg-type]
    table = [
        (school, [(kind, cells.get((school.pk, kind), [])) for kind in SCHOOL_KINDS])
        for school in rows
    ]
    counts = {s: 0 for s in Document.Status.values}
    for docs in cells.values():
        for d in docs:
            counts[d.status] += 1
    transition, programmes = shares.transition_shares(shares.cohort_schools(region, year), year)
    visible_m = set(
        Municipality.objects.filter(
            grant(request.user, Cap.SHNOR_VIEW).q(region="region_id", municipality="id", school="")
        ).values_list("pk", flat=True)
    )
    return render(
        request,
        "support/document_region.html",
        {
            "region": region,
            "year": year,
            "kinds": [(k.value, k.label) for k in SCHOOL_KINDS],
            "table": table,
            "counts": [(Document.Status(s).label, n) for s, n in counts.items()],
            "transition": transition,
            "programmes": programmes,
            "visible_m": visible_m,
            "tab": "documents",
        },
    )


def _package_context(request: HttpRequest, documents: Any, **extra: Any) -> dict[str, Any]:
    docs = list(
        documents.prefetch_related(
            Prefetch(
                "versions",
                queryset=DocumentVersion.objects.select_related("plan").prefetch_related("reviews"),
            )
        )
    )
    order = {k: i for i, k in enumerate([*SCHOOL_KINDS, DocumentKind.TRANSITION])}
    docs.sort(key=lambda d: (order[d.kind], d.risk_code))
    for d in docs:
        versions = list(d.versions.all())
        d.latest = versions[-1] if versions else None  # type: ignore[attr-defined]
        d.version_count = len(versions)  # type: ignore[attr-defined]
    return {"documents": docs, "tab": "documents", **extra}


@login_required
def school_documents(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    school = _school_for_user(user, pk)
    year = programme_year(request, school.municipality.region)
    can_submit = access.can_on_school(user, Cap.SHNOR_SUBMIT, school)
    form = None
    if can_submit:
        form = VersionForm(plans=actions.roadmap_plans(school, year))
    if request.method == "POST":
        if not can_submit:
            raise PermissionDenied
        form = VersionForm(request.POST, request.FILES, plans=actions.roadmap_plans(school, year))
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = actions.do_upload_version(
                    user,
                    year=year,
                    kind=data["kind"],
                    school=school,
                    risk_code=data.get("risk_code", ""),
                    upload=data.get("file"),
                    plan=data.get("plan"),
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Загружена версия %(n)s документа «%(t)s».")
                    % {"n": version.number, "t": version.document.title},
                )
                return redirect("support:document_detail", pk=version.document_id)
    context = _package_context(
        request,
        Document.objects.for_user(user).filter(school=school, year=year),
        school=school,
        owner=school,
        region=school.municipality.region,
        year=year,
        form=form,
        missing=[
            k.label
            for k in SCHOOL_KINDS
            if k != DocumentKind.ANTIRISK
            and not Document.objects.filter(school=school, year=year, kind=k).exists()
        ],
    )
    return render(
        request,
        "support/document_package.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def municipality_documents(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    municipality = _municipality_for_user(user, pk)
    year = programme_year(request, municipality.region)
    can_submit = access.can_on_municipality(user, Cap.SHNOR_SUBMIT, municipality)
    form = VersionForm(municipal=True) if can_submit else None
    if request.method == "POST":
        if not can_submit:
            raise PermissionDenied
        form = VersionForm(request.POST, request.FILES, municipal=True)
        if form.is_valid():
            try:
                version = actions.do_upload_version(
                    user,
                    year=year,
                    kind=DocumentKind.TRANSITION,
                    municipality=municipality,
                    upload=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Загружена версия %(n)s.") % {"n": version.number})
                return redirect("support:document_detail", pk=version.document_id)
    context = _package_context(
        request,
        Document.objects.for_user(user).filter(
            municipality=municipality, school__isnull=True, year=year
        ),
        municipality=municipality,
        owner=municipality,
        region=municipality.region,
        year=year,
        form=form,
    )
    return render(
        request,
        "support/document_package.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )


def _detail(
    request: HttpRequest,
    document: Document,
    review_form: ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    versions = list(
        document.versions.select_related("plan", "uploaded_by__person")
        .prefetch_related("reviews")
        .order_by("-number")
    )
    may_review = can_review(user, document) and document.status == Document.Status.REVIEW
    if may_review and review_form is None:
        review_form = ReviewForm(document=document)
    return render(
        request,
        "support/document_detail.html",
        {
            "document": document,
            "region": document.region,
            "year": document.year,
            "versions": versions,
            "latest": versions[0] if versions else None,
            "can_submit": can_on_document(user, Cap.SHNOR_SUBMIT, document)
            and document.status == Document.Status.DRAFT
            and bool(versions),
            "can_upload": can_on_document(user, Cap.SHNOR_SUBMIT, document)
            and document.status != Document.Status.REVIEW,
            # A refused decision comes back with its form even when the document moved on.
            "review_form": review_form,
            "tab": "documents",
        },
        status=status,
    )


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_document_for_user(request.user, pk))


@login_required
@require_POST
def document_submit(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for_user(request.user, pk, Cap.SHNOR_SUBMIT)
    try:
        version = actions.do_submit_document(request.user, document)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Версия %(n)s отправлена на экспертизу.") % {"n": version.number}
        )
    return redirect("support:document_detail", pk=document.pk)


@login_required
@require_POST
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    document = get_document_for_user(user, pk)
    if not can_review(user, document):
        raise PermissionDenied
    form = ReviewForm(request.POST, document=document)
    if form.is_valid():
        try:
            review = actions.do_review_document(
                user,
                document,
                version=form.version,
                decision=form.cleaned_data["decision"],
                scores=form.scores,
                remarks=form.cleaned_data["remarks"],
            )
        except StaleEdit as stale:
            form.refuse(stale)
            document.refresh_from_db()
            last = (
                DocumentReview.objects.filter(version__document=document)
                .order_by("-at", "-pk")
                .first()
            )
            if last is not None:
                form.add_error(
                    None,
                    _(
                        "Сейчас документ в состоянии «%(s)s»: %(who)s — %(d)s, %(t)s из %(m)s баллов%(r)s."
                    )
                    % {
                        "s": document.get_status_display(),
                        "who": last.reviewer_name,
                        "d": last.get_decision_display(),
                        "t": last.total,
                        "m": last.max_total,
                        "r": f"; замечания: {last.remarks.rstrip('.')}" if last.remarks else "",
                    },
                )
            return _detail(request, document, form, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Решение сохранено: %(d)s.") % {"d": review.get_decision_display()}
            )
            return redirect("support:document_detail", pk=document.pk)
    return _detail(request, document, form, status=400)


def version_file(request: HttpRequest, pk: int) -> Served:
    version = get_version_for_user(request.user, pk)
    return Served(version.file, version.filename)


@login_required
def package_docx(request: HttpRequest, pk: int) -> HttpResponse:
    school = _school_for_user(request.user, pk)
    year = programme_year(request, school.municipality.region)
    body = docx_package.package_docx(school, year)
    response = HttpResponse(body, content_type=DOCX_TYPE)
    name = f"Пакет документов ШНОР — {school.short_name} — {year}.docx"
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return response
