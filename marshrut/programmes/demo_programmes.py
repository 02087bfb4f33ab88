"""Development programmes of the demo region: one in every state, idempotent.

The head persona's school has a draft to work on; its neighbours have one submitted (waiting for
the coordinator), one returned with a remark on section 3.2.1, and one approved with the school's
order and a defence; two schools of another municipality fill the overview.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from marshrut.audit.log import Source
from marshrut.diagnostics.models import DONE
from marshrut.orgs.models import Municipality, Region, School
from marshrut.programmes import actions, prefill
from marshrut.programmes.models import Defence, Programme
from marshrut.programmes.models.programme import RUBRIC

STATES = ("draft", "submitted", "returned", "approved")


def _schools(region: Region) -> list[tuple[School, str]]:
    head_school = School.objects.filter(
        municipality__region=region, memberships__person__user__username="head"
    ).first()
    if head_school is None:
        return []
    scored = School.objects.filter(submissions__status__in=DONE).distinct()
    neighbours = list(
        scored.filter(municipality=head_school.municipality)
        .exclude(pk=head_school.pk)
        .order_by("inn")[:3]
    )
    picked = [(head_school, "draft"), *zip(neighbours, STATES[1:], strict=False)]
    other = (
        Municipality.objects.filter(region=region)
        .exclude(pk=head_school.municipality_id)
        .order_by("oktmo")
        .first()
    )
    if other is not None:
        picked += list(
            zip(
                scored.filter(municipality=other).order_by("inn")[:2],
                ("submitted", "approved"),
                strict=False,
            )
        )
    return picked


def _advance(programme: Programme, state: str) -> None:
    rubric = {code: 2 for code, _label in RUBRIC}
    if state == "draft":
        return
    section = programme.sections.get(code="3.2.1")
    actions.do_save_section(
        None,
        section,
        section.text.replace(": \n", ": недостаточная квалификация педагогов; ", 1)
        or "Причины: недостаточная квалификация педагогов.",
    )
    actions.do_submit(None, programme, comment="Проект программы развития.")
    if state == "returned":
        actions.do_comment(None, section, "Причины названы не по всем направлениям с дефицитами.")
        actions.do_return(
            None,
            programme,
            comment="Доработайте раздел 3.2.1: причины по каждому направлению.",
            rubric={**rubric, "causes": 0},
        )
    if state == "approved":
        Defence.objects.create(
            programme=programme,
            held_on=dt.date(programme.starts_year, 4, 22),
            committee="Специалисты МОУО; приглашённые специалисты регионального оператора",
            result=Defence.Result.DEFENDED,
        )
        actions.do_approve(None, programme, rubric=rubric)
        actions.do_record_order(
            None, programme, number="45-од", date=dt.date(programme.starts_year, 4, 30)
        )


def build_programmes_demo(region: Region, stdout: Any) -> None:
    made = 0
    for school, state in _schools(region):
        submission = prefill.latest_submission(school)
        if submission is None:
            continue
        if Programme.objects.filter(school=school).exists():
            continue
        try:
            programme = actions.do_draft_programme(
                None, school, submission=submission, source=Source.DEMO
            )
            _advance(programme, state)
        except ValidationError as e:
            stdout.write(
                f"Программа развития {school.short_name} не составлена: {' '.join(e.messages)}"
            )
            continue
        made += 1
    counts = {
        label: Programme.objects.filter(region=region, status=code).count()
        for code, label in Programme.Status.choices
    }
    stdout.write(
        "Программы развития: "
        + ", ".join(f"{label} — {n}" for label, n in counts.items())
        + f" (добавлено сейчас — {made})."
    )
