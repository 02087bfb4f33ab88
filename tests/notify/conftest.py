from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notify.fake_telegram import FakeTelegram
from tests.notify.smtp_server import SMTPServer


@pytest.fixture
def smtp(settings: object) -> Iterator[SMTPServer]:
    """A local SMTP server, with Django's SMTP backend pointed at it."""
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST = "127.0.0.1"  # type: ignore[attr-defined]
    settings.EMAIL_PORT = server.port  # type: ignore[attr-defined]
    settings.EMAIL_USE_TLS = False  # type: ignore[attr-defined]
    settings.EMAIL_HOST_USER = ""  # type: ignore[attr-defined]
    yield server
    server.close()


@pytest.fixture
def telegram(settings: object) -> Iterator[FakeTelegram]:
    """The local Bot API server, with the bot's settings pointed at it."""
    fake = FakeTelegram()
    settings.TELEGRAM_BOT_TOKEN = fake.token  # type: ignore[attr-defined]
    settings.TELEGRAM_API_BASE = fake.base  # type: ignore[attr-defined]
    settings.TELEGRAM_WEBHOOK_SECRET = "webhook-secret-123"  # type: ignore[attr-defined]
    settings.SITE_URL = "https://m.example"  # type: ignore[attr-defined]
    yield fake
    fake.close()
