"""Which address a request counts as, with and without our reverse proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from marshrut.lib.client import client_address


def address(settings: Any, proxies: int, remote: str, forwarded: str | None = None) -> str | None:
    settings.TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxy: the header is the visitor's
        (1, "10.0.0.1", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # forged left part ignored
        (2, "10.0.0.1", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, "10.0.0.1", None, "10.0.0.1"),  # header missing: the proxy's address
        (1, "10.0.0.1", "not-an-address", "10.0.0.1"),
        (1, "10.0.0.1", " 2001:db8::1 ", "2001:db8::1"),
        (0, "", None, None),
    ],
)
def test_client_address(
    settings: Any, proxies: int, remote: str, forwarded: str | None, expected: str | None
) -> None:
    assert address(settings, proxies, remote, forwarded) == expected
