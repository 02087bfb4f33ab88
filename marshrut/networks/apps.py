from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworksConfig(AppConfig):
    name = "marshrut.networks"
    verbose_name = _("Сетевое взаимодействие")
