from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    """The library of good practices: cards, moderation, search, offers by deficits, adoptions."""

    name = "marshrut.practices"
    verbose_name = _("Библиотека лучших практик")
