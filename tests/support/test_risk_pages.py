"""Risk profile pages: who sees which school, priorities, prevalence, the model upload."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marshrut.support import risks
from marshrut.support.models import Participation
from marshrut.support.models.risks import (
    PriorityRisk,
    RiskFactor,
    RiskModel,
    RiskPriorities,
)
from tests.conftest import World, build_world
from tests.support.risk_data import MODEL
from tests.support.test_risk_profiles import answer, fill_complete, head_answers


@pytest.fixture
def model(world: World) -> RiskModel:
    return risks.do_load_risk_model(None, MODEL, "test.yaml")


@pytest.fixture
def cohort(world: World, model: RiskModel) -> list[Participation]:
    on = dt.date(2024, 2, 1)
    cohort = [
        Participation.objects.create(school=s, year=2024, entered_on=on)
        for s in (world.s1, world.s2, world.s3)
    ]
    risks.do_open_risk_surveys(None, model, cohort)
    fill_complete(cohort[0])  # s1: R01 and R05 high, R03 medium, R02 low
    answer(cohort[1], "head", head_answers(H1=1))  # s2 (m2): teachers and pupils missing
    fill_complete(cohort[2])  # s3 (m1): same as s1
    risks.compute_profiles(model, Participation.objects.all())
    return cohort


def factor(model: RiskModel, code: str) -> RiskFactor:
    return model.factors.get(code=code)


def test_the_school_sees_its_profile_with_levels_respondents_and_links(
    world: World, cohort: list[Participation]
) -> None:
    page = world.client("head").get(f"/shnor/risks/school/{cohort[0].pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Иллюстративная методика." in text and "Только для тестов." in text
    levels = {lv.factor.code: lv.level for lv in page.context["levels"]}
    assert levels["R01"] == "high" and levels["R02"] == "low"
    assert {g["code"]: g["n"] for g in page.context["groups"]}["teachers"] == 5
    assert 'data-testid="risk-link-teachers"' in text


def test_missing_data_is_said_in_russian_on_the_profile(
    world: World, cohort: list[Participation]
) -> None:
    page = world.client("operator").get(f"/shnor/risks/school/{cohort[1].pk}/")
    text = page.content.decode()
    assert "Не хватает данных" in text
    assert "нет ответов педагогов" in text and "нет ответов обучающихся" in text
    levels = {lv.factor.code: lv.level for lv in page.context["levels"]}
    assert levels["R01"] == "" and levels["R03"] == "medium"


@pytest.mark.parametrize(
    "persona, visible",
    [
        ("operator", {"s1", "s2", "s3"}),
        ("coordinator", {"s1", "s3"}),
        ("head", {"s1"}),
        ("curator", {"s1"}),
        ("mentor", {"s1"}),
    ],
)
def test_each_role_sees_only_its_schools_profiles(
    world: World, cohort: list[Participation], persona: str, visible: set[str]
) -> None:
    names = dict(zip((p.pk for p in cohort), ("s1", "s2", "s3"), strict=True))
    client = world.client(persona)
    for p in cohort:
        status = client.get(f"/shnor/risks/school/{p.pk}/").status_code
        assert (status == 200) == (names[p.pk] in visible), (persona, names[p.pk], status)
    overview = client.get("/shnor/risks/?year=2024")
    listed = {names[p.participation_id] for p, _high in overview.context["rows"]}
    assert listed == visible


def test_another_region_sees_nothing_and_outsiders_are_refused(
    world: World, cohort: list[Participation]
) -> None:
    other = build_world("99", "Вторая область", tag="r2-")
    client = other.client("operator")
    assert client.get(f"/shnor/risks/school/{cohort[0].pk}/").status_code == 404
    page = client.get("/shnor/risks/?year=2024")
    assert page.status_code == 200 and page.context["rows"] == []
    assert world.client("outsider").get("/shnor/risks/").status_code == 403
    assert world.client("outsider").get(f"/shnor/risks/school/{cohort[0].pk}/").status_code == 403


def test_the_school_chooses_up_to_three_priorities_with_a_warning_for_low_ones(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    url = f"/shnor/risks/school/{cohort[0].pk}/"
    client = world.client("head")
    picked = [factor(model, c).pk for c in ("R01", "R05", "R02")]
    page = client.post(url, {"factors": picked}, follow=True)
    assert [m.message for m in page.context["messages"]] == [
        "Фактор «Дефицит педагогических кадров» в профиле школы на уровне «низкий»: "
        "приоритетными обычно выбирают факторы высокого уровня.",
        "Приоритетные риски сохранены.",
    ]
    chosen = RiskPriorities.objects.get(participation=cohort[0])
    # Ranked in the model's order of the factors.
    assert [r.factor.code for r in chosen.risks.all()] == ["R01", "R02", "R05"]
    four = [*picked, factor(model, "R03").pk]
    page = client.post(url, {"factors": four, "version": chosen.version})
    assert "не больше трёх, выбрано 4" in page.content.decode()
    assert PriorityRisk.objects.filter(priorities=chosen).count() == 3


def test_a_stale_priorities_form_is_refused(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    url = f"/shnor/risks/school/{cohort[0].pk}/"
    world.client("head").post(url, {"factors": [factor(model, "R01").pk]})
    version = RiskPriorities.objects.get(participation=cohort[0]).version
    world.client("school").post(url, {"factors": [factor(model, "R05").pk], "version": version})
    page = world.client("head").post(
        url, {"factors": [factor(model, "R03").pk], "version": version}
    )
    assert "изменил другой пользователь" in page.content.decode()
    codes = PriorityRisk.objects.filter(priorities__participation=cohort[0]).values_list(
        "factor__code", flat=True
    )
    assert list(codes) == ["R05"]


def test_the_database_refuses_a_fourth_priority(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    from django.db import IntegrityError, transaction

    chosen = risks.do_choose_priorities(
        None, cohort[0], model, list(model.factors.all()[:3]), version=None
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PriorityRisk.objects.create(priorities=chosen, factor=factor(model, "R09"), rank=4)


def test_curators_see_but_do_not_choose(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    url = f"/shnor/risks/school/{cohort[0].pk}/"
    assert (
        world.client("curator").post(url, {"factors": [factor(model, "R01").pk]}).status_code == 403
    )
    page = world.client("curator").get(url)
    assert 'data-testid="risk-priorities"' not in page.content.decode()
    assert 'data-testid="risk-link-head"' not in page.content.decode()


def test_prevalence_by_municipality_and_its_xlsx(
    world: World, model: RiskModel, cohort: list[Participation]
) -> None:
    risks.do_choose_priorities(None, cohort[0], model, [factor(model, "R01")], version=None)
    risks.do_choose_priorities(None, cohort[2], model, [factor(model, "R01")], version=None)
    page = world.client("operator").get("/shnor/risks/?year=2024")
    table = {row["factor"].code: row for row in page.context["table"]}
    munis = [name for _pk, name in page.context["figures"].municipalities]
    m1 = munis.index(world.m1.name)
    assert table["R01"]["cells"][m1] == {"high": 2, "chosen": 2, "of": 2}
    assert table["R01"]["high"] == 2 and table["R03"]["high"] == 0
    assert "Иллюстративная методика." in page.content.decode()
    export = world.client("operator").get("/shnor/risks/?year=2024&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "иллюстративная методика" in rows[0][0]
    found = [r for r in rows if r[0] and r[0].startswith("R01.") and r[1] == world.m1.name]
    assert found == [(found[0][0], world.m1.name, 2, 2, 100, 2)]


def test_the_coordinator_sees_the_prevalence_of_its_municipality_only(
    world: World, cohort: list[Participation]
) -> None:
    page = world.client("coordinator").get("/shnor/risks/?year=2024")
    assert [name for _pk, name in page.context["figures"].municipalities] == [world.m1.name]


def test_the_operator_loads_the_official_model_and_a_bad_file_saves_nothing(
    world: World, model: RiskModel
) -> None:
    client = world.client("operator")
    bad = MODEL.replace("code: test-risks", "code: official").replace("risk: 0.5}", "risk: 5}", 1)
    page = client.post(
        "/shnor/risks/models/",
        {"file": SimpleUploadedFile("official.yaml", bad.encode(), "application/x-yaml")},
    )
    assert "риск ответа — число от 0 до 1, получено 5" in page.content.decode()
    assert not RiskModel.objects.filter(code="official").exists()
    binary = client.post(
        "/shnor/risks/models/",
        {"file": SimpleUploadedFile("official.yaml", b"\x00\x01\x02PK", "application/x-yaml")},
    )
    assert binary.status_code == 200 and not RiskModel.objects.filter(code="official").exists()
    good = MODEL.replace("code: test-risks", "code: official").replace(
        "illustrative: true", "illustrative: false"
    )
    page = client.post(
        "/shnor/risks/models/",
        {"file": SimpleUploadedFile("official.yaml", good.encode(), "application/x-yaml")},
        follow=True,
    )
    official = RiskModel.objects.get(code="official")
    assert not official.is_illustrative and official.factors.count() == 10
    assert "Иллюстративная методика." not in page.content.decode()
    assert world.client("head").post("/shnor/risks/models/", {}).status_code == 403


def test_the_operator_opens_questionnaires_and_recomputes(world: World) -> None:
    on = dt.date(2024, 2, 1)
    Participation.objects.create(school=world.s1, year=2024, entered_on=on)
    client = world.client("operator")
    client.post("/shnor/risks/?year=2024", {"action": "open"})
    # No model was loaded: the shipped illustrative one is, with parents' questionnaires too.
    assert RiskModel.objects.get().is_illustrative
    assert Participation.objects.get().risk_surveys.count() == 4
    client.post("/shnor/risks/?year=2024", {"action": "compute"})
    page = client.get("/shnor/risks/?year=2024")
    assert len(page.context["rows"]) == 1
    assert (
        world.client("coordinator")
        .post("/shnor/risks/?year=2024", {"action": "compute"})
        .status_code
        == 403
    )
