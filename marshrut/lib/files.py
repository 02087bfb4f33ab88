"""User files: stored under names nobody can guess, handed out by one view that checks scope.

Nothing under MEDIA_ROOT is ever served as is. A stored file is named by a random token
(:class:`PrivateUploadTo`); its original name lives in a model field and comes back only as the
download name. Every file goes out through :func:`download`: each app routes a URL to it with a
``resolve`` function that fetches the object through the app's ``get_<thing>_for_user`` scoping
(404 outside it) and says which file and name to send. The answer is always an attachment with a
type from a short list (``application/octet-stream`` for anything else), ``nosniff`` and a
sandboxing Content-Security-Policy, so that an uploaded page or drawing never runs on the site.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.deconstruct import deconstructible
from django.views.decorators.cache import never_cache

# Types a browser may be told; everything else is application/octet-stream.
SAFE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv",
    "zip": "application/zip",
}


@deconstructible
class PrivateUploadTo:
    """``upload_to`` giving each stored file a random name under ``prefix``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.strip("/")

    def __call__(self, instance: Any, filename: str) -> str:
        return token_name(self.prefix)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrivateUploadTo) and other.prefix == self.prefix


def token_name(prefix: str) -> str:
    # 128 random bits, split so that no directory grows to millions of entries.
    token = secrets.token_hex(16)
    return f"{prefix}/{token[:2]}/{token}"


@dataclass(frozen=True)
class Served:
    """The file to send and the name the user gets it under."""

    file: FieldFile
    name: str


def content_type_for(name: str) -> str:
    return SAFE_TYPES.get(PurePath(name).suffix.lower().lstrip("."), "application/octet-stream")


def attachment(file: FieldFile, name: str) -> FileResponse:
    """An attachment response for a stored file, safe whatever the file holds."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=name, content_type=content_type_for(name)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


Resolver = Callable[..., Served]


@never_cache
def download(
    request: HttpRequest, *, resolve: Resolver, public: bool = False, **key: Any
) -> HttpResponseBase:
    """The one view for user files; ``resolve(request, **key)`` answers 404 outside the scope.

    ``public`` lets a resolver see anonymous requests (a discussion document read by the link
    of the discussion); otherwise anonymous visitors are sent to log in.
    """
    if not public and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    served = resolve(request, **key)
    if not served.file:
        raise Http404
    return attachment(served.file, served.name)


def delete_on_commit(name: str | None) -> None:
    """Remove a stored file once the transaction that stopped using it has committed."""
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def replace_file(field: FieldFile, upload: Any) -> None:
    """Put ``upload`` into ``field`` under a new token name; the old file goes after commit."""
    old = field.name
    field.save(getattr(upload, "name", "") or "file", upload, save=False)
    if old and old != field.name:
        delete_on_commit(old)


def move_to_token_names(
    apps: Any,
    model: str,
    field: str,
    prefix: str,
    *,
    name_field: str | None = None,
) -> None:
    """Data migration step: give stored files token names, keeping the original name.

    Files already under ``prefix`` are left alone; a file missing on disk keeps its row (the
    download then answers 404, as it did before).
    """
    app_label, model_name = model.split(".")
    Model = apps.get_model(app_label, model_name)
    rows = Model.objects.exclude(**{field: ""}).exclude(**{f"{field}__startswith": f"{prefix}/"})
    for row in rows.iterator():
        stored = getattr(row, field)
        old = stored.name
        updates: dict[str, Any] = {}
        if name_field and not getattr(row, name_field):
            updates[name_field] = PurePath(old).name[:255]
        new = token_name(prefix)
        if default_storage.exists(old):
            with default_storage.open(old, "rb") as source:
                new = default_storage.save(new, source)
            default_storage.delete(old)
        updates[field] = new
        Model.objects.filter(pk=row.pk).update(**updates)


def remove_files_on_delete(model: Any, *fields: str) -> None:
    """When a row of ``model`` is deleted (directly or by a cascade), its files go after commit.

    Only for models with few rows per deletion: a receiver makes Django delete the rows one by one.
    """
    from django.db.models.signals import post_delete

    def remove(sender: Any, instance: Any, **kwargs: Any) -> None:
        for field in fields:
            delete_on_commit(getattr(instance, field).name)

    post_delete.connect(remove, sender=model, weak=False, dispatch_uid=f"files-{model.__name__}")
