from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "marshrut.plans"
    verbose_name = _("Дорожные карты")

    def ready(self) -> None:
        from marshrut.lib.imports import register
        from marshrut.plans.importer import PLANS

        register(PLANS)
