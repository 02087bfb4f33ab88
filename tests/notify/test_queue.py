"""The work queue per role on hand-made data: each count equals one counted another way.

The expectations are counted in plain Python over the objects (or by hand), never by the queries
the queue runs; and each test then does the work and checks that the task is gone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from marshrut.diagnostics import actions as diagnostics_actions
from marshrut.diagnostics.models import Flag, Status, Submission
from marshrut.events.models import Event
from marshrut.lib.imports import ImportBatch
from marshrut.notify import queue
from marshrut.notify.queue import Task, tasks_for
from marshrut.orgs.roles import Role
from marshrut.plans.models import ItemStatus, Level, Plan, PlanItem
from marshrut.programmes.models import Decision, InterviewRound, InterviewSlot, ProgrammeComment
from marshrut.programmes.models.decisions import DecisionStatus, Source, Subject
from marshrut.support.models import Participation
from marshrut.support.models.documents import Document, DocumentKind
from marshrut.support.models.stages import Stage, StageDocument, StageSubmission, SubmissionStatus
from marshrut.support.models.visits import Visit
from tests.conftest import World, make_school
from tests.diagnostics.factories import campaign_for, submission_for
from tests.plans.conftest import make_plan
from tests.programmes.conftest import make_programme


def of_kind(tasks: list[Task], kind: str) -> list[Task]:
    return [t for t in tasks if t.kind == kind]


def one(tasks: list[Task], kind: str) -> Task:
    found = of_kind(tasks, kind)
    assert len(found) == 1, [t.title for t in tasks]
    return found[0]


@pytest.fixture
def today(world: World) -> dt.date:
    return world.region.today()


# --- the school ----------------------------------------------------------------------------------


def test_the_head_sees_the_open_questionnaire_with_its_closing_date_and_share(
    world: World, today: dt.date
) -> None:
    campaign = campaign_for(world)
    sub = Submission.objects.get(campaign=campaign, school=world.s1)
    sub.answered = sub.applicable // 3
    sub.status = Status.DRAFT
    sub.save()
    task = one(tasks_for(world.users["head"], today), "diagnostics.fill")
    assert task.due == campaign.closes_on
    assert f"{campaign.closes_on:%d.%m.%Y}" in task.detail
    assert f"{round(100 * sub.answered / sub.applicable)} %" in task.detail
    assert task.count == sub.applicable - sub.answered
    assert task.url == f"/diagnostics/submissions/{sub.pk}/"
    assert task.role == Role.SCHOOL_HEAD and task.node == world.s1.short_name
    # The other school's head is not told about this school.
    assert not of_kind(tasks_for(world.users["methodologist"], today), "diagnostics.fill")


def test_returned_answers_count_this_round_only_and_go_when_sent_again(
    world: World, today: dt.date
) -> None:
    sub = submission_for(world, world.s1, submitted=True)
    Flag.objects.filter(submission=sub).delete()
    now = timezone.now()
    # A flag returned in an earlier round, before the school last sent the questionnaire.
    Flag.objects.create(
        submission=sub,
        rule=Flag.Rule.JUMP,
        code="X",
        message="старое",
        resolution=Flag.Resolution.RETURNED,
        resolved_at=now - dt.timedelta(days=30),
    )
    for code, rule in (("A", Flag.Rule.JUMP), ("B", Flag.Rule.NO_EVIDENCE), ("C", Flag.Rule.JUMP)):
        Flag.objects.create(submission=sub, rule=rule, code=code, message=f"замечание {code}")
    diagnostics_actions.do_return(world.users["coordinator"], sub, "Проверьте показатели")
    sub.refresh_from_db()
    expected = [
        f
        for f in Flag.objects.all()
        if f.submission_id == sub.pk
        and f.resolution == Flag.Resolution.RETURNED
        and f.resolved_at >= sub.submitted_at
    ]
    task = one(tasks_for(world.users["head"], today), "diagnostics.returned")
    assert task.count == len(expected) == 3
    assert "3 ответа" in task.title
    assert "подтверждающие документы к 1 ответу" in task.detail
    assert "Проверьте показатели" in task.detail
    # The school coordinator holds the same task for the same school.
    assert one(tasks_for(world.users["school"], today), "diagnostics.returned").count == 3
    # Sent again: the task is gone, and no «fill in» appears in its place.
    sub.status, sub.submitted_at = Status.SUBMITTED, timezone.now()
    sub.save()
    tasks = tasks_for(world.users["head"], today)
    assert not of_kind(tasks, "diagnostics.returned") and not of_kind(tasks, "diagnostics.fill")


def _set_items(plan: Plan, dates: list[tuple[dt.date | None, str]]) -> None:
    items = list(plan.items.order_by("position"))
    assert len(items) >= len(dates)
    for item, (due, status) in zip(items, dates, strict=False):
        PlanItem.objects.filter(pk=item.pk).update(next_due_on=due, status=status)
    PlanItem.objects.filter(plan=plan, pk__in=[i.pk for i in items[len(dates) :]]).update(
        next_due_on=None
    )


def test_roadmap_items_overdue_and_due_this_week_are_counted_and_done_ones_disappear(
    world: World, today: dt.date
) -> None:
    plan = make_plan(world, Level.SCHOOL, school=world.s1)
    d = dt.timedelta
    _set_items(
        plan,
        [
            (today - d(10), ItemStatus.PLANNED),
            (today - d(1), ItemStatus.IN_PROGRESS),
            (today - d(3), ItemStatus.DONE),  # done: not overdue
            (today + d(2), ItemStatus.PLANNED),
            (today + d(20), ItemStatus.PLANNED),  # not this week
        ],
    )
    items = list(PlanItem.objects.filter(plan=plan))
    open_ = [i for i in items if i.status not in (ItemStatus.DONE, ItemStatus.CANCELLED)]
    late = [i for i in open_ if i.next_due_on and i.next_due_on < today]
    week = [i for i in open_ if i.next_due_on and today <= i.next_due_on <= today + d(7)]
    tasks = tasks_for(world.users["head"], today)
    overdue = one(tasks, "plans.overdue")
    assert overdue.count == len(late) == 2 and overdue.overdue
    assert overdue.due == min(i.next_due_on for i in late)
    assert one(tasks, "plans.week").count == len(week) == 1
    # Overdue first.
    assert tasks[0].overdue
    # Done: the overdue task goes.
    PlanItem.objects.filter(pk__in=[i.pk for i in late]).update(status=ItemStatus.DONE)
    assert not of_kind(tasks_for(world.users["head"], today), "plans.overdue")
    # A plan not in force commits nobody.
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.DRAFT)
    assert not of_kind(tasks_for(world.users["head"], today), "plans.week")


def test_a_programme_returned_with_remarks_counts_the_unresolved_ones(
    world: World, today: dt.date
) -> None:
    programme = make_programme(world, "s1", "returned")
    section = programme.sections.first()
    assert section is not None
    ProgrammeComment.objects.create(section=section, text="раз")
    ProgrammeComment.objects.create(section=section, text="два")
    ProgrammeComment.objects.create(section=section, text="учтено", resolved=True)
    expected = sum(1 for s in programme.sections.all() for c in s.comments.all() if not c.resolved)
    task = one(tasks_for(world.users["head"], today), "programmes.returned")
    assert task.count == expected
    assert task.url == f"/programmes/{programme.pk}/"
    # The coordinator of the municipality has nothing to review while it is with the school.
    assert not of_kind(tasks_for(world.users["coordinator"], today), "programmes.review")


def test_shnor_stage_documents_owed_and_visits_to_the_school(world: World, today: dt.date) -> None:
    Participation.objects.create(school=world.s1, year=today.year, entered_on=today)
    stage = Stage.objects.create(
        region=world.region,
        year=today.year,
        number=1,
        title="Старт",
        control_on=today + dt.timedelta(days=5),
    )
    docs = [StageDocument.objects.create(stage=stage, position=i, title=f"д{i}") for i in (1, 2, 3)]
    StageSubmission.objects.create(document=docs[0], stage=stage, school=world.s1)
    StageSubmission.objects.create(
        document=docs[1],
        stage=stage,
        school=world.s1,
        status=SubmissionStatus.RETURNED,
        remark="не тот файл",
        decided_at=timezone.now(),
    )
    # Another school's document does not count for this one.
    StageSubmission.objects.create(document=docs[2], stage=stage, school=world.s3)
    owed = len(docs) - sum(
        1
        for s in StageSubmission.objects.all()
        if s.school_id == world.s1.pk and s.status in ("sent", "accepted")
    )
    task = one(tasks_for(world.users["head"], today), "shnor.stage")
    assert task.count == owed == 2
    assert "возвращено с замечаниями: 1" in task.detail
    assert not task.overdue and task.due == stage.control_on
    # A school outside the cohort owes nothing.
    assert not of_kind(tasks_for(world.users["methodologist"], today), "shnor.stage")
    Visit.objects.create(
        school=world.s1,
        visitor=world.people["curator"],
        visitor_role=Role.CURATOR,
        planned_on=today + dt.timedelta(days=3),
        purpose="знакомство с командой",
    )
    assert one(tasks_for(world.users["head"], today), "shnor.visit_school").due == today + (
        dt.timedelta(days=3)
    )


# --- the municipality ---------------------------------------------------------------------------


def test_the_coordinator_sees_schools_not_started_and_questionnaires_to_verify(
    world: World, today: dt.date
) -> None:
    campaign = campaign_for(world)
    sent = submission_for(world, world.s1, submitted=True)
    Flag.objects.filter(submission=sent).delete()
    Flag.objects.create(submission=sent, rule=Flag.Rule.JUMP, code="A", message="скачок")
    Flag.objects.create(submission=sent, rule=Flag.Rule.JUMP, code="B", message="скачок")
    subs = list(Submission.objects.filter(campaign=campaign).select_related("school"))
    mine = [s for s in subs if s.school.municipality_id == world.m1.pk]
    not_started = [s for s in mine if s.status == Status.NOT_STARTED]
    tasks = tasks_for(world.users["coordinator"], today)
    task = one(tasks, "diagnostics.not_started")
    assert task.count == len(not_started) == 1  # s3; s2 is in the other municipality
    assert f"municipality={world.m1.pk}" in task.url and "status=not_started" in task.url
    verify = one(tasks, "diagnostics.verify")
    assert verify.count == len([s for s in mine if s.status == Status.SUBMITTED]) == 1
    assert "2" in verify.detail
    # Verified: nothing left to verify.
    diagnostics_actions.do_verify(world.users["coordinator"], sent)
    assert not of_kind(tasks_for(world.users["coordinator"], today), "diagnostics.verify")


def test_programmes_and_roadmaps_waiting_for_the_municipality(world: World, today: dt.date) -> None:
    make_programme(world, "s1", "submitted")
    make_programme(world, "s3", "submitted")
    make_programme(world, "s2", "submitted")  # the other municipality's
    plan = make_plan(world, Level.SCHOOL, school=world.s3)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.SUBMITTED)
    tasks = tasks_for(world.users["coordinator"], today)
    assert one(tasks, "programmes.review").count == 2
    assert one(tasks, "plans.review").count == 1
    assert not of_kind(tasks_for(world.users["head"], today), "programmes.review")


def test_interviews_ahead_and_protocols_missing(world: World, today: dt.date) -> None:
    round_ = InterviewRound.objects.create(
        region=world.region,
        title="Весна",
        year=today.year,
        half="spring",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
    )
    ahead = InterviewSlot.objects.create(
        round=round_,
        municipality=world.m1,
        school=world.s1,
        on=today + dt.timedelta(days=2),
        starts_at=dt.time(10, 0),
    )
    InterviewSlot.objects.create(
        round=round_,
        municipality=world.m1,
        school=world.s3,
        on=today - dt.timedelta(days=2),
        starts_at=dt.time(11, 0),
    )
    tasks = tasks_for(world.users["coordinator"], today)
    assert one(tasks, "interviews.ahead").count == 1
    missing = one(tasks, "interviews.protocol")
    assert missing.count == 1 and missing.overdue
    head = one(tasks_for(world.users["head"], today), "interviews.school")
    assert head.due == ahead.on and "10:00" in head.title


# --- the region ----------------------------------------------------------------------------------


def test_the_operator_sees_campaign_progress_and_late_municipalities(
    world: World, today: dt.date
) -> None:
    campaign = campaign_for(world)
    submission_for(world, world.s1, submitted=True)
    subs = list(Submission.objects.filter(campaign=campaign).select_related("school"))
    sent = [s for s in subs if s.status in (Status.SUBMITTED, Status.VERIFIED)]
    tasks = tasks_for(world.users["operator"], today)
    progress = one(tasks, "diagnostics.progress")
    assert progress.count == len(subs) - len(sent) == 2
    assert f"{len(sent)} из {len(subs)}" in progress.title
    # Half the window has passed: m1 sent 1 of 2 (50 %), m2 none of 1 — m2 is behind; m1 is
    # behind only if more than half of the window has passed.
    passed = ((today - campaign.opens_on).days + 1) / (
        (campaign.closes_on - campaign.opens_on).days + 1
    )
    by_m: dict[int, list[Submission]] = {}
    for s in subs:
        by_m.setdefault(s.school.municipality_id, []).append(s)
    late = [
        m
        for m, found in by_m.items()
        if sum(s.status in ("submitted", "verified") for s in found) / len(found) < passed
    ]
    assert one(tasks, "diagnostics.late").count == len(late)
    assert world.m2.name in one(tasks, "diagnostics.late").detail
    # The department sees the same progress, but has no imports to apply.
    assert one(tasks_for(world.users["department"], today), "diagnostics.progress").count == 2


def test_imports_waiting_to_be_applied_and_decisions_due(world: World, today: dt.date) -> None:
    for status in (ImportBatch.Status.CHECKED, ImportBatch.Status.FAILED):
        ImportBatch.objects.create(
            kind="registry",
            region=world.region,
            file="imports/x.xlsx",
            filename=f"реестр-{status}.xlsx",
            size=10,
            sha256="0" * 64,
            status=status,
        )
    for days, status in ((-5, DecisionStatus.ACCEPTED), (-2, DecisionStatus.DONE), (7, "accepted")):
        Decision.objects.create(
            region=world.region,
            subject=Subject.SCHOOL,
            municipality=world.m1,
            school=world.s1,
            source=Source.OTHER,
            decided_by="Комиссия",
            decided_on=today - dt.timedelta(days=30),
            text="Решение",
            due_on=today + dt.timedelta(days=days),
            status=status,
            done_on=today if status == DecisionStatus.DONE else None,
        )
    tasks = tasks_for(world.users["operator"], today)
    batch = one(tasks, "imports.checked")
    assert "реестр-checked.xlsx" in batch.title and batch.url.startswith("/registry/import/")
    decisions = list(Decision.objects.all())
    late = [d for d in decisions if d.is_open and d.due_on < today]
    assert one(tasks, "decisions.overdue").count == len(late) == 1
    assert one(tasks, "decisions.soon").count == 1
    # The head is told about the decisions about the school.
    assert one(tasks_for(world.users["head"], today), "decisions.overdue").count == 1
    # The coordinator is not: they are about a school, not the municipality.
    assert not of_kind(tasks_for(world.users["coordinator"], today), "decisions.overdue")
    assert not of_kind(tasks_for(world.users["department"], today), "imports.checked")


# --- curators, mentors, methodologists ----------------------------------------------------------


def test_the_curator_reports_on_past_visits_and_reviews_documents(
    world: World, today: dt.date
) -> None:
    curator = world.people["curator"]
    past = Visit.objects.create(
        school=world.s1,
        visitor=curator,
        visitor_role=Role.CURATOR,
        planned_on=today - dt.timedelta(days=4),
        purpose="посещение уроков",
    )
    Visit.objects.create(
        school=world.s1,
        visitor=world.people["mentor"],
        visitor_role=Role.MENTOR,
        planned_on=today - dt.timedelta(days=4),
        purpose="чужое посещение",
    )
    Document.objects.create(
        region=world.region,
        municipality=world.m1,
        school=world.s1,
        year=today.year,
        kind=DocumentKind.CONCEPT,
        status=Document.Status.REVIEW,
    )
    tasks = tasks_for(world.users["curator"], today)
    report = one(tasks, "shnor.visit_report")
    assert report.overdue and report.url == f"/shnor/visits/{past.pk}/"
    assert one(tasks, "shnor.review").count == 1
    assert one(tasks_for(world.users["mentor"], today), "shnor.visit_report").key != report.key
    Visit.objects.filter(pk=past.pk).update(status=Visit.Status.CANCELLED)
    assert not of_kind(tasks_for(world.users["curator"], today), "shnor.visit_report")


def test_the_methodologist_runs_events_ahead_and_enters_participants(
    world: World, today: dt.date
) -> None:
    def event(title: str, starts: dt.date, total: int | None = None) -> Event:
        return Event.objects.create(
            region=world.region,
            title=title,
            starts_on=starts,
            ends_on=starts,
            participants_total=total,
        )

    event("Семинар", today + dt.timedelta(days=3))
    event("Вебинар прошёл", today - dt.timedelta(days=3))
    event("Форум с участниками", today - dt.timedelta(days=5), total=40)
    event("Давний", today - dt.timedelta(days=100))
    tasks = tasks_for(world.users["methodologist"], today)
    assert one(tasks, "events.ahead").title.endswith("Семинар")
    participants = one(tasks, "events.participants")
    assert participants.count == 1 and "Вебинар прошёл" in participants.detail


# --- the whole queue -----------------------------------------------------------------------------


def test_overdue_first_then_by_due_date(world: World, today: dt.date) -> None:
    tasks = [
        Task("a", "k", "a", "/", "operator", "x", due=today + dt.timedelta(days=1)),
        Task("b", "k", "b", "/", "operator", "x", due=today - dt.timedelta(days=1), overdue=True),
        Task("c", "k", "c", "/", "operator", "x"),
        Task("d", "k", "d", "/", "operator", "x", due=today),
    ]
    assert [t.key for t in sorted(tasks, key=Task.sort_key)] == ["b", "d", "a", "c"]


def test_nobody_without_a_role_has_tasks(world: World, today: dt.date) -> None:
    assert tasks_for(world.users["outsider"], today) == []


def test_a_source_registered_by_another_app_is_asked(world: World, today: dt.date) -> None:
    def practices(who: Any) -> list[Task]:
        return [Task("p", "practices.moderate", "Практики", "/", Role.METHODOLOGIST, "")] * any(
            h.role == Role.METHODOLOGIST for h in who.held
        )

    queue.register(practices)
    try:
        assert of_kind(tasks_for(world.users["methodologist"], today), "practices.moderate")
        assert not of_kind(tasks_for(world.users["head"], today), "practices.moderate")
    finally:
        queue.SOURCES.remove(practices)


def test_the_operators_queue_is_a_fixed_number_of_queries_whatever_the_schools(
    world: World, today: dt.date, django_assert_num_queries: Any
) -> None:
    campaign_for(world)
    make_plan(world, Level.REGION)
    for serial in range(10, 40):
        school = make_school(world.m2 if serial % 2 else world.m1, serial)
        Submission.objects.create(campaign=campaign_for(world), school=school)
    # Warm: the user's memberships are read once per request, as the page does.
    user = world.users["operator"]
    with django_assert_num_queries(QUERIES_OPERATOR):
        tasks_for(user, today)


def test_the_heads_queue_is_a_fixed_number_of_queries(
    world: World, today: dt.date, django_assert_num_queries: Any
) -> None:
    campaign_for(world)
    make_plan(world, Level.SCHOOL, school=world.s1)
    with django_assert_num_queries(QUERIES_HEAD):
        tasks_for(world.users["head"], today)


# The memberships, the names and zones (3), then one query (two or three for ШНОР) per source
# that applies to the role: a new source changes these on purpose.
QUERIES_OPERATOR = 10
QUERIES_HEAD = 14  # with the practices returned for rework


def test_practices_to_moderate_and_to_rework(world: World, today: dt.date) -> None:
    from marshrut.practices.actions import do_moderate_practice
    from marshrut.practices.models import Practice, Status
    from tests.practices.factories import practice

    waiting = [
        practice(world.s1, title=f"Практика {i}", status=Status.MODERATION) for i in range(3)
    ]
    practice(world.s3, title="Опубликованная", status=Status.PUBLISHED)
    returned = practice(world.s1, title="Вернули", status=Status.RETURNED)
    expected = sum(1 for p in Practice.objects.all() if p.status == "moderation")
    task = one(tasks_for(world.users["methodologist"], today), "practices.moderation")
    assert task.count == expected == 3
    assert task.url == "/practices/moderation/"
    rework = one(tasks_for(world.users["head"], today), "practices.returned")
    assert rework.url == f"/practices/{returned.pk}/" and "Вернули" in rework.title
    # A school does not moderate, a methodologist does not rework another school's card.
    assert not of_kind(tasks_for(world.users["head"], today), "practices.moderation")
    assert not of_kind(tasks_for(world.users["methodologist"], today), "practices.returned")

    for p in waiting:
        p.refresh_from_db()
        do_moderate_practice(world.users["methodologist"], p, publish=True)
    assert not of_kind(tasks_for(world.users["methodologist"], today), "practices.moderation")
