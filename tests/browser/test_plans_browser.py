"""Browser test of the roadmap flow: upload → preview → fix a row → save → report → execution."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.plans.models import Plan, PlanItem
from tests.browser.conftest import TIMEOUT_MS, screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.kernels.test_plan_reader import build_docx, layout, seed_plan
from tests.notify.helpers import deliver
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
    expect(page.locator("[data-testid=draft-row]")).to_have_count(39)
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

    page.get_by_role("button", name="Всё верно — сохранить дорожную карту").click()
    expect(page.locator("body")).to_contain_text("Дорожная карта сохранена: 39 мероприятий")
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
    expect(page.locator("body")).to_contain_text("Отчёт об исполнении сохранён")
    expect(page.locator("[data-testid=reports]")).to_contain_text("План утверждён приказом")
    screenshot(page, "plans-item-report")

    page.goto(f"{live_server.url}/plans/{plan.pk}/execution/")
    expect(page.locator("[data-testid=done]")).to_have_text("1")
    sections = page.locator("[data-testid=by-section]").inner_text()
    assert "Нормативно-правовое обеспечение" in sections
    screenshot(page, "plans-execution")

    page.goto(f"{live_server.url}/plans/execution/?year=2024")
    expect(page.locator("[data-testid=done]")).to_have_text("1")
    screenshot(page, "plans-execution-all")


def test_school_roadmap_from_deficits_is_returned_with_remarks_then_approved(
    world: World, live_server: Any, page: Any, browser: Any
) -> None:
    from django.core import mail

    from tests.diagnostics.factories import submission_for

    submission_for(world, world.s1, submitted=True)
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/plans/roadmaps/")
    page.locator("[data-testid=roadmaps]").get_by_role("link", name="Составить").click()
    expect(page.locator("[data-testid=draft-summary]")).to_contain_text("Мероприятий:")
    screenshot(page, "roadmap-draft-preview")
    page.get_by_role("button", name="Составить черновик дорожной карты").click()
    expect(page.locator("body")).to_contain_text("Черновик дорожной карты составлен")
    plan = Plan.objects.get(school=world.s1)
    assert plan.status == Plan.Status.DRAFT
    first = plan.items.order_by("position").first()
    assert first is not None

    # The school makes the first measure concrete before sending the roadmap.
    page.locator(f"#item-{first.pk}").get_by_role("link").first.click()
    page.get_by_role("link", name="Изменить").click()
    page.get_by_label("Мероприятие").fill("Педагогический совет: план устранения дефицита")
    page.get_by_label("Сроки").fill("до 28.02.2025")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("body")).to_contain_text("Мероприятие сохранено")
    first.refresh_from_db()
    assert first.title == "Педагогический совет: план устранения дефицита"
    assert first.next_due_on is not None and first.next_due_on.isoformat() == "2025-02-28"

    plan_url = f"{live_server.url}/plans/{plan.pk}/"
    page.goto(plan_url)
    page.get_by_label("Комментарий для координатора").fill("Черновик доработан командой школы")
    page.locator("[data-testid=submit-plan]").click()
    expect(page.locator("body")).to_contain_text("отправлена на согласование")
    deliver()  # what `marshrut notify send` does after the step
    (to_coordinator,) = mail.outbox
    assert to_coordinator.to == ["coordinator@test.local"]
    assert f"/plans/{plan.pk}/" in to_coordinator.body

    # The coordinator, in a browser of their own, returns it with a remark.
    coordinator_context = browser.new_context(
        locale="ru-RU", viewport={"width": 1366, "height": 900}
    )
    coordinator = coordinator_context.new_page()
    coordinator.set_default_timeout(TIMEOUT_MS)
    try:
        login(coordinator, live_server.url, "coordinator")
        coordinator.goto(f"{live_server.url}/plans/roadmaps/")
        coordinator.locator("[data-testid=roadmaps]").get_by_role(
            "link", name="на 2025 год"
        ).click()
        assert (
            "Черновик доработан командой школы"
            in coordinator.locator("[data-testid=review-history]").inner_text()
        )
        coordinator.get_by_label("вернуть на доработку").check()
        coordinator.get_by_label("Замечания").fill("Укажите ответственных по каждому мероприятию")
        screenshot(coordinator, "roadmap-review")
        coordinator.locator("[data-testid=review-plan]").click()
        expect(coordinator.locator("body")).to_contain_text("возвращена школе с замечаниями")
        plan.refresh_from_db()
        assert plan.status == Plan.Status.RETURNED
        deliver()
        assert sorted(m.to[0] for m in mail.outbox[1:]) == ["head@test.local", "school@test.local"]

        # The school sees the remark, fixes the item and sends the roadmap again.
        page.goto(plan_url)
        history = page.locator("[data-testid=review-history]").inner_text()
        assert "Укажите ответственных по каждому мероприятию" in history
        screenshot(page, "roadmap-returned")
        page.goto(f"{live_server.url}/plans/items/{first.pk}/edit/")
        page.get_by_label("Ответственные").fill("ОО, МОУО")
        page.get_by_role("button", name="Сохранить").click()
        expect(page.locator("body")).to_contain_text("Мероприятие сохранено")
        page.goto(plan_url)
        page.locator("[data-testid=submit-plan]").click()
        expect(page.locator("body")).to_contain_text("отправлена на согласование")

        # The coordinator approves; the whole history of remarks stays on the page.
        coordinator.goto(plan_url)
        coordinator.get_by_label("утвердить").check()
        coordinator.get_by_label("Замечания").fill("Утверждено на заседании муниципальной комиссии")
        coordinator.locator("[data-testid=review-plan]").click()
        expect(coordinator.locator("body")).to_contain_text("Дорожная карта утверждена")
    finally:
        coordinator_context.close()
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED
    page.goto(plan_url)
    entries = page.locator("[data-testid=review-history] li")
    expect(entries).to_have_count(4)
    history = page.locator("[data-testid=review-history]").inner_text()
    for text in (
        "Черновик доработан командой школы",
        "возвращена на доработку",
        "Укажите ответственных по каждому мероприятию",
        "Утверждено на заседании муниципальной комиссии",
    ):
        assert text in history
    assert 'data-testid="submit-plan"' not in page.content()
    screenshot(page, "roadmap-approved")
    deliver()
    assert len(mail.outbox) == 1 + 2 + 1 + 2
    assert all("утверждена" in m.subject for m in mail.outbox[-2:])
