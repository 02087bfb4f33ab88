"""Two operators edit the texts of one report: the later stale save is refused."""

from __future__ import annotations

from marshrut.analytics.models import ReportDraft
from marshrut.audit.models import AuditEvent
from marshrut.orgs.roles import Role
from tests.analytics.conftest import ReportWorld
from tests.analytics.test_reports import _url, quick_charts  # noqa: F401
from tests.concurrent import assert_refused, colleague, race


def test_two_first_saves_of_a_report_draft_the_later_is_refused(
    rw: ReportWorld,
    quick_charts: None,  # noqa: F811
) -> None:
    world = rw.world
    ivanova = colleague(world, "ivanova", Role.OPERATOR, region=world.region)
    url = _url("report_region", rw)
    refused, _ = race(
        url,
        ivanova,
        world.client("operator"),
        {"conclusions": "Выводы Ивановой.", "action": "save"},
        {"decisions": "Решения оператора.", "action": "save"},
    )
    again = assert_refused(
        refused, typed={"decisions": "Решения оператора."}, shown=["Выводы Ивановой."]
    )
    draft = ReportDraft.objects.get(campaign=rw.campaign, municipality=None)
    assert (draft.conclusions, draft.decisions, draft.version) == ("Выводы Ивановой.", "", 1)
    assert AuditEvent.objects.filter(target_type="analytics.reportdraft").count() == 1

    again["conclusions"] = "Выводы Ивановой."
    assert world.client("operator").post(url, {**again, "action": "save"}).status_code == 302
    draft.refresh_from_db()
    assert (draft.conclusions, draft.decisions, draft.version) == (
        "Выводы Ивановой.",
        "Решения оператора.",
        2,
    )
    assert draft.updated_by == world.users["operator"]
