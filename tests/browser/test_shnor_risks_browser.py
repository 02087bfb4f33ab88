"""Browser: the operator opens the risk questionnaires, the head answers by link, the school sees
its profile and chooses priority risks, the curator sees the profile but cannot choose."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.support import risks
from marshrut.support.models import Participation
from marshrut.support.models.risks import PriorityRisk, RiskSurvey
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.support.risk_data import MODEL
from tests.support.test_risk_profiles import answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_questionnaire_profile_and_priorities(
    world: World, live_server: Any, page: Any, browser: Any
) -> None:
    model = risks.do_load_risk_model(None, MODEL, "test.yaml")
    cohort = Participation.objects.create(
        school=world.s1, year=2024, entered_on=dt.date(2024, 2, 1)
    )
    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/shnor/risks/?year=2024")
    page.get_by_role("button", name="Открыть анкеты для школ без анкет").click()
    expect(page.get_by_text("Открыто: 3 анкеты.")).to_be_visible()

    # The head answers the head's questionnaire through its public link.
    head = RiskSurvey.objects.get(participation=cohort, group="head").survey
    context = browser.new_context(locale="ru-RU")
    respondent = context.new_page()
    respondent.goto(f"{live_server.url}/s/{head.token}/")
    for n, fieldset in enumerate(respondent.locator("fieldset").all()):
        # «Нет» on the first question (equipment: a risk), the first option elsewhere.
        fieldset.get_by_role("radio").nth(2 if n == 0 else 0).check()
    respondent.get_by_role("button", name="Отправить ответ").click()
    expect(respondent.get_by_test_id("message")).to_contain_text("Ваш ответ принят")
    context.close()
    answer(cohort, "teachers", *([{"T1": 1, "T2": 1}] * 3 + [{"T1": 2, "T2": 2}] * 2))
    answer(cohort, "pupils", *([{"P1": 1}] * 4))  # one pupil short of five

    context = browser.new_context(locale="ru-RU")
    school = context.new_page()
    login(school, live_server.url, "head")
    school.goto(f"{live_server.url}/shnor/risks/school/{cohort.pk}/")
    school.get_by_role("button", name="Пересчитать профиль по ответам на сегодня").click()
    expect(school.get_by_test_id("risk-illustrative")).to_be_visible()
    # R01: (2 × 1 + 1 × 2/5) / 3 = 80 — high; R02 waits for the fifth pupil.
    levels = school.get_by_test_id("risk-levels")
    expect(levels.get_by_role("row").nth(1)).to_contain_text("80,0")
    expect(levels.get_by_role("row").nth(1)).to_contain_text("высокий")
    expect(school.get_by_test_id("risk-missing")).to_contain_text(
        "ответов обучающихся 4, нужно не меньше 5"
    )
    form = school.get_by_test_id("risk-priorities")
    form.get_by_label("R01.", exact=False).check()
    form.get_by_label("R03.", exact=False).check()
    form.get_by_role("button", name="Сохранить выбор").click()
    expect(school.get_by_text("Приоритетные риски сохранены.")).to_be_visible()
    expect(school.get_by_text("на уровне «низкий»", exact=False)).to_be_visible()
    screenshot(school, "shnor-risk-profile")
    context.close()
    assert set(
        PriorityRisk.objects.filter(priorities__participation=cohort).values_list(
            "factor__code", flat=True
        )
    ) == {"R01", "R03"}

    curator = browser.new_context(locale="ru-RU").new_page()
    login(curator, live_server.url, "curator")
    curator.goto(f"{live_server.url}/shnor/risks/school/{cohort.pk}/")
    expect(curator.get_by_test_id("risk-levels")).to_be_visible()
    expect(curator.get_by_test_id("risk-priorities")).to_have_count(0)
    assert model.pk
