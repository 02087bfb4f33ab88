"""Project groups: composition by category as seed 003 counts it, scoping of members, stages,
model documents through the surveys app, version-checked edits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marshrut.events.models import Event
from marshrut.networks.actions import do_save_group, do_save_member
from marshrut.networks.models import GroupDocument, GroupMember, GroupStage, ProjectGroup
from marshrut.networks.queries import composition
from marshrut.orgs.models import Region
from marshrut.surveys.actions import do_submit_response
from marshrut.surveys.models import Document, Survey
from tests.conftest import World
from tests.networks import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
Category = GroupMember.Category


def _named(group: ProjectGroup, category: str, n: int, municipality: Any = None) -> None:
    GroupMember.objects.bulk_create(
        GroupMember(
            group=group,
            full_name=f"Участник {category} {i}",
            category=category,
            municipality=municipality,
        )
        for i in range(n)
    )


def test_shares_by_category_are_those_of_the_seed(world: World) -> None:
    # Seed 003: 143 specialists — 107 (75%) from schools, 26 (18%) municipal, 10 (7%) institute.
    group = do_save_group(
        None, ProjectGroup(region=world.region, year=2023, direction="znanie"), before=None
    )
    _named(group, Category.SCHOOL, 107, world.m1)
    _named(group, Category.MUNICIPAL, 26, world.m2)
    _named(group, Category.INSTITUTE, 10)
    total = composition([group])
    assert total.total == 143
    assert [(s.category, s.count, s.percent) for s in total.shares] == [
        ("school", 107, 74.8),
        ("municipal", 26, 18.2),
        ("institute", 10, 7.0),
    ]
    assert total.municipalities == 2
    response = world.client("operator").get(reverse("networks:group_detail", args=[group.pk]))
    shares = response.content.decode()
    assert "74,8 %" in shares and "18,2 %" in shares and "7,0 %" in shares


def test_a_person_in_two_groups_is_one_specialist(world: World) -> None:
    first = factories.group(world)
    second = do_save_group(
        None, ProjectGroup(region=world.region, year=2024, direction="klimat"), before=None
    )
    leader = first.members.get(role="leader").person
    do_save_member(
        None, GroupMember(group=second, person=leader, category=Category.SCHOOL), before=None
    )
    assert composition([first]).total == 4
    assert composition([first, second]).total == 4


def test_member_takes_school_and_municipality_from_the_registry(world: World) -> None:
    group = factories.group(world)
    member = factories.member(world, "Петрова")
    assert (member.school_id, member.municipality_id) == (world.s2.pk, world.m2.pk)
    coordinator = factories.member(world, "Сидорова")
    assert (coordinator.school_id, coordinator.municipality_id) == (None, world.m2.pk)
    assert group.members.filter(full_name="Орлова Мария Ивановна").get().municipality_id is None


def test_coordinator_sees_only_members_of_own_municipality(world: World) -> None:
    group = factories.group(world)
    url = reverse("networks:group_detail", args=[group.pk])
    page = world.client("coordinator").get(url).content.decode()
    assert "Иванова" in page  # from s1, in m1
    assert "Петрова" not in page and "Сидорова" not in page and "Орлова" not in page
    # The composition is a count of the whole group, not names.
    assert 'data-testid="members-total">4<' in page
    full = world.client("department").get(url).content.decode()
    assert "Петрова" in full and "Орлова" in full


def test_coordinator_does_not_see_a_group_without_members_of_own_municipality(
    world: World,
) -> None:
    group = do_save_group(
        None, ProjectGroup(region=world.region, year=2024, direction="sreda"), before=None
    )
    _named(group, Category.MUNICIPAL, 2, world.m2)
    client = world.client("coordinator")
    assert client.get(reverse("networks:group_detail", args=[group.pk])).status_code == 404
    listed = client.get(reverse("networks:group_list")).content.decode()
    assert "ММПГ «Образовательная среда»" not in listed
    assert (
        "ММПГ «Образовательная среда»"
        in world.client("operator").get(reverse("networks:group_list")).content.decode()
    )


def test_operator_adds_a_member_of_the_registry(world: World) -> None:
    group = factories.group(world)
    person = factories.person(world, "Новикова", school=world.s3)
    response = world.client("operator").post(
        reverse("networks:member_add", args=[group.pk]),
        {"person": person.pk, "category": "school", "role": "member"},
    )
    assert response.status_code == 302
    added = group.members.get(person=person)
    assert (added.school_id, added.municipality_id) == (world.s3.pk, world.m1.pk)


def test_member_without_person_or_name_is_refused_in_russian(world: World) -> None:
    group = factories.group(world)
    response = world.client("operator").post(
        reverse("networks:member_add", args=[group.pk]), {"category": "school", "role": "member"}
    )
    assert response.status_code == 400
    assert "Выберите человека из реестра или впишите ФИО." in response.content.decode()
    assert group.members.count() == 4


def test_the_same_person_twice_is_refused(world: World) -> None:
    group = factories.group(world)
    leader = group.members.get(role="leader")
    response = world.client("operator").post(
        reverse("networks:member_add", args=[group.pk]),
        {"person": leader.person_id, "category": "school", "role": "member"},
    )
    assert "Этот человек уже в группе." in response.content.decode()
    assert group.members.count() == 4


def test_person_of_another_region_cannot_join(world: World) -> None:
    group = factories.group(world)
    other = Region.objects.create(name="Другая область", code="97")
    from marshrut.orgs.models import Person

    stranger = Person.objects.create(region=other, last_name="Чужая", first_name="Вера")
    with pytest.raises(ValidationError, match="не из региона группы"):
        do_save_member(
            None,
            GroupMember(group=group, person=stranger, category=Category.SCHOOL),
            before=None,
        )


def test_a_new_group_gets_the_three_stages_of_its_year(world: World) -> None:
    group = factories.group(world)
    stages = list(group.stages.all())
    assert [s.kind for s in stages] == [
        GroupStage.Kind.DISTANCE,
        GroupStage.Kind.IN_PERSON,
        GroupStage.Kind.EVALUATION,
    ]
    assert all(s.starts_on.year == s.ends_on.year == 2024 for s in stages)
    assert stages[0].ends_on < stages[1].starts_on < stages[2].starts_on


def test_stage_ending_before_it_starts_is_refused(world: World) -> None:
    group = factories.group(world)
    response = world.client("methodologist").post(
        reverse("networks:stage_add", args=[group.pk]),
        {
            "kind": "in_person",
            "starts_on": "10.05.2024",
            "ends_on": "01.05.2024",
            "status": "planned",
        },
    )
    assert "Окончание этапа не может быть раньше начала." in response.content.decode()
    assert group.stages.count() == 3


def test_stage_added_gets_the_next_number(world: World) -> None:
    group = factories.group(world)
    response = world.client("methodologist").post(
        reverse("networks:stage_add", args=[group.pk]),
        {
            "kind": "in_person",
            "title": "День агломерации",
            "starts_on": "14.09.2024",
            "ends_on": "14.09.2024",
            "status": "done",
        },
    )
    assert response.status_code == 302
    stage = group.stages.get(title="День агломерации")
    assert stage.number == 4 and stage.starts_on == dt.date(2024, 9, 14)


def test_two_editors_of_a_group_later_save_is_refused(world: World) -> None:
    group = factories.group(world)
    url = reverse("networks:group_edit", args=[group.pk])
    data = {"year": 2024, "direction": "znanie", "title": "", "version": group.version}
    first = world.client("operator").post(url, {**data, "goal": "первая цель"})
    assert first.status_code == 302
    second = world.client("methodologist").post(url, {**data, "goal": "вторая цель"})
    assert second.status_code == 409
    assert "Ваши изменения не сохранены" in second.content.decode()
    group.refresh_from_db()
    assert group.goal == "первая цель"


def test_second_group_of_the_same_direction_and_year_is_refused(world: World) -> None:
    factories.group(world)
    response = world.client("operator").post(
        reverse("networks:group_create"), {"year": 2024, "direction": "znanie"}
    )
    assert "Группа этого направления в этом году уже есть." in response.content.decode()
    assert ProjectGroup.objects.count() == 1


def test_events_of_another_region_cannot_be_linked(world: World) -> None:
    group = factories.group(world)
    other = Region.objects.create(name="Другая область", code="97")
    foreign = Event.objects.create(
        region=other,
        title="Чужой семинар",
        starts_on=dt.date(2024, 5, 1),
        ends_on=dt.date(2024, 5, 1),
    )
    with pytest.raises(ValidationError, match="своего региона"):
        do_save_group(None, group, before=None, events=[foreign])
    assert not group.events.exists()


def test_operator_links_the_group_events(world: World) -> None:
    group = factories.group(world)
    event = Event.objects.create(
        region=world.region,
        title="Сессия образовательной агломерации",
        form=Event.Form.PROJECT_SESSION,
        starts_on=dt.date(2024, 5, 11),
        ends_on=dt.date(2024, 5, 11),
    )
    response = world.client("operator").post(
        reverse("networks:group_edit", args=[group.pk]),
        {"year": 2024, "direction": "znanie", "events": [event.pk], "version": group.version},
    )
    assert response.status_code == 302
    assert list(group.events.all()) == [event]
    page = world.client("department").get(reverse("networks:group_detail", args=[group.pk]))
    assert "Сессия образовательной агломерации" in page.content.decode()


def _put_document(world: World, group: ProjectGroup, upload: Any) -> Any:
    return world.client("methodologist").post(
        reverse("networks:document_add", args=[group.pk]),
        {
            "title": "Муниципальный методический альбом",
            "version": "1",
            "summary": "модель сопровождения",
            "file": upload,
            "criteria_text": "Применимость | 3\nЯсность | 5",
        },
    )


def test_model_document_goes_to_public_discussion(world: World) -> None:
    group = factories.group(world)
    response = _put_document(world, group, SimpleUploadedFile("альбом.pdf", PDF))
    assert response.status_code == 302
    link = GroupDocument.objects.get(group=group)
    document = link.document
    assert document.filename == "альбом.pdf"
    assert [(c.title, c.max_score) for c in document.criteria.all()] == [
        ("Применимость", 3),
        ("Ясность", 5),
    ]
    survey = document.discussions.get()
    assert survey.status == Survey.Status.OPEN and survey.region_id == world.region.pk
    # Four answers: only the count is shown (the surveys' small-group rule).
    questions = list(survey.questions.all())
    for value in (5, 4, 4, 3):
        do_submit_response(
            survey,
            [
                {"question": questions[0], "choice": 1},
                {"question": questions[1], "number": float(value)},
            ],
        )
    url = reverse("networks:group_detail", args=[group.pk])
    page = world.client("department").get(url).content.decode()
    assert "4 респондента" in page and "готовность к применению" not in page
    do_submit_response(
        survey, [{"question": questions[0], "choice": 2}, {"question": questions[1], "number": 5.0}]
    )
    page = world.client("department").get(url).content.decode()
    assert "5 респондентов" in page
    assert "готовность к применению 4,2 из 5" in page
    # The file goes out through the checking view, to whoever sees the group.
    download = world.client("coordinator").get(reverse("networks:document_file", args=[link.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_a_disguised_file_is_refused_and_nothing_is_saved(world: World) -> None:
    group = factories.group(world)
    html = SimpleUploadedFile("альбом.pdf", b"<html><script>alert(1)</script></html>")
    response = _put_document(world, group, html)
    assert response.status_code == 400
    assert not Document.objects.exists() and not GroupDocument.objects.exists()
    exe = _put_document(world, group, SimpleUploadedFile("альбом.exe", b"MZ\x90\x00"))
    assert exe.status_code == 400
    assert not Document.objects.exists()


def test_group_list_counts_by_category_in_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for year in range(2010, 2030):
        group = do_save_group(
            None, ProjectGroup(region=world.region, year=year, direction="znanie"), before=None
        )
        _named(group, Category.SCHOOL, 3, world.m1)
        _named(group, Category.INSTITUTE, 1)
    client = world.client("operator")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("networks:group_list"))
    page = response.content.decode()
    assert page.count("ММПГ «Знание»") == 20
    assert 'data-testid="members-total">80<' in page
    filtered = client.get(reverse("networks:group_list"), {"year": 2015}).content.decode()
    assert filtered.count("ММПГ «Знание»") == 1
