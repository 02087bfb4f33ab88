from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "marshrut.diagnostics"
    verbose_name = _("Самодиагностика")

    def ready(self) -> None:
        from marshrut.diagnostics.importer import RESULTS
        from marshrut.lib.imports import register

        register(RESULTS)
