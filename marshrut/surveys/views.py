"""Survey pages: the builder, audiences, response rates, results; documents under discussion."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marshrut.audit.log import snapshot
from marshrut.lib.concurrency import StaleEdit
from marshrut.lib.db import search
from marshrut.lib.exports import XLSX_TYPE, ExportColumn
from marshrut.lib.files import Served
from marshrut.lib.listing import FilterForm, maybe_export, paginate, query_without
from marshrut.orgs import access
from marshrut.orgs.context import current_region, in_region
from marshrut.orgs.models import Municipality
from marshrut.orgs.roles import Cap
from marshrut.surveys.actions import (
    do_create_document,
    do_delete_question,
    do_invite,
    do_invite_experts,
    do_remind,
    do_save_question,
    do_save_survey,
    do_send_invitations,
    do_set_status,
)
from marshrut.surveys.forms import DocumentForm, ExpertsForm, InviteForm, QuestionForm, SurveyForm
from marshrut.surveys.models import (
    MIN_GROUP,
    Document,
    Question,
    Survey,
    get_document_for_user,
    get_survey_for_user,
)
from marshrut.surveys.results import compute, document_summary, response_rates, to_xlsx

SURVEY_COLUMNS = [
    ExportColumn("Анкетирование", lambda s: s.title, 50),
    ExportColumn("Состояние", lambda s: s.get_status_display(), 18),
    ExportColumn("Ответов", lambda s: s.response_count, 10),
    ExportColumn("Приглашений", lambda s: s.invitation_count, 12),
    ExportColumn("Создано", lambda s: s.created_at, 16),
]


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.SURVEY_MANAGE)
    form = FilterForm(request.GET)
    qs: Any = (
        in_region(request, Survey.objects.for_user(request.user))
        .filter(document__isnull=True)
        .annotate(
            response_count=Count("responses", distinct=True),
            invitation_count=Count("invitations", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )
    qs = search(qs, form.value("q"), ["title", "description"])
    exported = maybe_export(request, qs, SURVEY_COLUMNS, "surveys", "Анкетирования")
    if exported:
        return exported
    return render(
        request,
        "surveys/survey_list.html",
        {
            "form": form,
            "page": paginate(request, qs),
            "query": query_without(request, "page", "export"),
        },
    )


@login_required
def survey_create(request: HttpRequest) -> HttpResponse:
    region = current_region(request, Cap.SURVEY_MANAGE)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survey = form.save(commit=False)
        survey.region = region
        do_save_survey(request.user, survey, before=None)
        messages.success(request, _("Анкета создана. Добавьте вопросы."))
        return redirect("surveys:survey_detail", pk=survey.pk)
    return render(
        request,
        "surveys/form.html",
        {"form": form, "title": _("Новое анкетирование"), "back": "surveys:survey_list"},
    )


@login_required
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    before = snapshot(survey)
    form = SurveyForm(request.POST or None, instance=survey)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            do_save_survey(
                request.user, form.save(commit=False), before=before, version=form.version
            )
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        else:
            messages.success(request, _("Сохранено."))
            return redirect("surveys:survey_detail", pk=survey.pk)
    return render(
        request,
        "surveys/form.html",
        {"form": form, "title": survey, "back": "surveys:survey_list"},
        status=status,
    )


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    questions = list(survey.questions.select_related("show_if_question"))
    return render(
        request,
        "surveys/survey_detail.html",
        {
            "survey": survey,
            "questions": questions,
            "question_form": QuestionForm(survey=survey),
            "invite_form": InviteForm(user=request.user, survey=survey),
            "rates": response_rates(survey),
            "responses": survey.responses.count(),
            "invitations": survey.invitations.order_by("label")[:200],
            "link": f"{base_url(request)}/s/{survey.token}/",
        },
    )


@login_required
@require_POST
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    status = request.POST.get("status")
    if status not in Survey.Status.values:
        messages.error(request, _("Неизвестное состояние."))
        return redirect("surveys:survey_detail", pk=survey.pk)
    try:
        do_set_status(request.user, survey, status)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        if status == Survey.Status.OPEN:
            sent = do_send_invitations(request.user, survey, base_url=base_url(request))
            messages.success(
                request, _("Приём ответов открыт. Писем отправлено: %(n)s.") % {"n": sent}
            )
        else:
            messages.success(request, _("Состояние: %(s)s.") % {"s": survey.get_status_display()})
    return redirect("surveys:survey_detail", pk=survey.pk)


def _question_for_user(user: Any, pk: int) -> Question:
    return get_object_or_404(
        Question.objects.filter(survey__in=Survey.objects.for_user(user)).select_related("survey"),
        pk=pk,
    )


def _question_form(request: HttpRequest, survey: Survey, instance: Question | None) -> HttpResponse:
    before = snapshot(instance) if instance else None
    form = QuestionForm(request.POST or None, instance=instance, survey=survey)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            do_save_question(
                request.user, form.save(commit=False), before=before, version=form.version
            )
        except StaleEdit as e:
            form.refuse(e)
            status = 409
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Вопрос сохранён."))
            return redirect("surveys:survey_detail", pk=survey.pk)
    return render(
        request,
        "surveys/form.html",
        {
            "form": form,
            "title": _("Вопрос анкеты «%(s)s»") % {"s": survey},
            "back": "surveys:survey_list",
        },
        status=status,
    )


@login_required
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    return _question_form(request, survey, None)


@login_required
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for_user(request.user, pk)
    return _question_form(request, question.survey, question)


@login_required
@require_POST
def question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for_user(request.user, pk)
    if question.answers.exists():
        messages.error(request, _("На вопрос уже отвечали; удалить его нельзя."))
    else:
        do_delete_question(request.user, question)
    return redirect("surveys:survey_detail", pk=question.survey_id)


@login_required
@require_POST
def survey_invite(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    form = InviteForm(request.POST, user=request.user, survey=survey)
    if form.is_valid():
        new = do_invite(
            request.user,
            survey,
            people=form.cleaned_data["people"],
            schools=form.cleaned_data["schools"],
            municipalities=form.cleaned_data["municipalities"],
            base_url=base_url(request),
        )
        messages.success(request, _("Приглашений добавлено: %(n)s.") % {"n": len(new)})
    else:
        messages.error(request, _("Выберите приглашаемых из списков."))
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
@require_POST
def survey_remind(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    sent = do_remind(request.user, survey, base_url=base_url(request))
    messages.success(request, _("Напоминаний отправлено: %(n)s.") % {"n": sent})
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, pk)
    group = None
    if request.GET.get("municipality", "").isdigit():
        group = get_object_or_404(
            Municipality.objects.filter(region=survey.region_id), pk=request.GET["municipality"]
        )
    results = compute(survey, group)
    if group is not None and results.hidden:
        messages.warning(
            request,
            _("В группе «%(g)s» меньше %(k)s ответов: отдельно её итоги не показываются.")
            % {"g": group, "k": MIN_GROUP},
        )
        return redirect("surveys:survey_results", pk=survey.pk)
    if request.GET.get("export") == "xlsx":
        response = HttpResponse(to_xlsx(results, response_rates(survey)), content_type=XLSX_TYPE)
        response["Content-Disposition"] = (
            content_disposition_header(True, f"survey-{survey.pk}-results.xlsx") or ""
        )
        return response
    return render(
        request,
        "surveys/results.html",
        {"survey": survey, "results": results, "min_group": MIN_GROUP},
    )


# Documents ------------------------------------------------------------------------------------


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.SURVEY_MANAGE)
    documents = Document.objects.for_user(request.user).annotate(
        experts=Count("reviews", distinct=True),
        reviewed=Count("reviews", filter=Q(reviews__submitted_at__isnull=False), distinct=True),
        responses=Count("discussions__responses", distinct=True),
    )
    return render(request, "surveys/document_list.html", {"documents": documents})


@login_required
def document_create(request: HttpRequest) -> HttpResponse:
    region = current_region(request, Cap.SURVEY_MANAGE)
    form = DocumentForm(request.POST or None, request.FILES or None, region=region)
    if request.method == "POST" and form.is_valid():
        document = form.save(commit=False)
        try:
            do_create_document(request.user, document, criteria=form.cleaned_data["criteria_text"])
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Документ вынесен на обсуждение."))
            return redirect("surveys:document_detail", pk=document.pk)
    return render(
        request,
        "surveys/form.html",
        {
            "form": form,
            "title": _("Документ на обсуждение"),
            "back": "surveys:document_list",
            "multipart": True,
        },
    )


def document_file(request: HttpRequest, pk: int) -> Served:
    document = get_document_for_user(request.user, pk)
    return Served(document.file, document.filename or document.title)


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for_user(request.user, pk)
    survey = document.discussions.order_by("pk").first()
    return render(
        request,
        "surveys/document_detail.html",
        {
            "document": document,
            "survey": survey,
            "summary": document_summary(document),
            "reviews": document.reviews.select_related("expert"),
            "experts_form": ExpertsForm(user=request.user, document=document),
            "link": f"{base_url(request)}/s/{survey.token}/" if survey else "",
            "base": base_url(request),
            "min_group": MIN_GROUP,
        },
    )


@login_required
@require_POST
def document_experts(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for_user(request.user, pk)
    form = ExpertsForm(request.POST, user=request.user, document=document)
    if form.is_valid():
        new = do_invite_experts(
            request.user, document, form.cleaned_data["experts"], base_url=base_url(request)
        )
        messages.success(request, _("Экспертов приглашено: %(n)s.") % {"n": len(new)})
    else:
        messages.error(request, _("Выберите экспертов из списка."))
    return redirect("surveys:document_detail", pk=document.pk)
