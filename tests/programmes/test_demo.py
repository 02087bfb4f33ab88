"""The demo's programmes: every state for the persona's municipality, built once."""

from __future__ import annotations

import io

from marshrut.programmes.demo import build_demo
from marshrut.programmes.models import Programme
from tests.conftest import World, make_school
from tests.diagnostics.factories import submission_for


def test_demo_builds_every_state_once(world: World) -> None:
    extra = [make_school(world.m1, 40 + n) for n in range(2)]
    for school in [world.s1, world.s3, *extra, world.s2]:
        submission_for(world, school, submitted=True)
    out = io.StringIO()
    build_demo(world.region, out)
    states = dict(Programme.objects.values_list("school__short_name", "status"))
    assert states[world.s1.short_name] == "draft"
    assert set(states.values()) == {"draft", "submitted", "returned", "approved"}
    approved = Programme.objects.get(status="approved")
    assert approved.order_number and approved.defences.exists()
    returned = Programme.objects.get(status="returned")
    assert returned.sections.get(code="3.2.1").comments.exists()
    count = Programme.objects.count()
    build_demo(world.region, out)
    assert Programme.objects.count() == count
    assert "Программы развития:" in out.getvalue()
