"""What every list page shares: a filter form, pagination and ``?export=xlsx|csv``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.forms import StyledMixin

EXPORT_FORMATS = ("xlsx", "csv")
PAGE_SIZE = 50


def export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("export")
    return fmt if fmt in EXPORT_FORMATS else None


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without(request: HttpRequest, *keys: str) -> str:
    """The current query string without some keys, to build page and export links."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


def maybe_export(
    request: HttpRequest,
    queryset: QuerySet[Any],
    columns: Sequence[ExportColumn],
    filename: str,
    title: str = "",
) -> HttpResponse | None:
    fmt = export_format(request)
    if fmt is None:
        return None
    return export_response(
        fmt, columns, queryset.iterator(chunk_size=2000), filename=filename, title=title
    )


class FilterForm(StyledMixin, forms.Form):
    """A GET form whose fields are all optional; invalid values are ignored, not shown."""

    q = forms.CharField(label="Поиск", required=False)

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data or None, *args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def value(self, name: str) -> Any:
        if not self.is_bound:
            return None
        self.is_valid()  # fills cleaned_data with the fields that are valid
        return self.cleaned_data.get(name)
