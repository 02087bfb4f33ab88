"""Objects for the matching rows of the permission matrix (tests/web/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import World


def campaign(w: World) -> dict[str, Any]:
    from tests.diagnostics.factories import campaign_for

    return {"pk": campaign_for(w).pk}


def submission(school: str) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        from tests.diagnostics.factories import submission_for

        return {"pk": submission_for(w, getattr(w, school), submitted=True).pk}

    return kwargs


def plan(w: World) -> dict[str, Any]:
    from marshrut.matching.actions import do_save_session_plan
    from tests.diagnostics.factories import campaign_for

    saved = do_save_session_plan(
        None, campaign_for(w), title="Проектные сессии", assignment={w.m1.pk: 1, w.m2.pk: 2}
    )
    return {"pk": saved.pk}
