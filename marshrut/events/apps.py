from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "marshrut.events"
    verbose_name = _("Мероприятия и отчёты координатора")

    def ready(self) -> None:
        from marshrut.events.importer import EVENTS
        from marshrut.lib.imports import register

        register(EVENTS)
