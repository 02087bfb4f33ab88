"""The address a request came from, for login lockout and the rate limit of public forms.

Behind reverse proxies ``REMOTE_ADDR`` is the nearest proxy, the same for every visitor: one
busy school would lock everyone out. ``TRUSTED_PROXIES`` (settings, from the environment) says
how many proxies of ours append to ``X-Forwarded-For``; the client is then the address that many
places from its right end. Anything further left was written by the client and may be forged.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The visitor's IP address, or None when the request carries none that is valid."""
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [
            p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= proxies and (found := _valid(forwarded[-proxies])):
            return found
    return _valid(request.META.get("REMOTE_ADDR", "") or "")
