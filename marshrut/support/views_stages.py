"""Pages of the monitoring stages: the region's table, a school's documents, the stage editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marshrut.lib.concurrency import StaleEdit, VersionedFormMixin
from marshrut.lib.docx import DOCX_TYPE
from marshrut.lib.exports import XLSX_TYPE
from marshrut.lib.files import Served
from marshrut.lib.forms import StyledMixin
from marshrut.lib.uploads import EVIDENCE, UploadField
from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.models import Municipality, School
from marshrut.orgs.roles import Cap
from marshrut.support import stage_actions, stage_queries
from marshrut.support.models import Participation
from marshrut.support.models.stages import (
    Stage,
    StageDocument,
    StageEvent,
    StageSubmission,
    SubmissionStatus,
    get_stage_file_for_user,
    get_stage_for_user,
    get_submission_for_user,
)
from marshrut.support.stage_export import stage_xlsx
from marshrut.support.stage_report import report_filename, stage_report_docx
from marshrut.support.views import programme_year

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"]


class StageForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    control_on = forms.DateField(
        label=gettext_lazy("Контрольная дата"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "дд.мм.гггг"}),
    )
    documents = forms.CharField(
        label=gettext_lazy("Подтверждающие документы"),
        help_text=gettext_lazy("По одному на строку; каждая школа когорты присылает каждый."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    class Meta:
        model = Stage
        fields = ["number", "title", "control_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["documents"] = "\n".join(
                StageDocument.objects.filter(stage_id=self.instance.pk).values_list(
                    "title", flat=True
                )
            )

    def clean_documents(self) -> list[str]:
        return stage_actions.clean_document_titles(self.cleaned_data["documents"])


class UploadForm(forms.Form):
    file = UploadField(label=gettext_lazy("Файл"), policy=EVIDENCE)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (SubmissionStatus.ACCEPTED, gettext_lazy("принять")),
            (SubmissionStatus.RETURNED, gettext_lazy("вернуть")),
        ]
    )
    remark = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def _municipality_id(request: HttpRequest, region: Any) -> int | None:
    raw = request.GET.get("municipality", "")
    return int(raw) if raw.isdigit() else None


def file_link(request: HttpRequest) -> Any:
    return lambda pk: request.build_absolute_uri(reverse("support:stage_file", args=[pk]))


@login_required
def stage_table(request: HttpRequest) -> HttpResponse:
    """The region's schools × stages, with the municipality filter and the exports."""
    access.require(request.user, Cap.SHNOR_VIEW)
    region = current_region(request, Cap.SHNOR_VIEW)
    year = programme_year(request, region)
    municipality_id = _municipality_id(request, region)
    if request.GET.get("export") == "xlsx":
        stage = None
        if request.GET.get("stage", "").isdigit():
            stage = get_object_or_404(
                Stage.objects.of_year(region, year), number=int(request.GET["stage"])
            )
        rows = stage_queries.document_rows(region, year, request.user, stage, municipality_id)
        body = stage_xlsx(rows, file_link(request))
        response = HttpResponse(body, content_type=XLSX_TYPE)
        suffix = f" этап {stage.number}" if stage else ""
        response["Content-Disposition"] = (
            content_disposition_header(True, f"Мониторинг ШНОР {year}{suffix}.xlsx") or ""
        )
        return response
    table = stage_queries.stage_table(region, year, request.user, municipality_id)
    prefix = reverse("support:school_stages", args=[0]).removesuffix("0/")
    for row in table.rows:
        row.url = f"{prefix}{row.school_id}/?year={year}"
    municipalities = Municipality.objects.filter(
        pk__in=stage_queries.cohort(region, year, request.user).values("school__municipality_id")
    ).order_by("name")
    return render(
        request,
        "support/stage_table.html",
        {
            "region": region,
            "year": year,
            "table": table,
            "municipalities": municipalities,
            "municipality_id": municipality_id,
            "can_manage": bool(access.grant(request.user, Cap.SHNOR_MANAGE))
            and access.grant(request.user, Cap.SHNOR_MANAGE).covers(region.pk, None, None),
            "tab": "stages",
        },
    )


def _require_manage(request: HttpRequest) -> Any:
    region = current_region(request, Cap.SHNOR_MANAGE)
    if not access.grant(request.user, Cap.SHNOR_MANAGE).covers(region.pk, None, None):
        raise PermissionDenied
    return region


