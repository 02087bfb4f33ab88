"""Browser tests: the operator builds a project group and puts its model document to discussion;
a site shows its capacity used; the coordinator sees the own municipality's members only."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.networks.models import GroupDocument, ProjectGroup
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.networks import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_operator_builds_a_group_and_puts_its_document_to_discussion(
    world: World, live_server: Any, page: Any
) -> None:
    teacher = factories.person(world, "Иванова", school=world.s1)
    login(page, live_server.url, "operator")
    page.get_by_role("button", name="Обмен опытом").click()
    page.get_by_role("link", name="Проектные группы").click()
    page.get_by_role("link", name="Новая группа").click()
    page.locator("#id_year").fill("2024")
    page.get_by_label("Направление").select_option("znanie")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Проектная группа сохранена.").wait_for()
    expect(page.locator("[data-testid=stages] tr")).to_have_count(3)

    page.get_by_role("link", name="Добавить участника").click()
    page.get_by_label("Человек из реестра").select_option(str(teacher.pk))
    page.get_by_label("Категория").select_option("school")
    page.get_by_label("Роль в группе").select_option("leader")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_role("link", name="Добавить участника").click()
    page.get_by_label("ФИО").fill("Орлова Мария Ивановна")
    page.get_by_label("Организация").fill("ИРО")
    page.get_by_label("Категория").select_option("institute")
    page.get_by_role("button", name="Сохранить").click()
    members = page.locator("[data-testid=members] tbody tr")
    expect(members).to_have_count(2)
    shares = page.locator("[data-testid=shares]").first
    expect(shares.locator("tr[data-category=school]")).to_contain_text("50,0 %")
    expect(page.locator("[data-testid=municipalities]").first).to_have_text("1")

    page.get_by_role("link", name="Вынести документ на обсуждение").click()
    page.locator("#id_title").fill("Методический альбом")
    page.locator("#id_file").set_input_files(
        {"name": "альбом.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Документ вынесен на профессионально-общественное обсуждение.").wait_for()
    documents = page.locator("[data-testid=documents]")
    expect(documents).to_contain_text("Методический альбом")
    expect(documents.locator("[data-testid=discussion]")).to_contain_text("0 респондентов")
    screenshot(page, "networks-group")
    group = ProjectGroup.objects.get()
    assert GroupDocument.objects.get(group=group).document.discussions.count() == 1


def test_site_page_and_the_coordinators_view(world: World, live_server: Any, page: Any) -> None:
    site = factories.site(world)
    group = factories.group(world)
    login(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/networks/sites/")
    expect(page.locator("[data-testid=usage]")).to_have_text("3 / 4 человек")
    page.get_by_role("link", name=world.s3.short_name).click()
    expect(page.locator("[data-testid=capacity]")).to_contain_text("3 из 4 человек")
    visitors = page.locator("[data-testid=visitors] tbody tr")
    expect(visitors).to_have_count(1)  # s1 only: s2 is another municipality's
    expect(visitors.first).to_contain_text(world.s1.short_name)
    screenshot(page, "networks-site")
    page.goto(f"{live_server.url}/networks/groups/{group.pk}/")
    expect(page.locator("[data-testid=members] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=members-total]").first).to_have_text("4")
    assert site.pk
