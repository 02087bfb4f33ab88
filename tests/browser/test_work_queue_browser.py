"""Browser test: the head's home shows the answers the coordinator returned; once the school has
corrected an answer and sent the questionnaire again, the task is gone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from marshrut.diagnostics import actions
from marshrut.diagnostics.models import Answer, Flag, Status
from tests.browser.conftest import screenshot
from tests.browser.test_registry_pages import login
from tests.conftest import World
from tests.diagnostics.factories import submission_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_fixes_the_returned_answer_and_the_task_is_gone(
    world: World, live_server: Any, page: Any
) -> None:
    sub = submission_for(world, world.s1, submitted=True)
    Flag.objects.filter(submission=sub).delete()
    Flag.objects.create(
        submission=sub, rule=Flag.Rule.JUMP, code="ZN.01", message="ответ вызывает сомнение"
    )
    actions.do_return(world.users["coordinator"], sub, "Проверьте показатель ZN.01")

    login(page, live_server.url, "head")
    queue = page.locator("[data-testid=work-queue]")
    expect(queue).to_contain_text("Что сделать сейчас")
    task = queue.locator("[data-kind='diagnostics.returned']")
    expect(task).to_contain_text("координатор вернул 1 ответ")
    expect(task).to_contain_text("Проверьте показатель ZN.01")
    screenshot(page, "work-queue-returned")

    # The task is a link to the questionnaire: change the doubtful answer, send it again.
    task.click()
    page.wait_for_url(f"**/diagnostics/submissions/{sub.pk}/")
    was = Answer.objects.get(submission=sub, code="ZN.01").value
    answer = page.locator("#ind-ZN\\.01")
    answer.get_by_label("нет" if was else "да").focus()
    page.keyboard.press("Space")
    answer.locator("[data-testid=saved]").wait_for()
    page.get_by_role("button", name="Отправить анкету").first.click()
    page.get_by_text("результат самодиагностики").wait_for()
    sub.refresh_from_db()
    assert sub.status == Status.SUBMITTED
    assert Answer.objects.get(submission=sub, code="ZN.01").value is (not was)

    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-testid=work-queue]")).to_be_visible()
    expect(page.locator("[data-kind='diagnostics.returned']")).to_have_count(0)
    screenshot(page, "work-queue-after-fix")
