"""Results with levels per direction, the path to the next level, survey results' small groups."""

from __future__ import annotations

from marshrut.diagnostics.models import Result, Submission
from marshrut.diagnostics.scoring import answers_of, normalised, score_submission
from marshrut.kernels.scoring import next_level_path
from marshrut.surveys.demo import TITLE
from marshrut.surveys.models import MIN_GROUP, Response, Survey
from tests.api.conftest import ApiWorld


def test_school_results_give_levels_per_direction(api_world: ApiWorld) -> None:
    school = api_world.world.s1
    body = api_world.client("head").get(f"/api/v1/schools/{school.pk}/results").json()
    assert body and all(r["school_id"] == school.pk for r in body)
    latest = next(r for r in body if r["levels"])
    scopes = [level["scope"] for level in latest["levels"]]
    assert scopes[-1] == "overall" and len(scopes) == 9
    stored = Result.objects.get(submission_id=latest["submission_id"], scope="overall")
    assert latest["levels"][-1]["level"] == stored.level
    assert latest["levels"][-1]["scope_name"] == "Итого по школе"


def test_path_to_the_next_level_is_the_result_pages_kernel(api_world: ApiWorld) -> None:
    submission = (
        Submission.objects.filter(school=api_world.world.s1, results__isnull=False)
        .select_related("campaign__criteria")
        .distinct()
        .first()
    )
    assert submission is not None
    body = (
        api_world.client("head")
        .get(f"/api/v1/campaigns/{submission.campaign_id}/schools/{submission.school_id}/path")
        .json()
    )
    catalogue = submission.campaign.criteria.catalogue
    answers = answers_of([submission])[submission.pk]
    paths = next_level_path(
        catalogue,
        submission.profile,
        normalised(catalogue, answers),
        score_submission(catalogue, submission, answers),
    )
    assert [p["scope"] for p in body] == list(catalogue.scope_codes)
    for p in body:
        expected = paths[p["scope"]]
        assert p["target"] == expected.target and p["reachable"] == expected.reachable
        assert [s["indicator"] for s in p["steps"]] == [s.indicator for s in expected.steps]


def test_survey_results_hide_small_groups(api_world: ApiWorld) -> None:
    client = api_world.client("operator")
    survey = Survey.objects.get(region=api_world.world.region, title=TITLE)
    whole = client.get(f"/api/v1/surveys/{survey.pk}/results").json()
    total = Response.objects.filter(survey=survey).count()
    assert whole["responses"] == total and whole["min_group"] == MIN_GROUP
    assert whole["hidden"] is (total < MIN_GROUP)
    by_municipality = dict(
        (m, Response.objects.filter(survey=survey, municipality=m).count())
        for m in (api_world.world.m1, api_world.world.m2)
    )
    for municipality, n in by_municipality.items():
        part = client.get(
            f"/api/v1/surveys/{survey.pk}/results", {"municipality": municipality.pk}
        ).json()
        if n < MIN_GROUP:
            # Nothing of a small group: no answers, not even its count.
            assert part["hidden"] is True and part["questions"] == []
            assert part["responses"] is None
        else:
            assert part["responses"] == n


def test_a_survey_with_few_answers_shows_only_the_count(api_world: ApiWorld) -> None:
    survey = Survey.objects.create(region=api_world.world.region, title="Малый опрос")
    for _ in range(MIN_GROUP - 1):
        Response.objects.create(survey=survey)
    body = api_world.client("operator").get(f"/api/v1/surveys/{survey.pk}/results").json()
    assert body["hidden"] is True and body["responses"] == MIN_GROUP - 1
    assert body["questions"] == []
