"""``marshrut worker``: runs background tasks (long imports, reports) from the database queue."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from marshrut.lib.jobs import Heartbeat


class Command(BaseCommand):
    help = "Запустить обработчик фоновых задач (загрузки, отчёты)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="выполнить накопившиеся задачи и выйти"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The beat tells the pages this worker is alive and lets a later worker tell whether the
        # jobs it holds are still being worked on (marshrut/lib/jobs.py).
        beat = Heartbeat()
        beat.begin()
        try:
            # No autoreloader even under DEBUG: it would run the tasks in a grandchild process
            # that the demo could not stop and the beat would not describe.
            call_command(
                "db_worker",
                batch=options["batch"],
                interval=1,
                reload=False,
                worker_id=beat.id,
                verbosity=options["verbosity"],
            )
        finally:
            beat.end()
