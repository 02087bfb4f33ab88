"""``marshrut demo``: the demo region with its personas, then the server on 127.0.0.1:8000."""

from __future__ import annotations

from importlib import import_module
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
            call_command("runserver", options["addr"], use_reloader=False)
