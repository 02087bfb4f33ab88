"""Interviews: the schedule without conflicts, protocols drafted from data, who sees what."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marshrut.diagnostics.models import Result
from marshrut.programmes.actions_interviews import do_schedule, results_text
from marshrut.programmes.models import Decision, InterviewProtocol, InterviewSlot
from marshrut.support.models import Participation
from tests.conftest import World, make_school
from tests.diagnostics.factories import submission_for
from tests.programmes.factories_interviews import DAY, protocol_for, round_for, slot_for

pytestmark = pytest.mark.django_db


def _slot(w: World, school, at: str, *, until: str | None = None, on: dt.date = DAY):
    return InterviewSlot(
        round=round_for(w),
        municipality=school.municipality,
        school=school,
        on=on,
        starts_at=dt.time.fromisoformat(at),
        ends_at=dt.time.fromisoformat(until) if until else None,
    )


def test_two_schools_of_a_municipality_cannot_share_a_slot(world: World) -> None:
    slot_for(world, world.s1, at="10:00")
    with pytest.raises(ValidationError) as refused:
        do_schedule(None, _slot(world, world.s3, "10:30"))
    assert "пересекается со школой «МАОУ СОШ № 1»" in " ".join(refused.value.messages)
    assert not InterviewSlot.objects.filter(school=world.s3).exists()


def test_the_next_hour_and_another_municipality_at_the_same_time_are_free(world: World) -> None:
    slot_for(world, world.s1, at="10:00")
    do_schedule(None, _slot(world, world.s3, "11:00"))
    do_schedule(None, _slot(world, world.s2, "10:00"))
    assert InterviewSlot.objects.count() == 3


def test_a_school_gets_one_slot_a_round_and_a_date_inside_the_round(world: World) -> None:
    slot_for(world, world.s1)
    with pytest.raises(ValidationError, match="уже назначено время"):
        do_schedule(None, _slot(world, world.s1, "15:00"))
    with pytest.raises(ValidationError, match="вне периода тура"):
        do_schedule(None, _slot(world, world.s3, "10:00", on=dt.date(2025, 9, 1)))


def test_the_coordinator_schedules_via_the_page_and_a_conflict_is_shown(world: World) -> None:
    slot_for(world, world.s1, at="10:00")
    client = world.client("coordinator")
    url = reverse("programmes:interview_slot_create", args=[round_for(world).pk])
    data = {"school": world.s3.pk, "on": "2025-04-14", "starts_at": "10:15", "place": "МОУО"}
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "пересекается" in refused.content.decode()
    data["starts_at"] = "11:00"
    assert client.post(url, data).status_code == 302
    # A school of another municipality is not the coordinator's to schedule.
    data.update(school=world.s2.pk, starts_at="12:00")
    assert client.post(url, data).status_code == 400
    assert not InterviewSlot.objects.filter(school=world.s2).exists()


def test_the_school_sees_its_own_slot_and_not_the_others(world: World) -> None:
    slot_for(world, world.s1, at="10:00")
    slot_for(world, world.s3, at="11:00")
    slot_for(world, world.s2, at="10:00")
    url = reverse("programmes:interview_round_detail", args=[round_for(world).pk])
    page = world.client("head").get(url).content.decode()
    assert "МАОУ СОШ № 1" in page and "МАОУ СОШ № 3" not in page and "Вторая ООШ" not in page
    page = world.client("coordinator").get(url).content.decode()
    assert "МАОУ СОШ № 3" in page and "Вторая ООШ" not in page
    page = world.client("department").get(url).content.decode()
    assert "Вторая ООШ" in page


def test_the_protocol_is_drafted_from_the_latest_results_and_the_shnor_status(
    world: World,
) -> None:
    submission = submission_for(world, world.s1, submitted=True)
    Participation.objects.create(school=world.s1, year=2025, entered_on=dt.date(2025, 1, 15))
    overall = Result.objects.get(submission=submission, scope="overall")
    text = results_text(world.s1)
    assert submission.campaign.title in text
    assert f"из {overall.max_points:g}" in text
    assert "ШНОР: в программе с 15.01.2025" in text
    assert "Результатов самодиагностики нет" in results_text(world.s3)


def test_the_commission_writes_the_protocol_and_a_stale_save_is_refused(world: World) -> None:
    slot = slot_for(world, world.s1)
    url = reverse("programmes:interview_protocol", args=[slot.pk])
    client = world.client("coordinator")
    page = client.get(url)
    assert page.status_code == 200
    assert "Результатов самодиагностики нет" in page.content.decode()
    form = {
        "held_on": "2025-04-14",
        "participants": [world.people["head"].pk],
        "participants_text": "Иванова И. И., начальник МОУО",
        "results": "Уровень «базовый»",
        "explanation": "Не хватает учителей",
        "conclusion": "",
    }
    assert client.post(url, form).status_code == 302
    protocol = InterviewProtocol.objects.get(slot=slot)
    assert list(protocol.participants.all()) == [world.people["head"]]
    opened = {**form, "version": protocol.version}
    client.post(url, {**opened, "conclusion": "Первый вывод"})
    refused = world.client("operator").post(url, {**opened, "conclusion": "Второй вывод"})
    assert refused.status_code == 409
    assert "Первый вывод" in refused.content.decode()
    protocol.refresh_from_db()
    assert protocol.conclusion == "Первый вывод"


def test_the_school_reads_the_protocol_but_cannot_write_it(world: World) -> None:
    slot = protocol_for(world, world.s1).slot
    url = reverse("programmes:interview_protocol", args=[slot.pk])
    assert world.client("head").get(url).status_code == 200
    assert world.client("head").post(url, {"held_on": "2025-04-14"}).status_code == 403
    other = protocol_for(world, world.s2).slot
    assert (
        world.client("coordinator")
        .get(reverse("programmes:interview_protocol", args=[other.pk]))
        .status_code
        == 404
    )


def test_decisions_of_a_protocol_go_to_the_register(world: World) -> None:
    protocol = protocol_for(world, world.s1)
    url = reverse("programmes:decision_create") + f"?protocol={protocol.pk}"
    response = world.client("coordinator").post(
        url,
        {
            "decided_by": "Комиссия МОУО",
            "decided_on": "2025-04-14",
            "text": "Направить двух учителей на курсы ДПП ПК",
            "owner": world.people["head"].pk,
            "due_on": "2025-09-01",
            "status": "accepted",
            "source_text": "",
            "owner_text": "",
        },
    )
    assert response.status_code == 302
    d = Decision.objects.get()
    assert (d.source, d.protocol, d.school, d.municipality) == (
        "interview",
        protocol,
        world.s1,
        world.m1,
    )
    body = world.client("head").get(reverse("programmes:decision_list")).content.decode()
    assert "Направить двух учителей" in body
    # Another municipality's protocol is not the coordinator's to decide on.
    other = protocol_for(world, world.s2)
    assert (
        world.client("coordinator")
        .get(reverse("programmes:decision_create") + f"?protocol={other.pk}")
        .status_code
        == 403
    )


def test_the_protocol_docx_lists_participants_and_decisions(world: World) -> None:
    from tests.programmes.factories_interviews import decision_for

    protocol = protocol_for(world, world.s1)
    protocol.explanation = "Нехватка кадров"
    protocol.save()
    decision_for(world, "s1", source="interview", protocol=protocol, text="Провести педсовет")
    response = world.client("coordinator").get(
        reverse("programmes:interview_protocol_docx", args=[protocol.slot_id])
    )
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "ПРОТОКОЛ" in text and "Нехватка кадров" in text
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "Провести педсовет" in cells
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7


def test_a_school_moved_to_another_municipality_keeps_its_slot_where_it_was(
    world: World,
) -> None:
    school = make_school(world.m1, 77)
    slot = slot_for(world, school, at="13:00")
    school.municipality = world.m2
    school.save()
    slot.refresh_from_db()
    assert slot.municipality == world.m1
