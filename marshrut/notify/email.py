"""The e-mail channel: one letter per notification, or one digest per person a day or a week.

Letters are built with plain string formatting (the text part and a small HTML part) rather than
templates: a daily run builds a digest for every person who chose one, and at 10,000 people the
template engine would be most of the cost (bench/bench_digests.py).
"""

from __future__ import annotations

import contextlib
import secrets
import smtplib
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.urls import reverse

from marshrut.lib.plural import plural
from marshrut.notify.models import Delivery, Mode, Notification
from marshrut.notify.sender import ChannelError

SALT = "marshrut.notify.unsubscribe"


class Letter(EmailMultiAlternatives):
    """A letter whose MIME boundary is chosen here: the standard library otherwise compiles a
    regular expression per letter to pick one — a tenth of the cost of a digest run."""

    def message(self) -> Any:
        msg = super().message()
        if msg.is_multipart():
            msg.set_boundary(f"=_marshrut_{secrets.token_hex(16)}")
        return msg


def unsubscribe_token(person_id: int, kind: str | None) -> str:
    """A signed token that stops e-mails of a kind (None: of every kind) without logging in."""
    return signing.dumps({"p": person_id, "k": kind or ""}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, str | None]:
    """(person id, kind or None); raises signing.BadSignature on a forged or damaged token."""
    data = signing.loads(token, salt=SALT)
    return int(data["p"]), (data.get("k") or None)


def absolute(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _unsubscribe_url(person_id: int, kind: str | None) -> str:
    return absolute(reverse("notify:unsubscribe", args=[unsubscribe_token(person_id, kind)]))


def _footer(unsubscribe: str) -> str:
    return (
        "\n\n—\nМаршрут. Настроить уведомления: "
        f"{absolute(reverse('notify:preferences'))}\n"
        f"Отписаться от этих писем: {unsubscribe}\n"
    )


def _html(paragraphs: str, unsubscribe: str) -> str:
    return (
        '<!doctype html><html lang="ru"><body style="font-family:sans-serif">'
        f"{paragraphs}"
        '<hr><p style="color:#666;font-size:small">Маршрут. '
        f'<a href="{escape(absolute(reverse("notify:preferences")))}">Настроить уведомления</a> · '
        f'<a href="{escape(unsubscribe)}">Отписаться от этих писем</a></p></body></html>'
    )


def letter(note: Notification, email: str) -> EmailMultiAlternatives:
    """One notification as a letter of its own."""
    assert note.recipient_id is not None
    unsubscribe = _unsubscribe_url(note.recipient_id, note.kind)
    body = note.body or f"{note.subject}\n{absolute(note.link)}"
    html_body = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n"))
    if note.link:
        html_body += f'<p><a href="{escape(absolute(note.link))}">Открыть в Маршруте</a></p>'
    message = Letter(
        note.subject,
        body + _footer(unsubscribe),
        settings.DEFAULT_FROM_EMAIL,
        [email],
        headers=_headers(unsubscribe),
    )
    message.attach_alternative(_html(html_body, unsubscribe), "text/html")
    return message


def digest(
    notes: Sequence[Notification], email: str, name: str, mode: str
) -> EmailMultiAlternatives:
    """Several notifications of one person in one letter."""
    person_id = notes[0].recipient_id
    assert person_id is not None
    unsubscribe = _unsubscribe_url(person_id, None)
    period = "день" if mode == Mode.DAILY else "неделю"
    count = plural(len(notes), "уведомление", "уведомления", "уведомлений")
    lines = [f"Здравствуйте, {name}!", "", f"Что произошло в Маршруте за {period} ({count}):", ""]
    items = []
    for n in notes:
        url = absolute(n.link)
        lines.append(f"• {n.subject}" + (f"\n  {url}" if url else ""))
        items.append(
            f'<li><a href="{escape(url)}">{escape(n.subject)}</a></li>'
            if url
            else f"<li>{escape(n.subject)}</li>"
        )
    html_body = (
        f"<p>Здравствуйте, {escape(name)}!</p>"
        f"<p>Что произошло в Маршруте за {period} ({count}):</p><ul>{''.join(items)}</ul>"
    )
    message = Letter(
        f"Маршрут: сводка за {period} — {count}",
        "\n".join(lines) + _footer(unsubscribe),
        settings.DEFAULT_FROM_EMAIL,
        [email],
        headers=_headers(unsubscribe),
    )
    message.attach_alternative(_html(html_body, unsubscribe), "text/html")
    return message


def _headers(unsubscribe: str) -> dict[str, str]:
    # RFC 2369 and RFC 8058: mail clients show «отписаться» and post to it in one click.
    return {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def build(batch: Sequence[Delivery]) -> EmailMultiAlternatives | None:
    """The letter of a batch (one notification, or a person's digest); None: no address."""
    person = batch[0].notification.recipient
    if person is None or not person.email:
        return None
    if len(batch) == 1 and batch[0].mode == Mode.IMMEDIATE:
        return letter(batch[0].notification, person.email)
    return digest([d.notification for d in batch], person.email, person.full_name, batch[0].mode)


class EmailChannel:
    name = "email"

    def __init__(self) -> None:
        self.connection = get_connection()
        self.opened = False

    def batches(self, deliveries: Sequence[Delivery]) -> Iterable[list[Delivery]]:
        digests: dict[tuple[int, str], list[Delivery]] = {}
        for d in deliveries:
            if d.mode == Mode.IMMEDIATE:
                yield [d]
            else:
                digests.setdefault((d.notification.recipient_id or 0, d.mode), []).append(d)
        yield from digests.values()

    def send(self, batch: list[Delivery]) -> None:
        message = build(batch)
        if message is None:
            raise ChannelError("у получателя нет адреса электронной почты", permanent=True)
        try:
            if not self.opened:  # one connection for the whole run, not one per letter
                self.connection.open()
                self.opened = True
            sent = self.connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused:
            raise ChannelError("SMTP: адрес отклонён сервером", permanent=True) from None
        except smtplib.SMTPResponseException as e:
            raise ChannelError(f"SMTP: код {e.smtp_code}", permanent=e.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as e:
            self.close()
            raise ChannelError(f"SMTP: {type(e).__name__}") from None
        if sent != 1:
            raise ChannelError("SMTP: письмо не принято")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken connection has nothing to close
            self.connection.close()
        self.opened = False
