"""``marshrut token create USER [--read-only] [--name …]``, ``token list USER``, ``token revoke``.

The key is printed once, on creation; only its hash is stored (``ApiToken.issue``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from marshrut.accounts.models import ApiToken, User
from marshrut.audit.log import Action, Source, record


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"Нет пользователя «{username}».")
    if not user.is_active:
        raise CommandError(f"Учётная запись «{username}» отключена: токен не будет работать.")
    return user


class Command(BaseCommand):
    help = "Токены API: выпустить (ключ печатается один раз), показать, отозвать."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="выпустить токен и напечатать его ключ")
        create.add_argument("user", help="имя пользователя (логин)")
        create.add_argument(
            "--read-only", action="store_true", help="только чтение: любая запись получит 403"
        )
        create.add_argument("--name", default="", help="назначение токена")
        listing = sub.add_parser("list", help="токены пользователя (без ключей)")
        listing.add_argument("user")
        revoke = sub.add_parser("revoke", help="отозвать токен по началу ключа")
        revoke.add_argument("user")
        revoke.add_argument("prefix", help="первые 8 знаков ключа")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            self._list(options)
        else:
            self._revoke(options)

    def _create(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        name = (options["name"] or "").strip()[:100] or "командная строка"
        token, key = ApiToken.issue(user, name, read_only=options["read_only"])
        record(None, Action.CREATE, token, source=Source.CLI, message="выпущен токен API")
        scope = "только чтение" if token.read_only else "чтение и запись"
        self.stderr.write(f"Токен «{name}» для {user.username} ({scope}). Ключ показан один раз:")
        self.stdout.write(key)

    def _list(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        for t in ApiToken.objects.filter(user=user):
            state = f"отозван {t.revoked_at:%d.%m.%Y}" if t.revoked_at else "действует"
            scope = "только чтение" if t.read_only else "чтение и запись"
            self.stdout.write(
                f"{t.prefix}…\t{t.name}\t{scope}\t{state}\tвыпущен {t.created_at:%d.%m.%Y}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        token = ApiToken.objects.active().filter(user=user, prefix=options["prefix"]).first()
        if token is None:
            raise CommandError("Действующего токена с таким началом ключа нет.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            None,
            Action.UPDATE,
            token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
            source=Source.CLI,
            message="токен API отозван",
        )
        self.stdout.write(f"Токен {token.prefix}… отозван.")
