from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibConfig(AppConfig):
    # An app only so that the liveness trace of task workers (models.py) has a table.
    name = "marshrut.lib"
    label = "lib"
    verbose_name = _("Служебное")
