"""The workflow of a practice: draft → moderation → published or returned → archived; materials;
version-checked edits; adoptions and the treatments the effectiveness analysis reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from marshrut.audit.models import AuditEvent
from marshrut.lib.concurrency import StaleEdit
from marshrut.practices import actions, queries
from marshrut.practices.models import Adoption, Material, Practice, PracticeCode, Review, Status
from tests.conftest import World
from tests.practices.factories import practice

pytestmark = pytest.mark.django_db


def test_a_new_card_is_a_draft_of_its_schools_municipality_and_region(world: World) -> None:
    p = practice(world.s2, status=Status.DRAFT, indicators=["UC.01", "UC.02"])

    assert (p.status, p.municipality_id, p.region_id) == (
        Status.DRAFT,
        world.m2.pk,
        world.region.pk,
    )
    assert set(p.codes.values_list("kind", "code")) == {
        ("direction", "uchitel"),
        ("indicator", "UC.01"),
        ("indicator", "UC.02"),
        ("level", "ooo"),
    }
    assert AuditEvent.objects.filter(target_type="practices.practice", target_id=str(p.pk)).exists()


def test_an_edit_rebuilds_the_codes(world: World) -> None:
    p = practice(world.s1, status=Status.DRAFT, indicators=["UC.01"])
    p.indicators = ["KL.02"]
    p.directions = ["klimat"]
    actions.do_save_practice(world.users["head"], p, version=p.version)

    assert set(
        PracticeCode.objects.filter(practice=p, kind="indicator").values_list("code", flat=True)
    ) == {"KL.02"}


def test_the_later_of_two_edits_from_the_same_version_is_refused(world: World) -> None:
    p = practice(world.s1, status=Status.DRAFT)
    first = Practice.objects.get(pk=p.pk)
    second = Practice.objects.get(pk=p.pk)
    first.title = "Первое"
    actions.do_save_practice(world.users["head"], first, version=p.version)
    second.title = "Второе"

    with pytest.raises(StaleEdit):
        actions.do_save_practice(world.users["school"], second, version=p.version)
    assert Practice.objects.get(pk=p.pk).title == "Первое"


def test_submit_then_publish(world: World) -> None:
    p = practice(world.s1, status=Status.DRAFT)
    actions.do_submit_practice(world.users["head"], p)
    assert p.status == Status.MODERATION and p.submitted_at is not None

    actions.do_moderate_practice(world.users["methodologist"], p, publish=True)

    p.refresh_from_db()
    assert p.status == Status.PUBLISHED and p.published_at is not None
    assert list(p.reviews.values_list("decision", flat=True)) == ["submitted", "published"]


def test_returning_needs_remarks_and_the_school_can_send_again(world: World) -> None:
    p = practice(world.s1, status=Status.MODERATION)

    with pytest.raises(ValidationError, match="замечания"):
        actions.do_moderate_practice(world.users["methodologist"], p, publish=False, comment=" ")
    actions.do_moderate_practice(
        world.users["methodologist"], p, publish=False, comment="Добавьте цифры."
    )
    assert p.status == Status.RETURNED
    actions.do_submit_practice(world.users["head"], p)
    assert p.status == Status.MODERATION


def test_the_database_refuses_a_return_without_remarks(world: World) -> None:
    p = practice(world.s1, status=Status.MODERATION)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(practice=p, decision="returned", comment="")


def test_a_card_without_directions_cannot_be_submitted(world: World) -> None:
    p = practice(world.s1, status=Status.DRAFT, directions=[])
    with pytest.raises(ValidationError, match="направления"):
        actions.do_submit_practice(world.users["head"], p)


def test_only_a_card_in_moderation_is_moderated_and_only_a_published_one_archived(
    world: World,
) -> None:
    draft = practice(world.s1, status=Status.DRAFT)
    with pytest.raises(ValidationError):
        actions.do_moderate_practice(None, draft, publish=True)
    with pytest.raises(ValidationError):
        actions.do_archive_practice(None, draft)
    published = practice(world.s1)
    actions.do_archive_practice(None, published, comment="Устарела")
    assert published.status == Status.ARCHIVED


def test_a_material_is_a_checked_file_or_a_link(world: World) -> None:
    p = practice(world.s1, status=Status.DRAFT)
    pdf = SimpleUploadedFile("положение.pdf", b"%PDF-1.4\n%%EOF\n")
    m = actions.do_add_material(world.users["head"], p, title="Положение", upload=pdf)
    assert (m.filename, m.size) == ("положение.pdf", 15)
    actions.do_add_material(world.users["head"], p, url="https://example.ru/practice")

    with pytest.raises(ValidationError, match="не принят"):
        actions.do_add_material(
            world.users["head"], p, upload=SimpleUploadedFile("вирус.pdf", b"MZ\x90\x00program")
        )
    with pytest.raises(ValidationError, match="что-то одно"):
        actions.do_add_material(world.users["head"], p)
    assert Material.objects.filter(practice=p).count() == 2


def test_an_adoption_targets_indicators_and_can_be_changed_and_removed(world: World) -> None:
    p = practice(world.s1, indicators=["UC.01", "UC.02"])
    a = actions.do_adopt_practice(
        world.users["operator"], p, world.s2, indicators=["UC.01"], adopted_on=dt.date(2024, 2, 1)
    )
    again = actions.do_adopt_practice(
        world.users["operator"],
        p,
        world.s2,
        indicators=["UC.01", "UC.02"],
        adopted_on=dt.date(2024, 3, 1),
    )
    assert again.pk == a.pk and again.indicators == ["UC.01", "UC.02"]

    actions.do_unadopt_practice(world.users["operator"], again)
    assert not Adoption.objects.exists()


def test_an_adoption_is_refused_for_the_author_an_unpublished_card_a_future_date_no_indicator(
    world: World,
) -> None:
    p = practice(world.s1, indicators=["UC.01"])
    draft = practice(world.s3, status=Status.DRAFT, indicators=["UC.01"])
    today = world.region.today()
    for card, school, codes, day in (
        (p, world.s1, ["UC.01"], today),
        (draft, world.s2, ["UC.01"], today),
        (p, world.s2, ["UC.01"], today + dt.timedelta(days=1)),
        (p, world.s2, [], today),
    ):
        with pytest.raises(ValidationError):
            actions.do_adopt_practice(None, card, school, indicators=codes, adopted_on=day)
    assert not Adoption.objects.exists()


def test_adoption_treatments_give_each_school_and_indicator_its_earliest_date(
    world: World,
) -> None:
    p1 = practice(world.s1, indicators=["UC.01", "UC.02"])
    p2 = practice(world.s3, indicators=["UC.02", "KL.01"])
    actions.do_adopt_practice(
        None, p1, world.s2, indicators=["UC.01", "UC.02"], adopted_on=dt.date(2024, 3, 1)
    )
    actions.do_adopt_practice(
        None, p2, world.s2, indicators=["UC.02", "KL.01"], adopted_on=dt.date(2024, 1, 15)
    )
    actions.do_adopt_practice(
        None, p2, world.s1, indicators=["KL.01"], adopted_on=dt.date(2024, 5, 5)
    )

    assert queries.adoption_treatments(world.region) == sorted(
        [
            (world.s2.pk, "KL.01", dt.date(2024, 1, 15)),
            (world.s2.pk, "UC.01", dt.date(2024, 3, 1)),
            (world.s2.pk, "UC.02", dt.date(2024, 1, 15)),
            (world.s1.pk, "KL.01", dt.date(2024, 5, 5)),
        ]
    )


def test_adoption_treatments_are_of_one_region(world: World) -> None:
    from tests.conftest import build_world

    other = build_world("99", "Вторая область", tag="r2-")
    p = practice(other.s1, indicators=["UC.01"])
    actions.do_adopt_practice(
        None, p, other.s2, indicators=["UC.01"], adopted_on=dt.date(2024, 3, 1)
    )

    assert queries.adoption_treatments(world.region) == []
    assert len(queries.adoption_treatments(other.region)) == 1
