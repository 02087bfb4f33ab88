"""Pages for people without an account: answering a survey by its link, an expert's review."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from marshrut.lib.files import Served
from marshrut.orgs.models import Municipality
from marshrut.surveys import ratelimit
from marshrut.surveys.actions import AlreadyAnswered, do_submit_response, do_submit_review
from marshrut.surveys.answering import RespondForm
from marshrut.surveys.forms import ReviewForm
from marshrut.surveys.models import Invitation, Review, Survey


def _too_many(request: HttpRequest) -> HttpResponse:
    minutes = max(1, ratelimit.limit()[1] // 60)
    return render(
        request,
        "surveys/public_message.html",
        {
            "title": _("Слишком много ответов"),
            "message": _(
                "С вашего адреса отправлено слишком много ответов. Попробуйте снова через "
                "%(m)s мин. Если вы заполняете анкеты за нескольких человек из одной сети, "
                "обратитесь к организатору опроса."
            )
            % {"m": minutes},
        },
        status=429,
    )


def document_file(request: HttpRequest, token: str) -> Served:
    """The discussed document, for whoever holds the discussion's link or an expert's link."""
    review = Review.objects.select_related("document").filter(token=token).first()
    if review is not None:
        document = review.document
    else:
        invitation = Invitation.objects.select_related("survey").filter(token=token).first()
        survey = (
            invitation.survey
            if invitation is not None
            else Survey.objects.filter(token=token, anonymous_link=True).first()
        )
        if survey is None or survey.document is None or not survey.is_open:
            raise Http404
        document = survey.document
    return Served(document.file, document.filename or document.title)


@never_cache
def respond(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("survey", "municipality").filter(token=token).first()
    )
    if invitation is not None:
        survey = invitation.survey
    else:
        survey = get_object_or_404(Survey, token=token, anonymous_link=True)
    if not survey.is_open:
        return render(
            request,
            "surveys/public_message.html",
            {"title": survey.title, "message": _("Приём ответов на эту анкету закрыт.")},
            status=410 if survey.status == Survey.Status.CLOSED else 404,
        )
    if invitation is not None and invitation.responded_at is not None:
        return render(
            request,
            "surveys/public_message.html",
            {"title": survey.title, "message": _("По этой ссылке уже ответили. Спасибо!")},
            status=409,
        )
    questions = list(survey.questions.all())
    municipalities = (
        Municipality.objects.filter(region=survey.region_id, is_active=True)
        if invitation is None and survey.ask_municipality
        else None
    )
    form = RespondForm(request.POST or None, questions=questions, municipalities=municipalities)
    if request.method == "POST":
        if not ratelimit.allow(request, "survey"):
            return _too_many(request)
        if form.is_valid():
            try:
                do_submit_response(
                    survey,
                    form.answers(),
                    invitation=invitation,
                    municipality=form.cleaned_data.get("municipality"),
                )
            except AlreadyAnswered:
                return render(
                    request,
                    "surveys/public_message.html",
                    {
                        "title": survey.title,
                        "message": _("По этой ссылке уже ответили. Ответ не принят повторно."),
                    },
                    status=409,
                )
            return render(
                request,
                "surveys/public_message.html",
                {"title": survey.title, "message": _("Спасибо! Ваш ответ принят."), "ok": True},
            )
    return render(
        request,
        "surveys/respond.html",
        {"survey": survey, "form": form, "invitation": invitation, "link_token": token},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def review(request: HttpRequest, token: str) -> HttpResponse:
    item = Review.objects.select_related("document", "expert").filter(token=token).first()
    if item is None:
        raise Http404
    if item.submitted_at is not None:
        return render(
            request,
            "surveys/public_message.html",
            {
                "title": item.document.title,
                "message": _("Экспертное заключение уже получено. Спасибо!"),
            },
            status=409,
        )
    form = ReviewForm(request.POST or None, review=item)
    if request.method == "POST":
        if not ratelimit.allow(request, "review"):
            return _too_many(request)
        if form.is_valid():
            try:
                do_submit_review(item, form.scores(), form.cleaned_data["comment"])
            except AlreadyAnswered:
                return render(
                    request,
                    "surveys/public_message.html",
                    {
                        "title": item.document.title,
                        "message": _("Экспертное заключение уже получено."),
                    },
                    status=409,
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                return render(
                    request,
                    "surveys/public_message.html",
                    {
                        "title": item.document.title,
                        "message": _("Спасибо! Оценки приняты."),
                        "ok": True,
                    },
                )
    return render(
        request,
        "surveys/review.html",
        {"review": item, "form": form},
        status=400 if request.method == "POST" else 200,
    )
