from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "marshrut.diagnostics"
    verbose_name = _("Самодиагностика")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from marshrut.diagnostics.importer import RESULTS
        from marshrut.lib.imports import register

        register(RESULTS)

        post_migrate.connect(
            _statistics_after_migrate, sender=self, dispatch_uid="diagnostics-statistics"
        )


def _statistics_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # SQLite never collects statistics by itself: after migrate, as after a bulk import, the
    # planner gets them (PostgreSQL has autovacuum for this; its imports analyse what they load).
    from django.db import connections

    from marshrut.diagnostics.partitions import analyse

    connection = connections[using]
    if connection.vendor == "sqlite":
        analyse(connection=connection)
