"""Browser tests: each persona logs in, opens the registry, filters it and exports it."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


# persona → the schools they see in the registry
VISIBLE = {
    "operator": {"МАОУ СОШ № 1", "МАОУ СОШ № 3", "МАОУ «Вторая ООШ»"},
    "department": {"МАОУ СОШ № 1", "МАОУ СОШ № 3", "МАОУ «Вторая ООШ»"},
    "methodologist": {"МАОУ СОШ № 1", "МАОУ СОШ № 3", "МАОУ «Вторая ООШ»"},
    "coordinator": {"МАОУ СОШ № 1", "МАОУ СОШ № 3"},
    "head": {"МАОУ СОШ № 1"},
    "school": {"МАОУ СОШ № 1"},
    "curator": {"МАОУ СОШ № 1"},
    "mentor": {"МАОУ СОШ № 1"},
}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_persona_sees_exactly_their_schools_and_exports_them(
    world: World, live_server: Any, page: Any, persona: str
) -> None:
    login(page, live_server.url, persona)
    page.get_by_role("link", name="Школы", exact=True).click()
    rows = page.locator("[data-testid=schools] tbody tr td:first-child a")
    expect(rows).to_have_count(len(VISIBLE[persona]))
    assert set(rows.all_inner_texts()) == VISIBLE[persona]
    screenshot(page, f"schools-{persona}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Выгрузить в Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    exported = {
        row[1] for row in book.active.iter_rows(min_row=4, values_only=True)
    }  # title, blank, header
    assert exported == VISIBLE[persona]


def test_operator_filters_schools_and_the_export_follows_the_filter(
    world: World, live_server: Any, page: Any
) -> None:
    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/registry/schools/")
    page.get_by_label("ШНОР").select_option("1")
    page.get_by_role("button", name="Найти").click()
    expect(page.locator("[data-testid=total]")).to_have_text("1 запись")
    expect(page.locator("[data-testid=schools] tbody tr td:first-child")).to_have_text(
        ["МАОУ СОШ № 1"]
    )
    page.get_by_label("Поиск").fill("вторая")
    page.get_by_label("ШНОР").select_option("")
    page.get_by_role("button", name="Найти").click()
    expect(page.locator("[data-testid=schools] tbody tr td:first-child")).to_have_text(
        ["МАОУ «Вторая ООШ»"]
    )
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    text = download_info.value.path().read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Муниципалитет;Краткое наименование")
    assert len(text.strip().splitlines()) == 2 and "Вторая ООШ" in text
    screenshot(page, "schools-filtered")


def test_coordinator_opens_the_coordinators_registry(
    world: World, live_server: Any, page: Any
) -> None:
    login(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/registry/people/?role=municipal_coordinator")
    expect(page.locator("[data-testid=people] tbody tr td:first-child a")).to_have_text(
        ["Coordinator Тест"]
    )


def test_outsider_sees_no_registry(world: World, live_server: Any, page: Any) -> None:
    login(page, live_server.url, "outsider")
    expect(page.get_by_text("У вашей учётной записи пока нет ролей")).to_be_visible()
    expect(page.get_by_role("link", name="Школы", exact=True)).to_have_count(0)
    response = page.goto(f"{live_server.url}/registry/schools/")
    assert response.status == 403


def test_wrong_password_five_times_locks_the_login(
    world: World, live_server: Any, page: Any
) -> None:
    for _ in range(5):
        login(page, live_server.url, "head", "wrong-password")
    expect(page.locator("[data-testid=locked]")).to_be_visible()
    login(page, live_server.url, "head")  # even the right password is refused while locked
    expect(page.locator("[data-testid=locked]")).to_be_visible()
    screenshot(page, "locked-out")


def test_operator_imports_a_registry_file_through_preview(
    world: World, live_server: Any, page: Any, tmp_path: Any, settings: Any
) -> None:
    from marshrut.orgs.demo import make_inn
    from marshrut.orgs.models import School

    # The apply is a background task; the live server runs it inline (the demo test runs a worker).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    path = tmp_path / "новые школы.csv"
    path.write_bytes(
        (
            "Муниципалитет;Полное наименование;Краткое наименование;ИНН\r\n"
            f"город Первогорск;Муниципальное автономное общеобразовательное учреждение «Лицей № 9»;МАОУ Лицей № 9;{make_inn(9)}\r\n"
        ).encode("cp1251")
    )
    login(page, live_server.url, "operator")
    page.get_by_role("button", name="Реестр").click()
    page.get_by_role("link", name="Загрузка реестра").click()
    page.get_by_label("Файл реестра").set_input_files(str(path))
    page.get_by_role("button", name="Проверить файл").click()
    expect(page.locator("body")).to_contain_text("МАОУ Лицей № 9")
    assert not School.objects.filter(inn=make_inn(9)).exists()
    screenshot(page, "import-preview")
    page.get_by_role("button", name="Применить изменения").click()
    expect(page.locator("[data-testid=status]")).to_have_text("применён")
    assert School.objects.get(inn=make_inn(9)).kind == School.Kind.LYCEUM
