"""Cached page bodies and frames are never stale and never another scope's.

The school list, a campaign's status, a plan and the execution page are served from the cache
(marshrut/web/pages.py) under keys holding the generations of the tables they read
(marshrut/lib/cache.py); the frame (menu, regions) under the ``people`` and ``registry``
generations. After each kind of write — through the actions, a bulk query, raw SQL — the next
page must show the new value; two people with different roles never get each other's body.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marshrut.accounts.models import User
from marshrut.diagnostics import actions as diagnostics
from marshrut.diagnostics.models import Campaign, Status, Submission
from marshrut.events.models import Event
from marshrut.lib.cache import generations
from marshrut.orgs.actions import do_end_membership, do_grant_role, do_save_school
from marshrut.orgs.models import Membership, Municipality, Region, School
from marshrut.orgs.roles import Role
from marshrut.plans import actions as plans
from marshrut.plans.models import ItemStatus, Level, Plan, PlanItem
from tests.conftest import World
from tests.diagnostics.factories import campaign_for
from tests.diagnostics.test_flow import fill
from tests.plans.conftest import make_plan

SCHOOLS = reverse("orgs:school_list")
EXECUTION = reverse("plans:execution") + "?year=2024"


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return str(response.content.decode())


def figure(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    assert found, f"no {testid}"
    return found.group(1).strip()


def body_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client, url)
    return len(queries)


# --- the generations ---------------------------------------------------------------------------


def test_every_kind_of_write_changes_the_generation_of_its_tables(world: World) -> None:
    plan = make_plan(world)
    item = plan.items.first()
    assert item is not None
    seen = {generations("plans")}

    def changed() -> None:
        now = generations("plans")
        assert now not in seen
        seen.add(now)

    item.title = "Новое название"
    item.save()
    changed()
    PlanItem.objects.filter(pk=item.pk).update(title="Ещё новее")  # a queryset update
    changed()
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPROVED)
    changed()
    plan.items.filter(pk=item.pk).delete()  # a queryset delete
    changed()
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute("UPDATE plans_plan SET title = %s WHERE id = %s", ["Сырой SQL", plan.pk])
    changed()
    Event.objects.bulk_create(  # a bulk insert into the events that serve items
        [
            Event(
                region=world.region,
                title="Семинар",
                starts_on=dt.date(2024, 3, 1),
                ends_on=dt.date(2024, 3, 1),
            )
        ]
    )
    changed()
    registry, people = generations("registry"), generations("people")
    Campaign.objects.filter(region=world.region).update(title="Не план")
    assert generations("plans") in seen  # other tables leave the plans' generation alone
    assert (generations("registry"), generations("people")) == (registry, people)
    School.objects.filter(pk=world.s1.pk).update(short_name="Школа")
    assert generations("registry") != registry


def test_a_rolled_back_write_never_gives_its_generation_to_a_later_one(world: World) -> None:
    before = generations("registry")
    rolled_back = None
    with pytest.raises(RuntimeError), transaction.atomic():
        Municipality.objects.filter(pk=world.m1.pk).update(name="Отменённое имя")
        rolled_back = generations("registry")
        raise RuntimeError
    assert generations("registry") == before
    Municipality.objects.filter(pk=world.m1.pk).update(name="Новое имя")
    assert generations("registry") not in (before, rolled_back)


# --- the school list: the registry generation --------------------------------------------------


def test_the_school_list_shows_a_renamed_school_after_each_kind_of_write(world: World) -> None:
    client = world.client("operator")
    assert "МАОУ СОШ № 1<" in page(client, SCHOOLS)
    cached = body_queries(client, SCHOOLS)
    assert cached <= 3  # session, user, generations
    before = {"short_name": world.s1.short_name}
    world.s1.short_name = "Гимназия имени Первого"
    do_save_school(None, world.s1, before=before)
    assert "Гимназия имени Первого<" in page(client, SCHOOLS)
    School.objects.filter(pk=world.s3.pk).update(short_name="Лицей после update()")
    assert "Лицей после update()<" in page(client, SCHOOLS)
    Municipality.objects.filter(pk=world.m2.pk).update(name="Переименованный район")
    assert "Переименованный район<" in page(client, SCHOOLS)
    assert body_queries(client, SCHOOLS) == cached


def test_people_of_different_scopes_never_get_each_others_school_list(world: World) -> None:
    operator, coordinator = world.client("operator"), world.client("coordinator")
    assert "МАОУ «Вторая ООШ»" in page(operator, SCHOOLS)
    assert "МАОУ «Вторая ООШ»" not in page(coordinator, SCHOOLS)  # m1 only
    assert "МАОУ «Вторая ООШ»" in page(operator, SCHOOLS)
    # Same roles on the same nodes: the same body, read from the cache.
    other = world.people["department"]
    assert "МАОУ «Вторая ООШ»" in page(world.client("department"), SCHOOLS)
    assert other.user is not None


# --- the frame: the people generation ----------------------------------------------------------


def test_a_role_granted_or_ended_shows_in_the_menu_on_the_next_page(world: World) -> None:
    client = world.client("outsider")
    assert 'href="/registry/schools/"' not in page(client, "/")
    membership = do_grant_role(None, world.people["outsider"], Role.OPERATOR, region=world.region)
    html = page(client, SCHOOLS)
    assert 'href="/registry/schools/"' in html and "МАОУ «Вторая ООШ»" in html
    yesterday = dt.date.today() - dt.timedelta(days=1)
    Membership.objects.filter(pk=membership.pk).update(started_on=yesterday)
    membership.refresh_from_db()
    assert client.get(SCHOOLS).status_code == 200
    do_end_membership(None, membership, on=yesterday)
    assert client.get(SCHOOLS).status_code == 403


def test_a_renamed_region_shows_in_the_header(world: World) -> None:
    client = world.client("operator")
    assert figure(page(client, SCHOOLS), "region-name") == "Тестовая область"
    Region.objects.filter(pk=world.region.pk).update(name="Переименованная область")
    assert figure(page(client, SCHOOLS), "region-name") == "Переименованная область"


# --- a campaign's status: the diagnostics generation -------------------------------------------


@pytest.fixture
def campaign(world: World) -> Campaign:
    return campaign_for(world)


def test_the_campaign_status_follows_submissions_returns_and_bulk_changes(
    world: World, campaign: Campaign
) -> None:
    client = world.client("operator")
    url = reverse("diagnostics:campaign_detail", kwargs={"pk": campaign.pk})
    assert figure(page(client, url), "total-share") == "0 %"
    sub = Submission.objects.get(campaign=campaign, school=world.s1)
    fill(sub)
    diagnostics.do_submit(None, sub)
    assert figure(page(client, url), "total-share") == "33 %"
    diagnostics.do_return(None, sub, "Проверьте показатель 1")
    assert figure(page(client, url), "total-share") == "0 %"
    Submission.objects.filter(campaign=campaign).update(status=Status.SUBMITTED)
    assert figure(page(client, url), "total-share") == "100 %"
    School.objects.filter(pk=world.s2.pk).update(short_name="Школа после переименования")
    assert "Школа после переименования<" in page(client, url)


def test_the_campaign_status_of_a_coordinator_is_never_the_operators(
    world: World, campaign: Campaign
) -> None:
    url = reverse("diagnostics:campaign_detail", kwargs={"pk": campaign.pk})
    operator = page(world.client("operator"), url)
    coordinator = page(world.client("coordinator"), url)
    assert "МАОУ «Вторая ООШ»" in operator and "МАОУ «Вторая ООШ»" not in coordinator
    assert "МАОУ «Вторая ООШ»" in page(world.client("operator"), url)


# --- plans: the plans generation ---------------------------------------------------------------


def test_the_plan_page_follows_reports_item_edits_events_and_reviews(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL, status=Plan.Status.DRAFT)
    client = world.client("head")
    url = reverse("plans:plan_detail", kwargs={"pk": plan.pk})
    assert figure(page(client, url), "done") == "0"
    item = plan.items.order_by("position").first()
    assert item is not None
    plans.do_report_progress(None, item, status=ItemStatus.DONE, comment="Сделано")
    assert figure(page(client, url), "done") == "1"
    before = {"title": item.title}
    item.title = "Педсовет о новых результатах"
    plans.do_update_item(None, item, before=before)
    assert "Педсовет о новых результатах" in page(client, url)
    Event.objects.create(
        region=world.region,
        title="Семинар для педсовета",
        starts_on=dt.date(2024, 3, 11),
        ends_on=dt.date(2024, 3, 11),
        roadmap_item=item,
    )
    assert "Семинар для педсовета" in figure_block(page(client, url), "item-events")
    html = page(client, url)
    assert 'data-testid="submit-plan"' in html
    plans.do_submit_plan(world.users["head"], plan)
    html = page(client, url)
    assert 'data-testid="submit-plan"' not in html and "отправлена на согласование" in html
    # The review history names who submitted: a renamed account shows on the next page.
    User.objects.filter(pk=world.users["head"].pk).update(first_name="Анна", last_name="Иванова")
    assert "Анна Иванова" in figure_block(page(client, url), "review-history")


def figure_block(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</div>", start)]


def test_a_cached_plan_form_carries_this_sessions_csrf_token(world: World) -> None:
    plan = make_plan(world, Level.SCHOOL, status=Plan.Status.DRAFT)
    url = reverse("plans:plan_detail", kwargs={"pk": plan.pk})
    tokens = []
    for persona in ("head", "school"):  # the same roles on the same school: one cached body
        client = world.client(persona)
        html = page(client, url)
        frame = re.search(r'"X-CSRFToken": "([^"]+)"', html)
        form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert frame and form
        assert form.group(1) == frame.group(1)
        assert "placeholder" not in form.group(1)
        tokens.append(form.group(1))
    assert tokens[0] != tokens[1]


def test_the_execution_page_follows_reports_and_new_plans(world: World) -> None:
    regional = make_plan(world)
    client = world.client("operator")
    assert figure(page(client, EXECUTION), "done") == "0"
    item = regional.items.order_by("position").first()
    assert item is not None
    plans.do_report_progress(None, item, status=ItemStatus.DONE)
    assert figure(page(client, EXECUTION), "done") == "1"
    make_plan(world, Level.MUNICIPALITY, title="План Первогорска")
    assert "План Первогорска" in page(client, EXECUTION)
    Plan.objects.filter(pk=regional.pk).update(title="Переименованная карта")
    assert "Переименованная карта" in page(client, EXECUTION)


def test_the_execution_page_of_a_school_is_never_the_operators(world: World) -> None:
    make_plan(world, Level.SCHOOL, school=world.s2, title="План второй школы")
    assert "План второй школы" in page(world.client("operator"), EXECUTION)
    assert "План второй школы" not in page(world.client("head"), EXECUTION)
    assert "План второй школы" in page(world.client("operator"), EXECUTION)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_long_transaction_does_not_keep_the_generation_locked(world: World) -> None:
    """An import writing for minutes must not make every other writer of its tables wait."""
    import psycopg

    plan = make_plan(world)  # written outside a transaction: the group's row exists
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        autocommit=True,
    )
    try:
        with transaction.atomic():
            plan.items.update(title="Во время долгой загрузки")
            # Another connection takes the group's row at once: nobody holds it.
            other.execute("SET lock_timeout = '1s'")
            other.execute("SELECT value FROM lib_generation WHERE name = 'plans' FOR UPDATE NOWAIT")
            before = other.execute(
                "SELECT value FROM lib_generation WHERE name = 'plans'"
            ).fetchone()
        after = other.execute("SELECT value FROM lib_generation WHERE name = 'plans'").fetchone()
        assert after != before  # the commit carried the new generation
    finally:
        other.close()
