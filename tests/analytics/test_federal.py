"""The federal view: two regions in two districts, figures computed by hand; access; XLSX, DOCX.

Region A (the world's, Уральский ФО), series campaign 2024 against its campaign 2023:
s1 below basic (submitted; was basic), s2 medium (verified; was below basic), s3 medium
(submitted; was high — fell). Region B (Камчатский край, Дальневосточный ФО), no previous
campaign: t1 high (verified), t2 basic (submitted), t3 never started.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from marshrut.accounts.models import User
from marshrut.analytics import federal
from marshrut.diagnostics import actions
from marshrut.diagnostics.models import Campaign, CampaignSeries, Result, Status, Submission
from marshrut.orgs.models import FederalDistrict, Membership, Municipality, Person, Region
from tests.conftest import PASSWORD, World, make_school
from tests.diagnostics.factories import criteria

OPENS, CLOSES = dt.date(2024, 11, 1), dt.date(2024, 11, 15)


def _federal_user(name: str, district: FederalDistrict | None = None) -> User:
    user = User.objects.create_user(name, f"{name}@test.local", PASSWORD)
    person = Person.objects.create(last_name=name, first_name="Фед", user=user)
    Membership.objects.create(person=person, role="federal", district=district)
    return User.objects.get(pk=user.pk)


def _scored(campaign: Campaign, school: Any, status: str, results: dict[str, tuple]) -> None:
    sub = Submission.objects.create(campaign=campaign, school=school, status=status)
    for scope, (level, points, maximum) in results.items():
        Result.objects.create(
            submission=sub,
            campaign=campaign,
            school=school,
            scope=scope,
            level=level,
            points=points,
            max_points=maximum,
        )


@pytest.fixture
def fed(world: World) -> dict[str, Any]:
    ural = FederalDistrict.objects.create(name="Уральский федеральный округ", code="УФО")
    east = FederalDistrict.objects.create(name="Дальневосточный федеральный округ", code="ДФО")
    world.region.district = ural
    world.region.save()
    other = Region.objects.create(
        name="Камчатский край", code="41", time_zone="Asia/Kamchatka", district=east
    )
    m = Municipality.objects.create(region=other, name="Елизовский район", oktmo="30607000")
    t1, t2, t3 = (make_school(m, n) for n in (41, 42, 43))
    version = criteria(2024)
    series = actions.do_create_series(
        None, version, title="Самодиагностика 2024", year=2024, opens_on=OPENS, closes_on=CLOSES
    )
    before = Campaign.objects.create(
        region=world.region,
        criteria=version,
        title="Кампания 2023",
        year=2023,
        opens_on=dt.date(2023, 11, 1),
        closes_on=dt.date(2023, 11, 15),
    )
    _scored(before, world.s1, Status.VERIFIED, {"overall": ("basic", 50, 100)})
    _scored(before, world.s2, Status.VERIFIED, {"overall": ("below_basic", 20, 100)})
    _scored(before, world.s3, Status.VERIFIED, {"overall": ("high", 95, 100)})
    a = Campaign.objects.create(
        region=world.region,
        criteria=version,
        title="Кампания 2024",
        year=2024,
        opens_on=OPENS,
        closes_on=CLOSES,
        previous=before,
        series=series,
    )
    _scored(
        a,
        world.s1,
        Status.SUBMITTED,
        {"overall": ("below_basic", 30, 100), "znanie": ("below_basic", 2, 10)},
    )
    _scored(
        a, world.s2, Status.VERIFIED, {"overall": ("medium", 70, 100), "znanie": ("basic", 5, 10)}
    )
    _scored(
        a, world.s3, Status.SUBMITTED, {"overall": ("medium", 70, 100), "znanie": ("high", 8, 10)}
    )
    b = Campaign.objects.create(
        region=other,
        criteria=version,
        title="Самодиагностика школ края",
        year=2024,
        opens_on=OPENS,
        closes_on=CLOSES,
        series=series,
    )
    _scored(b, t1, Status.VERIFIED, {"overall": ("high", 90, 100), "znanie": ("high", 9, 10)})
    _scored(b, t2, Status.SUBMITTED, {"overall": ("basic", 50, 100), "znanie": ("basic", 4, 10)})
    _scored(b, t3, Status.NOT_STARTED, {})
    return {
        "series": series,
        "a": a,
        "b": b,
        "other": other,
        "ural": ural,
        "east": east,
        "federal": _federal_user("federal"),
        "ufo": _federal_user("ufo", ural),
    }


def _rows(view: federal.FederalView) -> dict[str, federal.RegionRow]:
    return {r.name: r for r in view.rows}


def test_the_federal_persona_sees_both_regions_with_hand_computed_figures(
    world: World, fed: dict[str, Any]
) -> None:
    view = federal.build(federal.federal_regions(fed["federal"]), series=fed["series"])
    rows = _rows(view)
    assert set(rows) == {"Тестовая область", "Камчатский край"}
    a, b = rows["Тестовая область"], rows["Камчатский край"]
    assert (a.registry, a.submissions, a.done) == (3, 3, 3)
    assert a.levels == {"below_basic": 1, "basic": 0, "medium": 2, "high": 0}
    assert a.risk == 2  # s1 below basic, s3 fell from high; s2 rose
    assert a.mean("znanie") == pytest.approx((0.2 + 0.5 + 0.8) / 3)
    assert a.mean("overall") == pytest.approx((0.3 + 0.7 + 0.7) / 3)
    assert (b.registry, b.submissions, b.done) == (3, 3, 2)
    assert b.participation == pytest.approx(2 / 3)
    assert b.levels == {"below_basic": 0, "basic": 1, "medium": 0, "high": 1}
    assert b.risk == 0
    assert b.mean("znanie") == pytest.approx(0.65)
    assert a.district == "Уральский федеральный округ"
    assert b.district == "Дальневосточный федеральный округ"
    # Districts in order of name, each with its totals; the country's.
    assert [d.name for d in view.districts] == [b.district, a.district]
    assert view.total.registry == 6 and view.total.done == 5 and view.total.risk == 2
    assert view.total.mean("znanie") == pytest.approx((0.2 + 0.5 + 0.8 + 0.9 + 0.4) / 5)


def test_a_year_compares_each_regions_newest_campaign_of_that_year(
    world: World, fed: dict[str, Any]
) -> None:
    view = federal.build(federal.federal_regions(fed["federal"]), year=2023)
    assert [r.name for r in view.rows] == ["Тестовая область"]
    assert view.rows[0].levels == {"below_basic": 1, "basic": 1, "medium": 0, "high": 1}


def test_sorting_keeps_regions_inside_their_district(world: World, fed: dict[str, Any]) -> None:
    view = federal.build(federal.federal_regions(fed["federal"]), series=fed["series"], sort="risk")
    assert [r.district for r in view.rows] == [d.name for d in view.districts]


def test_the_page_shows_both_regions_and_drills_down_to_the_region(
    world: World, fed: dict[str, Any], client: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(fed["federal"])
    # 18: the first page of a session also reads the generations its frame is cached under, and
    # the unread notifications of the menu's badge (then cached).
    with django_assert_max_num_queries(18):
        page = client.get(reverse("analytics:federal"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Камчатский край" in html and "Тестовая область" in html
    assert 'data-testid="risk-98">2<' in html and 'data-testid="risk-41">0<' in html
    link = f"/analytics/?campaign={fed['a'].pk}&amp;region=98"
    assert link in html
    region_page = client.get(link.replace("&amp;", "&"))
    assert region_page.status_code == 200
    assert "Тестовая область" in region_page.content.decode()


def test_a_district_persona_sees_only_its_district(world: World, fed: dict[str, Any]) -> None:
    view = federal.build(federal.federal_regions(fed["ufo"]), series=fed["series"])
    assert [r.name for r in view.rows] == ["Тестовая область"]
    client = world.client(None)
    client.force_login(fed["ufo"])
    html = client.get(reverse("analytics:federal")).content.decode()
    assert "Тестовая область" in html and "Камчатский край" not in html
    # Asking for the other district shows nothing of it.
    html = client.get(reverse("analytics:federal"), {"district": fed["east"].pk}).content.decode()
    assert "Камчатский край" not in html


def test_the_district_filter_narrows_the_federal_view(world: World, fed: dict[str, Any]) -> None:
    client = world.client(None)
    client.force_login(fed["federal"])
    html = client.get(reverse("analytics:federal"), {"district": fed["east"].pk}).content.decode()
    main = html[html.index('<main id="main"') :]  # the header's region switcher lists them all
    assert "Камчатский край" in main and "Тестовая область" not in main


@pytest.mark.parametrize("persona", ["operator", "department", "coordinator", "head", "outsider"])
def test_people_of_a_region_get_403_on_the_federal_pages(
    world: World, fed: dict[str, Any], persona: str
) -> None:
    client = world.client(persona)
    assert client.get(reverse("analytics:federal")).status_code == 403
    assert client.get(reverse("analytics:federal"), {"export": "xlsx"}).status_code == 403
    assert client.get(reverse("analytics:federal"), {"export": "docx"}).status_code == 403


def test_anonymous_is_sent_to_login(world: World, fed: dict[str, Any]) -> None:
    assert world.client(None).get(reverse("analytics:federal")).status_code == 302


def test_a_superuser_sees_the_federal_view(world: World, fed: dict[str, Any]) -> None:
    admin = User.objects.create_superuser("root", "root@test.local", "x")
    client = world.client(None)
    client.force_login(admin)
    assert "Камчатский край" in client.get(reverse("analytics:federal")).content.decode()


def test_the_xlsx_carries_the_same_numbers(world: World, fed: dict[str, Any]) -> None:
    client = world.client(None)
    client.force_login(fed["federal"])
    response = client.get(reverse("analytics:federal"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0].startswith("Сводка по регионам: Самодиагностика 2024. Сформирована ")
    header = values[2]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in values[3:]}
    a = by_name["Тестовая область"]
    assert a["Школ в реестре"] == 3 and a["Прошли самодиагностику"] == 3
    assert a["Уровень «ниже базового», школ"] == 1 and a["Уровень «средний», школ"] == 2
    assert a["В зоне риска, школ"] == 2
    b = by_name["Камчатский край"]
    assert b["Участие, % от реестра"] == pytest.approx(66.7)
    assert b["Уровень «высокий», школ"] == 1 and b["В зоне риска, школ"] == 0
    assert by_name["Всего"]["Прошли самодиагностику"] == 5
    assert "Итого по округу: Уральский федеральный округ" in by_name


def test_the_docx_opens_and_carries_the_same_numbers(world: World, fed: dict[str, Any]) -> None:
    client = world.client(None)
    client.force_login(fed["federal"])
    response = client.get(reverse("analytics:federal"), {"export": "docx"})
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "В сводке 2 региона: 6 школ в реестрах, прошли самодиагностику 5" in text
    assert "в зоне риска — 2 школы" in text
    first = document.tables[0]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in first.rows}
    assert rows["Тестовая область"][1:4] == ["3", "3", "100,0"]
    assert rows["Камчатский край"][1:4] == ["3", "2", "66,7"]
    assert rows["Всего"][-1] == "2"
    heat = {r.cells[0].text: [c.text for c in r.cells] for r in document.tables[1].rows}
    assert "Тестовая область" in heat and "Камчатский край" in heat


def test_a_campaign_opened_in_a_series_takes_its_criteria_and_window(
    world: World, fed: dict[str, Any]
) -> None:
    region = Region.objects.create(name="Третья область", code="97")
    campaign = actions.do_open_campaign(
        None,
        region,
        criteria(2023),
        title="Своя",
        year=2030,
        opens_on=dt.date(2030, 1, 1),
        closes_on=dt.date(2030, 1, 2),
        series=fed["series"],
    )
    assert campaign.criteria == fed["series"].criteria
    assert (campaign.year, campaign.opens_on, campaign.closes_on) == (2024, OPENS, CLOSES)


def test_the_campaign_form_offers_the_series(world: World, fed: dict[str, Any]) -> None:
    Campaign.objects.filter(region=world.region, series=fed["series"]).update(series=None)
    client = world.client("operator")
    response = client.post(
        reverse("diagnostics:campaign_create"),
        {"title": "Кампания серии", "series": fed["series"].pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(title="Кампания серии")
    assert campaign.series == fed["series"] and campaign.opens_on == OPENS
    # Without a series the criteria and the window are required.
    response = client.post(reverse("diagnostics:campaign_create"), {"title": "Без серии"})
    assert response.status_code == 200 and "Обязательное поле." in response.content.decode()


def test_attaching_refuses_a_campaign_that_would_not_compare(
    world: World, fed: dict[str, Any]
) -> None:
    odd = Campaign.objects.create(
        region=fed["other"],
        criteria=criteria(2023),
        title="Другая",
        year=2024,
        opens_on=dt.date(2024, 10, 1),
        closes_on=CLOSES,
    )
    with pytest.raises(ValidationError) as error:
        actions.do_attach_to_series(None, odd, fed["series"])
    message = " ".join(error.value.messages)
    assert "критерии кампании «demo-2023», у серии — «demo-2024»" in message
    assert "приём ответов кампании 01.10.2024–15.11.2024" in message
    assert "в серии уже есть кампания этого региона" in message
    assert Campaign.objects.get(pk=odd.pk).series is None


def test_the_console_creates_a_series_and_attaches_campaigns(world: World, db: Any) -> None:
    version = criteria(2024)
    call_command(
        "series",
        "create",
        "Серия 2025",
        "--criteria",
        version.code,
        "--year",
        "2025",
        "--opens",
        "01.03.2025",
        "--closes",
        "31.03.2025",
    )
    series = CampaignSeries.objects.get(title="Серия 2025")
    assert series.opens_on == dt.date(2025, 3, 1)
    campaign = Campaign.objects.create(
        region=world.region,
        criteria=version,
        title="Весна 2025",
        year=2025,
        opens_on=dt.date(2025, 3, 1),
        closes_on=dt.date(2025, 3, 31),
    )
    call_command("series", "attach", "Серия 2025", "--campaign", str(campaign.pk))
    assert Campaign.objects.get(pk=campaign.pk).series == series
    with pytest.raises(CommandError, match=r"не в виде ДД\.ММ\.ГГГГ"):
        call_command(
            "series", "create", "X", "--criteria", version.code, "--year", "2025",
            "--opens", "2025-03-01", "--closes", "31.03.2025",
        )  # fmt: skip
    with pytest.raises(CommandError, match="Нет серии"):
        call_command("series", "attach", "Нет такой", "--campaign", str(campaign.pk))


def test_the_summary_writes_thousands_apart_and_agrees_numbers() -> None:
    from marshrut.analytics.federal_export import _schools

    assert _schools(40_000) == "40\u00a0000 школ"
    assert _schools(1_021) == "1\u00a0021 школа"
    assert _schools(3) == "3 школы"
