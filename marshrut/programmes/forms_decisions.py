"""Forms of the decisions register."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.lib.listing import FilterForm
from marshrut.lib.uploads import EVIDENCE, MultiUploadField
from marshrut.orgs.models import Municipality, School
from marshrut.programmes.models.decisions import (
    OVERDUE,
    OVERDUE_LABEL,
    Decision,
    DecisionStatus,
    Source,
    Subject,
)

SOON = "soon"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecisionFilter(FilterForm):
    source = forms.ChoiceField(label=_("Основание"), choices=[("", "—"), *Source.choices])
    subject = forms.ChoiceField(label=_("Уровень"), choices=[("", "—"), *Subject.choices])
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), empty_label="—"
    )
    status = forms.ChoiceField(
        label=_("Состояние"),
        choices=[
            ("", "—"),
            *DecisionStatus.choices,
            (OVERDUE, OVERDUE_LABEL),
            (SOON, _("срок в ближайшие 14 дней")),
        ],
    )

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = municipalities.order_by("name")


class DecisionForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    class Meta:
        model = Decision
        fields = [
            "subject",
            "municipality",
            "school",
            "source",
            "source_text",
            "decided_by",
            "decided_on",
            "text",
            "owner",
            "owner_text",
            "due_on",
            "status",
        ]
        widgets = {
            "decided_on": DATE,
            "due_on": DATE,
            "text": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(
        self,
        *args: Any,
        municipalities: Any,
        schools: Any,
        people: Any,
        fixed_school: School | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (
            ("municipality", municipalities.order_by("name")),
            ("school", schools.select_related("municipality").order_by("short_name")),
            ("owner", people.order_by("last_name", "first_name")),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs
        self.fields["owner"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.full_name}, {p.position}" if p.position else p.full_name
        )
        if fixed_school is not None:
            # A decision of an interview: about the interviewed school, from its protocol.
            for name in ("subject", "municipality", "school", "source"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        subject = data.get("subject")
        if subject == Subject.SCHOOL and "school" in self.fields and not data.get("school"):
            self.add_error("school", _("Выберите школу."))
        if subject == Subject.MUNICIPALITY and not data.get("municipality"):
            self.add_error("municipality", _("Выберите муниципалитет."))
        # The links follow the level, so the model's check sees them consistent.
        if subject == Subject.SCHOOL and data.get("school"):
            data["municipality"] = data["school"].municipality
        elif subject == Subject.MUNICIPALITY:
            data["school"] = None
        elif subject == Subject.REGION:
            data["school"] = data["municipality"] = None
        if (
            data.get("source") == Source.INTERVIEW
            and getattr(self.instance, "protocol_id", None) is None
        ):
            self.add_error(
                "source",
                _("Решения по итогам собеседования добавляются со страницы протокола."),
            )
        if not data.get("owner") and not data.get("owner_text"):
            self.add_error("owner", _("Укажите ответственного: из реестра или текстом."))
        due, decided = data.get("due_on"), data.get("decided_on")
        if due and decided and due < decided:
            self.add_error("due_on", _("Срок исполнения раньше даты решения."))
        return data


class DecisionReportForm(StyledMixin, forms.Form):
    status = forms.ChoiceField(label=_("Исполнение"), choices=DecisionStatus.choices)
    comment = forms.CharField(
        label=_("Что сделано"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = MultiUploadField(
        label=_("Подтверждающие документы"), policy=EVIDENCE, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, decision: Decision, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = decision.version
        self.fields["status"].initial = (
            DecisionStatus.IN_PROGRESS
            if decision.status == DecisionStatus.ACCEPTED
            else decision.status
        )
