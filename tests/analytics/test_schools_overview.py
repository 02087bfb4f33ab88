"""«Аналитика» for a person with several schools (a curator): all of them in one table."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from marshrut.diagnostics import actions
from marshrut.diagnostics.models import Campaign
from marshrut.orgs.models import Membership
from tests.conftest import World
from tests.diagnostics.test_flow import campaign, fill  # noqa: F401 (a fixture)


@pytest.fixture
def scored(world: World, campaign: Campaign) -> Campaign:  # noqa: F811
    """The curator is assigned s1 and s3; s1 has sent its questionnaire, s3 has not."""
    Membership.objects.get(person=world.people["curator"]).schools.add(world.s3)
    sub = campaign.submissions.get(school=world.s1)
    fill(sub, strength=0.3, seed=2)
    actions.do_submit(None, sub)
    return campaign


def test_the_curator_gets_an_overview_of_all_assigned_schools(
    world: World, scored: Campaign, django_assert_max_num_queries: Any
) -> None:
    client = world.client("curator")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", response.content.decode())
    s1 = scored.submissions.get(school=world.s1)
    s3 = scored.submissions.get(school=world.s3)
    assert 'data-testid="schools-overview"' in page
    assert "МАОУ СОШ № 1" in page and "МАОУ СОШ № 3" in page
    assert "МАОУ «Вторая ООШ»" not in page  # not assigned
    assert reverse("diagnostics:result", args=[s1.pk]) in page
    assert reverse("diagnostics:submission", args=[s3.pk]) in page  # no result yet
    assert "2 школы, с результатами — 1" in page
    for direction in scored.criteria.catalogue.directions:
        assert direction.name in page
    result = s1.results.get(scope="overall")
    row = page.split("МАОУ СОШ № 1", 1)[1].split("</tr>", 1)[0]
    assert str(result.get_level_display()) in row


def test_a_school_team_still_lands_on_its_result(world: World, scored: Campaign) -> None:
    response = world.client("head").get(reverse("analytics:dashboard"))
    s1 = scored.submissions.get(school=world.s1)
    assert response.status_code == 302
    assert response["Location"] == reverse("diagnostics:result", args=[s1.pk])


def test_the_coordinator_keeps_the_municipal_dashboard(world: World, scored: Campaign) -> None:
    page = world.client("coordinator").get(reverse("analytics:dashboard")).content.decode()
    assert 'data-testid="schools-table"' in page and "schools-overview" not in page


def test_an_outsider_gets_no_overview(world: World, scored: Campaign) -> None:
    assert world.client("outsider").get(reverse("analytics:dashboard")).status_code == 403
