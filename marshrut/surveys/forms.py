"""Forms of the survey builder, audiences and document discussion."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.lib.uploads import EVIDENCE, UploadField
from marshrut.orgs.models import Municipality, Person, School
from marshrut.orgs.roles import Cap
from marshrut.surveys.models import Document, Question, Review, Survey


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SurveyForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    closes_on = forms.DateField(
        label=_("Приём ответов до"),
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "дд.мм.гггг"}),
    )

    class Meta:
        model = Survey
        fields = ["title", "description", "anonymous_link", "ask_municipality", "closes_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class QuestionForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    options_text = forms.CharField(
        label=_("Варианты ответа"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("по одному в строке; для выбора и матрицы"),
    )
    rows_text = forms.CharField(
        label=_("Строки матрицы"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("по одной в строке"),
    )
    show_if_values_text = forms.CharField(
        label=_("…ответили (номера вариантов или значения шкалы через запятую)"),
        required=False,
    )

    class Meta:
        model = Question
        fields = [
            "kind",
            "text",
            "help_text",
            "required",
            "options_text",
            "rows_text",
            "scale_min",
            "scale_max",
            "show_if_question",
            "show_if_values_text",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.survey = survey
        earlier = survey.questions.filter(
            kind__in=[Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.SCALE]
        )
        if self.instance.pk:
            earlier = earlier.filter(position__lt=self.instance.position)
        self.fields["show_if_question"].queryset = earlier
        self.fields["show_if_question"].label = _("Показывать, только если на вопрос…")
        self.fields["options_text"].initial = "\n".join(self.instance.options or [])
        self.fields["rows_text"].initial = "\n".join(self.instance.rows or [])
        self.fields["show_if_values_text"].initial = ", ".join(
            str(v) for v in self.instance.show_if_values or []
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        options = _lines(data.get("options_text", ""))
        rows = _lines(data.get("rows_text", ""))
        if kind in Question.CHOICE_KINDS and len(options) < 2:
            self.add_error("options_text", _("Нужно хотя бы два варианта ответа."))
        if kind == Question.Kind.MATRIX and not rows:
            self.add_error("rows_text", _("Нужна хотя бы одна строка матрицы."))
        if kind == Question.Kind.SCALE and (data.get("scale_max") or 0) <= (
            data.get("scale_min") or 0
        ):
            self.add_error("scale_max", _("Верх шкалы должен быть больше низа."))
        values: list[int] = []
        for part in (data.get("show_if_values_text") or "").replace(";", ",").split(","):
            if part.strip():
                if not part.strip().lstrip("-").isdigit():
                    self.add_error("show_if_values_text", _("Укажите числа через запятую."))
                    break
                values.append(int(part))
        if data.get("show_if_question") and not values:
            self.add_error("show_if_values_text", _("Укажите, при каких ответах показывать."))
        self.instance.options = options if kind in Question.CHOICE_KINDS else []
        self.instance.rows = rows if kind == Question.Kind.MATRIX else []
        self.instance.show_if_values = values if data.get("show_if_question") else []
        return data


class InviteForm(StyledMixin, forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("Люди"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Школы"),
        queryset=School.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Муниципалитеты"),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, user: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = Person.objects.for_user(user).filter(
            region=survey.region_id, is_active=True
        )
        self.fields["schools"].queryset = (
            School.objects.for_user(user)
            .active()
            .filter(municipality__region=survey.region_id)
            .select_related("municipality")
        )
        self.fields["municipalities"].queryset = Municipality.objects.for_user(user).filter(
            region=survey.region_id
        )


class DocumentForm(StyledMixin, forms.ModelForm):
    link = forms.URLField(
        label=_("ссылка на текст"), max_length=200, required=False, assume_scheme="https"
    )
    file = UploadField(label=_("файл"), policy=EVIDENCE, required=False)
    criteria_text = forms.CharField(
        label=_("Критерии экспертизы"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="Соответствие Концепции проекта | 3\nПрименимость в школах | 3\nЯсность изложения | 3",
        help_text=_("по одному в строке: «критерий | наибольший балл»"),
    )

    class Meta:
        model = Document
        fields = ["title", "version", "summary", "link", "file"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.region = region

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "read"):
            # The download keeps the name it had; the stored file gets a random one.
            self.instance.filename = PurePath(upload.name or "").name[:255]
        return upload

    def clean_criteria_text(self) -> list[tuple[str, int]]:
        out = []
        for line in _lines(self.cleaned_data["criteria_text"]):
            title, _sep, score = line.partition("|")
            score = score.strip() or "3"
            if not score.isdigit() or not 1 <= int(score) <= 100:
                raise forms.ValidationError(_("Наибольший балл — целое число от 1 до 100."))
            out.append((title.strip(), int(score)))
        if not out:
            raise forms.ValidationError(_("Нужен хотя бы один критерий."))
        return out


class ExpertsForm(StyledMixin, forms.Form):
    experts = forms.ModelMultipleChoiceField(
        label=_("Эксперты"),
        queryset=Person.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, user: Any, document: Document, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = Person.objects.for_user(user, Cap.PERSON_VIEW).filter(
            region=document.region_id, is_active=True
        )


class ReviewForm(StyledMixin, forms.Form):
    comment = forms.CharField(
        label=_("Заключение"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(review.document.criteria.all())
        for c in self.criteria:
            self.fields[f"c{c.pk}"] = forms.IntegerField(
                label=f"{c.title} (0–{c.max_score})", min_value=0, max_value=c.max_score
            )
        self.order_fields([f"c{c.pk}" for c in self.criteria] + ["comment"])

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"c{c.pk}"] for c in self.criteria}
