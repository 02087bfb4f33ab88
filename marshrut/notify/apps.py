from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """One outbox of notifications, delivered once per channel (e-mail, the messenger bot)."""

    name = "marshrut.notify"
    verbose_name = _("Уведомления")
