"""Roadmap documents on the import pipeline (:mod:`marshrut.lib.imports`): their check and apply.

The reading is :mod:`marshrut.plans.importing` (the kernel's reader, the JSON draft that keeps each
source text beside what was read from it). The check stores the draft in the batch's counts, and
the preview lists it section by section; the operator may correct rows and map unknown
responsible names before applying — the corrected rows and the mappings are kept in the batch's
``params`` (``rows``, ``mappings``), so the apply, which reads the file again, writes what the
operator saw and corrected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marshrut.audit.log import Source
from marshrut.lib.imports import (
    ImportBatch,
    Importer,
    Problem,
    Progress,
    Rejected,
    Report,
    Target,
    check_now,
    claim_apply,
    keep_file,
    run_apply,
    store_check,
)
from marshrut.lib.plural import plural
from marshrut.lib.uploads import PLAN_DOCUMENT
from marshrut.orgs import access
from marshrut.orgs.context import current_region, holds_on_region
from marshrut.orgs.models import Municipality, School
from marshrut.orgs.roles import Cap
from marshrut.plans.forms import MappingForm, UploadForm
from marshrut.plans.importing import (
    ImportRefused,
    confirm_scan_rows,
    dictionary_for,
    doubtful_rows,
    draft_from_plan,
    draft_summary,
    read_document,
    reparse_row,
    row_flags,
    sniff,
    unconfirmed_message,
    unmapped_names,
)
from marshrut.plans.models import Level, Plan, Programme

KIND = "plans"


class ImportForm(UploadForm):
    """The roadmap upload: the document, its year, owner, programme and title."""

    programme = forms.ChoiceField(
        label=_("Программа"),
        choices=Programme.choices,
        initial=Programme.SCHOOL,
        required=False,
        help_text=_("у дорожной карты ШНОР два столбца сроков: федеральный и региональный"),
    )
    field_order = [
        "file",
        "year",
        "level",
        "region",
        "municipality",
        "school",
        "programme",
        "title",
    ]

    def clean(self) -> dict[str, Any]:
        from marshrut.plans.actions import owner_fields

        data = super().clean()
        if self.errors or not data.get("level"):
            return data
        try:
            data["owner"] = owner_fields(
                data["level"],
                region=data.get("region"),
                municipality=data.get("municipality"),
                school=data.get("school"),
            )
        except ValidationError as e:
            self.add_error(None, e)
        return data


def default_title(owner: Any, year: int) -> str:
    return f"Дорожная карта: {owner}, {year} год"


def params_of(
    *,
    level: str,
    year: int,
    title: str,
    owner: Mapping[str, Any],
    programme: str = Programme.SCHOOL,
) -> dict[str, Any]:
    """The batch's parameters: what the check reads and the apply creates (JSON only)."""
    node = owner.get("school") or owner.get("municipality") or owner["region"]
    return {
        "level": level,
        "year": year,
        "title": (title or default_title(node, year))[:500],
        "municipality": owner["municipality"].pk if owner.get("municipality") else None,
        "school": owner["school"].pk if owner.get("school") else None,
        "programme": programme,
    }


def form_params(data: Mapping[str, Any]) -> dict[str, Any]:
    return params_of(
        level=data["level"],
        year=data["year"],
        title=data.get("title") or "",
        owner=data["owner"],
        programme=data.get("programme") or Programme.SCHOOL,
    )


def read_draft(data: bytes, batch: ImportBatch) -> dict[str, Any]:
    """The file's draft as read now; :class:`ImportRefused` when it holds no plan."""
    parsed = read_document(
        data, batch.filename, int(batch.params["year"]), dictionary_for(batch.region)
    )
    return draft_from_plan(parsed, kind=sniff(data))


