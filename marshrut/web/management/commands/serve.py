"""``marshrut serve``: the production web server (gunicorn) on the given address."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Запустить веб-сервер (gunicorn) для работы на PostgreSQL; статика — через collectstatic."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "3")))
        parser.add_argument("--timeout", type=int, default=120)

    def handle(self, *args: Any, **options: Any) -> None:
        argv = [
            "gunicorn",
            "marshrut.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--timeout",
            str(options["timeout"]),
            "--access-logfile",
            "-",
        ]
        os.execvp("gunicorn", argv)
