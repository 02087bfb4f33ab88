from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "marshrut.surveys"
    verbose_name = _("Анкетирования и обсуждения документов")
