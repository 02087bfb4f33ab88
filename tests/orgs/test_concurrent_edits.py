"""Two people edit one school, person or municipality: the later stale save is refused."""

from __future__ import annotations

from django.urls import reverse

from marshrut.orgs.importing import apply_file
from marshrut.orgs.models import Municipality, Person, School
from marshrut.orgs.roles import Role
from tests.concurrent import assert_refused, colleague, edit_form, events_of, race
from tests.conftest import World
from tests.orgs.test_registry_import import SCHOOL_HEADER, school_row, xlsx


def test_stale_school_save_is_refused_and_the_typed_values_kept(world: World) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    url = reverse("orgs:school_edit", args=[world.s1.pk])
    first = {
        "short_name": "МАОУ СОШ № 1 им. Пушкина",
        "kind": "lyceum",
        "municipality": world.m2.pk,
    }
    second = {"short_name": "Школа Б", "phone": "+7 3452 000000"}
    refused, _ = race(url, ivanova, world.client("operator"), first, second)
    before = events_of(world.s1)

    again = assert_refused(
        refused,
        typed={"short_name": "Школа Б", "phone": "+7 3452 000000", "kind": "sosh"},
        shown=["МАОУ СОШ № 1 им. Пушкина", "лицей", "Второй муниципальный район"],
    )
    school = School.objects.get(pk=world.s1.pk)
    assert (school.short_name, school.kind, school.municipality_id, school.phone) == (
        "МАОУ СОШ № 1 им. Пушкина",
        "lyceum",
        world.m2.pk,
        "",
    )
    assert events_of(world.s1) == before  # no silent revert in the audit log
    assert again["version"] == str(school.version) == "2"

    # Having seen the other changes, the second person saves again: it goes through.
    again["kind"] = "lyceum"
    assert world.client("operator").post(url, again).status_code == 302
    school.refresh_from_db()
    assert (school.short_name, school.kind, school.phone, school.version) == (
        "Школа Б",
        "lyceum",
        "+7 3452 000000",
        3,
    )


def test_coordinators_contacts_save_makes_the_operators_open_form_stale(world: World) -> None:
    # Two different forms on one row: the coordinator's contacts form and the operator's full one.
    coordinator = world.client("coordinator")
    operator = world.client("operator")
    url = reverse("orgs:school_edit", args=[world.s1.pk])
    refused, _ = race(url, coordinator, operator, {"pupils": "640"}, {"full_name": "Новое имя"})
    again = assert_refused(
        refused, typed={"full_name": "Новое имя"}, shown=["640"], who="Coordinator Т."
    )
    assert School.objects.get(pk=world.s1.pk).pupils == 640
    # The form keeps what the operator had (no pupils): they take the coordinator's figure over.
    assert again["pupils"] == ""
    again["pupils"] = "640"
    assert operator.post(url, again).status_code == 302
    school = School.objects.get(pk=world.s1.pk)
    assert (school.full_name, school.pupils) == ("Новое имя", 640)


def test_stale_person_save_is_refused(world: World) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    person = world.people["school"]
    url = reverse("orgs:person_edit", args=[person.pk])
    first = {"position": "Заместитель директора", "in_reserve": "on", "school": world.s3.pk}
    second = {"phone": "8 800 000-00-00", "notes": "звонить после обеда"}
    refused, _ = race(url, ivanova, world.client("coordinator"), first, second)
    before = events_of(person)

    again = assert_refused(
        refused,
        typed={"phone": "8 800 000-00-00", "notes": "звонить после обеда"},
        shown=["Заместитель директора", "да", "МАОУ СОШ № 3"],
    )
    person.refresh_from_db()
    assert (person.position, person.in_reserve, person.school_id, person.phone) == (
        "Заместитель директора",
        True,
        world.s3.pk,
        "",
    )
    assert events_of(person) == before
    assert world.client("coordinator").post(url, again).status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.notes) == ("8 800 000-00-00", "звонить после обеда")


def test_stale_municipality_save_is_refused(world: World) -> None:
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    url = reverse("orgs:municipality_edit", args=[world.m1.pk])
    refused, _ = race(
        url,
        ivanova,
        world.client("operator"),
        {"centre": "г. Первогорск", "kind": Municipality.Kind.MUNICIPAL_DISTRICT},
        {"name": "город Первогорск (новое)"},
    )
    assert_refused(
        refused,
        typed={"name": "город Первогорск (новое)"},
        shown=["г. Первогорск", "муниципальный район"],
    )
    m1 = Municipality.objects.get(pk=world.m1.pk)
    assert (m1.name, m1.centre) == ("город Первогорск", "г. Первогорск")


def test_a_save_that_changes_nothing_leaves_open_forms_valid(world: World) -> None:
    # Pressing «Сохранить» without a change must not make a colleague's open form stale.
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    url = reverse("orgs:person_edit", args=[world.p_m2.pk])
    answer, _ = race(url, ivanova, world.client("operator"), {}, {"position": "Директор школы"})
    assert answer.status_code == 302
    person = Person.objects.get(pk=world.p_m2.pk)
    assert (person.position, person.version) == ("Директор школы", 2)


def test_a_registry_import_makes_an_open_school_form_stale(world: World) -> None:
    operator = world.client("operator")
    url = reverse("orgs:school_edit", args=[world.s1.pk])
    opened = edit_form(operator.get(url))
    row = school_row(1, **{"Краткое наименование": "МАОУ СОШ № 1 (из реестра)", "ШНОР": "да"})
    apply_file(world.users["coordinator"], xlsx([SCHOOL_HEADER, row]), "r.xlsx", world.region)
    assert School.objects.get(pk=world.s1.pk).version == 2

    refused = operator.post(url, {**opened, "phone": "8 800"})
    assert_refused(
        refused, typed={"phone": "8 800"}, shown=["МАОУ СОШ № 1 (из реестра)"], who="Coordinator Т."
    )
    assert School.objects.get(pk=world.s1.pk).short_name == "МАОУ СОШ № 1 (из реестра)"
