"""Fixtures of the programme tests: the head's school with a scored questionnaire and a draft."""

from __future__ import annotations

import pytest

from marshrut.diagnostics.models import Submission
from marshrut.programmes import actions
from marshrut.programmes.models import Programme
from marshrut.programmes.models.programme import RUBRIC
from tests.conftest import World
from tests.diagnostics.factories import submission_for


@pytest.fixture
def scored(world: World) -> Submission:
    return submission_for(world, world.s1, submitted=True, strength=0.55)


RUBRIC_OK = {code: "2" for code, _label in RUBRIC}


@pytest.fixture
def programme(world: World, scored: Submission) -> Programme:
    return actions.do_draft_programme(world.users["head"], world.s1)


def make_programme(world: World, school_attr: str = "s1", status: str = "draft") -> Programme:
    """A programme of a world's school in a given state, through the actions."""
    school = getattr(world, school_attr)
    submission_for(world, school, submitted=True, strength=0.55)
    programme = actions.do_draft_programme(None, school)
    if status in ("submitted", "returned", "approved"):
        actions.do_submit(None, programme)
    rubric = {code: 2 for code, _label in RUBRIC}
    if status == "returned":
        actions.do_return(None, programme, comment="Доработать раздел 3.2.1", rubric=rubric)
    if status == "approved":
        actions.do_approve(None, programme, rubric=rubric)
    return programme
