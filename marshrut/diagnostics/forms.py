"""Forms of the self-diagnostics pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.diagnostics.models import Campaign, CampaignSeries, CriteriaVersion, Status
from marshrut.lib.forms import StyledMixin
from marshrut.lib.listing import FilterForm
from marshrut.lib.uploads import CATALOGUE, UploadField
from marshrut.orgs.models import Municipality


class CriteriaUploadForm(StyledMixin, forms.Form):
    file = UploadField(label=_("Файл каталога (YAML)"), policy=CATALOGUE)


class CampaignForm(StyledMixin, forms.Form):
    title = forms.CharField(label=_("Название"), max_length=200)
    series = forms.ModelChoiceField(
        label=_("Межрегиональная серия"),
        queryset=CampaignSeries.objects.select_related("criteria"),
        required=False,
        empty_label=_("нет — своя кампания региона"),
        help_text=_("кампания серии берёт её критерии, год и сроки"),
    )
    # Required unless a series gives them (checked in clean()).
    criteria = forms.ModelChoiceField(
        label=_("Критерии"), queryset=CriteriaVersion.objects.all(), required=False
    )
    year = forms.IntegerField(label=_("Год"), min_value=2020, max_value=2100, required=False)
    opens_on = forms.DateField(
        label=_("Начало приёма ответов"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )
    closes_on = forms.DateField(
        label=_("Окончание приёма ответов"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Муниципалитеты"),
        queryset=Municipality.objects.none(),
        required=False,
        help_text=_("пусто — все школы региона"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].queryset = Municipality.objects.filter(region=region)  # type: ignore[attr-defined]
        today = region.today()
        self.fields["year"].initial = today.year
        self.fields["criteria"].initial = CriteriaVersion.objects.order_by("-year").first()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        series = data.get("series")
        if series is not None:
            data.update(
                criteria=series.criteria,
                year=series.year,
                opens_on=series.opens_on,
                closes_on=series.closes_on,
            )
            for name in ("criteria", "year", "opens_on", "closes_on"):
                self.errors.pop(name, None)
            return data
        for name in ("criteria", "year", "opens_on", "closes_on"):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, _("Обязательное поле."))
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("Окончание раньше начала."))
        return data


class SubmissionFilter(FilterForm):
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), empty_label=_("все")
    )
    status = forms.ChoiceField(label=_("Состояние"), choices=[("", _("все")), *Status.choices])
    flagged = forms.ChoiceField(
        label=_("Замечания проверки"), choices=[("", _("все")), ("1", _("есть нерассмотренные"))]
    )

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]


class ReviewForm(StyledMixin, forms.Form):
    comment = forms.CharField(
        label=_("Комментарий школе"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ReopenForm(StyledMixin, forms.Form):
    until = forms.DateField(
        label=_("Открыть приём до"), widget=forms.DateInput(attrs={"type": "date"})
    )


def campaign_choices(user: Any) -> Any:
    return Campaign.objects.for_user(user).select_related("criteria")
