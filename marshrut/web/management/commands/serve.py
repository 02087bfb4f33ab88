"""``marshrut serve``: the production web server (waitress) on the given address.

The server runs inside this process, from the interpreter that runs marshrut: nothing is looked up
on PATH, so ``.venv/bin/marshrut serve`` works from a systemd unit or cron as it does in a shell.

Waitress reads every request whole — headers and body — in its event loop before it hands the
request to a thread, so a client that sends half a request and stalls holds one idle socket, not a
thread; gunicorn's sync and gthread workers give such a client a worker or a thread until it times
out, and two of them blocked the server. The figures are in bench/README.md, the reasons in
README.md; a buffering reverse proxy in front (docs/deploy.md) is still the place for TLS.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Запустить веб-сервер (waitress); TLS и буферизацию запросов берёт на себя обратный прокси."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("BIND", "127.0.0.1:8000"),
            help="адрес и порт (по умолчанию 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "8")),
            help="потоки, выполняющие запросы (по умолчанию 8)",
        )
        parser.add_argument(
            "--connection-limit",
            type=int,
            default=int(os.environ.get("WEB_CONNECTION_LIMIT", "1000")),
            help="одновременных соединений не больше (по умолчанию 1000)",
        )
        parser.add_argument(
            "--idle-timeout",
            type=int,
            default=int(os.environ.get("WEB_IDLE_TIMEOUT", "60")),
            help="через сколько секунд закрыть молчащее соединение (по умолчанию 60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from marshrut.wsgi import application

        host, sep, port = options["bind"].rpartition(":")
        if not sep or not port.isdigit():
            raise CommandError(f"Адрес «{options['bind']}» не в виде ХОСТ:ПОРТ.")
        serve(
            application,
            host=host.strip("[]") or "127.0.0.1",
            port=int(port),
            threads=options["threads"],
            connection_limit=options["connection_limit"],
            # A stalled half-request counts as idle: closed after this many seconds of silence.
            channel_timeout=options["idle_timeout"],
            cleanup_interval=min(30, max(1, options["idle_timeout"] // 2)),
            # poll() instead of select(): select() stops at 1024 descriptors, below the limit.
            asyncore_use_poll=True,
            # The largest upload the forms take, plus room for the form around the file.
            max_request_body_size=settings.IMPORT_MAX_BYTES + 1024 * 1024,
            ident="marshrut",
        )
