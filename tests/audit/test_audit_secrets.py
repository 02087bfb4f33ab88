"""The audit log's lists: every secret field declared, every field with a Russian name."""

from __future__ import annotations

import re

from django.apps import apps

from marshrut.audit.display import _label, type_name
from marshrut.audit.log import SECRET_FIELDS

SECRET_LOOKING = re.compile(r"token|key|password|secret|hash|otp|nonce|salt")
NOT_SECRET = {"sessions.session", "axes.accesslog"}  # never audited, Django's own


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
