"""The audit log's lists: every secret field declared, every field with a Russian name."""

from __future__ import annotations

import importlib
import re

from django.apps import apps

from marshrut.audit.display import _label, type_name
from marshrut.audit.log import REDACTED, SECRET_FIELDS, Action
from marshrut.audit.models import AuditEvent
from marshrut.surveys.models import Survey
from tests.conftest import World

SECRET_LOOKING = re.compile(r"token|key|password|secret|hash|otp|nonce|salt")
# Never audited: Django's own; the outbox, whose ``dedup_key`` names an event, not a secret.
NOT_SECRET = {"sessions.session", "axes.accesslog", "notify.notification"}


def test_every_secret_looking_field_is_declared_secret() -> None:
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in NOT_SECRET or model._meta.app_label in ("auth", "django_tasks"):
            continue
        for field in model._meta.concrete_fields:
            if SECRET_LOOKING.search(field.name):
                assert field.name in SECRET_FIELDS.get(label, ()), f"{label}.{field.name}"


def test_every_field_of_the_project_has_a_russian_name() -> None:
    for model in apps.get_models():
        if not model.__module__.startswith("marshrut."):
            continue
        assert re.search("[а-я]", type_name(model._meta.label_lower)), model._meta.label_lower
        for field in model._meta.get_fields():
            if field.auto_created or getattr(field, "primary_key", False):
                continue
            label = _label(model, field.name)
            assert label != field.name.replace("_", " ") and "«" not in label, (
                f"{model}.{field.name}"
            )


def test_the_migration_scrubs_tokens_from_rows_written_before(world: World) -> None:
    survey = Survey.objects.create(region=world.region, title="Старый опрос")
    old = AuditEvent.objects.create(
        actor_name="operator",
        action=Action.CREATE,
        target_type="surveys.survey",
        target_id=str(survey.pk),
        region=world.region,
        changes={"token": [None, survey.token], "title": [None, survey.title]},
    )
    migration = importlib.import_module("marshrut.audit.migrations.0002_redact_secret_values")
    migration.redact(apps, None)
    old.refresh_from_db()
    assert old.changes == {"token": [None, REDACTED], "title": [None, "Старый опрос"]}