def report_of(batch: ImportBatch, draft: dict[str, Any]) -> Report:
    rows = draft.get("rows", [])
    summary = {
        "draft": draft,
        "summary": draft_summary(draft),
        "title": batch.params.get("title", ""),
        "year": batch.params.get("year"),
        "programme": batch.params.get("programme", Programme.SCHOOL),
    }
    duplicate = duplicate_of(batch, rows)
    if duplicate:
        summary["duplicate"] = duplicate
    if not rows:
        problem = Problem.of_file(str(_("В документе нет ни одного мероприятия.")))
        return Report(ok=False, problems=[problem], summary=summary)
    return Report(ok=True, summary=summary)


def _title_key(title: str) -> str:
    return " ".join(title.replace("ё", "е").lower().split())


def duplicate_of(batch: ImportBatch, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """What in the region this document repeats: the same file loaded before, or a plan with the
    same items; ``None`` when it is new. The preview warns; the operator decides."""
    earlier = (
        ImportBatch.objects.filter(
            kind=KIND,
            region_id=batch.region_id,
            sha256=batch.sha256,
            status=ImportBatch.Status.APPLIED,
        )
        .exclude(pk=batch.pk)
        .order_by("-applied_at")
        .first()
    )
    plans = Plan.objects.filter(region_id=batch.region_id)
    if earlier is not None:
        plan = plans.filter(pk=earlier.counts.get("plan")).first()
        when = earlier.applied_at or earlier.created_at
        return {
            "reason": str(
                _("Этот же файл уже загружался %(date)s.") % {"date": f"{when:%d.%m.%Y}"}
            ),
            "plan": plan.pk if plan else None,
            "plan_title": plan.title if plan else "",
        }
    titles = sorted(_title_key(row.get("title", "")) for row in rows)
    if not titles:
        return None
    first = rows[0].get("title", "")
    for plan in plans.filter(items__title=first).distinct().order_by("-pk")[:20]:
        theirs = sorted(_title_key(title) for title in plan.items.values_list("title", flat=True))
        if theirs == titles:
            return {
                "reason": str(_("В регионе уже есть дорожная карта с теми же мероприятиями.")),
                "plan": plan.pk,
                "plan_title": plan.title,
            }
    return None


def refused(message: str) -> Report:
    return Report(ok=False, problems=[Problem.of_file(message)])


def check(data: bytes, batch: ImportBatch, progress: Progress) -> Report:
    try:
        draft = read_draft(data, batch)
    except ImportRefused as e:
        return refused(e.message)
    return report_of(batch, draft)


def owner_of(batch: ImportBatch) -> dict[str, Any]:
    """The plan's owner from the batch's parameters; Rejected when it is gone."""
    params = batch.params
    level = params["level"]
    if level == Level.SCHOOL:
        school = (
            School.objects.filter(pk=params.get("school"), municipality__region=batch.region)
            .select_related("municipality__region")
            .first()
        )
        if school is None:
            raise Rejected(refused(str(_("Школы, для которой загружалась карта, больше нет."))))
        return {"school": school}
    if level == Level.MUNICIPALITY:
        municipality = (
            Municipality.objects.filter(pk=params.get("municipality"), region=batch.region)
            .select_related("region")
            .first()
        )
        if municipality is None:
            raise Rejected(
                refused(str(_("Муниципалитета, для которого загружалась карта, больше нет.")))
            )
        return {"municipality": municipality}
    return {"region": batch.region}


def apply(user: Any, data: bytes, batch: ImportBatch, progress: Progress, prepared: Any) -> Report:
    from marshrut.plans.actions import do_create_plan

    # The corrections saved up to the claim (later ones are refused): read them as stored.
    batch.params = ImportBatch.objects.values_list("params", flat=True).get(pk=batch.pk)
    stored = batch.counts.get("draft", {})
    if stored.get("scanned"):
        # A scan is not read again: OCR is slow, and the operator confirmed what it read then.
        draft = dict(stored)
    else:
        try:
            draft = read_draft(data, batch)
        except ImportRefused as e:
            raise Rejected(refused(e.message)) from None
    # The operator's corrections, when there are any, are what they saw and confirmed.
    if "rows" in batch.params:
        draft["rows"] = batch.params["rows"]
        draft["mappings"] = batch.params.get("mappings", {})
    waiting = unconfirmed_message(draft["rows"])
    if waiting:
        raise Rejected(refused(waiting))
    report = report_of(batch, draft)
    if not report.ok:
        raise Rejected(report)
    params = batch.params
    plan = do_create_plan(
        user,
        level=params["level"],
        year=int(params["year"]),
        title=params["title"],
        rows=draft["rows"],
        programme=params.get("programme", Programme.SCHOOL),
        source_filename=batch.filename,
        source=params.get("source", Source.WEB),
        **owner_of(batch),
    )
    items = plan.items.count()
    report.summary.update(
        plan=plan.pk,
        items=items,
        items_text=plural(items, "мероприятие", "мероприятия", "мероприятий"),
    )
    return report


def scope(user: Any) -> Q:
    """Batches of the nodes where the user manages plans: the region, a municipality, a school."""
    return access.grant(user, Cap.PLAN_MANAGE).q(
        region="region_id", municipality="params__municipality", school="params__school"
    )


def target(request: Any, kwargs: Mapping[str, Any]) -> Target:
    from marshrut.plans.actions import do_seed_organisations

    user = request.user
    access.require(user, Cap.PLAN_MANAGE)
    region = current_region(request, Cap.PLAN_MANAGE)
    if request.method == "POST":
        # The mapping of unknown names offers the region's dictionary: it exists from the upload.
        do_seed_organisations(user, region)
    return Target(
        region,
        context={
            "upload_title": _("Загрузка дорожной карты"),
            "crumbs": [(_("Дорожные карты"), reverse("plans:plan_list"))],
            "upload_crumb": _("Загрузка документа"),
        },
        form_kwargs={"user": user, "region": region},
    )


def context(batch: ImportBatch) -> dict[str, Any]:
    return {
        "crumbs": [
            (_("Дорожные карты"), reverse("plans:plan_list")),
            (_("Загрузка документа"), reverse("plans:import_upload")),
        ]
    }


def preview_sections(batch: ImportBatch) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """The draft's rows by section, each with its position (the row's address) and its flags."""
    rows = [
        {"index": index, "row": row, "flags": row_flags(row)}
        for index, row in enumerate(batch.counts.get("draft", {}).get("rows", []))
    ]
    sections: list[tuple[str, str, list[dict[str, Any]]]] = []
    for view in rows:
        key = (view["row"].get("section_number", ""), view["row"].get("section_title", ""))
        if not sections or sections[-1][:2] != key:
            sections.append((key[0], key[1], []))
        sections[-1][2].append(view)
    return sections


def waiting(batch: ImportBatch) -> str | None:
    """Why the draft may not be saved yet: rows read from a scan with low confidence."""
    return unconfirmed_message(batch.counts.get("draft", {}).get("rows", []))


def do_confirm_scan_rows(batch: ImportBatch, indexes: Sequence[int]) -> ImportBatch:
    """Mark the scanned rows at ``indexes`` as compared with the document by the operator."""
    rows = confirm_scan_rows(batch.counts.get("draft", {}).get("rows", []), indexes)
    return do_update_draft_rows(batch, rows)


def mapping_form(user: Any, batch: ImportBatch, data: Any = None) -> MappingForm | None:
    names = (
        unmapped_names(batch.counts.get("draft", {}))
        if batch.status == ImportBatch.Status.CHECKED
        else []
    )
    if not names:
        return None
    return MappingForm(
        data,
        names=names,
        region=batch.region,
        remember=holds_on_region(user, Cap.PLAN_MANAGE, batch.region_id),
    )


def doubtful_preview(batch: ImportBatch) -> list[dict[str, Any]]:
    """The rows the reader is unsure of, worst first: their position, row and reasons."""
    draft = batch.counts.get("draft", {})
    return [
        {"index": index, "row": row, "confidence": row.get("confidence", {})}
        for index, row in doubtful_rows(draft)
    ]


def user_context(user: Any, batch: ImportBatch) -> dict[str, Any]:
    draft = batch.counts.get("draft", {})
    return {
        "doubtful": doubtful_preview(batch),
        "notes": draft.get("notes", []),
        "lost": draft.get("lost", []),
        "lost_text": plural(len(draft.get("lost", [])), "строку", "строки", "строк"),
        "sections": preview_sections(batch),
        "labels": batch.counts.get("draft", {}).get("labels", []),
        "mapping": mapping_form(user, batch),
        "editable": batch.status == ImportBatch.Status.CHECKED,
    }


@transaction.atomic
def do_update_draft_rows(
    batch: ImportBatch,
    rows: Sequence[Mapping[str, Any]],
    *,
    mappings: Mapping[str, str] | None = None,
) -> ImportBatch:
    """Store the operator's corrections of a checked draft, every row read again.

    The rows and the mappings go into the batch's parameters (what the apply writes) and into
    its stored draft (what the preview shows); a batch no longer waiting is left alone.
    """
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != ImportBatch.Status.CHECKED:
        raise ValidationError(_("Черновик уже сохранён как дорожная карта."))
    draft = dict(locked.counts.get("draft", {}))
    known = {**locked.params.get("mappings", {}), **(mappings or {})}
    orgs = dictionary_for(locked.region)
    draft["mappings"] = known
    draft["rows"] = [
        reparse_row(
            dict(row), year=int(draft["year"]), labels=draft["labels"], orgs=orgs, mappings=known
        )
        for row in rows
    ]
    locked.params = {**locked.params, "rows": draft["rows"], "mappings": known}
    locked.counts = {**locked.counts, "draft": draft, "summary": draft_summary(draft)}
    locked.save(update_fields=["params", "counts"])
    batch.params, batch.counts = locked.params, locked.counts
    return batch


PLANS = Importer(
    kind=KIND,
    label=_("дорожная карта"),
    check=check,
    apply=apply,
    scope=scope,
    urls={
        "upload": "plans:import_upload",
        "page": "plans:import_preview",
        "status": "plans:import_status",
        "apply": "plans:import_save",
        "file": "plans:import_file",
    },
    upload_template="plans/import_intro.html",
    summary_template="plans/import_summary.html",
    form=ImportForm,
    target=target,
    policy=PLAN_DOCUMENT,
    form_params=form_params,
    check_in_request=True,
    apply_in_request=True,
    done=lambda batch: reverse("plans:plan_detail", args=[batch.counts["plan"]]),
    context=context,
    user_context=user_context,
    waiting=waiting,
    texts={
        "upload": _("Прочитать документ"),
        "checking": _("Документ читается…"),
        "applying": _("Дорожная карта сохраняется…"),
        "apply": _("Всё верно — сохранить дорожную карту"),
        "applied": _("Дорожная карта сохранена: %(items_text)s."),
        "changed": _(
            "Дорожная карта не сохранена: документ больше не читается, см. ошибки; в базе ничего "
            "не изменилось."
        ),
        "refused": _("Документ не загружен, в базе ничего не изменилось."),
        "status_checked": _("черновик, ждёт проверки"),
        "status_applied": _("сохранён как дорожная карта"),
    },
)


def create_batch(
    actor: Any, data: bytes, filename: str, *, region: Any, params: Mapping[str, Any]
) -> tuple[ImportBatch, Report]:
    """Check a document without a worker (the CLI, the demo) and keep it if it passes."""
    batch, report = check_now(KIND, region, data, filename, user=actor, **params)
    if report.ok:
        with transaction.atomic():
            keep_file(batch, data)
            batch.save()
            batch.save(update_fields=store_check(batch, report))
    return batch, report


def apply_now(actor: Any, batch: ImportBatch) -> ImportBatch:
    """Apply a checked batch in this process, by the pipeline's same runner."""
    if claim_apply(batch):
        run_apply(batch, actor)
    return batch
