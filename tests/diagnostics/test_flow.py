"""The self-diagnostics cycle: open, fill, submit, score, verify, return, reopen, result."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from marshrut.diagnostics import actions
from marshrut.diagnostics.models import (
    Answer,
    Campaign,
    CriteriaVersion,
    Deficit,
    Flag,
    Result,
    Status,
    Submission,
)
from marshrut.diagnostics.synthetic import answers_for
from marshrut.kernels.criteria import AnswerError
from tests.conftest import World

DATA = Path(__file__).resolve().parents[2] / "marshrut" / "data" / "criteria"


def load(year: int) -> CriteriaVersion:
    return actions.do_load_criteria(
        None, (DATA / f"demo-{year}.yaml").read_text(encoding="utf-8"), f"demo-{year}.yaml"
    )


def open_campaign(world: World, version: CriteriaVersion, year: int, *, days: int = 10) -> Campaign:
    today = timezone.localdate()
    return actions.do_open_campaign(
        world.users["operator"],
        world.region,
        version,
        title=f"Самодиагностика {year}",
        year=year,
        opens_on=today - dt.timedelta(days=days),
        closes_on=today + dt.timedelta(days=days),
    )


def fill(submission: Submission, strength: float = 1.0, seed: int = 1) -> dict[str, object]:
    import random

    catalogue = submission.campaign.criteria.catalogue
    values = answers_for(catalogue, submission.profile, strength, random.Random(seed), str(seed))
    for code, value in values.items():
        actions.do_save_answer(
            None,
            submission,
            code,
            list(value) if isinstance(value, tuple) else value,
            evidence_url="https://school.example/doc",
        )
    return values


@pytest.fixture
def campaign(world: World) -> Campaign:
    return open_campaign(world, load(2024), 2024)


def test_opening_a_campaign_creates_a_questionnaire_per_school_with_its_profile(
    world: World, campaign: Campaign
) -> None:
    subs = {s.school_id: s for s in campaign.submissions.all()}
    assert set(subs) == {world.s1.pk, world.s2.pk, world.s3.pk}
    assert subs[world.s2.pk].levels == "noo,ooo"  # the ООШ offers no СОО
    catalogue = campaign.criteria.catalogue
    soo_only = [
        c
        for c, i in catalogue.indicators.items()
        if i.applies_if and i.applies_if.levels_any == frozenset({"soo"})
    ]
    assert soo_only and subs[world.s2.pk].applicable < subs[world.s1.pk].applicable


def test_an_answer_out_of_range_is_refused_and_nothing_is_saved(
    world: World, campaign: Campaign
) -> None:
    sub = campaign.submissions.get(school=world.s1)
    percent = next(
        c for c, i in campaign.criteria.catalogue.indicators.items() if i.type == "percent"
    )
    with pytest.raises(AnswerError):
        actions.do_save_answer(None, sub, percent, 140)
    assert not Answer.objects.filter(submission=sub).exists()


def test_submit_needs_every_applicable_answer(world: World, campaign: Campaign) -> None:
    sub = campaign.submissions.get(school=world.s1)
    actions.do_save_answer(None, sub, "ZN.01", True)
    with pytest.raises(ValidationError) as e:
        actions.do_submit(None, sub)
    assert e.value.code == "incomplete"
    sub.refresh_from_db()
    assert sub.status == Status.DRAFT and sub.answered == 1


def test_submit_scores_and_writes_one_row_per_direction_and_overall(
    world: World, campaign: Campaign
) -> None:
    sub = campaign.submissions.get(school=world.s1)
    fill(sub)
    actions.do_submit(world.users["head"], sub)
    sub.refresh_from_db()
    assert sub.status == Status.SUBMITTED and sub.answered == sub.applicable
    scopes = set(Result.objects.filter(submission=sub).values_list("scope", flat=True))
    assert scopes == {*campaign.criteria.catalogue.direction_codes, "overall"}
    overall = Result.objects.get(submission=sub, scope="overall")
    assert overall.deficits == Deficit.objects.filter(submission=sub).count()


def test_window_closes_submission(world: World, campaign: Campaign) -> None:
    sub = campaign.submissions.get(school=world.s1)
    campaign.opens_on = campaign.closes_on = timezone.localdate() - dt.timedelta(days=1)
    campaign.save()
    sub.refresh_from_db()
    with pytest.raises(ValidationError, match="Приём ответов закрыт"):
        actions.do_save_answer(None, sub, "ZN.01", True)
    actions.do_reopen(world.users["operator"], sub, timezone.localdate() + dt.timedelta(days=3))
    actions.do_save_answer(None, sub, "ZN.01", True)


def test_coordinator_returns_a_doubtful_questionnaire_and_the_school_corrects_it(
    world: World, campaign: Campaign
) -> None:
    sub = campaign.submissions.get(school=world.s1)
    fill(sub)
    actions.do_submit(None, sub)
    client = world.client("coordinator")
    client.post(
        reverse("diagnostics:submission_review", kwargs={"pk": sub.pk}),
        {"decision": "return", "comment": "Проверьте ШСК: клуб есть, а учеников в нём ноль"},
    )
    sub.refresh_from_db()
    assert sub.status == Status.RETURNED and "ШСК" in sub.review_comment
    actions.do_save_answer(None, sub, "ZN.01", True)
    actions.do_submit(None, sub)
    client.post(
        reverse("diagnostics:submission_review", kwargs={"pk": sub.pk}), {"decision": "verify"}
    )
    sub.refresh_from_db()
    assert sub.status == Status.VERIFIED and sub.reviewed_by == world.users["coordinator"]
    assert not Flag.objects.filter(submission=sub, resolution=Flag.Resolution.OPEN).exists()


def test_critical_claim_without_evidence_is_flagged(world: World, campaign: Campaign) -> None:
    sub = campaign.submissions.get(school=world.s1)
    fill(sub, strength=3)
    Answer.objects.filter(submission=sub, code="ZN.01").update(evidence_url="")
    actions.do_save_answer(None, sub, "ZN.01", True)
    Answer.objects.filter(submission=sub, code="ZN.01").update(evidence_url="")
    actions.do_submit(None, sub)
    assert Flag.objects.filter(submission=sub, rule="no_evidence", code="ZN.01").exists()


def test_a_jump_against_last_year_is_flagged(world: World) -> None:
    load(2023)
    v2024 = (
        CriteriaVersion.objects.get(code="demo-2024")
        if CriteriaVersion.objects.filter(code="demo-2024").exists()
        else load(2024)
    )
    last = open_campaign(world, CriteriaVersion.objects.get(code="demo-2023"), 2023)
    sub_last = last.submissions.get(school=world.s1)
    fill(sub_last, strength=-1.5, seed=3)
    actions.do_submit(None, sub_last)
    now = open_campaign(world, v2024, 2024)
    assert now.previous == last
    sub = now.submissions.get(school=world.s1)
    fill(sub, strength=3.5, seed=4)
    actions.do_submit(None, sub)
    assert Flag.objects.filter(submission=sub, rule="jump").exists()


def test_the_school_fills_the_questionnaire_through_the_page(
    world: World, campaign: Campaign
) -> None:
    sub = campaign.submissions.get(school=world.s1)
    client = world.client("school")
    page = client.get(reverse("diagnostics:submission", kwargs={"pk": sub.pk})).content.decode()
    assert "Демонстрационный каталог" in page and "hx-post" in page
    response = client.post(
        reverse("diagnostics:answer_save", kwargs={"pk": sub.pk, "code": "ZN.01"}),
        {"value": "yes", "comment": "приказ № 12"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="saved"' in response.content.decode()
    answer = Answer.objects.get(submission=sub, code="ZN.01")
    assert answer.value is True and answer.comment == "приказ № 12"
    response = client.post(
        reverse("diagnostics:submission_submit", kwargs={"pk": sub.pk}), follow=True
    )
    assert 'data-testid="missing"' in response.content.decode()


def test_coordinator_cannot_fill_and_curator_cannot_review(
    world: World, campaign: Campaign
) -> None:
    sub = campaign.submissions.get(school=world.s1)
    url = reverse("diagnostics:answer_save", kwargs={"pk": sub.pk, "code": "ZN.01"})
    assert world.client("coordinator").post(url, {"value": "yes"}).status_code == 403
    review = reverse("diagnostics:submission_review", kwargs={"pk": sub.pk})
    assert world.client("curator").post(review, {"decision": "verify"}).status_code == 403
    other = campaign.submissions.get(school=world.s2)
    assert (
        world.client("head")
        .get(reverse("diagnostics:submission", kwargs={"pk": other.pk}))
        .status_code
        == 404
    )


def test_result_page_shows_levels_deficits_path_and_comparison(
    world: World, campaign: Campaign
) -> None:
    for n, school in enumerate((world.s1, world.s3, world.s2)):
        sub = campaign.submissions.get(school=school)
        fill(sub, strength=0.2 + n, seed=n)
        actions.do_submit(None, sub)
    sub = campaign.submissions.get(school=world.s1)
    page = (
        world.client("head")
        .get(reverse("diagnostics:result", kwargs={"pk": sub.pk}))
        .content.decode()
    )
    assert 'data-testid="levels-chart"' in page and "Как выйти на следующий уровень" in page
    assert "Дефициты по направлениям" in page and "Демонстрационный каталог" in page
    printable = world.client("head").get(
        reverse("diagnostics:result", kwargs={"pk": sub.pk}), {"print": 1}
    )
    assert "<nav" not in printable.content.decode() and "data-print" in printable.content.decode()


def test_campaign_status_counts_by_municipality(
    world: World, campaign: Campaign, django_assert_max_num_queries: Any
) -> None:
    sub = campaign.submissions.get(school=world.s1)
    fill(sub)
    actions.do_submit(None, sub)
    client = world.client("operator")
    page = client.get(
        reverse("diagnostics:campaign_detail", kwargs={"pk": campaign.pk})
    ).content.decode()
    assert 'data-testid="total-share">33 %' in page
    coordinator_page = world.client("coordinator").get(
        reverse("diagnostics:campaign_detail", kwargs={"pk": campaign.pk})
    )
    assert coordinator_page.context["totals"]["total"] == 2  # only the schools of m1


@pytest.mark.parametrize("persona", ["operator", "coordinator"])
def test_campaign_status_page_query_count_is_pinned(
    world: World, campaign: Campaign, persona: str, django_assert_num_queries: Any
) -> None:
    client = world.client(persona)
    url = reverse("diagnostics:campaign_detail", kwargs={"pk": campaign.pk})
    client.get(url)  # warm the session and the catalogue cache
    cache.clear()  # what the first page after a change costs: the frame and the body afresh
    # session, user, generations, memberships, assigned schools, the user's regions, campaign
    # (with its region for the coordinator), counts by municipality, totals, the page count,
    # municipalities for the filter, the page rows, the unread notifications of the menu's badge;
    # the same whatever the number of schools.
    with django_assert_num_queries(PINNED_STATUS_QUERIES[persona]):
        assert client.get(url).status_code == 200
    # Unchanged: user, generations, campaign; the session, the body and the badge from the cache.
    with django_assert_num_queries(PINNED_STATUS_QUERIES[persona] - 10):
        assert client.get(url).status_code == 200


PINNED_STATUS_QUERIES = {"operator": 13, "coordinator": 14}
