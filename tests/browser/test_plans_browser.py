"""Browser test of the roadmap flow: upload → preview → fix a row → save → report → execution."""

from __future__ import annotations

from typing import Any

import pytest

from marshrut.plans.models import Plan, PlanItem
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.kernels.test_plan_reader import build_docx, layout, seed_plan
from tests.plans.conftest import SEED_001, SEEDS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds are not available"),
]


def test_operator_uploads_fixes_saves_and_sees_reported_progress(
    world: World, live_server: Any, page: Any, tmp_path: Any
) -> None:
    document = tmp_path / "дорожная-карта-2024.docx"
    document.write_bytes(build_docx(layout(seed_plan(SEED_001))))
    login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/plans/import/")
    page.locator("input[name=file]").set_input_files(str(document))
    page.get_by_label("Год плана").fill("2024")
    page.get_by_label("Уровень").select_option("region")
    page.get_by_role("button", name="Прочитать документ").click()

    assert (
        "Прочитано мероприятий: 39 в разделах: 5"
        in page.locator("[data-testid=summary]").inner_text()
    )
    assert page.locator("[data-testid=draft-row]").count() == 39
    screenshot(page, "plans-preview")

    # Fix the first row in place: a new deadline, read again at once.
    page.locator("#row-0").get_by_role("link", name="Исправить").click()
    form = page.locator("[data-testid=row-form]")
    form.get_by_label("Сроки").fill("до 15.02.2024")
    form.get_by_label("Мероприятие").fill("Разработка и утверждение плана мероприятий")
    screenshot(page, "plans-preview-row-form")
    form.get_by_role("button", name="Сохранить строку").click()
    row = page.locator("#row-0")
    row.get_by_text("до даты").wait_for()
    assert "15.02.2024" in row.inner_text()
    assert "Разработка и утверждение плана мероприятий" in row.inner_text()

    page.locator("[data-testid=save-plan]").click()
    assert "Дорожная карта сохранена: 39 мероприятий" in page.content()
    plan = Plan.objects.get()
    first = PlanItem.objects.get(plan=plan, position=1)
    assert first.title == "Разработка и утверждение плана мероприятий"
    screenshot(page, "plans-plan-detail")

    # Report progress on that item with a comment and a link.
    page.locator(f"#item-{first.pk}").get_by_role("link").first.click()
    page.get_by_label("Исполнение").select_option("done")
    page.get_by_label("Комментарий").fill("План утверждён приказом от 12.02.2024 № 45")
    page.get_by_label("Фактическое значение показателя").fill("1")
    page.get_by_label("Ссылки на подтверждающие материалы").fill("https://example.org/prikaz-45")
    page.get_by_role("button", name="Сохранить отчёт").click()
    assert "Отчёт об исполнении сохранён" in page.content()
    assert "План утверждён приказом" in page.locator("[data-testid=reports]").inner_text()
    screenshot(page, "plans-item-report")

    page.goto(f"{live_server.url}/plans/{plan.pk}/execution/")
    assert page.locator("[data-testid=done]").inner_text() == "1"
    sections = page.locator("[data-testid=by-section]").inner_text()
    assert "Нормативно-правовое обеспечение" in sections
    screenshot(page, "plans-execution")

    page.goto(f"{live_server.url}/plans/execution/?year=2024")
    assert page.locator("[data-testid=done]").inner_text() == "1"
    screenshot(page, "plans-execution-all")
