from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "marshrut.orgs"
    verbose_name = _("Реестр региона")

    def ready(self) -> None:
        from marshrut.lib.imports import register
        from marshrut.orgs.importer import REGISTRY

        register(REGISTRY)
