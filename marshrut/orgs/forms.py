"""Forms of the registry pages; choices are always limited to what the user may touch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.lib.listing import FilterForm
from marshrut.orgs.access import grant
from marshrut.orgs.models import Municipality, Person, Region, School
from marshrut.orgs.roles import ROLES, Cap, Node, Role
from marshrut.orgs.validators import clean_inn, clean_ogrn, clean_oktmo

YES_NO = [("", _("все")), ("1", _("да")), ("0", _("нет"))]


class RegionForm(StyledMixin, forms.ModelForm):
    """What the operator sets for the region: its names, its time zone and federal district."""

    class Meta:
        model = Region
        fields = ["name", "department_name", "time_zone", "district"]
        help_texts = {
            "time_zone": _("по нему считаются «сегодня», просрочка, напоминания и окна кампаний"),
        }


class MunicipalityForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    class Meta:
        model = Municipality
        fields = ["name", "oktmo", "kind", "centre", "neighbours", "is_active"]
        widgets = {"neighbours": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.region = region
        qs = Municipality.objects.filter(region=region)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        self.fields["neighbours"].queryset = qs

    def clean_oktmo(self) -> str:
        return clean_oktmo(self.cleaned_data["oktmo"])


class SchoolForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    """Everything about a school: for those who manage the registry."""

    website = forms.URLField(label=_("сайт"), required=False, assume_scheme="https")

    class Meta:
        model = School
        fields = [
            "municipality",
            "full_name",
            "short_name",
            "inn",
            "ogrn",
            "kind",
            "settlement",
            "address",
            "offers_noo",
            "offers_ooo",
            "offers_soo",
            "teaches_ovz",
            "pupils",
            "is_shnor",
            "is_rip",
            "is_pilot",
            "phone",
            "email",
            "website",
            "is_active",
        ]
        widgets = {
            "full_name": forms.Textarea(attrs={"rows": 2}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.for_user(
            user, Cap.SCHOOL_MANAGE
        )

    def clean_inn(self) -> str:
        return clean_inn(self.cleaned_data["inn"])

    def clean_ogrn(self) -> str | None:
        value = self.cleaned_data.get("ogrn")
        return clean_ogrn(value) if value else None


class SchoolContactsForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    """What a municipal coordinator or a school team may correct about a school."""

    website = forms.URLField(label=_("сайт"), required=False, assume_scheme="https")

    class Meta:
        model = School
        fields = ["address", "phone", "email", "website", "pupils"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class PersonForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "last_name",
            "first_name",
            "middle_name",
            "position",
            "workplace",
            "municipality",
            "school",
            "email",
            "phone",
            "in_reserve",
            "reserve_position",
            "notes",
            "is_active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.region = region
        self.user = user
        self.fields["municipality"].queryset = Municipality.objects.for_user(user, Cap.PERSON_EDIT)
        self.fields["school"].queryset = School.objects.for_user(
            user, Cap.PERSON_EDIT
        ).select_related("municipality")
        self.fields["municipality"].help_text = _("для сотрудников школы заполняется по школе")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        school, municipality = data.get("school"), data.get("municipality")
        if school is not None:
            data["municipality"] = school.municipality
        elif municipality is None:
            # People of the region level (operator staff, department) only for region editors.
            g = grant(self.user, Cap.PERSON_EDIT)
            if not (g.everything or self.instance.region_id in g.regions):
                self.add_error("municipality", _("Укажите муниципалитет или школу."))
        if data.get("reserve_position") and not data.get("in_reserve"):
            self.add_error("reserve_position", _("Должность резерва указывается только для ЕРКР."))
        return data


class MembershipForm(StyledMixin, forms.Form):
    role = forms.ChoiceField(label=_("Роль"), choices=Role.choices)
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), required=False
    )
    school = forms.ModelChoiceField(
        label=_("Школа"), queryset=School.objects.none(), required=False
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Закреплённые школы"),
        queryset=School.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("для куратора и наставника"),
    )
    started_on = forms.DateField(
        label=_("Действует с"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.for_user(
            user, Cap.MEMBERSHIP_MANAGE
        )
        schools = School.objects.for_user(user, Cap.MEMBERSHIP_MANAGE).select_related(
            "municipality"
        )
        self.fields["school"].queryset = schools
        self.fields["schools"].queryset = schools

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        role = data.get("role")
        if not role:
            return data
        node = ROLES[role].node
        if node == Node.MUNICIPALITY and not data.get("municipality"):
            self.add_error("municipality", _("Для этой роли выберите муниципалитет."))
        if node == Node.SCHOOL and not data.get("school"):
            self.add_error("school", _("Для этой роли выберите школу."))
        if node == Node.ASSIGNED and not data.get("schools"):
            self.add_error(
                "schools", _("Закрепите за куратором или наставником хотя бы одну школу.")
            )
        return data


class AccountForm(StyledMixin, forms.Form):
    username = forms.SlugField(label=_("Имя пользователя (логин)"), max_length=150)


class MunicipalityFilter(FilterForm):
    kind = forms.ChoiceField(label=_("Вид"), choices=[("", _("все")), *Municipality.Kind.choices])


class SchoolFilter(FilterForm):
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), empty_label=_("все")
    )
    kind = forms.ChoiceField(label=_("Тип"), choices=[("", _("все")), *School.Kind.choices])
    settlement = forms.ChoiceField(
        label=_("Местность"), choices=[("", _("все")), *School.Settlement.choices]
    )
    level = forms.ChoiceField(
        label=_("Уровень"), choices=[("", _("все")), ("noo", "НОО"), ("ooo", "ООО"), ("soo", "СОО")]
    )
    shnor = forms.ChoiceField(label=_("ШНОР"), choices=YES_NO)
    rip = forms.ChoiceField(label=_("РИП"), choices=YES_NO)
    pilot = forms.ChoiceField(label=_("Пилотная"), choices=YES_NO)
    ovz = forms.ChoiceField(label=_("Дети с ОВЗ"), choices=YES_NO)
    active = forms.ChoiceField(label=_("Действует"), choices=YES_NO, initial="1")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.for_user(user)


class PersonFilter(FilterForm):
    role = forms.ChoiceField(label=_("Роль"), choices=[("", _("все")), *Role.choices])
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), empty_label=_("все")
    )
    reserve = forms.ChoiceField(label=_("ЕРКР"), choices=YES_NO)
    account = forms.ChoiceField(label=_("Учётная запись"), choices=YES_NO)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.for_user(user)
