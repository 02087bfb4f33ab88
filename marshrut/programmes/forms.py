"""Forms of the programme pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.lib.uploads import EVIDENCE, UploadField
from marshrut.programmes.models import Defence, ProgrammeSection
from marshrut.programmes.models.programme import RUBRIC, RUBRIC_SCORES

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SectionForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ProgrammeSection
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8, "class": "form-control"})}


class ReviewForm(StyledMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Решение"),
        choices=[("approve", _("Согласовать")), ("return", _("Вернуть на доработку"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Замечания"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("обязательны, если программа возвращается"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in RUBRIC:
            self.fields[code] = forms.TypedChoiceField(
                label=label, choices=RUBRIC_SCORES, coerce=int, widget=forms.RadioSelect
            )
            self.fields[code].widget.attrs["class"] = "form-check-input"

    @property
    def rubric_fields(self) -> list[Any]:
        return [self[code] for code, _label in RUBRIC]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Возвращая программу, напишите замечания."))
        return data


class OrderForm(StyledMixin, forms.Form):
    number = forms.CharField(label=_("Номер приказа"), max_length=50)
    date = forms.DateField(label=_("Дата приказа"), widget=DATE_INPUT)


class DefenceForm(StyledMixin, forms.ModelForm):
    upload = UploadField(label=_("Протокол защиты"), policy=EVIDENCE, required=False)

    class Meta:
        model = Defence
        fields = ["held_on", "committee", "result", "notes"]
        widgets = {
            "held_on": DATE_INPUT,
            "committee": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
