"""Campaign results on the import pipeline (:mod:`marshrut.lib.imports`): its check and apply.

The reading, the rules and the bulk writes are :mod:`marshrut.diagnostics.importing`; here they
are called as the pipeline wants them. A results file is always checked by the worker (a federal
file takes minutes), and its apply checks it again inside the transaction that writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marshrut.audit.log import Source
from marshrut.diagnostics.importing import ImportRejected, Plan, apply_file, check_file, summary
from marshrut.diagnostics.models import Campaign, get_campaign_for_user
from marshrut.lib.forms import StyledMixin
from marshrut.lib.imports import ImportBatch, Importer, Progress, Rejected, Report, Target
from marshrut.lib.uploads import TABLE, UploadField
from marshrut.orgs.roles import Cap

KIND = "results"


class UploadForm(StyledMixin, forms.Form):
    file = UploadField(label=_("Файл с результатами (XLSX, XLS или CSV)"), policy=TABLE)


def campaign_of(batch: ImportBatch) -> Campaign:
    return Campaign.objects.select_related("criteria", "region").get(pk=batch.params["campaign"])


def report_of(plan: Plan) -> Report:
    data = summary(plan)
    data.pop("problems")
    return Report(
        ok=plan.ok,
        problems=list(plan.problems),
        summary=data,
        problem_count=data.get("problem_count"),
    )


def _scaled(report: Progress, low: int, high: int) -> Progress:
    return lambda percent: report(low + (high - low) * percent // 100)


def check(data: bytes, batch: ImportBatch, progress: Progress) -> Report:
    return report_of(check_file(data, batch.filename, campaign_of(batch), progress=progress))


def prepare(data: bytes, batch: ImportBatch, progress: Progress) -> Plan:
    """The re-check before the apply's transaction (0–40 %), against the campaign as it is now."""
    return check_file(data, batch.filename, campaign_of(batch), progress=_scaled(progress, 0, 40))


def apply(user: Any, data: bytes, batch: ImportBatch, progress: Progress, prepared: Plan) -> Report:
    campaign = campaign_of(batch)
    plan = prepared
    try:
        plan = apply_file(
            user,
            data,
            batch.filename,
            campaign,
            source=Source.WEB,
            plan=plan,
            progress=_scaled(progress, 40, 100),
        )
    except ImportRejected as e:
        raise Rejected(report_of(e.plan)) from None
    return report_of(plan)


def scope(user: Any) -> Q:
    """Batches of the campaigns the user manages."""
    campaigns = Campaign.objects.for_user(user, Cap.CAMPAIGN_MANAGE).values_list("pk", flat=True)
    return Q(params__campaign__in=list(campaigns))


def _crumbs(campaign: Campaign, *, upload: bool) -> list[tuple[Any, str]]:
    crumbs = [
        (_("Самодиагностика"), reverse("diagnostics:campaign_list")),
        (campaign.title, reverse("diagnostics:campaign_detail", args=[campaign.pk])),
    ]
    if upload:
        crumbs.append(
            (_("Загрузка результатов"), reverse("diagnostics:import_upload", args=[campaign.pk]))
        )
    return crumbs


def target(request: Any, kwargs: Mapping[str, Any]) -> Target:
    campaign = get_campaign_for_user(request.user, kwargs["pk"], Cap.CAMPAIGN_MANAGE)
    return Target(
        campaign.region,
        {"campaign": campaign.pk},
        {
            "campaign": campaign,
            "upload_title": _("Загрузка результатов из файла"),
            "upload_crumb": _("Загрузка результатов"),
            "crumbs": _crumbs(campaign, upload=False),
        },
    )


def context(batch: ImportBatch) -> dict[str, Any]:
    campaign = Campaign.objects.filter(pk=batch.params.get("campaign")).first()
    return {"campaign": campaign, "crumbs": _crumbs(campaign, upload=True) if campaign else []}


RESULTS = Importer(
    kind=KIND,
    label=_("результаты самодиагностики"),
    check=check,
    prepare=prepare,
    apply=apply,
    scope=scope,
    urls={
        "upload": "diagnostics:import_upload",
        "page": "diagnostics:import_job",
        "status": "diagnostics:import_job_status",
        "apply": "diagnostics:import_apply",
        "file": "diagnostics:import_file",
    },
    upload_template="diagnostics/import_intro.html",
    summary_template="diagnostics/import_summary.html",
    form=UploadForm,
    target=target,
    upload_args=lambda batch: {"pk": batch.params["campaign"]},
    context=context,
    texts={
        "applying": _("Результаты записываются…"),
        "apply": _("Применить: загрузить результаты"),
        "applied": _("Результаты загружены; анкеты оценены и проверены правилами достоверности."),
    },
)
