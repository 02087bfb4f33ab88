"""The region switcher in the page header: an operator of two regions switches, the list follows."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.orgs.models import Membership
from marshrut.orgs.roles import Role
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_operator_of_two_regions_switches_and_the_school_list_follows(
    world: World, live_server: Any, page: Any
) -> None:
    other = build_world("99", "Вторая область", tag="r2-")
    Membership.objects.create(
        person=world.people["operator"], role=Role.OPERATOR, region=other.region
    )
    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/registry/schools/")
    rows = page.locator("[data-testid=schools] tbody tr")
    expect(rows).to_have_count(6)  # all my regions

    # Choosing in the header's select submits it (site.js, no inline script).
    page.get_by_label("Регион", exact=True).select_option("99")
    page.wait_for_url("**/registry/schools/")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-testid=schools]")).to_contain_text("Второй район (r2-)")
    screenshot(page, "region-switcher")

    # Remembered: another page opens in the same region.
    page.goto(f"{live_server.url}/registry/municipalities/")
    expect(page.get_by_label("Регион", exact=True)).to_have_value("99")
    expect(page.locator("main")).not_to_contain_text("Второй муниципальный район")

    page.get_by_label("Регион", exact=True).select_option("98")
    page.wait_for_url("**/registry/municipalities/")
    expect(page.locator("main")).to_contain_text("Второй муниципальный район")
