"""Forms of the events pages; choices are limited to what the user may touch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from marshrut.events.models import Direction, Event, PeriodReport
from marshrut.events.queries import DifficultiesDraft, TasksDraft
from marshrut.events.report import parse_tasks, tasks_text
from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin, limit_choices
from marshrut.lib.listing import FilterForm
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Person, School
from marshrut.orgs.roles import Cap
from marshrut.plans.models import Level, PlanItem

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"]


def date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "дд.мм.гггг"}),
        **kwargs,
    )


class RoadmapItemField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # The item first: plan titles are long and alike, and a select shows one line.
        number = f"{obj.number} " if obj.number else ""
        title, plan = Truncator(obj.title).chars(90), Truncator(obj.plan.title).chars(50)
        return f"{number}{title} — {plan} ({obj.plan.year})"


def roadmap_items(user: Any, region: Any, current: int | None = None) -> Any:
    """Items an event of ``region`` may serve: those of the regional and municipal roadmaps the
    user can see (school roadmaps would swamp the list), plus the one already linked if the user
    can see it."""
    visible = PlanItem.objects.for_user(user).filter(plan__region=region)
    wanted = Q(plan__level__in=[Level.REGION, Level.MUNICIPALITY])
    if current:
        wanted |= Q(pk=current)
    return (
        visible.filter(wanted)
        .select_related("plan")
        .order_by("-plan__year", "plan__level", "plan__title", "plan_id", "position")
    )


class EventForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    starts_on = date_field(_("Начало"))
    ends_on = date_field(_("Окончание"))
    directions = forms.MultipleChoiceField(
        label=_("Направления"),
        choices=Direction.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    roadmap_item = RoadmapItemField(
        label=_("Пункт дорожной карты"),
        queryset=PlanItem.objects.none(),
        required=False,
        empty_label=_("— не выбран —"),
        help_text=_("мероприятие выполняет этот пункт регионального или муниципального плана"),
    )

    class Meta:
        model = Event
        fields = [
            "municipality",
            "form",
            "title",
            "starts_on",
            "ends_on",
            "date_text",
            "organiser",
            "link",
            "hours",
            "audience",
            "participants_text",
            "planned_coverage",
            "coverage_basis",
            "directions",
            "roadmap_item",
            "roadmap_item_ref",
        ]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "participants_text": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, region: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.region = region
        g = grant(user, Cap.EVENT_MANAGE)
        self.region_level = g.everything or region.pk in g.regions
        self.fields["municipality"].queryset = Municipality.objects.for_user(
            user, Cap.EVENT_MANAGE
        ).filter(region=region)
        self.fields["municipality"].required = not self.region_level
        # The choices are the only ids the form accepts, so a hand-posted id of an item outside
        # the user's scope fails validation like any other invalid choice.
        limit_choices(
            self, "roadmap_item", roadmap_items(user, region, self.instance.roadmap_item_id)
        )
        self.fields["roadmap_item_ref"].help_text = _(
            "как написано в отчёте или таблице; показывается, если пункт не выбран"
        )
        self.fields["participants_text"].help_text = _(
            "как в отчёте: «Педагоги из 5 ОО – 146 человек»; числа по категориям посчитаются сами"
        )

    def clean_link(self) -> str:
        link = self.cleaned_data["link"].strip()
        if link and not link.startswith(("http://", "https://")):
            raise forms.ValidationError(_("Ссылка должна начинаться с http:// или https://"))
        return link

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("Окончание не может быть раньше начала."))
        return data


class EventFilter(FilterForm):
    year = forms.IntegerField(label=_("Год"), min_value=2000, max_value=2100)
    start = date_field(_("С"))
    end = date_field(_("По"))
    form = forms.ChoiceField(label=_("Форма"), choices=[("", _("все")), *Event.Form.choices])
    level = forms.ChoiceField(
        label=_("Уровень"),
        choices=[("", _("все")), ("region", _("региональные")), ("municipal", _("муниципальные"))],
    )
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), empty_label=_("все")
    )
    direction = forms.ChoiceField(
        label=_("Направление"), choices=[("", _("все")), *Direction.choices]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.for_user(user)


class ParticipantsForm(StyledMixin, forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("Люди"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Школы"),
        queryset=School.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    role = forms.CharField(label=_("В качестве"), required=False, max_length=100)

    def __init__(self, *args: Any, user: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Person.objects.for_user(user).filter(region=event.region_id, is_active=True)
        schools = School.objects.for_user(user).filter(municipality__region=event.region_id)
        if event.municipality_id:
            people = people.filter(municipality=event.municipality_id)
            schools = schools.filter(municipality=event.municipality_id)
        self.fields["people"].queryset = people.select_related("school")
        self.fields["schools"].queryset = schools.active().select_related("municipality")


class PeriodForm(StyledMixin, forms.Form):
    starts_on = date_field(_("Период с"))
    ends_on = date_field(_("Период по"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("Конец периода раньше начала."))
        return data


class ReportForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    tasks_text = forms.CharField(
        label=_("Задачи и их решение"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("по одной в строке: «задача | как решена»"),
    )

    class Meta:
        model = PeriodReport
        fields = [
            "title",
            "goal",
            "analysis",
            "difficulties",
            "good_practices",
            "next_goal",
            "next_tasks",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 10 if name == "difficulties" else 4})
            for name in (
                "goal",
                "analysis",
                "difficulties",
                "good_practices",
                "next_goal",
                "next_tasks",
            )
        }

    def __init__(
        self,
        *args: Any,
        draft: DifficultiesDraft | None = None,
        tasks: TasksDraft | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tasks_text"].initial = tasks_text(self.instance.tasks)
        if tasks is not None:
            if tasks.tasks:
                plans = ", ".join(f"«{p.title}»" for p in tasks.plans)
                self.fields["tasks_text"].help_text = _(
                    "по одной в строке: «задача | как решена»; черновик — мероприятия дорожной "
                    "карты %(plans)s со сроком в этом периоде и их исполнение по отчётам"
                ) % {"plans": plans}
                if not self.is_bound and not self.instance.tasks:
                    self.fields["tasks_text"].initial = tasks_text(tasks.rows)
            else:
                self.fields["tasks_text"].help_text = _(
                    "по одной в строке: «задача | как решена»; в региональных дорожных картах нет "
                    "мероприятий со сроком в этом периоде — напишите вручную"
                )
        help_text: Any = _("по направлениям: «по направлению «Воспитание» — …»")
        campaign = draft.campaign if draft is not None else None
        if draft is not None and campaign is None:
            help_text = _(
                "завершённой кампании самодиагностики нет — черновик по данным составить не из "
                "чего; напишите вручную"
            )
        elif draft is not None and campaign is not None:
            help_text = _(
                "черновик — по самодиагностике «%(c)s» (приём закрыт %(d)s); правьте свободно: "
                "в DOCX войдёт сохранённый текст"
            ) % {"c": campaign.title, "d": f"{campaign.closes_on:%d.%m.%Y}"}
            if not self.is_bound and not self.instance.difficulties:
                self.initial["difficulties"] = draft.text
        self.fields["difficulties"].help_text = help_text
        self.fields["analysis"].help_text = _(
            "пусто — в отчёт войдёт черновик, составленный по данным о мероприятиях"
        )

    def save(self, commit: bool = True) -> PeriodReport:
        self.instance.tasks = parse_tasks(self.cleaned_data.get("tasks_text", ""))
        return super().save(commit=commit)


def month_start(text: str | None) -> dt.date:
    """The first day of ``YYYY-MM`` (or of the current month)."""
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)
