"""``marshrut demo``: the demo region with its personas, then the server on 127.0.0.1:8000.

The server runs here and the task worker beside it as a child process, so that uploads and
archives started on the pages get done; one Ctrl+C (or SIGTERM to this process) stops both.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from importlib import import_module
from types import FrameType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from marshrut.lib.plural import plural
from marshrut.orgs import demo


class Command(BaseCommand):
    help = "Создать демонстрационную область (повторный запуск ничего не дублирует) и запустить сервер."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-server", action="store_true", help="только создать данные")
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        # The demo invites people to surveys and so on: keep those letters off the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            region, counts = self.build()
        self.report(region, counts, options)

    def build(self) -> tuple[Any, dict[str, int]]:
        region, counts = demo.build()
        # Every app of the project may add its part of the demo in ``<app>/demo.py: build_demo``.
        for app in apps.get_app_configs():
            if not app.name.startswith("marshrut.") or app.name == "marshrut.orgs":
                continue
            try:
                module = import_module(f"{app.name}.demo")
            except ModuleNotFoundError as e:
                if e.name != f"{app.name}.demo":
                    raise
                continue
            module.build_demo(region, self.stdout)
        return region, counts

    def report(self, region: Any, counts: dict[str, int], options: dict[str, Any]) -> None:
        created = ", ".join(f"{k}: {v}" for k, v in counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"{region.name}: "
                f"{plural(region.municipalities.count(), 'муниципалитет', 'муниципалитета', 'муниципалитетов')}, "
                f"{plural(sum(m.schools.count() for m in region.municipalities.all()), 'школа', 'школы', 'школ')} "
                f"(добавлено сейчас — {created})."
            )
        )
        self.stdout.write("")
        self.stdout.write(f"Вход: http://{options['addr']}/   пароль у всех: {demo.DEMO_PASSWORD}")
        width = max(len(p.username) for p in demo.PERSONAS)
        for p in demo.PERSONAS:
            self.stdout.write(f"  {p.username.ljust(width)}  {p.description}")
        self.stdout.write("")
        if not (settings.NODE_MODULES / "bootstrap").exists():
            self.stderr.write(
                "Нет node_modules: выполните `npm ci`, иначе страницы будут без оформления."
            )
        if not options["no_server"]:
            self.serve(options["addr"])

    def serve(self, addr: str) -> None:
        worker = start_worker()
        self.stdout.write(f"Обработчик фоновых задач запущен (процесс {worker.pid}).")
        # Both signals end the server the way Ctrl+C does, also when the demo was started with
        # SIGINT ignored (a background job of a shell).
        previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            stop_worker(worker)


def start_worker() -> subprocess.Popen[bytes]:
    """``marshrut worker`` as a child: the same interpreter, so PATH does not matter."""
    return subprocess.Popen(
        [sys.executable, "-m", "marshrut", "worker"],
        # Its own process group: a terminal's Ctrl+C reaches only the demo, which then stops
        # the worker itself, once.
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """Ask the worker to stop; a second request stops its current task; then kill it."""
    for sig in (signal.SIGINT, signal.SIGINT, signal.SIGKILL):
        if worker.poll() is not None:
            return
        worker.send_signal(sig)
        try:
            worker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # runserver stops cleanly on KeyboardInterrupt only; SIGTERM would leave the worker behind.
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    # Should the demo itself be killed outright (or runserver exit with os._exit on a busy
    # port), Linux sends the worker SIGTERM instead of leaving it orphaned.
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
