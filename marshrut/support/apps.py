from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """ШНОР: the programme of targeted help to schools with low educational results."""

    name = "marshrut.support"
    verbose_name = _("ШНОР: адресная помощь школам")
