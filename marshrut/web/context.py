"""What every page's frame needs: the menu items the user may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from marshrut.orgs.context import user_frame
from marshrut.orgs.roles import ROLES


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    frame = user_frame(user)  # computed once per change of anyone's roles or of the registry
    return {
        "can": frame.can,
        "my_roles": [ROLES[r].role.label for r in frame.roles if r in ROLES],
    }
