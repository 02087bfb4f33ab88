from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "marshrut.web"
    verbose_name = _("Оболочка сайта")

    def ready(self) -> None:
        from marshrut.lib import cache, db

        db.install()
        # Every write to the tables of cached pages changes their generation (lib/cache.py).
        cache.install()
