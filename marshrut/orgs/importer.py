"""The registry on the import pipeline (:mod:`marshrut.lib.imports`): its check and apply.

The reading and the rules are :mod:`marshrut.orgs.importing`; here they are wrapped as the
pipeline wants them: a report with the counts and the planned changes (for the preview, stored
once), and the apply that checks the file again against the registry as it is now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marshrut.audit.log import Source
from marshrut.lib.forms import StyledMixin
from marshrut.lib.imports import ImportBatch, Importer, Progress, Rejected, Report, Target
from marshrut.lib.uploads import TABLE, UploadField
from marshrut.orgs import access
from marshrut.orgs.context import current_region
from marshrut.orgs.importing import ImportRejected, Plan, apply_file, check_file, summary
from marshrut.orgs.models import Municipality, Person, School
from marshrut.orgs.roles import Cap

KIND = "registry"
# The preview lists at most this many changed rows; the counts cover all of them.
CHANGES_SHOWN = 500
_MODELS = {"municipality": Municipality, "school": School, "person": Person}


class UploadForm(StyledMixin, forms.Form):
    file = UploadField(label=_("Файл реестра (XLSX, XLS или CSV)"), policy=TABLE)


def _shown(value: Any) -> str:
    if value is True:
        return "да"
    if value is False:
        return "нет"
    return "" if value is None else str(value)


def _field_title(kind: str, name: str) -> str:
    model = _MODELS.get(kind)
    if model is None:
        return name
    found = {f.name: f for f in model._meta.get_fields()}.get(name)
    return str(getattr(found, "verbose_name", name))


def report_of(plan: Plan) -> Report:
    """The plan as the pipeline keeps it: JSON counts, notes, sheets and the changed rows."""
    data = summary(plan)
    data.pop("problems")
    data["changes"] = [
        {
            "sheet": c.sheet,
            "row": c.row,
            "label": c.label,
            "action": c.action,
            "fields": [
                [_field_title(c.kind, k), _shown(v)]
                for k, v in c.fields.items()
                if not k.endswith("_id")
            ],
        }
        for c in plan.changes
        if c.action != "same"
    ][:CHANGES_SHOWN]
    return Report(ok=plan.ok, problems=list(plan.problems), summary=data)


def check(data: bytes, batch: ImportBatch, progress: Progress) -> Report:
    return report_of(check_file(data, batch.filename, batch.region))


def apply(user: Any, data: bytes, batch: ImportBatch, progress: Progress, prepared: Any) -> Report:
    try:
        plan = apply_file(
            user, data, batch.filename, batch.region, source=Source.WEB, progress=progress
        )
    except ImportRejected as e:
        raise Rejected(report_of(e.plan)) from None
    return report_of(plan)


def scope(user: Any) -> Q:
    """Batches of the regions where the user holds the capability."""
    return access.grant(user, Cap.REGISTRY_IMPORT).q(region="region_id", municipality="", school="")


def target(request: Any, kwargs: Mapping[str, Any]) -> Target:
    region = current_region(request, Cap.REGISTRY_IMPORT)
    return Target(
        region, context={"region": region, "upload_title": f"{_('Загрузка реестра')}: {region}"}
    )


def context(batch: ImportBatch) -> dict[str, Any]:
    return {"crumbs": [(_("Загрузка реестра"), reverse("orgs:import_upload"))]}


REGISTRY = Importer(
    kind=KIND,
    label=_("реестр"),
    check=check,
    apply=apply,
    scope=scope,
    urls={
        "upload": "orgs:import_upload",
        "page": "orgs:import_preview",
        "status": "orgs:import_status",
        "apply": "orgs:import_apply",
        "file": "orgs:import_file",
    },
    upload_template="orgs/import_intro.html",
    summary_template="orgs/import_summary.html",
    form=UploadForm,
    target=target,
    check_in_request=True,
    context=context,
    texts={
        "applying": _("Реестр обновляется из файла…"),
        "apply": _("Применить изменения"),
        "applied": _("Реестр обновлён из файла «%(name)s»."),
        "changed": _(
            "Файл не применён: реестр изменился после проверки, см. ошибки; реестр не изменился."
        ),
        "status_applying": _("применяется"),
        "status_applied": _("применён"),
        "status_failed": _("не применён: ошибка"),
    },
)
