"""What every page's frame needs: the menu items the user may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from marshrut.orgs import access
from marshrut.orgs.roles import ROLES, Cap


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    can = {cap.name.lower(): bool(access.grant(user, cap)) for cap in Cap}
    return {
        "can": can,
        "my_roles": [ROLES[r].role.label for r in access.roles_of(user)],
    }
