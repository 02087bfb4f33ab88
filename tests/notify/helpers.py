"""Deliver the outbox in a test: what ``marshrut notify send`` does, with the test's mail backend."""

from __future__ import annotations

from marshrut.notify import sender


def deliver() -> int:
    """Send the e-mails due now; returns how many notifications went out."""
    return sender.run(["email"])["email"].sent
