"""Browser test of the practices library: the head describes a practice and sends it to
moderation, the methodologist publishes it from the queue, the department finds it by a word in
another form than the text has («учителями» for «учитель»), highlighted in the snippet."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.practices.models import Practice, Status
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_submit_publish_and_find_by_a_stemmed_word(
    world: World, live_server: Any, page: Any, browser: Any
) -> None:
    base = live_server.url

    login(page, base, "head")
    page.goto(f"{base}/practices/")
    page.get_by_role("link", name="Описать практику").click()
    page.get_by_label("Название практики").fill("Клуб молодого педагога")
    page.get_by_label("Учитель. Школьная команда").check()
    page.get_by_label("Описание").fill(
        "Каждый молодой учитель получает наставника и раз в месяц приходит на встречу клуба."
    )
    page.locator("#id_r1_what").fill("Молодых педагогов осталось в школе")
    page.locator("#id_r1_before").fill("50")
    page.locator("#id_r1_after").fill("90")
    page.locator("#id_r1_unit").fill("%")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("[data-testid=status]")).to_have_text("черновик")
    page.get_by_role("button", name="Отправить на модерацию").click()
    expect(page.locator("[data-testid=status]")).to_have_text("на модерации")

    methodologist = browser.new_context(locale="ru-RU").new_page()
    login(methodologist, base, "methodologist")
    methodologist.goto(f"{base}/practices/moderation/")
    methodologist.get_by_role("link", name="Клуб молодого педагога").click()
    moderate = methodologist.locator("[data-testid=moderate]")
    moderate.get_by_label("опубликовать").check()
    moderate.get_by_role("button", name="Принять решение").click()
    expect(methodologist.locator("[data-testid=queue]")).to_contain_text("Очередь пуста")
    assert Practice.objects.get().status == Status.PUBLISHED

    department = browser.new_context(locale="ru-RU").new_page()
    login(department, base, "department")
    department.goto(f"{base}/practices/")
    department.get_by_label("Слова").fill("учителями")
    department.get_by_role("button", name="Найти").click()
    found = department.locator("[data-testid=practice]")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Клуб молодого педагога")
    expect(found.locator("mark")).to_have_text("учитель")
    screenshot(department, "practices-search")
    found.get_by_role("link", name="Клуб молодого педагога").click()
    expect(department.locator("[data-testid=results]")).to_contain_text("90 %")
