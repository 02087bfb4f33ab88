"""Forms of the documents' pages: a new version, the expert's scores and decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.lib.uploads import Policy, UploadField
from marshrut.plans.models import Plan
from marshrut.support import rubrics
from marshrut.support.models.documents import (
    SCHOOL_KINDS,
    Document,
    DocumentKind,
    DocumentReview,
    FederalRisk,
)

#: What a programme document may be: texts people write and the tables that go with them.
DOCUMENT = Policy(("docx", "pdf", "odt", "xlsx"), "EVIDENCE_MAX_BYTES", strict_extension=True)


class VersionForm(StyledMixin, forms.Form):
    """A new version of one of the owner's documents."""

    kind = forms.ChoiceField(label=_("Документ"))
    risk_code = forms.ChoiceField(
        label=_("Приоритетный риск (для программы антирисковых мер)"),
        choices=[("", "—"), *FederalRisk.choices],
        required=False,
    )
    plan = forms.ModelChoiceField(
        label=_("или дорожная карта ШНОР в системе (вместо файла)"),
        queryset=Plan.objects.none(),
        required=False,
    )
    file = UploadField(label=_("Файл"), policy=DOCUMENT, required=False)
    note = forms.CharField(
        label=_("Комментарий к версии"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, municipal: bool = False, plans: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        kinds = [DocumentKind.TRANSITION] if municipal else list(SCHOOL_KINDS)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [(k.value, k.label) for k in kinds]
        plan_field = self.fields["plan"]
        assert isinstance(plan_field, forms.ModelChoiceField)
        if municipal or plans is None:
            del self.fields["risk_code"]
            del self.fields["plan"]
        else:
            plan_field.queryset = plans

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == DocumentKind.ANTIRISK and not data.get("risk_code"):
            self.add_error("risk_code", _("Выберите риск, против которого направлена программа."))
        if data.get("plan") and kind != DocumentKind.ROADMAP:
            self.add_error(
                "plan", _("Дорожную карту в системе можно указать только для дорожной карты.")
            )
        if not data.get("file") and not data.get("plan") and "file" not in self.errors:
            self.add_error(
                "file",
                _("Загрузите файл или выберите дорожную карту ШНОР школы.")
                if kind == DocumentKind.ROADMAP
                else _("Загрузите файл документа."),
            )
        return data


class ReviewForm(VersionedFormMixin, StyledMixin, forms.Form):
    """The expert's score and comment per criterion of the rubric, the decision and remarks."""

    decision = forms.ChoiceField(
        label=_("Решение"), choices=DocumentReview.Decision.choices, widget=forms.RadioSelect
    )
    remarks = forms.CharField(
        label=_("Замечания (обязательны при возврате)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: Any, document: Document, **kwargs: Any) -> None:
        self.instance = document
        super().__init__(*args, **kwargs)
        # StyledMixin styles every widget as a box; the decision is a pair of radio buttons.
        self.fields["decision"].widget.attrs["class"] = "form-check-input"
        self.criteria = rubrics.rubric(document.kind)
        fields: dict[str, forms.Field] = {}
        for c in self.criteria:
            fields[f"score_{c.code}"] = forms.IntegerField(
                label=f"{c.title} (0–{c.max_score})",
                min_value=0,
                max_value=c.max_score,
                widget=forms.NumberInput(
                    attrs={"class": "form-control", "style": "max-width:7rem"}
                ),
            )
            fields[f"comment_{c.code}"] = forms.CharField(
                label=_("Комментарий"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control"}),
            )
        # The criteria first, then the decision.
        self.fields = {**fields, **self.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("decision") == DocumentReview.Decision.RETURNED
            and not (data.get("remarks") or "").strip()
        ):
            self.add_error("remarks", _("Возвращая документ, напишите замечания."))
        return data

    @property
    def scores(self) -> dict[str, tuple[int, str]]:
        d = self.cleaned_data
        return {
            c.code: (d[f"score_{c.code}"], d.get(f"comment_{c.code}", "")) for c in self.criteria
        }

    def criterion_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(c, self[f"score_{c.code}"], self[f"comment_{c.code}"]) for c in self.criteria]
