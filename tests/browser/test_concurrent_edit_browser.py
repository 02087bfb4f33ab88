"""Browser test: two operators edit one school in two browsers; the later save is refused."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.accounts.models import User
from marshrut.orgs.models import Membership, Person, School
from marshrut.orgs.roles import Role
from tests.browser.conftest import TIMEOUT_MS, screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_second_operator_sees_what_the_first_changed_and_saves_again(
    world: World, live_server: Any, browser: Any
) -> None:
    user = User.objects.create_user("ivanova", "ivanova@test.local", PASSWORD)
    person = Person.objects.create(
        region=world.region,
        last_name="Иванова",
        first_name="Ирина",
        middle_name="Ивановна",
        user=user,
    )
    Membership.objects.create(person=person, role=Role.OPERATOR, region=world.region)
    url = f"{live_server.url}/registry/schools/{world.s1.pk}/edit/"
    contexts = [browser.new_context(locale="ru-RU") for _ in range(2)]
    try:
        first, second = (c.new_page() for c in contexts)
        for page, name in ((first, "ivanova"), (second, "operator")):
            page.set_default_timeout(TIMEOUT_MS)
            login(page, live_server.url, name)
            page.goto(url)
            expect(page.get_by_label("Краткое наименование")).to_have_value("МАОУ СОШ № 1")

        first.get_by_label("Краткое наименование").fill("МАОУ СОШ № 1 им. Пушкина")
        first.get_by_label("Тип").select_option(label="лицей")
        first.get_by_role("button", name="Сохранить").click()
        expect(first.get_by_text("Сведения о школе сохранены.")).to_be_visible()

        second.get_by_label("Телефон").fill("+7 3452 000000")
        second.get_by_role("button", name="Сохранить").click()
        alert = second.get_by_role("alert").filter(has_text="пока вы её редактировали")
        expect(alert).to_contain_text("Запись изменил(а) Иванова И.И. в ")
        beside = second.locator(".conflict-value")
        expect(beside).to_have_count(2)
        expect(beside.first).to_contain_text("Изменил(а) Иванова И.И.: МАОУ СОШ № 1 им. Пушкина")
        expect(beside.nth(1)).to_contain_text("Изменил(а) Иванова И.И.: лицей")
        expect(second.get_by_label("Телефон")).to_have_value("+7 3452 000000")
        screenshot(second, "concurrent-school-edit-refused")
        assert School.objects.get(pk=world.s1.pk).phone == ""

        second.get_by_label("Краткое наименование").fill("МАОУ СОШ № 1 им. Пушкина")
        second.get_by_label("Тип").select_option(label="лицей")
        second.get_by_role("button", name="Сохранить").click()
        expect(second.get_by_text("Сведения о школе сохранены.")).to_be_visible()
        school = School.objects.get(pk=world.s1.pk)
        assert (school.short_name, school.kind, school.phone) == (
            "МАОУ СОШ № 1 им. Пушкина",
            "lyceum",
            "+7 3452 000000",
        )
    finally:
        for c in contexts:
            c.close()
