"""The events table on the import pipeline (:mod:`marshrut.lib.imports`): its check and apply.

The reading and the rules are :mod:`marshrut.events.importing`. An events table is small: it is
checked in the upload request; the operator either previews it (``Только проверить``) and
applies it from the preview, or applies it at once when the check passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marshrut.audit.log import Source
from marshrut.events.importing import EventImportRejected, EventPlan, apply_events, check_events
from marshrut.lib.forms import StyledMixin
from marshrut.lib.imports import ImportBatch, Importer, Progress, Rejected, Report, Target
from marshrut.lib.uploads import TABLE, UploadField
from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.roles import Cap

KIND = "events"


class ImportForm(StyledMixin, forms.Form):
    file = UploadField(
        policy=TABLE,
        label=_("Таблица мероприятий"),
        help_text=_("XLSX, XLS, CSV или текст отчёта координатора (столбцы через табуляцию)"),
    )
    year = forms.IntegerField(
        label=_("Год"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("для дат без года («ноябрь»); по умолчанию — год из дат таблицы"),
    )
    dry_run = forms.BooleanField(
        label=_("Только проверить: показать, что будет загружено, и применить после просмотра"),
        required=False,
    )


def _day(value: Any) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def report_of(plan: EventPlan) -> Report:
    municipality = {e.row: e.fields.get("municipality") for e in plan.events}
    return Report(
        ok=plan.ok,
        problems=list(plan.problems),
        summary={
            "sheet": plan.sheet,
            "year": plan.year,
            "create": len(plan.to_create),
            "same": len(plan.events) - len(plan.to_create),
            "notes": plan.notes,
            "events": [
                {
                    "row": e.row,
                    "action": e.action,
                    "title": e.fields["title"],
                    "date_text": e.fields["date_text"],
                    "starts_on": _day(e.fields["starts_on"]),
                    "ends_on": _day(e.fields["ends_on"]),
                    "participants_total": e.fields.get("participants_total"),
                    "municipality": str(municipality[e.row] or ""),
                }
                for e in plan.events
            ],
        },
    )


def check(data: bytes, batch: ImportBatch, progress: Progress) -> Report:
    return report_of(check_events(data, batch.filename, batch.region, batch.params.get("year")))


def apply(user: Any, data: bytes, batch: ImportBatch, progress: Progress, prepared: Any) -> Report:
    try:
        plan = apply_events(
            user,
            data,
            batch.filename,
            batch.region,
            year=batch.params.get("year"),
            source=Source.WEB,
        )
    except EventImportRejected as e:
        raise Rejected(report_of(e.plan)) from None
    return report_of(plan)


def scope(user: Any) -> Q:
    """Batches of the regions where the user holds the capability."""
    return access.grant(user, Cap.EVENT_MANAGE).q(region="region_id", municipality="", school="")


def target(request: Any, kwargs: Mapping[str, Any]) -> Target:
    region = current_region(request, Cap.EVENT_MANAGE)
    return Target(
        region,
        context={
            "upload_title": _("Загрузка таблицы мероприятий"),
            "crumbs": [(_("Мероприятия"), reverse("events:event_list"))],
            "upload_crumb": _("Загрузка таблицы"),
        },
    )


def context(batch: ImportBatch) -> dict[str, Any]:
    return {
        "crumbs": [
            (_("Мероприятия"), reverse("events:event_list")),
            (_("Загрузка таблицы"), reverse("events:event_import")),
        ]
    }


EVENTS = Importer(
    kind=KIND,
    label=_("таблица мероприятий"),
    check=check,
    apply=apply,
    scope=scope,
    urls={
        "upload": "events:event_import",
        "page": "events:import_batch",
        "status": "events:import_status",
        "apply": "events:import_apply",
        "file": "events:import_file",
    },
    upload_template="events/import_intro.html",
    summary_template="events/import_summary.html",
    form=ImportForm,
    target=target,
    form_params=lambda data: {"year": data.get("year")},
    check_in_request=True,
    refused_status=400,
    preview_in_place=True,
    apply_at_once=lambda data: not data.get("dry_run"),
    done=lambda batch: f"{reverse('events:event_list')}?year={batch.counts.get('year', '')}",
    context=context,
    texts={
        "applying": _("Мероприятия записываются…"),
        "apply": _("Применить: загрузить мероприятия"),
        "applied": _("Загружено мероприятий: %(create)s (уже были: %(same)s)."),
        "refused": _("Таблица не загружена, в базе ничего не изменилось."),
    },
)
