"""Reminders before a stage's control date: to the schools with documents missing, once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from marshrut.orgs.models import Membership, Region
from marshrut.support import stage_reminders
from marshrut.support.models import Participation
from marshrut.support.models.stages import Stage, StageReminder, StageSubmission
from marshrut.support.stage_actions import (
    do_decide_stage_submission,
    do_save_stage,
    do_send_stage_file,
)
from tests.conftest import World
from tests.notify.helpers import deliver

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
# 21:30 UTC: 14 May in Kaliningrad (UTC+2), already 15 May in Kamchatka (UTC+12).
INSTANT = dt.datetime(2025, 5, 14, 21, 30, tzinfo=dt.UTC)
DAY = dt.date(2025, 5, 14)


@pytest.fixture
def stage(world: World, monkeypatch: pytest.MonkeyPatch) -> Stage:
    Membership.objects.update(started_on=dt.date(2020, 1, 1))
    Region.objects.filter(pk=world.region.pk).update(time_zone="Europe/Kaliningrad")
    world.region.refresh_from_db()
    for school in (world.s1, world.s2, world.s3):
        Participation.objects.create(school=school, year=2025, entered_on=dt.date(2025, 1, 15))
    stage = do_save_stage(
        None,
        Stage(
            region=world.region,
            year=2025,
            number=1,
            title="Старт",
            control_on=DAY + dt.timedelta(days=7),
        ),
        "концепция развития\nдорожная карта",
    )
    # s3 sent everything (one returned is «missing» again, so accept both).
    for document in stage.documents.all():
        s = do_send_stage_file(None, document, world.s3, filename="a.pdf", data=PDF)
        do_decide_stage_submission(None, s, "accepted", version=s.version)
    # s1 sent one; the other returned.
    first, second = stage.documents.all()
    do_send_stage_file(None, first, world.s1, filename="a.pdf", data=PDF)
    s = do_send_stage_file(None, second, world.s1, filename="b.pdf", data=PDF)
    do_decide_stage_submission(None, s, "returned", remark="не то", version=s.version)
    monkeypatch.setattr(timezone, "now", lambda: INSTANT)
    return stage


def test_schools_with_missing_documents_are_reminded_once_a_horizon(
    world: World, stage: Stage
) -> None:
    found = stage_reminders.collect([7, 1])
    by_school = {r.school.pk: r for r in found}
    assert set(by_school) == {world.s1.pk, world.s2.pk}
    assert by_school[world.s1.pk].missing == ["дорожная карта"]
    assert by_school[world.s2.pk].missing == ["концепция развития", "дорожная карта"]
    # The head and the school coordinator of s1; s2's head.
    assert sorted(by_school[world.s1.pk].emails) == ["head@test.local", "school@test.local"]
    assert by_school[world.s2.pk].emails == ["second@test.local"]
    assert stage_reminders.send(found, base_url="https://marshrut.example") == 3
    assert deliver() == 3
    assert len(mail.outbox) == 3
    letter = next(m for m in mail.outbox if m.to == ["head@test.local"])
    assert "через 7 дней" in letter.subject and "1 документ" in letter.subject
    assert f"https://marshrut.example/shnor/stages/school/{world.s1.pk}/?year=2025" in letter.body
    # The same day again: nothing.
    assert stage_reminders.collect([7, 1]) == []
    assert stage_reminders.send(stage_reminders.collect([7, 1])) == 0
    assert StageReminder.objects.count() == 2
    # The day before the control date: the second horizon, once.
    later = INSTANT + dt.timedelta(days=6)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(timezone, "now", lambda: later)
        again = stage_reminders.collect([7, 1])
        assert {r.days_before for r in again} == {1}
        assert stage_reminders.send(again) == 3
        assert stage_reminders.collect([7, 1]) == []


def test_two_runs_sending_the_same_reminders_send_them_once(world: World, stage: Stage) -> None:
    first = stage_reminders.collect([7])
    second = stage_reminders.collect([7])
    assert stage_reminders.send(first) == 3
    assert stage_reminders.send(second) == 0
    assert deliver() == 3 and deliver() == 0
    assert len(mail.outbox) == 3


def test_the_date_is_the_regions_own(world: World, stage: Stage) -> None:
    # In Kaliningrad it is still 14 May: 7 days to go, too early for a horizon of 6 days; in
    # Kamchatka it is 15 May already: 6 days to go.
    assert stage_reminders.collect([6]) == []
    Region.objects.filter(pk=world.region.pk).update(time_zone="Asia/Kamchatka")
    found = stage_reminders.collect([6])
    assert found and found[0].on == DAY + dt.timedelta(days=1)


def test_the_command_reminds_and_a_dry_run_sends_nothing(
    world: World, stage: Stage, capsys: Any
) -> None:
    call_command("shnor", "remind", "--dry-run")
    assert "--dry-run" in capsys.readouterr().out and not mail.outbox
    call_command("shnor", "remind", "--days", "7")
    assert "Записано уведомлений: 3" in capsys.readouterr().out
    call_command("shnor", "remind", "--days", "7")
    assert "Записано уведомлений: 0" in capsys.readouterr().out
    call_command("notify", "send")
    assert "электронная почта: отправлено 3 уведомления" in capsys.readouterr().out
    assert len(mail.outbox) == 3
    assert StageSubmission.objects.count() == 4
