"""The audit log page, filterable and exportable, for those who may read it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from marshrut.audit.display import describe, describe_all
from marshrut.audit.models import AuditEvent
from marshrut.lib.db import search
from marshrut.lib.exports import ExportColumn, export_response
from marshrut.lib.listing import FilterForm, export_format, paginate, query_without
from marshrut.orgs import access
from marshrut.orgs.roles import Cap

TARGET_TYPES = [
    ("", _("все")),
    ("orgs.municipality", _("муниципалитеты")),
    ("orgs.school", _("школы")),
    ("orgs.person", _("люди")),
    ("orgs.membership", _("роли")),
    ("orgs.registry", _("загрузки реестра")),
    ("accounts.apitoken", _("токены API")),
]


class AuditFilter(FilterForm):
    target_type = forms.ChoiceField(label=_("Объект"), choices=TARGET_TYPES)
    action = forms.ChoiceField(
        label=_("Действие"), choices=[("", _("все")), *AuditEvent.Action.choices]
    )
    actor = forms.CharField(label=_("Кто (логин)"))
    date_from = forms.DateField(label=_("С"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("По"), widget=forms.DateInput(attrs={"type": "date"}))
    target_id = forms.CharField(widget=forms.HiddenInput)


COLUMNS = [
    ExportColumn("Когда", lambda e: e.at, 18),
    ExportColumn("Кто", lambda e: e.actor_name, 18),
    ExportColumn("Действие", lambda e: e.get_action_display(), 16),
    ExportColumn("Откуда", lambda e: e.get_source_display(), 12),
    ExportColumn("Объект", lambda e: e.target_repr, 40),
    ExportColumn("Вид объекта", lambda e: e.kind, 18),
    ExportColumn("Изменения", lambda e: "; ".join(str(line) for line in e.lines), 60),
    ExportColumn("Пояснение", lambda e: e.message, 30),
]


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, Cap.AUDIT_VIEW)
    form = AuditFilter(request.GET)
    qs: Any = AuditEvent.objects.for_user(request.user)
    qs = search(qs, form.value("q"), ["target_repr", "message"])
    for name in ("target_type", "action", "target_id"):
        if form.value(name):
            qs = qs.filter(**{name: form.value(name)})
    if form.value("actor"):
        qs = qs.filter(actor_name__iexact=form.value("actor"))
    if form.value("date_from"):
        qs = qs.filter(at__date__gte=form.value("date_from"))
    if form.value("date_to"):
        qs = qs.filter(at__date__lte=form.value("date_to"))
    fmt = export_format(request)
    if fmt is not None:
        return export_response(
            fmt,
            COLUMNS,
            describe_all(qs.iterator(chunk_size=2000)),
            filename="audit",
            title="Журнал изменений",
        )
    page = paginate(request, qs)
    page.object_list = describe(page.object_list)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page", "export"),
        },
    )
