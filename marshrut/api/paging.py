"""Cursor pages for the API's lists, and the ``region`` filter of list endpoints.

A page is ``{"items": [...], "next_cursor": "…" | null}`` (``count`` as well where counting is
cheap). Rows come in the order of their id; the cursor is the last id of the page, signed so that
it stays opaque: a client passes it back unchanged and never builds one. A new row never shifts
a page already read, and walking the cursors returns every row once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import create_model

from marshrut.api.base import BadRequest, Text
from marshrut.orgs.context import current_region
from marshrut.orgs.roles import Cap

PAGE_SIZE: int = getattr(settings, "API_PAGE_SIZE", 100)
MAX_PAGE_SIZE: int = getattr(settings, "API_MAX_PAGE_SIZE", 500)
_SALT = "marshrut.api.cursor"


class PageQuery(Schema):
    cursor: Text | None = None
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def page_of(item: type[Schema], name: str, *, counted: bool = False) -> type[Schema]:
    """The page schema of a list of ``item`` (named for the OpenAPI schema)."""
    fields: dict[str, Any] = {
        "items": (list[item], ...),  # type: ignore[valid-type]
        "next_cursor": (str | None, None),
    }
    if counted:
        fields["count"] = (int, ...)
    return create_model(name, __base__=Schema, **fields)


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature:
        raise BadRequest("Неверный курсор: передайте next_cursor из предыдущей страницы.") from None
    if not isinstance(value, int) or value < 0:
        raise BadRequest("Неверный курсор: передайте next_cursor из предыдущей страницы.")
    return value


def cursor_page(
    qs: QuerySet[Any], page: PageQuery, *, counted: bool = False, key: str = "pk"
) -> dict[str, Any]:
    """One page of ``qs`` after the cursor, ordered by ``key`` (an increasing integer)."""
    rows: list[Model] = list(
        qs.filter(**{f"{key}__gt": _after(page.cursor)}).order_by(key)[: page.limit + 1]
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    out: dict[str, Any] = {
        "items": rows,
        "next_cursor": signing.dumps(getattr(rows[-1], key), salt=_SALT) if more else None,
    }
    if counted:
        out["count"] = qs.count()
    return out


def region_id(request: HttpRequest, value: str | None, cap: Cap) -> int | None:
    """The region a list is narrowed to by ``?region=<code>``, chosen by the one rule of the site
    (:func:`marshrut.orgs.context.current_region`): a region that is not the user's is 404, one
    of theirs where the capability does not hold is 403. Without it, every region of the user's.
    """
    if value is None or not value.strip():
        return None
    return current_region(request, cap, user=request.user).pk
