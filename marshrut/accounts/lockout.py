"""Login lockout: per user name and address (django-axes), and per address across user names.

Axes locks a (user name, address) pair after ``LOGIN_FAILURE_LIMIT`` failures. Password spraying
tries one or two passwords on many user names from one address and never trips that; so the
failures of one address are also summed over every user name, and past
``LOGIN_ADDRESS_FAILURE_LIMIT`` within ``LOGIN_ADDRESS_WINDOW_MINUTES`` the address is locked for
every name, with the same page. The count reads axes' own attempt rows, so the usual
``marshrut axes_reset_ip АДРЕС`` lifts it. The address is the visitor's behind our proxies
(``marshrut.lib.client.client_address``, which axes is told to use).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def address_failures(address: str | None) -> int:
    """Failed logins from ``address`` under any user name within the window."""
    if not address:
        return 0
    since = timezone.now() - timedelta(minutes=settings.LOGIN_ADDRESS_WINDOW_MINUTES)
    attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AddressAwareHandler(AxesDatabaseHandler):
    """Axes' database handler that also locks an address spraying many user names."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        return address_failures(address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not getattr(request, "axes_locked_out", False):
            failures = address_failures(request.axes_ip_address)
            if failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
                request.axes_locked_out = True
                request.axes_credentials = credentials
