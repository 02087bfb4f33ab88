"""Browser: the operator builds a survey, a respondent answers by link, the operator sees results."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.surveys.models import Response, Survey
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_answer_by_link_and_see_results(
    world: World, live_server: Any, page: Any, browser: Any
) -> None:
    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/surveys/new/")
    page.locator("#id_title").fill("Анкета участников семинара")
    page.get_by_role("button", name="Сохранить").click()
    page.locator("#id_text").fill("Вы были на семинаре?")
    page.locator("#id_options_text").fill("да\nнет")
    page.locator("#id_required").check()
    page.get_by_role("button", name="Добавить вопрос").click()
    page.locator("#id_kind").select_option("text")
    page.locator("#id_text").fill("Что понравилось?")
    page.locator("#id_show_if_question").select_option(index=1)
    page.locator("#id_show_if_values_text").fill("1")
    page.get_by_role("button", name="Добавить вопрос").click()
    page.get_by_role("button", name="Открыть приём ответов").click()
    expect(page.get_by_test_id("status")).to_have_text("идёт приём ответов")
    screenshot(page, "survey-builder")
    link = page.get_by_test_id("link").input_value()
    survey = Survey.objects.get(title="Анкета участников семинара")
    assert link.endswith(f"/s/{survey.token}/")

    for i in range(5):
        context = browser.new_context(locale="ru-RU")
        respondent = context.new_page()
        respondent.goto(link)
        expect(respondent.locator("nav")).to_have_count(0)
        liked = respondent.locator("fieldset[data-show-if]")
        assert liked.is_hidden()
        respondent.get_by_label("да" if i < 4 else "нет").check()
        if i < 4:
            expect(liked).to_be_visible()
            respondent.locator("textarea").fill(f"практика {i}")
        if i == 0:
            screenshot(respondent, "survey-respondent")
        respondent.get_by_role("button", name="Отправить ответ").click()
        expect(respondent.get_by_test_id("message")).to_contain_text("Ваш ответ принят")
        context.close()
    assert Response.objects.filter(survey=survey).count() == 5

    page.reload()
    page.get_by_role("link", name="Итоги (5)").click()
    expect(page.get_by_test_id("responses")).to_have_text("5 ответов")
    results = page.get_by_test_id("question-result")
    assert "4 · 80,0%" in results.first.inner_text()
    assert "практика 0" in results.nth(1).inner_text()
    screenshot(page, "survey-results")
