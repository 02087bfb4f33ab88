"""The registry of a region: municipalities, schools, people and their roles."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marshrut.lib.concurrency import Versioned
from marshrut.orgs.access import grant
from marshrut.orgs.roles import ROLES, Cap, Node, Role
from marshrut.orgs.validators import validate_inn, validate_ogrn, validate_oktmo


class FederalDistrict(models.Model):
    """A federal district (Сибирский, Уральский…): an optional node between the country and regions."""

    name = models.CharField(_("наименование"), max_length=200, unique=True)
    code = models.CharField(_("сокращение"), max_length=10, unique=True)

    class Meta:
        verbose_name = _("федеральный округ")
        verbose_name_plural = _("федеральные округа")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Russia spans eleven zones; a region keeps its own, and «today», deadlines and reminders follow it.
TIME_ZONES = [
    ("Europe/Kaliningrad", _("Калининград (МСК−1)")),
    ("Europe/Moscow", _("Москва (МСК)")),
    ("Europe/Samara", _("Самара (МСК+1)")),
    ("Asia/Yekaterinburg", _("Екатеринбург (МСК+2)")),
    ("Asia/Omsk", _("Омск (МСК+3)")),
    ("Asia/Krasnoyarsk", _("Красноярск (МСК+4)")),
    ("Asia/Irkutsk", _("Иркутск (МСК+5)")),
    ("Asia/Yakutsk", _("Якутск (МСК+6)")),
    ("Asia/Vladivostok", _("Владивосток (МСК+7)")),
    ("Asia/Magadan", _("Магадан (МСК+8)")),
    ("Asia/Kamchatka", _("Камчатка (МСК+9)")),
]


def default_time_zone() -> str:
    """A new region's zone: the installation's TIME_ZONE when it is one of Russia's, else Moscow."""
    zones = {zone for zone, _label in TIME_ZONES}
    return settings.TIME_ZONE if settings.TIME_ZONE in zones else "Europe/Moscow"


class RegionQuerySet(models.QuerySet["Region"]):
    def for_user(
        self, user: Any, cap: Cap = Cap.SCHOOL_VIEW, *, whole: bool = False
    ) -> RegionQuerySet:
        """The regions in which the user holds the capability somewhere: the one region rule.

        A municipal or school role puts the user in the region of that municipality or school;
        with ``whole`` only the regions where the capability holds on the whole region count (a
        regional role, or one above the regions): those whose own things the user keeps.
        """
        g = grant(user, cap)
        if g.everything:
            return self.all()
        q = Q(pk__in=g.regions)
        if whole:
            return self.filter(q)
        if g.municipalities:
            q |= Q(municipalities__in=g.municipalities)
        if g.schools:
            q |= Q(municipalities__schools__in=g.schools)
        return self.filter(pk__in=Region.objects.filter(q).values("pk"))


