"""Forms of matching: how many sessions, and which session each municipality goes to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.lib.forms import StyledMixin
from marshrut.orgs.models import Municipality

MAX_SESSIONS = 30


class SessionCountForm(StyledMixin, forms.Form):
    n = forms.IntegerField(
        label=_("Число проектных сессий"), min_value=1, max_value=MAX_SESSIONS, initial=5
    )


class SessionPlanForm(StyledMixin, forms.Form):
    """A select per municipality (its session number) and the plan's title."""

    title = forms.CharField(label=_("Название плана"), max_length=200, required=False)
    n = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_SESSIONS)

    def __init__(
        self,
        data: Any = None,
        *,
        municipalities: Sequence[Municipality],
        n: int,
        assignment: Mapping[int, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, initial={"n": n}, **kwargs)
        self.municipalities = list(municipalities)
        choices = [(i, _("Сессия %(n)s") % {"n": i}) for i in range(1, n + 1)]
        for m in self.municipalities:
            self.fields[self.key(m.pk)] = forms.TypedChoiceField(
                label=m.name,
                choices=choices,
                coerce=int,
                initial=(assignment or {}).get(m.pk, 1),
            )
            self.fields[self.key(m.pk)].widget.attrs.update(
                {"class": "form-select form-select-sm", "data-municipality": m.name}
            )

    @staticmethod
    def key(pk: int) -> str:
        return f"m{pk}"

    def assignment(self) -> dict[int, int]:
        """Municipality id → session number, from the cleaned data."""
        return {m.pk: self.cleaned_data[self.key(m.pk)] for m in self.municipalities}


RING_CHOICES = [
    (2, _("вся область")),
    (1, _("свой и соседние муниципалитеты")),
    (0, _("только свой муниципалитет")),
]


class AssignmentForm(StyledMixin, forms.Form):
    """Parameters of a region-wide partner assignment, and the start of the partnerships."""

    capacity = forms.IntegerField(
        label=_("Ёмкость школы-партнёра"),
        min_value=1,
        max_value=20,
        initial=5,
        help_text=_("сколько партнёрств (школа × направление) берёт одна сильная школа; 3–7"),
    )
    near = forms.IntegerField(
        label=_("Штраф: соседний муниципалитет"), min_value=0, max_value=10, initial=1
    )
    far = forms.IntegerField(
        label=_("Штраф: другой муниципалитет"), min_value=0, max_value=30, initial=3
    )
    max_ring = forms.TypedChoiceField(
        label=_("Где искать партнёров"), choices=RING_CHOICES, coerce=int, initial=2
    )
    starts_on = forms.DateField(
        label=_("Партнёрство с"),
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class WhatIfForm(StyledMixin, forms.Form):
    """The operator's budget for the what-if planner."""

    schools = forms.IntegerField(
        label=_("Сколько школ поддержать"), min_value=1, max_value=5000, initial=20
    )
    per_school = forms.IntegerField(
        label=_("Мер на одну школу, не больше"), min_value=1, max_value=50, initial=5
    )
    total = forms.IntegerField(
        label=_("Мер всего, не больше"),
        min_value=1,
        max_value=100000,
        required=False,
        help_text=_("пусто — без общего ограничения"),
    )
    risk_only = forms.BooleanField(label=_("Только школы зоны риска"), required=False)
