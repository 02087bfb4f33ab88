from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "marshrut.web"
    verbose_name = _("Оболочка сайта")

    def ready(self) -> None:
        from marshrut.lib import db

        db.install()
