"""Rows of the permission matrix (tests/web/test_permission_matrix.py) for the notifications.

Columns: operator, department, methodologist, coordinator, head, school, curator, mentor,
outsider, anonymous.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import World


def _heads_note(w: World) -> dict[str, Any]:
    from marshrut.notify.actions import Draft, notify

    notes = notify([Draft(w.people["head"], "plan_returned", "Возвращена", key="matrix")])
    from marshrut.notify.models import Notification

    note = (
        notes[0]
        if notes
        else Notification.objects.get(dedup_key__startswith="plan_returned:matrix")
    )
    return {"pk": note.pk}


def _token(w: World) -> dict[str, Any]:
    from marshrut.notify.email import unsubscribe_token

    return {"token": unsubscribe_token(w.people["head"].pk, "items_due")}


#                  op  dep met crd hd  sch cur men out anon
MATRIX_NOTIFY: dict[str, list[tuple[str, Any, str, dict[str, Any]]]] = {
    "notify:inbox": [("200 200 200 200 200 200 200 200 200 302", None, "get", {})],
    "notify:mark_read": [("404 404 404 404 302 404 404 404 404 302", _heads_note, "post", {})],
    "notify:mark_all_read": [("302 302 302 302 302 302 302 302 302 302", None, "post", {})],
    "notify:preferences": [("200 200 200 200 200 200 200 200 200 302", None, "get", {})],
    "notify:telegram_code": [("302 302 302 302 302 302 302 302 302 302", None, "post", {})],
    "notify:telegram_unlink": [("302 302 302 302 302 302 302 302 302 302", None, "post", {})],
    # The webhook answers Telegram only (its secret header), whoever is logged in.
    "notify:telegram_webhook": [("403 403 403 403 403 403 403 403 403 403", None, "post", {})],
    # The unsubscribe link works without logging in: the signed token is the key.
    "notify:unsubscribe": [("200 200 200 200 200 200 200 200 200 200", _token, "get", {})],
    "notify:announce": [("200 403 403 403 403 403 403 403 403 302", None, "get", {})],
}
