"""Pages of development programmes: drafting, editing with autosave, review, defence, documents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.diagnostics.models import DONE, Submission
from marshrut.kernels.criteria import LEVELS, level_name
from marshrut.lib import jobs
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.docx import DOCX_TYPE
from marshrut.lib.files import Served
from marshrut.lib.listing import paginate
from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.models import Municipality, School
from marshrut.orgs.roles import Cap
from marshrut.programmes import actions, programme_docx
from marshrut.programmes.forms import DefenceForm, OrderForm, ReviewForm, SectionForm
from marshrut.programmes.models import (
    Defence,
    Programme,
    ProgrammeArchiveJob,
    ProgrammeComment,
    ProgrammeSection,
)
from marshrut.programmes.models.programme import (
    can_on_programme,
    get_defence_for_user,
    get_programme_for_user,
)

PDF_TYPE = "application/pdf"
ZIP_TYPE = "application/zip"


def _download(body: bytes, name: str, content_type: str) -> HttpResponse:
    from django.utils.http import content_disposition_header

    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response


# --- the list and drafting -----------------------------------------------------------------------


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    """Programmes the user reads; schools the user plans for that have none yet."""
    user: Any = request.user
    access.require(user, Cap.PLAN_VIEW)
    programmes = (
        Programme.objects.for_user(user)
        .select_related("school__municipality")
        .annotate(
            open_comments=Count("sections__comments", filter=Q(sections__comments__resolved=False))
        )
        # A grouped query leaves the model's ordering out: pages need it said.
        .order_by("school__municipality__name", "school__short_name", "-starts_year")
    )
    status = request.GET.get("status", "")
    if status in Programme.Status.values:
        programmes = programmes.filter(status=status)
    region = getattr(request, "region", None)
    if region is not None:
        programmes = programmes.filter(region=region)
    draftable: list[School] = []
    if access.grant(user, Cap.PLAN_MANAGE):
        scored = Submission.objects.filter(school=OuterRef("pk"), status__in=DONE)
        has = Programme.objects.filter(school=OuterRef("pk"))
        draftable = list(
            School.objects.for_user(user, Cap.PLAN_MANAGE)
            .filter(Exists(scored), ~Exists(has), is_active=True)
            .select_related("municipality")
            .order_by("municipality__name", "short_name")[:50]
        )
    return render(
        request,
        "programmes/programme_list.html",
        {
            "page": paginate(request, programmes),
            "draftable": draftable,
            "statuses": Programme.Status.choices,
            "status": status,
        },
    )


@login_required
@require_POST
def programme_draft(request: HttpRequest, school: int) -> HttpResponse:
    user: Any = request.user
    target = get_object_or_404(
        School.objects.for_user(user).select_related("municipality"), pk=school
    )
    if not access.can_on_school(user, Cap.PLAN_MANAGE, target):
        raise PermissionDenied
    try:
        programme = actions.do_draft_programme(user, target)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("programmes:programme_list")
    messages.success(
        request,
        _("Программа развития составлена по данным самодиагностики: проверьте и допишите разделы."),
    )
    return redirect("programmes:programme_detail", pk=programme.pk)


# --- the programme page ---------------------------------------------------------------------------


def _section_context(
    request: HttpRequest, programme: Programme, section: ProgrammeSection, form: SectionForm | None
) -> dict[str, Any]:
    user: Any = request.user
    may_edit = programme.editable and can_on_programme(user, Cap.PLAN_MANAGE, programme)
    return {
        "programme": programme,
        "section": section,
        "form": form or SectionForm(instance=section, prefix=f"s{section.pk}"),
        "may_edit": may_edit,
        "may_comment": _may_comment(user, programme),
        "comments": list(section.comments.select_related("author__person")),
    }


def _may_comment(user: Any, programme: Programme) -> bool:
    return can_on_programme(user, Cap.PLAN_MANAGE, programme) or can_on_programme(
        user, Cap.PLAN_APPROVE, programme
    )


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    programme = get_programme_for_user(user, pk)
    sections = list(
        programme.sections.order_by("position").prefetch_related("comments__author__person")
    )
    blocks = []
    for section in sections:
        ctx = _section_context(request, programme, section, None)
        ctx["comments"] = list(section.comments.all())
        blocks.append(ctx)
    newer = actions.newer_submission(programme)
    targets_section = next((s for s in sections if s.code == "5"), None)
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "blocks": blocks,
            "reviews": list(programme.reviews.select_related("by__person")),
            "defences": list(programme.defences.all()),
            "reopened": actions.is_reopened(programme),
            "newer": newer,
            "changes": actions.changes_since(programme, newer) if newer else [],
            "may_manage": can_on_programme(user, Cap.PLAN_MANAGE, programme),
            "may_review": can_on_programme(user, Cap.PLAN_APPROVE, programme),
            "levels": [(code, level_name(code)) for code in LEVELS],
            "target_choices": _target_choices(programme, targets_section),
            "order_form": OrderForm(),
            "roadmap_items": list(programme.roadmap.items.order_by("position")[:200])
            if programme.roadmap
            else [],
        },
    )


def _target_choices(
    programme: Programme, section: ProgrammeSection | None
) -> list[tuple[str, str, str]]:
    targets = (section.table or {}).get("targets", {}) if section else {}
    if not targets or programme.campaign is None:
        return []
    names = {d.code: d.name for d in programme.campaign.criteria.catalogue.directions}
    names["overall"] = _("Итого по школе")
    return [(code, names.get(code, code), targets[code]) for code in names if code in targets]


def _section_for(user: Any, pk: int, code: str) -> tuple[Programme, ProgrammeSection]:
    programme = get_programme_for_user(user, pk)
    section = get_object_or_404(ProgrammeSection, programme=programme, code=code)
    section.programme = programme
    return programme, section


@login_required
@require_POST
def section_save(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Autosave of one section (htmx): the block comes back, with the refusal if somebody else
    saved the section since this editor loaded it."""
    user: Any = request.user
    programme, section = _section_for(user, pk, code)
    if not can_on_programme(user, Cap.PLAN_MANAGE, programme):
        raise PermissionDenied
    form = SectionForm(request.POST, instance=section, prefix=f"s{section.pk}")
    status = 200
    saved = False
    error = ""
    if form.is_valid():
        try:
            saved = actions.do_save_section(
                user, section, form.cleaned_data["text"], version=form.version
            )
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        except ValidationError as e:
            error = " ".join(e.messages)
            status = 400
    if status == 200:
        section.refresh_from_db()
        form = SectionForm(instance=section, prefix=f"s{section.pk}")
    if not request.htmx:  # type: ignore[attr-defined]
        if status == 409 and form.conflict is not None:
            messages.error(request, form.conflict.message)
        elif error:
            messages.error(request, error)
        return redirect(f"{reverse('programmes:programme_detail', args=[programme.pk])}#sec-{code}")
    context = _section_context(request, programme, section, form)
    context.update({"saved": saved, "error": error, "status": status})
    if status == 200:
        # Only the save state and the new version change: the text being typed stays untouched.
        return render(request, "programmes/programme_section_saved.html", context)
    # htmx swaps only successful answers: the refusal is the whole block, shown in its place.
    response = render(request, "programmes/programme_section.html", context)
    response["X-Refused"] = str(status)
    response["HX-Retarget"] = "#sec-" + code.replace(".", "\\.")
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    user: Any = request.user
    programme, section = _section_for(user, pk, code)
    if not _may_comment(user, programme):
        raise PermissionDenied
    try:
        actions.do_comment(user, section, request.POST.get("text", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Замечание к разделу %(code)s добавлено.") % {"code": code})
    return redirect(f"{reverse('programmes:programme_detail', args=[programme.pk])}#sec-{code}")


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    comment = get_object_or_404(
        ProgrammeComment.objects.filter(
            section__programme__in=Programme.objects.for_user(user)
        ).select_related("section__programme__school"),
        pk=pk,
    )
    programme = comment.section.programme
    if not _may_comment(user, programme):
        raise PermissionDenied
    actions.do_resolve_comment(user, comment)
    return redirect(
        f"{reverse('programmes:programme_detail', args=[programme.pk])}#sec-{comment.section.code}"
    )


@login_required
def programme_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every revision of every section, each with what it changed against the one before."""
    programme = get_programme_for_user(request.user, pk)
    sections = []
    for section in programme.sections.order_by("position").prefetch_related(
        "revisions__author__person"
    ):
        revisions = list(section.revisions.all())
        entries = []
        previous = ""
        for revision in revisions:
            entries.append(
                {"revision": revision, "diff": actions.text_diff(previous, revision.text)}
            )
            previous = revision.text
        if entries:
            sections.append({"section": section, "entries": list(reversed(entries))})
    return render(
        request, "programmes/programme_history.html", {"programme": programme, "sections": sections}
    )


# --- review ---------------------------------------------------------------------------------------


@login_required
@require_POST
def programme_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    programme = get_programme_for_user(user, pk, Cap.PLAN_MANAGE)
    try:
        actions.do_submit(user, programme, comment=request.POST.get("comment", ""))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Программа отправлена на рассмотрение в муниципалитет."))
    return redirect("programmes:programme_detail", pk=programme.pk)


@login_required
def programme_review(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    programme = get_programme_for_user(user, pk, Cap.PLAN_APPROVE)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rubric = {k: data[k] for k in data if k not in ("decision", "comment")}
        try:
            if data["decision"] == "approve":
                actions.do_approve(user, programme, rubric=rubric, comment=data["comment"])
                messages.success(request, _("Программа согласована."))
            else:
                actions.do_return(user, programme, comment=data["comment"], rubric=rubric)
                messages.success(request, _("Программа возвращена школе на доработку."))
        except ValidationError as e:
            form.add_error(None, e)
        else:
            return redirect("programmes:programme_detail", pk=programme.pk)
    open_comments = ProgrammeComment.objects.filter(
        section__programme=programme, resolved=False
    ).select_related("section")
    return render(
        request,
        "programmes/programme_review.html",
        {"programme": programme, "form": form, "open_comments": open_comments},
    )


@login_required
@require_POST
def programme_order(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    programme = get_programme_for_user(user, pk, Cap.PLAN_MANAGE)
    form = OrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите номер и дату приказа."))
    else:
        try:
            actions.do_record_order(
                user, programme, number=form.cleaned_data["number"], date=form.cleaned_data["date"]
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, _("Приказ об утверждении внесён."))
    return redirect("programmes:programme_detail", pk=programme.pk)


@login_required
@require_POST
def programme_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    programme = get_programme_for_user(user, pk, Cap.PLAN_MANAGE)
    if actions.is_reopened(programme):
        messages.error(
            request,
            _(
                "Анкета самодиагностики снова открыта для изменений: обновите данные, когда её отправят."
            ),
        )
        return redirect("programmes:programme_detail", pk=programme.pk)
    try:
        actions.do_refresh(user, programme)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request,
            _("Таблицы разделов обновлены по последней самодиагностике; тексты не изменены."),
        )
    return redirect("programmes:programme_detail", pk=programme.pk)


@login_required
@require_POST
def programme_targets(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    programme = get_programme_for_user(user, pk, Cap.PLAN_MANAGE)
    targets = {
        key[len("target-") :]: str(value)
        for key, value in request.POST.items()
        if key.startswith("target-") and value
    }
    try:
        flags = actions.do_set_targets(user, programme, targets)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        if flags:
            messages.warning(request, _("Цели сохранены, но не все обеспечены дорожной картой."))
        else:
            messages.success(request, _("Цели сохранены: все обеспечены дорожной картой."))
    return redirect(f"{reverse('programmes:programme_detail', args=[programme.pk])}#sec-5")


# --- defence --------------------------------------------------------------------------------------


@login_required
def programme_defence(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    programme = get_programme_for_user(user, pk, Cap.PLAN_APPROVE)
    form = DefenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_defence(
                user, programme, form.save(commit=False), upload=form.cleaned_data.get("upload")
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Защита программы записана."))
            return redirect("programmes:programme_detail", pk=programme.pk)
    return render(
        request, "programmes/programme_defence.html", {"programme": programme, "form": form}
    )


def protocol_file(request: HttpRequest, pk: int) -> Served:
    defence: Defence = get_defence_for_user(request.user, pk)
    return Served(defence.protocol, defence.protocol_name or _("протокол"))


# --- documents ------------------------------------------------------------------------------------


@login_required
def programme_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    programme = get_programme_for_user(request.user, pk)
    if fmt == "docx":
        body = programme_docx.programme_docx(programme)
        return _download(body, programme_docx.filename(programme, "docx"), DOCX_TYPE)
    if fmt == "pdf":
        try:
            body = programme_docx.to_pdf(programme_docx.programme_docx(programme))
        except programme_docx.NoConverter as e:
            messages.error(request, str(e))
            return redirect("programmes:programme_detail", pk=programme.pk)
        return _download(body, programme_docx.filename(programme, "pdf"), PDF_TYPE)
    if fmt == "zip":
        body = programme_docx.constructor_zip(programme)
        name = f"Конструктор — {programme.school.short_name} — {programme.period}.zip"
        return _download(body, name, ZIP_TYPE)
    raise Http404


# --- the region's overview ------------------------------------------------------------------------


def overview_rows(region: Any, municipalities: Any, today: Any) -> list[dict[str, Any]]:
    """Per municipality: schools, programmes by status, the nearest deadline, overdue ones.

    Two queries whatever the number of programmes: one grouped count of programmes, one of
    schools."""
    counts = {
        row["school__municipality"]: row
        for row in Programme.objects.filter(region=region, school__municipality__in=municipalities)
        .values("school__municipality")
        .annotate(
            total=Count("pk"),
            draft=Count("pk", filter=Q(status=Programme.Status.DRAFT)),
            submitted=Count("pk", filter=Q(status=Programme.Status.SUBMITTED)),
            returned=Count("pk", filter=Q(status=Programme.Status.RETURNED)),
            approved=Count("pk", filter=Q(status=Programme.Status.APPROVED)),
            overdue=Count(
                "pk",
                filter=Q(status__in=Programme.EDITABLE, submit_by__lt=today),
            ),
            deadline=Min("submit_by", filter=Q(status__in=Programme.EDITABLE)),
        )
        .order_by()
    }
    schools = dict(
        School.objects.filter(municipality__in=municipalities, is_active=True)
        .values("municipality")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("municipality", "n")
    )
    rows = []
    for m in municipalities:
        c = counts.get(m.pk, {})
        total = c.get("total", 0)
        rows.append(
            {
                "municipality": m,
                "schools": schools.get(m.pk, 0),
                "total": total,
                "missing": max(0, schools.get(m.pk, 0) - total),
                **{
                    k: c.get(k, 0)
                    for k in ("draft", "submitted", "returned", "approved", "overdue")
                },
                "deadline": c.get("deadline"),
            }
        )
    return rows


@login_required
def programme_overview(request: HttpRequest) -> HttpResponse:
    """The region's statuses of programmes by municipality, with deadlines."""
    user: Any = request.user
    region = current_region(request, Cap.PLAN_VIEW)
    g = access.grant(user, Cap.PLAN_VIEW)
    visible = Municipality.objects.filter(region=region).order_by("name")
    if not g.covers(region.pk, None, None):
        visible = visible.filter(pk__in=g.municipalities)
    municipalities = list(visible)
    if not municipalities:
        raise PermissionDenied
    rows = overview_rows(region, municipalities, region.today())
    totals = {
        k: sum(r[k] for r in rows)
        for k in (
            "schools",
            "total",
            "missing",
            "draft",
            "submitted",
            "returned",
            "approved",
            "overdue",
        )
    }
    return render(
        request,
        "programmes/programme_overview.html",
        {"region": region, "rows": rows, "totals": totals, "today": region.today()},
    )


# --- the municipality's archive -------------------------------------------------------------------


def _municipality_for(user: Any, pk: int) -> Municipality:
    municipality = get_object_or_404(Municipality.objects.for_user(user), pk=pk)
    if not access.can_on_municipality(user, Cap.PLAN_VIEW, municipality):
        raise PermissionDenied
    return municipality


@login_required
def archive_start(request: HttpRequest, pk: int) -> HttpResponse:
    """All programmes of a municipality's schools as one ZIP of DOCX, built in the background."""
    from marshrut.programmes.tasks import build_archive

    user: Any = request.user
    municipality = _municipality_for(user, pk)
    if request.method == "POST":
        if not access.grant(user, Cap.PLAN_APPROVE).covers(
            municipality.region_id, municipality.pk, None
        ) and not access.grant(user, Cap.PLAN_VIEW).covers(municipality.region_id, None, None):
            raise PermissionDenied
        if access.grant(user, Cap.FEDERAL_VIEW):
            raise PermissionDenied
        job = ProgrammeArchiveJob.objects.create(municipality=municipality, created_by=user)
        jobs.enqueue(job, build_archive, str(job.pk))
        return redirect("programmes:programme_archive_job", pk=job.pk)
    recent = ProgrammeArchiveJob.objects.filter(municipality=municipality)[:10]
    count = Programme.objects.filter(school__municipality=municipality).count()
    return render(
        request,
        "programmes/programme_archive_start.html",
        {"municipality": municipality, "recent": recent, "count": count},
    )


def get_archive_for_user(user: Any, pk: Any) -> ProgrammeArchiveJob:
    job = get_object_or_404(
        ProgrammeArchiveJob.objects.filter(
            municipality__in=Municipality.objects.for_user(user)
        ).select_related("municipality", "created_by"),
        pk=pk,
    )
    if not access.can_on_municipality(user, Cap.PLAN_VIEW, job.municipality):
        raise Http404
    return job


@login_required
def archive_job(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_archive_for_user(request.user, pk)
    return render(
        request, "programmes/programme_archive_job.html", {"job": job, "hint": jobs.watch(job)}
    )


@login_required
def archive_status(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_archive_for_user(request.user, pk)
    response = render(
        request, "programmes/programme_archive_progress.html", {"job": job, "hint": jobs.watch(job)}
    )
    if not job.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def archive_file(request: HttpRequest, pk: str) -> Served:
    job = get_archive_for_user(request.user, pk)
    if job.status != ProgrammeArchiveJob.Status.DONE or not job.file:
        raise Http404
    stamp = timezone.localtime(job.created_at).strftime("%d.%m.%Y")
    return Served(job.file, f"Программы развития — {job.municipality.name} — {stamp}.zip")