@login_required
def stage_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The operator creates or changes a stage; the form carries the version it was built from."""
    access.require(request.user, Cap.SHNOR_MANAGE)
    if pk is None:
        region = _require_manage(request)
        year = programme_year(request, region)
        stage = Stage(region=region, year=year)
        last = Stage.objects.of_year(region, year).order_by("-number").first()
        stage.number = (last.number + 1) if last else 1
    else:
        stage = get_stage_for_user(request.user, pk, Cap.SHNOR_MANAGE)
        if not access.grant(request.user, Cap.SHNOR_MANAGE).covers(stage.region_id, None, None):
            raise PermissionDenied
    form = StageForm(request.POST or None, instance=stage)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            stage_actions.do_save_stage(
                request.user,
                form.save(commit=False),
                form.cleaned_data["documents"],
                version=form.version,
            )
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        except ValidationError as e:
            for message in e.messages:
                form.add_error(None, message)
            status = 400
        else:
            messages.success(request, _("Этап сохранён."))
            return redirect(f"{reverse('support:stage_table')}?year={stage.year}")
    elif request.method == "POST":
        status = 400
    title = (
        _("Этап %(n)s, %(y)s год") % {"n": stage.number, "y": stage.year}
        if stage.pk
        else _("Новый этап мониторинга, %(y)s год") % {"y": stage.year}
    )
    return render(
        request,
        "support/stage_form.html",
        {
            "form": form,
            "title": title,
            "back": f"{reverse('support:stage_table')}?year={stage.year}",
            "tab": "stages",
        },
        status=status,
    )


def _school_for_user(request: HttpRequest, pk: int) -> School:
    return get_object_or_404(
        School.objects.filter(
            pk__in=Participation.objects.for_user(request.user).values("school_id")
        ).select_related("municipality__region"),
        pk=pk,
    )


@login_required
def school_stages(request: HttpRequest, school_pk: int) -> HttpResponse:
    """A school's documents of each stage: status, files, history; upload and decisions here."""
    access.require(request.user, Cap.SHNOR_VIEW)
    school = _school_for_user(request, school_pk)
    region = school.municipality.region
    year = programme_year(request, region)
    stages = list(
        Stage.objects.of_year(region, year).prefetch_related("documents").order_by("number")
    )
    submissions = {
        (s.document_id, s.school_id): s
        for s in StageSubmission.objects.filter(stage__in=stages, school=school)
        .select_related("decided_by")
        .prefetch_related("files", "events__by", "events__file")
    }
    user: Any = request.user
    can_submit = access.can_on_school(user, Cap.SHNOR_SUBMIT, school) and stage_actions.in_cohort(
        school, year
    )
    can_review = access.can_on_school(user, Cap.SHNOR_REVIEW, school)
    today = region.today()
    blocks = []
    for stage in stages:
        lines = []
        for d in stage.documents.all():
            s = submissions.get((d.pk, school.pk))
            lines.append({"document": d, "submission": s})
        blocks.append({"stage": stage, "lines": lines, "overdue": stage.control_on < today})
    return render(
        request,
        "support/stage_school.html",
        {
            "school": school,
            "region": region,
            "year": year,
            "blocks": blocks,
            "can_submit": can_submit,
            "can_review": can_review,
            "upload_form": UploadForm(),
            "tab": "stages",
            "Kind": StageEvent.Kind,
        },
    )


def _back(school: School, year: int) -> str:
    return f"{reverse('support:school_stages', args=[school.pk])}?year={year}"


@login_required
@require_POST
def stage_upload(request: HttpRequest, document_pk: int, school_pk: int) -> HttpResponse:
    school = _school_for_user(request, school_pk)
    if not access.can_on_school(request.user, Cap.SHNOR_SUBMIT, school):
        raise PermissionDenied
    document = get_object_or_404(
        StageDocument.objects.select_related("stage"),
        pk=document_pk,
        stage__region_id=school.municipality.region_id,
    )
    back = _back(school, document.stage.year)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    upload = form.cleaned_data["file"]
    try:
        stage_actions.do_send_stage_file(
            request.user, document, school, filename=upload.name, data=upload.read()
        )
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Файл «%(f)s» отправлен на проверку.") % {"f": upload.name})
    return redirect(back)


@login_required
@require_POST
def stage_decide(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request.user, pk, Cap.SHNOR_REVIEW)
    back = _back(submission.school, submission.stage.year)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Решение не сохранено: выберите «принять» или «вернуть»."))
        return redirect(back)
    try:
        stage_actions.do_decide_stage_submission(
            request.user,
            submission,
            form.cleaned_data["decision"],
            remark=form.cleaned_data["remark"],
            version=form.cleaned_data["version"],
        )
    except StaleEdit as e:
        current = e.current
        messages.error(
            request,
            _(
                "Решение не сохранено: пока страница была открыта, документ изменился "
                "(сейчас — «%(s)s»). Посмотрите его ещё раз."
            )
            % {"s": current.get_status_display()},  # type: ignore[attr-defined]
        )
        return redirect(back)
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Решение сохранено."))
    return redirect(back)


def stage_file(request: HttpRequest, pk: int) -> Served:
    stored = get_stage_file_for_user(request.user, pk)
    return Served(stored.file, stored.filename)


@login_required
def stage_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The monitoring report on the stage's control date, for the schools the user sees."""
    stage = get_stage_for_user(request.user, pk)
    region = current_region(request, Cap.SHNOR_VIEW)
    if stage.region_id != region.pk:
        raise PermissionDenied
    body = stage_report_docx(region, stage, user=request.user)
    response = HttpResponse(body, content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, report_filename(stage)) or ""
    return response
