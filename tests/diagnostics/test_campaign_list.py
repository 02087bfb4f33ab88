"""The campaign list per persona: progress for whoever oversees schools, «fill in» only for a
school's own team and only for its own school."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from marshrut.diagnostics import actions
from marshrut.diagnostics.models import Campaign
from tests.conftest import World
from tests.diagnostics.test_flow import campaign, fill  # noqa: F401 (a fixture)


@pytest.fixture
def started(world: World, campaign: Campaign) -> Campaign:  # noqa: F811
    """s1 has sent its questionnaire, s3 has begun, s2 has not."""
    done = campaign.submissions.get(school=world.s1)
    fill(done, strength=0.6, seed=1)
    actions.do_submit(None, done)
    actions.do_save_answer(None, campaign.submissions.get(school=world.s3), "ZN.01", True)
    return campaign


def _page(world: World, persona: str) -> str:
    return re.sub(
        r"\s+",
        " ",
        world.client(persona).get(reverse("diagnostics:campaign_list")).content.decode(),
    )


@pytest.mark.parametrize("persona", ["operator", "department", "methodologist"])
def test_the_region_sees_the_campaign_progress_and_no_questionnaire(
    world: World, started: Campaign, persona: str
) -> None:
    page = _page(world, persona)
    assert "Из 3 школ: отправили анкету — 1 (33 %), заполняют — 1, не начали — 1" in page
    assert reverse("diagnostics:campaign_detail", args=[started.pk]) in page
    assert "Заполнить" not in page and "Анкета школы" not in page
    assert 'data-testid="own-submission"' not in page


def test_the_coordinator_sees_the_progress_of_the_municipality(
    world: World, started: Campaign
) -> None:
    page = _page(world, "coordinator")
    assert "Из 2 школ: отправили анкету — 1 (50 %), заполняют — 1, не начали — 0" in page
    assert "Заполнить" not in page


@pytest.mark.parametrize("persona", ["curator", "mentor"])
def test_an_assigned_person_sees_progress_of_the_assigned_schools(
    world: World, started: Campaign, persona: str
) -> None:
    page = _page(world, persona)
    assert "Из 1 школы: отправили анкету — 1 (100 %)" in page
    assert "Заполнить" not in page and "Анкета школы" not in page


def test_the_school_team_gets_its_own_questionnaire_only(world: World, started: Campaign) -> None:
    page = _page(world, "school")
    own = started.submissions.get(school=world.s1)
    assert "Анкета школы МАОУ СОШ № 1: <strong>отправлена</strong>" in page
    assert reverse("diagnostics:submission", args=[own.pk]) in page
    assert 'data-testid="campaign-progress"' not in page
    other = started.submissions.get(school=world.s3)
    assert reverse("diagnostics:submission", args=[other.pk]) not in page


def test_a_head_with_a_questionnaire_not_yet_sent_is_offered_to_fill_it(
    world: World,
    campaign: Campaign,  # noqa: F811
) -> None:
    page = _page(world, "head")
    assert "Анкета школы МАОУ СОШ № 1: <strong>не начата</strong> (0 %)" in page
    assert "Заполнить" in page


def test_an_outsider_cannot_open_the_list(world: World, campaign: Campaign) -> None:  # noqa: F811
    assert world.client("outsider").get(reverse("diagnostics:campaign_list")).status_code == 403
