"""Account forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.forms import PasswordResetForm


class InvitationForm(PasswordResetForm):
    """Mails a new user the link to set a first password.

    Django's reset form skips users without a usable password; a new account has none yet.
    """

    def __init__(self, user: Any) -> None:
        super().__init__({"email": user.email})
        self.invited = user

    def get_users(self, email: str) -> Iterator[Any]:
        yield self.invited
