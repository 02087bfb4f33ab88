"""Interview rounds, slots, protocols and decisions in the shared ``world``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshrut.programmes import actions_decisions, actions_interviews
from marshrut.programmes.models import Decision, InterviewProtocol, InterviewRound, InterviewSlot
from tests.conftest import World

DAY = dt.date(2025, 4, 14)


def round_for(w: World) -> InterviewRound:
    existing = InterviewRound.objects.filter(region=w.region, year=2025, half="spring").first()
    if existing:
        return existing
    return actions_interviews.do_create_round(
        None,
        w.region,
        year=2025,
        half="spring",
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2025, 5, 31),
    )


def slot_for(w: World, school: Any, *, at: str = "10:00", on: dt.date = DAY) -> InterviewSlot:
    r = round_for(w)
    existing = InterviewSlot.objects.filter(round=r, school=school).first()
    if existing:
        return existing
    slot = InterviewSlot(
        round=r,
        municipality=school.municipality,
        school=school,
        on=on,
        starts_at=dt.time.fromisoformat(at),
        place="МОУО, каб. 12",
    )
    return actions_interviews.do_schedule(None, slot)


def protocol_for(w: World, school: Any) -> InterviewProtocol:
    return actions_interviews.do_open_protocol(None, slot_for(w, school))


def decision_for(
    w: World,
    where: str = "s1",
    *,
    due: dt.date = dt.date(2025, 6, 30),
    status: str = "accepted",
    text: str = "Разработать план устранения дефицитов",
    **fields: Any,
) -> Decision:
    node = getattr(w, where) if where != "region" else None
    owner: dict[str, Any] = {}
    if where in ("s1", "s2", "s3"):
        owner = {"subject": "school", "school": node, "municipality": node.municipality}
    elif where in ("m1", "m2"):
        owner = {"subject": "municipality", "municipality": node}
    else:
        owner = {"subject": "region"}
    fields.setdefault("source", "report")
    fields.setdefault("decided_on", dt.date(2025, 4, 1))
    fields.setdefault("owner_text", "Директор школы")
    d = Decision(
        region=w.region,
        decided_by="Региональный оператор",
        text=text,
        due_on=due,
        status=status,
        done_on=due if status == "done" else None,
        **owner,
        **fields,
    )
    return actions_decisions.do_create_decision(None, d)
