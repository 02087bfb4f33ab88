"""Forms of the networks: each edit form carries the version it was built from."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.events.forms import date_field
from marshrut.events.models import Event
from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.lib.listing import FilterForm
from marshrut.networks.models import (
    GROUP_DIRECTIONS,
    SITE_DIRECTIONS,
    GroupMember,
    GroupStage,
    ProjectGroup,
    Site,
)
from marshrut.orgs.models import Municipality, Person, Region, School
from marshrut.orgs.roles import Cap


def _region_events(region: Region) -> Any:
    return Event.objects.filter(region=region).order_by("-starts_on", "pk")


def _event_label(event: Event) -> str:
    return f"{event.dates} — {str(event)[:90]}"


class EventsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _event_label(obj)


class GroupForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    events = EventsField(
        label=_("Мероприятия группы"),
        queryset=Event.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("сессии, семинары, дни агломерации, в которых работала группа"),
    )
    standard_stages = forms.BooleanField(
        label=_("Создать три этапа года (дистанционная работа, очные сессии, оценка)"),
        required=False,
        initial=True,
    )

    class Meta:
        model = ProjectGroup
        fields = ["year", "direction", "title", "goal"]
        widgets = {"goal": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.region = region
        self.fields["events"].queryset = _region_events(region)
        if self.instance.pk:
            self.fields["events"].initial = list(self.instance.events.values_list("pk", flat=True))
            del self.fields["standard_stages"]
        else:
            self.fields["year"].initial = region.today().year


class MemberForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    class Meta:
        model = GroupMember
        fields = [
            "person",
            "full_name",
            "organisation",
            "position",
            "school",
            "municipality",
            "category",
            "role",
        ]

    def __init__(self, *args: Any, user: Any, group: ProjectGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.group = group
        self.fields["person"].queryset = (
            Person.objects.for_user(user, Cap.PERSON_VIEW)
            .filter(region_id=group.region_id, is_active=True)
            .order_by("last_name", "first_name")
        )
        self.fields["school"].queryset = School.objects.filter(
            municipality__region_id=group.region_id, is_active=True
        ).order_by("short_name")
        self.fields["municipality"].queryset = Municipality.objects.filter(
            region_id=group.region_id
        ).order_by("name")
        self.fields["school"].help_text = _("для участника от школы; муниципалитет — по школе")


class StageForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    starts_on = date_field(_("Начало"))
    ends_on = date_field(_("Окончание"))

    class Meta:
        model = GroupStage
        fields = ["number", "kind", "title", "starts_on", "ends_on", "status", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, group: ProjectGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.group = group
        self.fields["number"].required = False
        self.fields["number"].help_text = _("пусто — следующий по порядку")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("Окончание этапа не может быть раньше начала."))
        return data


class SiteForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    starts_on = date_field(_("Назначена с"))
    ends_on = date_field(_("По"))
    events = EventsField(
        label=_("Мероприятия на площадке"),
        queryset=Event.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("стажировки, практикумы, семинары, которые площадка провела"),
    )

    class Meta:
        model = Site
        fields = [
            "kind",
            "school",
            "person",
            "direction",
            "theme",
            "starts_on",
            "ends_on",
            "capacity",
            "capacity_unit",
            "order",
        ]

    def __init__(self, *args: Any, user: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.region = region
        self.fields["school"].queryset = School.objects.filter(
            municipality__region=region, is_active=True
        ).order_by("short_name")
        self.fields["person"].queryset = (
            Person.objects.for_user(user, Cap.PERSON_VIEW)
            .filter(region=region, school__isnull=False, is_active=True)
            .order_by("last_name", "first_name")
        )
        self.fields["events"].queryset = _region_events(region)
        if self.instance.pk:
            self.fields["events"].initial = list(self.instance.events.values_list("pk", flat=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("Окончание периода не может быть раньше начала."))
        if data.get("kind") == Site.Kind.RMA and not data.get("person"):
            self.add_error("person", _("Для методиста РМА выберите человека."))
        return data


class GroupFilter(FilterForm):
    year = forms.IntegerField(label=_("Год"))
    direction = forms.ChoiceField(
        label=_("Направление"), choices=[("", _("все направления")), *GROUP_DIRECTIONS]
    )


class SiteFilter(FilterForm):
    kind = forms.ChoiceField(label=_("Вид"), choices=[("", _("все виды")), *Site.Kind.choices])
    direction = forms.ChoiceField(
        label=_("Направление"), choices=[("", _("все направления")), *SITE_DIRECTIONS]
    )
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none()
    )
    current = forms.BooleanField(label=_("только действующие"))

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(
            region__in=regions
        ).order_by("name")
