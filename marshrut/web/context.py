"""What every page's frame needs: the menu items the user may open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe

from marshrut.lib.cache import cached, code_digest
from marshrut.notify.actions import unread_count
from marshrut.orgs.context import user_frame
from marshrut.orgs.roles import ROLES

MENU_CODE = code_digest([Path(__file__).parent / "templates" / "web" / "_menu.html"])


def menu(can: dict[str, bool]) -> SafeString:
    """The menu for a set of capabilities: the same for everyone who holds them."""
    held = tuple(sorted(name for name, yes in can.items() if yes))
    return mark_safe(
        cached(
            "web.menu",
            (MENU_CODE, get_script_prefix(), held),
            lambda: str(render_to_string("web/_menu.html", {"can": can})),
        )
    )


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    frame = user_frame(user)  # computed once per change of anyone's roles or of the registry
    return {
        "can": frame.can,
        "menu": SimpleLazyObject(lambda: menu(frame.can)),
        "my_roles": [ROLES[r].role.label for r in frame.roles if r in ROLES],
        # Called only when the page's frame renders the badge: one cached count.
        "notify_unread": lambda: unread_count(user),
    }
