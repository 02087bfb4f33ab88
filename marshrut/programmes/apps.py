from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    """Development programmes of schools, interviews with school teams, management decisions."""

    name = "marshrut.programmes"
    verbose_name = _("Программы развития, собеседования и управленческие решения")
