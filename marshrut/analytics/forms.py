"""The dashboard's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.analytics.queries import Filters
from marshrut.lib.listing import FilterForm
from marshrut.orgs.models import Municipality, School


class DashboardFilter(FilterForm):
    campaign = forms.TypedChoiceField(label=_("Кампания"), coerce=int, choices=[])
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), empty_label=_("весь регион")
    )
    kind = forms.ChoiceField(label=_("Тип школы"), choices=[("", _("все")), *School.Kind.choices])
    settlement = forms.ChoiceField(
        label=_("Местность"), choices=[("", _("все")), *School.Settlement.choices]
    )
    shnor = forms.ChoiceField(
        label=_("ШНОР"), choices=[("", _("все")), ("1", _("только ШНОР")), ("0", _("без ШНОР"))]
    )
    level = forms.ChoiceField(
        label=_("Уровень образования"),
        choices=[("", _("все")), ("noo", "НОО"), ("ooo", "ООО"), ("soo", "СОО")],
    )

    def __init__(self, *args: Any, campaigns: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["q"]
        self.fields["campaign"].choices = [(c.pk, c.title) for c in campaigns]  # type: ignore[attr-defined]
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]

    def filters(self, municipality_id: int | None) -> Filters:
        shnor = self.value("shnor")
        return Filters(
            municipality_id=municipality_id,
            kind=self.value("kind") or "",
            settlement=self.value("settlement") or "",
            shnor=None if shnor in (None, "") else shnor == "1",
            level=self.value("level") or "",
        )
