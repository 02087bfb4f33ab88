"""The respondent's form: fields built from the questions, conditions checked on the server.

A question with a condition is shown only when the earlier question it depends on was answered
with one of the listed values; a hidden question is not required and its answers are dropped,
whatever the browser sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from marshrut.lib.forms import StyledMixin
from marshrut.surveys.models import Question

Kind = Question.Kind


def field_name(q: Question, row: int | None = None) -> str:
    return f"q{q.pk}" if row is None else f"q{q.pk}_r{row}"


def _numbered(options: Sequence[str]) -> list[tuple[str, str]]:
    return [(str(i), text) for i, text in enumerate(options, start=1)]


def chosen_values(q: Question, data: dict[str, Any]) -> list[int]:
    """What a condition looks at: chosen option numbers or the scale value."""
    value = data.get(field_name(q))
    if value in (None, "", []):
        return []
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out


def visible(questions: Sequence[Question], data: dict[str, Any]) -> set[int]:
    """Ids of the questions shown for these answers (conditions look only backwards)."""
    by_id = {q.pk: q for q in questions}
    shown: set[int] = set()
    for q in questions:
        parent = by_id.get(q.show_if_question_id) if q.show_if_question_id else None
        if q.show_if_question_id and parent is None:
            shown.add(q.pk)  # a condition on a deleted question no longer hides anything
            continue
        if parent is None or (
            parent.pk in shown
            and set(chosen_values(parent, data)) & {int(v) for v in q.show_if_values}
        ):
            shown.add(q.pk)
    return shown


class RespondForm(StyledMixin, forms.Form):
    def __init__(
        self,
        *args: Any,
        questions: Sequence[Question],
        municipalities: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        if municipalities is not None:
            self.fields["municipality"] = forms.ModelChoiceField(
                label=_("Ваш муниципалитет"), queryset=municipalities, required=False
            )
        for q in self.questions:
            label = q.text
            if q.kind == Kind.SINGLE:
                self.fields[field_name(q)] = forms.ChoiceField(
                    label=label, choices=_numbered(q.options), widget=forms.RadioSelect
                )
            elif q.kind == Kind.MULTIPLE:
                self.fields[field_name(q)] = forms.MultipleChoiceField(
                    label=label,
                    choices=_numbered(q.options),
                    widget=forms.CheckboxSelectMultiple,
                )
            elif q.kind == Kind.SCALE:
                self.fields[field_name(q)] = forms.ChoiceField(
                    label=label,
                    choices=[(str(v), str(v)) for v in range(q.scale_min, q.scale_max + 1)],
                    widget=forms.RadioSelect,
                )
            elif q.kind == Kind.NUMBER:
                self.fields[field_name(q)] = forms.FloatField(label=label)
            elif q.kind == Kind.TEXT:
                self.fields[field_name(q)] = forms.CharField(
                    label=label, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
                )
            elif q.kind == Kind.MATRIX:
                for r, row_text in enumerate(q.rows, start=1):
                    self.fields[field_name(q, r)] = forms.ChoiceField(
                        label=row_text, choices=_numbered(q.options), widget=forms.RadioSelect
                    )
        for f in self.fields.values():
            f.required = False

    def question_fields(self) -> list[tuple[Question, list[Any]]]:
        """Questions with their bound fields, for the template."""
        out = []
        for q in self.questions:
            if q.kind == Kind.MATRIX:
                out.append((q, [self[field_name(q, r)] for r in range(1, len(q.rows) + 1)]))
            else:
                out.append((q, [self[field_name(q)]]))
        return out

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        shown = visible(self.questions, data)
        self.shown = shown
        for q in self.questions:
            names = (
                [field_name(q, r) for r in range(1, len(q.rows) + 1)]
                if q.kind == Kind.MATRIX
                else [field_name(q)]
            )
            if q.pk not in shown:
                for name in names:
                    data.pop(name, None)
                continue
            if q.required:
                missing = [n for n in names if data.get(n) in (None, "", [])]
                if missing:
                    self.add_error(
                        names[0] if len(missing) == len(names) else missing[0],
                        _("Это обязательный вопрос."),
                    )
        return data

    def answers(self) -> list[dict[str, Any]]:
        """Answer rows (without survey and response) for the shown questions."""
        rows: list[dict[str, Any]] = []
        data = self.cleaned_data
        for q in self.questions:
            if q.pk not in self.shown:
                continue
            if q.kind in (Kind.SINGLE, Kind.MULTIPLE):
                for v in chosen_values(q, data):
                    rows.append({"question": q, "choice": v})
            elif q.kind == Kind.SCALE:
                for v in chosen_values(q, data):
                    rows.append({"question": q, "choice": v, "number": float(v)})
            elif q.kind == Kind.NUMBER:
                if data.get(field_name(q)) is not None:
                    rows.append({"question": q, "number": data[field_name(q)]})
            elif q.kind == Kind.TEXT:
                if data.get(field_name(q)):
                    rows.append({"question": q, "text": data[field_name(q)].strip()})
            elif q.kind == Kind.MATRIX:
                for r in range(1, len(q.rows) + 1):
                    value = data.get(field_name(q, r))
                    if value:
                        rows.append({"question": q, "row": r, "choice": int(value)})
        return rows
