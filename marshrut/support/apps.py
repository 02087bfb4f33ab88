from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """ШНОР: the programme of targeted help to schools with low educational results."""

    name = "marshrut.support"
    verbose_name = _("ШНОР: адресная помощь школам")

    def ready(self) -> None:
        from marshrut.lib.imports import register
        from marshrut.support.importer_federal import FEDERAL_LIST
        from marshrut.support.importer_results import RESULTS

        register(RESULTS)
        register(FEDERAL_LIST)
