"""The dashboard's figures are computed once per change and never served stale.

Each kind of write that changes what the dashboard shows — a results import, a submission, a
return, a reopening, a criteria reload, a registry change — is followed by a page that must show
the new figure; an unchanged campaign's second page must not compute anything again.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marshrut.diagnostics import actions
from marshrut.diagnostics.importing import apply_file
from marshrut.diagnostics.models import Answer, Campaign, Result, Status, Submission
from marshrut.diagnostics.synthetic import answers_for
from marshrut.orgs.actions import do_save_school
from marshrut.orgs.models import Municipality
from tests.conftest import World, make_school
from tests.diagnostics.conftest import wide_rows, xlsx
from tests.diagnostics.factories import campaign_for, criteria

URL = reverse("analytics:dashboard")


def figure(client: Any, campaign: Campaign, name: str, **params: Any) -> int:
    page = client.get(URL, {"campaign": campaign.pk, **params})
    assert page.status_code == 200
    found = re.search(rf'data-testid="{name}">(\d+)<', page.content.decode())
    assert found, f"no figure {name}"
    return int(found.group(1))


def answered(campaign: Campaign, school: Any) -> Submission:
    """A questionnaire with every applicable answer, not yet sent."""
    sub = Submission.objects.get(campaign=campaign, school=school)
    catalogue = campaign.criteria.catalogue
    values = answers_for(catalogue, sub.profile, 0.5, random.Random(school.pk), school.inn)
    Answer.objects.bulk_create(
        [
            Answer(submission=sub, code=c, value=list(v) if isinstance(v, tuple) else v)
            for c, v in values.items()
        ]
    )
    sub.status, sub.answered = Status.DRAFT, len(values)
    sub.save()
    return sub


@pytest.fixture
def campaign(world: World) -> Campaign:
    return campaign_for(world)


def test_a_results_import_shows_on_the_next_page(world: World, campaign: Campaign) -> None:
    client = world.client("operator")
    assert figure(client, campaign, "done") == 0
    apply_file(None, xlsx(wide_rows(campaign, [world.s1, world.s2])), "fed.xlsx", campaign)
    assert figure(client, campaign, "done") == 2


def test_a_submission_a_return_and_a_reopening_show_on_the_next_page(
    world: World, campaign: Campaign
) -> None:
    client = world.client("operator")
    first, second = answered(campaign, world.s1), answered(campaign, world.s2)
    assert figure(client, campaign, "done") == 0
    actions.do_submit(None, first)
    assert figure(client, campaign, "done") == 1
    actions.do_submit(None, second)
    assert figure(client, campaign, "done") == 2
    actions.do_return(None, first, "Проверьте показатель 1")
    assert figure(client, campaign, "done") == 1
    actions.do_reopen(None, second, timezone.localdate() + dt.timedelta(days=3))
    assert figure(client, campaign, "done") == 0


def test_verification_and_a_first_answer_start_a_new_generation(
    world: World, campaign: Campaign
) -> None:
    sub = answered(campaign, world.s1)
    actions.do_submit(None, sub)
    generation = Campaign.objects.get(pk=campaign.pk).results_generation
    actions.do_verify(None, sub)
    assert Campaign.objects.get(pk=campaign.pk).results_generation > generation
    other = Submission.objects.get(campaign=campaign, school=world.s2)
    catalogue = campaign.criteria.catalogue
    code, value = next(iter(answers_for(catalogue, other.profile, 0.5, random.Random(1)).items()))
    generation = Campaign.objects.get(pk=campaign.pk).results_generation
    actions.do_save_answer(None, other, code, list(value) if isinstance(value, tuple) else value)
    assert Campaign.objects.get(pk=campaign.pk).results_generation > generation


def test_a_criteria_reload_recomputes_the_figures(world: World, campaign: Campaign) -> None:
    client = world.client("operator")
    figure(client, campaign, "done")
    version = criteria()
    with CaptureQueriesContext(connection) as cached:
        figure(client, campaign, "done")
    actions.do_load_criteria(None, version.source_text, version.source_name)
    with CaptureQueriesContext(connection) as fresh:
        figure(client, campaign, "done")
    assert len(fresh) > len(cached)
    assert not any("diagnostics_result" in q["sql"] for q in cached.captured_queries)
    assert any("diagnostics_result" in q["sql"] for q in fresh.captured_queries)


def test_a_school_moved_in_the_registry_shows_in_both_municipalities(
    world: World, campaign: Campaign
) -> None:
    client = world.client("operator")
    assert figure(client, campaign, "schools", municipality=world.m1.pk) == 2
    assert figure(client, campaign, "schools", municipality=world.m2.pk) == 1
    before = {"municipality": world.s2.municipality_id}
    world.s2.municipality = world.m1
    do_save_school(None, world.s2, before=before)
    assert figure(client, campaign, "schools", municipality=world.m1.pk) == 3
    assert figure(client, campaign, "schools", municipality=world.m2.pk) == 0


def test_unchanged_figures_are_read_from_the_cache(
    world: World, campaign: Campaign, django_assert_max_num_queries: Any
) -> None:
    client = world.client("operator")
    apply_file(None, xlsx(wide_rows(campaign, [world.s1, world.s2])), "fed.xlsx", campaign)
    first = client.get(URL, {"campaign": campaign.pk})
    # Session, user, generations (roles and regions from the frame cache), campaigns: nothing
    # about results.
    with django_assert_max_num_queries(4):
        second = client.get(URL, {"campaign": campaign.pk})
    token = re.compile(rb'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')
    assert token.sub(b"", second.content) == token.sub(b"", first.content)


def test_the_region_page_shows_one_page_of_municipalities(world: World) -> None:
    campaign = Campaign.objects.create(
        region=world.region,
        criteria=criteria(),
        title="Кампания",
        year=2024,
        opens_on=dt.date(2024, 11, 1),
        closes_on=dt.date(2024, 11, 15),
    )
    for n in range(60):
        place = Municipality.objects.create(
            region=world.region, name=f"район {n:02}", oktmo=f"9862{n:04}"
        )
        school = make_school(place, 500 + n)
        sub = Submission.objects.create(campaign=campaign, school=school, status=Status.VERIFIED)
        Result.objects.create(
            submission=sub,
            campaign=campaign,
            school=school,
            scope="overall",
            level="basic",
            points=50,
            max_points=100,
        )
    client = world.client("operator")

    def shown(page: int) -> list[str]:
        html = client.get(URL, {"campaign": campaign.pk, "page": page}).content.decode()
        assert html.count("hsl(") == 2 * len(campaign.criteria.catalogue.scope_codes) * (
            50 if page == 1 else 10
        )  # heat cells of this page only, in two tables
        table = html.split('data-testid="municipalities"', 1)[1].split("</table>", 1)[0]
        return re.findall(r">(район \d+)</a>", table)

    assert shown(1) == [f"район {n:02}" for n in range(50)]
    assert shown(2) == [f"район {n:02}" for n in range(50, 60)]
    export = client.get(URL, {"campaign": campaign.pk, "export": "xlsx", "table": "participation"})
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    assert book.active.max_row - 3 == 60  # the export keeps every municipality
