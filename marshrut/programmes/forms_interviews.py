"""Forms of the interview pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.orgs.models import Person, School
from marshrut.programmes.models.interviews import InterviewProtocol, InterviewRound, InterviewSlot

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RoundForm(StyledMixin, forms.ModelForm):
    class Meta:
        model = InterviewRound
        fields = ["year", "half", "starts_on", "ends_on", "title"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        help_texts = {"title": _("оставьте пустым — название составится само")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False


class SlotForm(StyledMixin, forms.ModelForm):
    link = forms.URLField(
        label=_("Ссылка на видеовстречу"), max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = InterviewSlot
        fields = ["school", "on", "starts_at", "ends_at", "place", "link"]
        widgets = {"on": DATE, "starts_at": TIME, "ends_at": TIME}

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = schools.select_related("municipality").order_by(
            "municipality__name", "short_name"
        )
        field.empty_label = "—"
        field.label_from_instance = lambda s: f"{s.short_name} ({s.municipality.name})"  # type: ignore[method-assign,assignment]

    def validate_unique(self) -> None:
        # The action checks the schedule with messages that name the other school.
        pass


class ProtocolForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    participants = forms.ModelMultipleChoiceField(
        label=_("Участники от школы"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("люди школы из реестра"),
    )

    class Meta:
        model = InterviewProtocol
        fields = [
            "held_on",
            "participants",
            "participants_text",
            "results",
            "explanation",
            "conclusion",
        ]
        widgets = {
            "held_on": DATE,
            "participants_text": forms.Textarea(attrs={"rows": 3}),
            "results": forms.Textarea(attrs={"rows": 10}),
            "explanation": forms.Textarea(attrs={"rows": 5}),
            "conclusion": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from marshrut.programmes.actions_interviews import school_people

        field = self.fields["participants"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = school_people(school)
        # Plain boxes: Bootstrap's form-check-input floats out of the labels Django wraps them in.
        field.widget.attrs["class"] = "me-1"
        field.label_from_instance = lambda p: (  # type: ignore[method-assign,assignment]
            f"{p.full_name}, {p.position}" if p.position else p.full_name
        )