class Region(models.Model):
    """A subject of the Federation whose operator runs the Project (e.g. Тюменская область)."""

    name = models.CharField(_("наименование"), max_length=200, unique=True)
    code = models.CharField(_("код субъекта"), max_length=2, unique=True)
    operator_name = models.CharField(_("региональный оператор"), max_length=200, blank=True)
    department_name = models.CharField(
        _("орган управления образованием"), max_length=300, blank=True
    )
    district = models.ForeignKey(
        FederalDistrict,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="regions",
        verbose_name=_("федеральный округ"),
    )
    time_zone = models.CharField(
        _("часовой пояс"), max_length=40, choices=TIME_ZONES, default=default_time_zone
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def now(self) -> dt.datetime:
        """This instant on the region's clocks."""
        return timezone.localtime(timezone.now(), self.tz)

    def today(self) -> dt.date:
        """The date in the region now: what «today», «overdue» and «due this week» mean there."""
        return self.now().date()


class MunicipalityQuerySet(models.QuerySet["Municipality"]):
    def for_user(self, user: Any, cap: Cap = Cap.MUNICIPALITY_VIEW) -> MunicipalityQuerySet:
        g = grant(user, cap)
        q = g.q(region="region_id", municipality="id", school="")
        if g.schools and not g.everything:
            q |= Q(id__in=School.objects.filter(id__in=g.schools).values("municipality_id"))
        return self.filter(q)


class Municipality(Versioned):
    class Kind(models.TextChoices):
        URBAN_DISTRICT = "urban_district", _("городской округ")
        MUNICIPAL_DISTRICT = "municipal_district", _("муниципальный район")
        MUNICIPAL_OKRUG = "municipal_okrug", _("муниципальный округ")
        CLOSED_TOWN = "closed_town", _("ЗАТО")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="municipalities")
    name = models.CharField(_("наименование"), max_length=200)
    oktmo = models.CharField(_("ОКТМО"), max_length=11, unique=True, validators=[validate_oktmo])
    kind = models.CharField(
        _("вид"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPAL_DISTRICT
    )
    centre = models.CharField(_("административный центр"), max_length=200, blank=True)
    neighbours = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("соседние муниципалитеты")
    )
    is_active = models.BooleanField(_("действует"), default=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("муниципалитет")
        verbose_name_plural = _("муниципалитеты")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="municipality_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolQuerySet(models.QuerySet["School"]):
    def for_user(self, user: Any, cap: Cap = Cap.SCHOOL_VIEW) -> SchoolQuerySet:
        return self.filter(
            grant(user, cap).q(
                region="municipality__region_id", municipality="municipality_id", school="id"
            )
        )

    def active(self) -> SchoolQuerySet:
        return self.filter(is_active=True)


class School(Versioned):
    """A general-education organisation (ОО), a legal entity identified by its INN."""

    class Settlement(models.TextChoices):
        URBAN = "urban", _("городская")
        RURAL = "rural", _("сельская")

    class Kind(models.TextChoices):
        SOSH = "sosh", _("средняя общеобразовательная школа")
        OOSH = "oosh", _("основная общеобразовательная школа")
        NOSH = "nosh", _("начальная общеобразовательная школа")
        GYMNASIUM = "gymnasium", _("гимназия")
        LYCEUM = "lyceum", _("лицей")
        UIOP = "uiop", _("школа с углублённым изучением предметов")
        BOARDING = "boarding", _("школа-интернат")
        CADET = "cadet", _("кадетская школа")
        SPECIAL = "special", _("школа для обучающихся с ОВЗ")
        EVENING = "evening", _("вечерняя (сменная) школа")
        CENTRE = "centre", _("центр образования")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="schools",
        verbose_name=_("муниципалитет"),
    )
    full_name = models.CharField(_("полное наименование"), max_length=500)
    short_name = models.CharField(_("краткое наименование"), max_length=200)
    inn = models.CharField(_("ИНН"), max_length=10, unique=True, validators=[validate_inn])
    ogrn = models.CharField(
        _("ОГРН"), max_length=13, unique=True, null=True, blank=True, validators=[validate_ogrn]
    )
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.SOSH)
    settlement = models.CharField(
        _("местность"), max_length=10, choices=Settlement.choices, default=Settlement.URBAN
    )
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    offers_noo = models.BooleanField(_("начальное общее (НОО)"), default=True)
    offers_ooo = models.BooleanField(_("основное общее (ООО)"), default=True)
    offers_soo = models.BooleanField(_("среднее общее (СОО)"), default=True)
    teaches_ovz = models.BooleanField(_("обучаются дети с ОВЗ"), default=False)
    pupils = models.PositiveIntegerField(_("число обучающихся"), null=True, blank=True)
    is_shnor = models.BooleanField(
        _("ШНОР"), default=False, help_text=_("школа с низкими образовательными результатами")
    )
    is_rip = models.BooleanField(
        _("РИП"), default=False, help_text=_("региональная инновационная площадка")
    )
    is_pilot = models.BooleanField(_("пилотная школа"), default=False)
    phone = models.CharField(_("телефон"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("сайт"), blank=True)
    is_active = models.BooleanField(_("действует"), default=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("школа")
        verbose_name_plural = _("школы")
        ordering = ["municipality__name", "short_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(offers_noo=True) | Q(offers_ooo=True) | Q(offers_soo=True),
                name="school_offers_some_level",
                violation_error_message=_(
                    "Школа должна реализовывать хотя бы один уровень образования."
                ),
            ),
            models.CheckConstraint(
                condition=Q(pupils__gte=0) | Q(pupils__isnull=True),
                name="school_pupils_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def levels(self) -> list[str]:
        return [
            code
            for code, on in (
                ("НОО", self.offers_noo),
                ("ООО", self.offers_ooo),
                ("СОО", self.offers_soo),
            )
            if on
        ]

    @property
    def region_id(self) -> int:
        return self.municipality.region_id


class PersonQuerySet(models.QuerySet["Person"]):
    def for_user(self, user: Any, cap: Cap = Cap.PERSON_VIEW) -> PersonQuerySet:
        return self.filter(
            grant(user, cap).q(
                region="region_id", municipality="municipality_id", school="school_id"
            )
        )


class Person(Versioned):
    """Somebody the operator works with; a login (``user``) is optional."""

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        help_text=_("пусто у сотрудников федерального уровня"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("муниципалитет"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("школа"),
    )
    last_name = models.CharField(_("фамилия"), max_length=100)
    first_name = models.CharField(_("имя"), max_length=100)
    middle_name = models.CharField(_("отчество"), max_length=100, blank=True)
    position = models.CharField(_("должность"), max_length=300, blank=True)
    workplace = models.CharField(
        _("место работы"),
        max_length=300,
        blank=True,
        help_text=_("для сотрудников не школ: ТОГИРРО, МОУО, департамент…"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("телефон"), max_length=100, blank=True)
    in_reserve = models.BooleanField(_("в кадровом резерве (ЕРКР)"), default=False)
    reserve_position = models.CharField(_("резерв на должность"), max_length=300, blank=True)
    notes = models.TextField(_("примечания"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("учётная запись"),
    )
    is_active = models.BooleanField(_("действует"), default=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("человек")
        verbose_name_plural = _("люди")
        ordering = ["last_name", "first_name", "middle_name"]
        indexes = [models.Index(fields=["last_name", "first_name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=True) | Q(municipality__isnull=False),
                name="person_school_within_municipality",
                violation_error_message=_("У сотрудника школы должен быть указан муниципалитет."),
            ),
            models.CheckConstraint(
                condition=Q(in_reserve=True) | Q(reserve_position=""),
                name="person_reserve_position_needs_reserve",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, on: Any = None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(started_on__lte=day), Q(ended_on__isnull=True) | Q(ended_on__gte=day))

    def for_user(self, user: Any, cap: Cap = Cap.PERSON_VIEW) -> MembershipQuerySet:
        return self.filter(person__in=Person.objects.for_user(user, cap))

    def mailable(self) -> MembershipQuerySet:
        """Roles held today by active people who have an e-mail address: whom mail can reach."""
        return self.active().filter(person__is_active=True).exclude(person__email="")


class Membership(models.Model):
    """A role held by a person on a node of the hierarchy, or on the schools assigned to them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("роль"), max_length=30, choices=Role.choices)
    district = models.ForeignKey(
        FederalDistrict,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("федеральный округ"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    schools = models.ManyToManyField(
        School,
        blank=True,
        related_name="assigned_memberships",
        verbose_name=_("закреплённые школы"),
    )
    started_on = models.DateField(_("с"), default=timezone.localdate)
    ended_on = models.DateField(_("по"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("роль")
        verbose_name_plural = _("роли")
        ordering = ["role", "started_on"]
        constraints = [
            # At most one node: the one the role's kind says (checked in full by the actions);
            # none, or a federal district, for a role held above the regions.
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, municipality__isnull=True, school__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=False, school__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=True, school__isnull=False)
                    | Q(region__isnull=True, municipality__isnull=True, school__isnull=True)
                )
                & (
                    Q(district__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=True, school__isnull=True)
                ),
                name="membership_one_node_or_above",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="membership_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.node_label}"

    @property
    def node_kind(self) -> Node:
        return ROLES[self.role].node

    @property
    def node_label(self) -> str:
        node = self.school or self.municipality or self.region or self.district
        if node is None and self.node_kind == Node.COUNTRY:
            return str(_("вся страна"))
        return str(node) if node else ""


def get_municipality_for_user(user: Any, pk: int, cap: Cap = Cap.MUNICIPALITY_VIEW) -> Municipality:
    return get_object_or_404(
        Municipality.objects.for_user(user, cap).select_related("region"), pk=pk
    )


def get_school_for_user(user: Any, pk: int, cap: Cap = Cap.SCHOOL_VIEW) -> School:
    return get_object_or_404(
        School.objects.for_user(user, cap).select_related("municipality__region"), pk=pk
    )


def get_person_for_user(user: Any, pk: int, cap: Cap = Cap.PERSON_VIEW) -> Person:
    return get_object_or_404(
        Person.objects.for_user(user, cap).select_related(
            "region", "municipality", "school", "user"
        ),
        pk=pk,
    )


def get_membership_for_user(user: Any, pk: int, cap: Cap = Cap.MEMBERSHIP_MANAGE) -> Membership:
    return get_object_or_404(Membership.objects.for_user(user, cap).select_related("person"), pk=pk)
