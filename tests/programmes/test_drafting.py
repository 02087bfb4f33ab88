"""Drafting a programme from data: never retyped, checked against the path, kept up to date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marshrut.diagnostics import actions as diagnostics_actions
from marshrut.diagnostics.models import Deficit, Result, Submission
from marshrut.kernels.criteria import level_name
from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import Role
from marshrut.programmes import actions, prefill
from marshrut.programmes.models import Programme
from tests.conftest import World
from tests.programmes.conftest import RUBRIC_OK


def _table(programme: Programme, code: str) -> dict:
    return programme.sections.get(code=code).table


def test_results_and_deficits_come_from_the_latest_campaign(
    world: World, scored: Submission, programme: Programme
) -> None:
    catalogue = scored.campaign.criteria.catalogue
    names = {d.code: d.name for d in catalogue.directions} | {"overall": "Итого по школе"}
    stored = {r.scope: r for r in Result.objects.filter(submission=scored)}
    rows = _table(programme, "3.1")["rows"]
    assert [r[0] for r in rows] == [names[c] for c in catalogue.scope_codes]
    for row, code in zip(rows, catalogue.scope_codes, strict=True):
        assert row[1] == prefill._points(stored[code].points)
        assert row[3] == level_name(stored[code].level)
    deficits = Deficit.objects.filter(submission=scored)
    assert sorted(r[1] for r in _table(programme, "3.2")["rows"]) == sorted(
        d.code for d in deficits
    )
    assert (
        programme.campaign == scored.campaign and programme.starts_year == scored.campaign.year + 1
    )
    assert programme.ends_year == programme.starts_year + 3


def test_passport_and_reference_come_from_the_registry(world: World, programme: Programme) -> None:
    reference = dict(map(tuple, _table(programme, "2")["rows"]))
    assert (
        reference["ИНН"] == world.s1.inn and reference["Полное наименование"] == world.s1.full_name
    )
    passport = dict(map(tuple, _table(programme, "1")["rows"]))
    assert passport["Учредитель"] == world.m1.name
    assert passport["Сроки реализации"] == f"{programme.period} годы"
    assert passport["Руководитель"] == world.people["head"].full_name


def test_the_roadmap_is_drafted_from_deficits_and_section_7_takes_its_items(
    world: World, scored: Submission, programme: Programme
) -> None:
    roadmap = programme.roadmap
    assert roadmap is not None and roadmap.school == world.s1
    items = list(roadmap.items.order_by("position"))
    rows = _table(programme, "7")["rows"]
    for item in items:
        assert any(r[0].startswith(item.number) for r in rows)
    head = _table(programme, "7")["head"]
    assert head[2:] == [str(y) for y in range(programme.starts_year, programme.ends_year + 1)]


def test_actions_come_from_the_path_to_the_next_level(
    world: World, scored: Submission, programme: Programme
) -> None:
    facts = prefill.facts_for(world.s1, scored, programme.roadmap)
    rows = _table(programme, "4.1")["rows"]
    with_target = [c for c, _n in facts.directions if facts.paths[c].target]
    assert len(rows) == len(with_target)
    first = facts.paths[with_target[0]]
    assert all(step.indicator in rows[0][3] for step in first.steps)


def test_a_target_the_roadmap_does_not_address_is_flagged(
    world: World, scored: Submission, programme: Programme
) -> None:
    facts = prefill.facts_for(world.s1, scored, programme.roadmap)
    code = next(c for c, _n in facts.directions if facts.paths[c].target and facts.paths[c].steps)
    path = facts.paths[code]
    # The roadmap loses the items of the path's indicators: the target is no longer backed.
    programme.roadmap.items.filter(indicator_code__in=[s.indicator for s in path.steps]).delete()
    flags = actions.do_set_targets(world.users["head"], programme, {code: path.target})
    name = dict(facts.directions)[code]
    flag = next(f for f in flags if f.startswith(name))
    assert "нет в дорожной карте" in flag and path.steps[0].indicator in flag
    # Two levels up is flagged as beyond the path.
    if path.level in ("below_basic", "basic"):
        flags = actions.do_set_targets(world.users["head"], programme, {code: "high"})
        assert any("выше текущего" in f for f in flags)


def test_a_school_without_a_sent_questionnaire_cannot_draft(world: World) -> None:
    with pytest.raises(ValidationError, match="нет отправленной анкеты"):
        actions.do_draft_programme(None, world.s1)


def test_one_programme_per_school_and_period(world: World, programme: Programme) -> None:
    with pytest.raises(ValidationError, match="уже составлена"):
        actions.do_draft_programme(None, world.s1)


def test_a_reopened_campaign_is_shown_and_the_text_kept(
    world: World, scored: Submission, programme: Programme
) -> None:
    section = programme.sections.get(code="3.2.1")
    actions.do_save_section(world.users["head"], section, "Причины: нехватка кадров", version=1)
    diagnostics_actions.do_reopen(None, scored, dt.date.today() + dt.timedelta(days=7))
    page = world.client("head").get(reverse("programmes:programme_detail", args=[programme.pk]))
    text = page.content.decode()
    assert 'data-testid="reopened"' in text and "Причины: нехватка кадров" in text
    response = world.client("head").post(
        reverse("programmes:programme_refresh", args=[programme.pk])
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.campaign == scored.campaign
    assert programme.sections.get(code="3.2.1").text == "Причины: нехватка кадров"
    assert _table(programme, "3.1")["rows"]  # the figures as written stay


def test_a_school_that_moved_takes_its_programme_to_the_new_municipality(
    world: World, programme: Programme
) -> None:
    actions.do_submit(world.users["head"], programme)
    world.s1.municipality = world.m2
    world.s1.save()
    url = reverse("programmes:programme_review", args=[programme.pk])
    assert world.client("coordinator").get(url).status_code == 404
    from django.test import Client

    from marshrut.accounts.models import User

    user = User.objects.create_user("newcoord", "newcoord@test.local", "x")
    person = Person.objects.create(
        region=world.region,
        municipality=world.m2,
        last_name="Новый",
        first_name="Координатор",
        user=user,
    )
    Membership.objects.create(person=person, role=Role.MUNICIPAL_COORDINATOR, municipality=world.m2)
    client = Client()
    client.force_login(user)
    response = client.post(url, {"decision": "approve", "comment": "", **RUBRIC_OK})
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (
        programme.status == Programme.Status.APPROVED and programme.agreed_by == "Новый Координатор"
    )
    assert programme.agreed_body.endswith(world.m2.name)


def test_a_newer_campaign_shows_what_changed_and_refresh_keeps_the_texts(
    world: World, scored: Submission, programme: Programme
) -> None:
    from django.utils import timezone

    from tests.diagnostics.factories import criteria

    section = programme.sections.get(code="3.2.2")
    actions.do_save_section(world.users["head"], section, "Наш анализ", version=1)
    today = timezone.localdate()
    newer_campaign = diagnostics_actions.do_open_campaign(
        None,
        world.region,
        criteria(2024),
        title="Самодиагностика 2025",
        year=2025,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=5),
    )
    newer = newer_campaign.submissions.get(school=world.s1)
    _submit(newer, strength=0.9)
    page = world.client("head").get(reverse("programmes:programme_detail", args=[programme.pk]))
    assert 'data-testid="newer"' in page.content.decode()
    changes = actions.changes_since(programme, newer)
    assert any(r["changed"] for r in changes)
    actions.do_refresh(world.users["head"], programme)
    assert programme.campaign == newer_campaign
    assert programme.sections.get(code="3.2.2").text == "Наш анализ"
    overall = Result.objects.get(submission=newer, scope="overall")
    assert _table(programme, "3.1")["rows"][-1][1] == prefill._points(overall.points)


def _submit(sub: Submission, strength: float) -> None:
    import random

    from django.utils import timezone

    from marshrut.diagnostics.models import Answer, Status
    from marshrut.diagnostics.synthetic import answers_for

    catalogue = sub.campaign.criteria.catalogue
    values = answers_for(catalogue, sub.profile, strength, random.Random(7), sub.school.inn)
    Answer.objects.bulk_create(
        [
            Answer(submission=sub, code=c, value=list(v) if isinstance(v, tuple) else v)
            for c, v in values.items()
        ]
    )
    sub.status, sub.submitted_at, sub.answered = Status.SUBMITTED, timezone.now(), len(values)
    sub.save()
    diagnostics_actions.finish([sub])
