"""Forms of the roadmap pages; choices are limited to what the user may touch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.diagnostics.models import CriteriaVersion
from marshrut.kernels.criteria import Catalogue
from marshrut.lib.concurrency import VersionedFormMixin
from marshrut.lib.forms import StyledMixin
from marshrut.lib.listing import FilterForm
from marshrut.lib.uploads import EVIDENCE, PLAN_DOCUMENT, MultiUploadField, UploadField
from marshrut.orgs.models import Municipality, Region, School
from marshrut.orgs.roles import Cap
from marshrut.plans.models import (
    DIRECTION_CHOICES,
    ControlDate,
    ItemStatus,
    Level,
    Measure,
    Organisation,
    PlanItem,
    Programme,
)


class OwnerMixin(forms.Form):
    """Level and owner of a plan: the region, one municipality or one school."""

    level = forms.ChoiceField(label=_("Уровень"), choices=Level.choices)
    region = forms.ModelChoiceField(
        label=_("Регион"), queryset=Region.objects.none(), required=False
    )
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), required=False
    )
    school = forms.ModelChoiceField(
        label=_("Школа"), queryset=School.objects.none(), required=False
    )

    def setup_owner(self, user: Any, region: Region | None) -> None:
        """Owners the user may choose, in the chosen region (every region of theirs if none)."""
        regions = Region.objects.for_user(user, Cap.PLAN_MANAGE, whole=True)
        municipalities = Municipality.objects.for_user(user, Cap.PLAN_MANAGE)
        schools = School.objects.for_user(user, Cap.PLAN_MANAGE).select_related("municipality")
        if region is not None:
            regions = regions.filter(pk=region.pk)
            municipalities = municipalities.filter(region=region)
            schools = schools.filter(municipality__region=region)
        self.fields["region"].queryset = regions
        self.fields["municipality"].queryset = municipalities
        self.fields["school"].queryset = schools
        has_regions = regions.exists()
        self.fields["level"].choices = [
            (value, label)
            for value, label in Level.choices
            if (value == Level.REGION and has_regions)
            or (value == Level.MUNICIPALITY and municipalities.exists())
            or value == Level.SCHOOL
        ]
        if region is not None and has_regions:
            self.fields["region"].initial = region

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        need = {"region": "region", "municipality": "municipality", "school": "school"}.get(
            str(data.get("level") or "")
        )
        if need and not data.get(need):
            queryset = self.fields[need].queryset  # type: ignore[attr-defined]
            if queryset.count() == 1:
                data[need] = queryset.first()
            else:
                self.add_error(need, _("Укажите, чья это дорожная карта."))
        return data


class UploadForm(StyledMixin, OwnerMixin):
    file = UploadField(label=_("Документ (DOCX, XLSX, XLS, PDF или TXT)"), policy=PLAN_DOCUMENT)
    year = forms.IntegerField(label=_("Год плана"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("Название"),
        max_length=500,
        required=False,
        help_text=_("если не указать — «Дорожная карта: владелец, год»"),
    )
    field_order = ["file", "year", "level", "region", "municipality", "school", "title"]

    def __init__(self, *args: Any, user: Any, region: Region | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_owner(user, region)
        self.fields["year"].initial = timezone.localdate().year


class PlanForm(StyledMixin, OwnerMixin):
    title = forms.CharField(label=_("Название"), max_length=500)
    year = forms.IntegerField(label=_("Год плана"), min_value=2000, max_value=2100)
    field_order = ["title", "year", "level", "region", "municipality", "school"]

    def __init__(self, *args: Any, user: Any, region: Region | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_owner(user, region)
        self.fields["year"].initial = timezone.localdate().year


ROW_TEXT_FIELDS = (
    "section_number",
    "section_title",
    "number",
    "title",
    "responsible_text",
    "expected_result",
    "indicator",
)


class DraftRowForm(StyledMixin, forms.Form):
    section_number = forms.CharField(label=_("№ раздела"), max_length=20, required=False)
    section_title = forms.CharField(label=_("Раздел"), max_length=500, required=False)
    number = forms.CharField(label=_("№"), max_length=20, required=False)
    title = forms.CharField(label=_("Мероприятие"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible_text = forms.CharField(
        label=_("Ответственные"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    expected_result = forms.CharField(
        label=_("Ожидаемый результат"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    indicator = forms.CharField(
        label=_("Показатель"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    delete = forms.BooleanField(label=_("Удалить строку из плана"), required=False)

    def __init__(self, *args: Any, labels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labels = labels
        for n, label in enumerate(labels):
            field = forms.CharField(label=label, required=False, max_length=500)
            field.widget.attrs["class"] = "form-control"
            self.fields[f"deadline_{n}"] = field
        order = ["section_number", "section_title", "number", "title"]
        order += [f"deadline_{n}" for n in range(len(labels))]
        order += ["responsible_text", "expected_result", "indicator", "delete"]
        self.order_fields(order)

    @staticmethod
    def initial_for(row: dict[str, Any]) -> dict[str, Any]:
        initial = {k: row.get(k, "") for k in ROW_TEXT_FIELDS}
        for n, text in enumerate(row.get("deadline_texts", [])):
            initial[f"deadline_{n}"] = text
        return initial

    def row(self, old: dict[str, Any]) -> dict[str, Any]:
        data = self.cleaned_data
        row = dict(old)
        for key in ROW_TEXT_FIELDS:
            row[key] = data[key].strip()
        row["deadline_texts"] = [data[f"deadline_{n}"].strip() for n in range(len(self.labels))]
        if row.get("scan"):
            # The operator compared the row with the document: a scanned row is confirmed.
            row["scan"] = {**row["scan"], "confirmed": True}
        return row


class MappingForm(StyledMixin, forms.Form):
    """Unknown responsible names → organisations of the dictionary."""

    def __init__(
        self, *args: Any, names: list[str], region: Region, remember: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.names = names
        organisations = Organisation.objects.filter(region=region)
        for n, name in enumerate(names):
            self.fields[f"map_{n}"] = forms.ModelChoiceField(
                label=name,
                queryset=organisations,
                required=False,
                empty_label=_("— оставить текстом —"),
            )
            self.fields[f"map_{n}"].widget.attrs["class"] = "form-select"
        if remember:
            self.fields["remember"] = forms.BooleanField(
                label=_("Запомнить эти написания в справочнике организаций"),
                required=False,
                initial=True,
            )

    def mappings(self) -> dict[str, Organisation]:
        return {
            name: self.cleaned_data[f"map_{n}"]
            for n, name in enumerate(self.names)
            if self.cleaned_data.get(f"map_{n}")
        }


class ReportForm(VersionedFormMixin, StyledMixin, forms.Form):
    """A progress report; carries the item's version, so that a report made on a page opened
    before someone else changed the item's status is refused with what changed."""

    status = forms.ChoiceField(label=_("Исполнение"), choices=ItemStatus.choices)
    control_date = forms.ModelChoiceField(
        label=_("Контрольная дата, за которую отчёт"),
        queryset=ControlDate.objects.none(),
        required=False,
        empty_label="—",
    )
    comment = forms.CharField(
        label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    actual_value = forms.DecimalField(
        label=_("Фактическое значение показателя"),
        required=False,
        max_digits=12,
        decimal_places=2,
    )
    links = forms.CharField(
        label=_("Ссылки на подтверждающие материалы"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("по одной в строке"),
    )
    evidence = MultiUploadField(
        label=_("Подтверждающие документы"), policy=EVIDENCE, required=False
    )

    def __init__(self, *args: Any, item: PlanItem, **kwargs: Any) -> None:
        self.instance = item
        super().__init__(*args, **kwargs)
        dates = item.control_dates.filter(met_on__isnull=True)
        field = self.fields["control_date"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = dates
        field.label_from_instance = lambda c: c.due_on.strftime("%d.%m.%Y")  # type: ignore[method-assign,assignment]
        first = dates.first()
        if first:
            field.initial = first.pk
        self.fields["status"].initial = (
            ItemStatus.IN_PROGRESS if item.status == ItemStatus.PLANNED else item.status
        )

    def clean_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = URLValidator(schemes=["http", "https"])
        for link in links:
            try:
                validate(link)
            except ValidationError:
                raise ValidationError(
                    _("«%(link)s» — не адрес страницы (нужно http:// или https://).")
                    % {"link": link}
                ) from None
        return links


class ItemForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    directions = forms.MultipleChoiceField(
        label=_("Направления модели"),
        choices=DIRECTION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PlanItem
        fields = [
            "number",
            "title",
            "deadline_text",
            "federal_deadline_text",
            "responsible_text",
            "expected_result",
            "indicator",
            "directions",
        ]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 3}),
            "deadline_text": forms.TextInput(),
            "federal_deadline_text": forms.TextInput(),
            "responsible_text": forms.Textarea(attrs={"rows": 2}),
            "expected_result": forms.Textarea(attrs={"rows": 3}),
            "indicator": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"deadline_text": _("несколько сроков — через «;»")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = getattr(self.instance, "plan", None)
        if plan is not None and plan.programme == Programme.SHNOR:
            # The region's own deadline is the one monitored; the federal one is kept beside.
            self.fields["deadline_text"].label = _("Срок (региональный)")
        else:
            del self.fields["federal_deadline_text"]


class HandDownForm(StyledMixin, forms.Form):
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Муниципалитеты"),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Школы"),
        queryset=School.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    def __init__(self, *args: Any, item: PlanItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = item.plan
        if plan.level == Level.REGION:
            self.fields["municipalities"].queryset = Municipality.objects.filter(  # type: ignore[attr-defined]
                region_id=plan.region_id, is_active=True
            )
            del self.fields["schools"]
        else:
            self.fields["schools"].queryset = School.objects.filter(  # type: ignore[attr-defined]
                municipality=plan.municipality, is_active=True
            )
            del self.fields["municipalities"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("municipalities") or data.get("schools")):
            raise ValidationError(_("Выберите, кому передать мероприятие."))
        return data


class OrganisationForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    aliases_text = forms.CharField(
        label=_("Другие написания"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("по одному в строке: как организацию называют в документах"),
    )

    class Meta:
        model = Organisation
        fields = ["abbreviation", "full_name"]

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.region = region
        self.fields["aliases_text"].initial = "\n".join(self.instance.aliases or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.instance.aliases = [
            line.strip() for line in data.get("aliases_text", "").splitlines() if line.strip()
        ]
        return data


class PlanFilter(FilterForm):
    year = forms.TypedChoiceField(label=_("Год"), choices=[], coerce=int)
    level = forms.ChoiceField(label=_("Уровень"), choices=[("", _("все")), *Level.choices])
    programme = forms.ChoiceField(
        label=_("Программа"),
        choices=[
            ("", _("все")),
            (Programme.SCHOOL, _("Школа Минпросвещения России")),
            (Programme.SHNOR, _("ШНОР")),
        ],
    )
    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"), queryset=Municipality.objects.none(), empty_label=_("все")
    )

    def __init__(self, *args: Any, user: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("все")), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]
        self.fields["municipality"].queryset = Municipality.objects.for_user(user)  # type: ignore[attr-defined]


class ItemFilter(PlanFilter):
    status = forms.ChoiceField(
        label=_("Исполнение"),
        choices=[
            ("", _("все")),
            ("overdue", _("просрочено")),
            ("soon", _("срок в ближайшие 30 дней")),
            *ItemStatus.choices,
        ],
    )
    organisation = forms.CharField(label=_("Ответственный"), required=False)


# --- the measures library and the approval of school roadmaps -----------------------------------


def latest_catalogue() -> Catalogue | None:
    """The newest criteria catalogue: its indicator codes are what measures refer to."""
    version = CriteriaVersion.objects.order_by("-year", "-loaded_at").first()
    return version.catalogue if version is not None else None


class MeasureForm(VersionedFormMixin, StyledMixin, forms.ModelForm):
    class Meta:
        model = Measure
        fields = [
            "region",
            "indicator",
            "direction",
            "title",
            "expected_result",
            "responsible",
            "is_active",
        ]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "expected_result": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self, *args: Any, region: Region | None, catalogue: Catalogue | None, **kwargs: Any
    ) -> None:
        """``region``: the current region, whose library a new measure joins."""
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        if not self.instance.pk and region is not None:
            self.instance.region = region
        del self.fields["region"]
        if catalogue is not None:
            choices = [
                (code, f"{code} — {i.text[:140]}") for code, i in catalogue.indicators.items()
            ]
            current = self.instance.indicator
            if current and current not in catalogue.indicators:
                choices.append((current, current))
            self.fields["indicator"] = forms.ChoiceField(
                label=_("Показатель"), choices=[("", "—"), *choices]
            )
            self.fields["direction"].required = False
            self.fields["direction"].help_text = _("если не указать — направление показателя")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = str(data.get("indicator") or "")
        if self.catalogue is not None and code in self.catalogue.indicators:
            data["direction"] = self.catalogue.indicators[code].direction
        elif not data.get("direction"):
            self.add_error("direction", _("Укажите направление модели."))
        return data


class MeasureFilter(FilterForm):
    direction = forms.ChoiceField(
        label=_("Направление"), choices=[("", _("все")), *DIRECTION_CHOICES]
    )
    indicator = forms.CharField(label=_("Показатель (код)"))
    active = forms.ChoiceField(
        label=_("Действует"),
        choices=[("", _("все")), ("yes", _("действующие")), ("no", _("недействующие"))],
    )


class SubmitPlanForm(StyledMixin, forms.Form):
    comment = forms.CharField(
        label=_("Комментарий для координатора"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewPlanForm(StyledMixin, forms.Form):
    APPROVE, RETURN = "approve", "return"
    decision = forms.ChoiceField(
        label=_("Решение"),
        choices=[(APPROVE, _("утвердить")), (RETURN, _("вернуть на доработку"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Замечания"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Возвращая дорожную карту, напишите замечания."))
        return data
