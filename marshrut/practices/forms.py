"""Forms of the library: the card, moderation, materials, adoption, the list's filters."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from marshrut.kernels.criteria import Catalogue
from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.lib.listing import FilterForm
from marshrut.lib.uploads import EVIDENCE, UploadField
from marshrut.orgs.models import Municipality, School
from marshrut.practices.models import DIRECTION_CHOICES, LEVEL_CHOICES, Practice, Status

RESULT_ROWS = 4
_RESULT_FIELD = re.compile(r"^r\d+_")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def indicator_choices(catalogue: Catalogue | None, keep: list[str] = ()) -> list[tuple[str, str]]:  # type: ignore[assignment]
    """Indicators of the catalogue as «code — text», with codes no longer in it kept as they are."""
    choices = (
        [(code, f"{code} — {i.text[:140]}") for code, i in catalogue.indicators.items()]
        if catalogue is not None
        else []
    )
    known = {c for c, _t in choices}
    return choices + [(c, c) for c in keep if c not in known]


def _number(value: Any) -> str:
    if value is None or value == "":
        return ""
    d = Decimal(str(value)).normalize()
    return format(d, "f").replace(".", ",")


class PracticeForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    directions = forms.MultipleChoiceField(
        label=_("Направления модели"),
        choices=DIRECTION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    indicators = forms.MultipleChoiceField(
        label=_("Показатели, на которые работает практика"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("школам с дефицитами по этим показателям практика будет предложена"),
    )
    levels = forms.MultipleChoiceField(
        label=_("Уровни образования"),
        choices=LEVEL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Practice
        fields = [
            "school",
            "title",
            "authors",
            "directions",
            "indicators",
            "levels",
            "description",
            "results_note",
            "contact",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "results_note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self,
        *args: Any,
        schools: Any,
        people: Any,
        catalogue: Catalogue | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        school = self.fields["school"]
        assert isinstance(school, forms.ModelChoiceField)
        school.queryset = schools.select_related("municipality").order_by("short_name")
        school.label_from_instance = lambda s: s.short_name  # type: ignore[method-assign,assignment]
        if self.instance.pk:
            school.disabled = True
        elif len(school.queryset) == 1:
            # The one school the user writes for: nothing to choose.
            school.empty_label = None
            self.initial["school"] = school.queryset[0].pk
        authors = self.fields["authors"]
        assert isinstance(authors, forms.ModelMultipleChoiceField)
        authors.queryset = people.order_by("last_name", "first_name")
        authors.required = False
        authors.widget.attrs["size"] = 6
        authors.help_text = _("сотрудники школы-автора из реестра людей")
        kept = list(self.instance.indicators or [])
        self.fields["indicators"].choices = indicator_choices(catalogue, kept)  # type: ignore[attr-defined]
        for n in range(1, RESULT_ROWS + 1):
            self.fields[f"r{n}_what"] = forms.CharField(
                label=_("Что измеряли"), required=False, max_length=300
            )
            self.fields[f"r{n}_before"] = forms.DecimalField(
                label=_("было"), required=False, max_digits=14, decimal_places=2, localize=True
            )
            self.fields[f"r{n}_after"] = forms.DecimalField(
                label=_("стало"), required=False, max_digits=14, decimal_places=2, localize=True
            )
            self.fields[f"r{n}_unit"] = forms.CharField(
                label=_("единица"), required=False, max_length=30
            )
            for key in ("what", "before", "after", "unit"):
                self.fields[f"r{n}_{key}"].widget.attrs["class"] = "form-control form-control-sm"
        for n, row in enumerate(self.instance.results or [], start=1):
            if n > RESULT_ROWS:
                break
            self.initial[f"r{n}_what"] = row.get("what", "")
            self.initial[f"r{n}_before"] = _number(row.get("before"))
            self.initial[f"r{n}_after"] = _number(row.get("after"))
            self.initial[f"r{n}_unit"] = row.get("unit", "")

    @property
    def main_fields(self) -> list[BoundField]:
        return [f for f in self.visible_fields() if not _RESULT_FIELD.match(f.name)]

    @property
    def result_rows(self) -> list[list[BoundField]]:
        return [
            [self[f"r{n}_{k}"] for k in ("what", "before", "after", "unit")]
            for n in range(1, RESULT_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        results = []
        for n in range(1, RESULT_ROWS + 1):
            what = (data.get(f"r{n}_what") or "").strip()
            before, after = data.get(f"r{n}_before"), data.get(f"r{n}_after")
            unit = (data.get(f"r{n}_unit") or "").strip()
            if not what and before is None and after is None:
                continue
            if not what:
                self.add_error(f"r{n}_what", _("Напишите, что измеряли."))
                continue
            if after is None:
                self.add_error(f"r{n}_after", _("Укажите, какой стала величина."))
                continue
            results.append(
                {
                    "what": what,
                    "before": None if before is None else float(before),
                    "after": float(after),
                    "unit": unit,
                }
            )
        self.instance.results = results
        return data


class ModerateForm(StyledMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Решение"),
        choices=[("publish", _("опубликовать")), ("return", _("вернуть с замечаниями"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Замечания"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("обязательны, если практика возвращается"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Возвращая практику, напишите замечания."))
        return data


class MaterialForm(StyledMixin, forms.Form):
    title = forms.CharField(label=_("Название материала"), required=False, max_length=300)
    file = UploadField(label=_("Файл"), required=False, policy=EVIDENCE)
    url = forms.URLField(
        label=_("или ссылка"), required=False, max_length=500, assume_scheme="https"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Приложите файл или укажите ссылку — что-то одно."))
        return data


class AdoptForm(StyledMixin, forms.Form):
    school = forms.ModelChoiceField(
        label=_("Школа"), queryset=School.objects.none(), empty_label=None
    )
    indicators = forms.MultipleChoiceField(
        label=_("Показатели, на которые нацелено внедрение"),
        widget=forms.CheckboxSelectMultiple,
    )
    adopted_on = forms.DateField(label=_("Дата внедрения"), widget=DATE)
    note = forms.CharField(
        label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, schools: Any, choices: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = schools.order_by("short_name")
        field.label_from_instance = lambda s: s.short_name  # type: ignore[method-assign,assignment]
        self.fields["indicators"].choices = choices  # type: ignore[attr-defined]


class PracticeFilter(FilterForm):
    direction = forms.ChoiceField(label=_("Направление"), choices=[("", "—"), *DIRECTION_CHOICES])
    indicator = forms.ChoiceField(label=_("Показатель"), choices=[("", "—")])
    level = forms.ChoiceField(label=_("Уровень"), choices=[("", "—"), *LEVEL_CHOICES])
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), empty_label="—"
    )
    status = forms.ChoiceField(label=_("Состояние"), choices=[("", "—"), *Status.choices])

    def __init__(
        self, *args: Any, municipalities: Any, catalogue: Catalogue | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Слова")
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = municipalities.order_by("name")
        self.fields["indicator"].choices = [("", "—"), *indicator_choices(catalogue)]  # type: ignore[attr-defined]
