"""Writes to roadmaps: each one atomic and each one written to the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, diff, record, save_with_audit, snapshot, user_or_none
from marshrut.diagnostics.models import DONE as SUBMISSION_DONE
from marshrut.diagnostics.models import Deficit, Submission
from marshrut.kernels.criteria import MODEL_DIRECTIONS, Catalogue
from marshrut.kernels.deadlines import parse_deadline
from marshrut.kernels.responsibles import DEFAULT_ABBREVIATIONS
from marshrut.lib.concurrency import StaleEdit, claim
from marshrut.lib.uploads import EVIDENCE, check_upload
from marshrut.orgs.models import Municipality, Region, School
from marshrut.plans import notifications
from marshrut.plans.importing import dictionary_for, reparse_row, sections_of, split_deadlines
from marshrut.plans.models import (
    CLOSED_STATUSES,
    DIRECTION_CHOICES,
    CalendarToken,
    ControlDate,
    Evidence,
    ItemStatus,
    Level,
    Measure,
    Organisation,
    Plan,
    PlanItem,
    PlanReview,
    PlanSection,
    PlanTally,
    Programme,
    ProgressReport,
    measures_by_indicator,
)

FEDERAL_DEADLINE_LABEL = "Срок (федеральный)"
HANDED_DOWN_SECTION = "Мероприятия, переданные с вышестоящего уровня"


# --- the organisation dictionary -----------------------------------------------------------------

DEFAULT_FULL_NAMES = {
    abbreviation: next((a for a in aliases if len(a.split()) > 2), "")
    for abbreviation, aliases in DEFAULT_ABBREVIATIONS.items()
}


@transaction.atomic
def do_seed_organisations(actor: Any, region: Region, *, source: str = Source.WEB) -> int:
    """Give a region the built-in dictionary of abbreviations, once; returns how many were added."""
    if Organisation.objects.filter(region=region).exists():
        return 0
    rows = [
        Organisation(
            region=region,
            abbreviation=abbreviation,
            full_name=DEFAULT_FULL_NAMES[abbreviation],
            aliases=[a for a in aliases if a != DEFAULT_FULL_NAMES[abbreviation]],
        )
        for abbreviation, aliases in DEFAULT_ABBREVIATIONS.items()
    ]
    Organisation.objects.bulk_create(rows)
    record(
        actor,
        Action.IMPORT,
        None,
        source=source,
        region_id=region.pk,
        target_type="plans.organisation",
        target_repr=str(region),
        message=f"справочник организаций заполнен типовым списком ({len(rows)})",
    )
    return len(rows)


@transaction.atomic
def do_save_organisation(
    actor: Any,
    organisation: Organisation,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> Organisation:
    claim(organisation, version)
    save_with_audit(actor, organisation, before=before, source=source)
    return organisation


@transaction.atomic
def do_add_alias(
    actor: Any, organisation: Organisation, alias: str, *, source: str = Source.WEB
) -> Organisation:
    """Remember another way a document writes this organisation."""
    alias = alias.strip()
    if not alias or alias in organisation.names or alias == organisation.abbreviation:
        return organisation
    before = snapshot(organisation)
    organisation.aliases = [*organisation.aliases, alias]
    claim(organisation, None)
    save_with_audit(actor, organisation, before=before, source=source)
    return organisation


# --- dates ---------------------------------------------------------------------------------------


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def control_windows(
    deadlines: Iterable[Mapping[str, Any]],
) -> list[tuple[str, dt.date | None, dt.date]]:
    """(label, start, end) of every window with an end: the control dates of an item."""
    found = []
    for deadline in deadlines:
        for start, end in deadline.get("windows", []):
            if end:
                found.append((deadline.get("label", ""), _date(start), dt.date.fromisoformat(end)))
    return found


def _span(deadlines: Iterable[Mapping[str, Any]]) -> tuple[dt.date | None, dt.date | None]:
    starts, ends = [], []
    for deadline in deadlines:
        for start, end in deadline.get("windows", []):
            if start:
                starts.append(dt.date.fromisoformat(start))
            if end:
                ends.append(dt.date.fromisoformat(end))
    start, end = (min(starts) if starts else None), (max(ends) if ends else None)
    if start and end and start > end:
        start = end
    return start, end


def refresh_next_due(item_ids: Iterable[int]) -> None:
    """Recompute ``next_due_on`` — the earliest unmet control date of an open item."""
    ids = list(item_ids)
    for item in PlanItem.objects.filter(pk__in=ids).annotate(
        first_open=Min("control_dates__due_on", filter=Q(control_dates__met_on__isnull=True))
    ):
        value = None if item.status in CLOSED_STATUSES else getattr(item, "first_open", None)
        if item.next_due_on != value:
            PlanItem.objects.filter(pk=item.pk).update(next_due_on=value)


# --- the execution summary -----------------------------------------------------------------------

TALLY_COUNTS = {
    "total_items": Count("id"),
    "done_items": Count("id", filter=Q(status=ItemStatus.DONE)),
    "in_progress_items": Count("id", filter=Q(status=ItemStatus.IN_PROGRESS)),
    "cancelled_items": Count("id", filter=Q(status=ItemStatus.CANCELLED)),
}


@transaction.atomic(savepoint=False)
def refresh_tallies(plan_ids: Iterable[int]) -> None:
    """Rebuild the execution summary (``PlanTally``) of plans whose items changed.

    The plans are locked first: two reports on one plan at once would otherwise each write
    counts read before the other's change.
    """
    ids = sorted(set(plan_ids))
    if not ids:
        return
    list(Plan.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    PlanTally.objects.filter(plan_id__in=ids).delete()
    items = PlanItem.objects.filter(plan_id__in=ids).order_by()
    rows = [
        PlanTally(scope=PlanTally.Scope.PLAN, **row)
        for row in items.values("plan_id", "next_due_on").annotate(**TALLY_COUNTS)
    ]
    for row in items.values("plan_id", "next_due_on", "organisations").annotate(**TALLY_COUNTS):
        organisation = row.pop("organisations")  # None: the item names none from the dictionary
        rows.append(
            PlanTally(scope=PlanTally.Scope.ORGANISATION, organisation_id=organisation, **row)
        )
    PlanTally.objects.bulk_create(rows, batch_size=2000)


def rebuild_tallies(plans: Iterable[int] | None = None, *, chunk: int = 500) -> int:
    """Rebuild the summary of the given plans (of all plans by default), after bulk loads."""
    ids = list(plans) if plans is not None else list(Plan.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        refresh_tallies(ids[start : start + chunk])
    return len(ids)


# --- plans ---------------------------------------------------------------------------------------


def owner_fields(
    level: str, *, region: Region | None, municipality: Municipality | None, school: School | None
) -> dict[str, Any]:
    """Region, municipality and school of a plan of ``level`` owned by the given node."""
    if level == Level.SCHOOL:
        if school is None:
            raise ValidationError(_("Для школьной дорожной карты укажите школу."))
        return {
            "region": school.municipality.region,
            "municipality": school.municipality,
            "school": school,
        }
    if level == Level.MUNICIPALITY:
        if municipality is None:
            raise ValidationError(_("Для муниципальной дорожной карты укажите муниципалитет."))
        return {"region": municipality.region, "municipality": municipality, "school": None}
    if region is None:
        raise ValidationError(_("Для региональной дорожной карты укажите регион."))
    return {"region": region, "municipality": None, "school": None}


def _build_items(
    plan: Plan, rows: Sequence[Mapping[str, Any]], *, first_position: int = 1
) -> list[PlanItem]:
    """Create the sections and items of ``rows`` (draft rows) in ``plan``, with control dates."""
    organisations = {
        o.abbreviation: o.pk for o in Organisation.objects.filter(region_id=plan.region_id)
    }
    section_start = (plan.sections.aggregate(m=Max("position"))["m"] or 0) + 1
    sections: list[PlanSection] = []
    grouped = sections_of(rows)
    for n, (number, title, _rows) in enumerate(grouped):
        sections.append(
            PlanSection(
                plan=plan, position=section_start + n, number=number[:20], title=title[:500]
            )
        )
    PlanSection.objects.bulk_create(sections)
    items: list[PlanItem] = []
    position = first_position
    for section, (_number, _title, section_rows) in zip(sections, grouped, strict=True):
        for row in section_rows:
            deadlines = list(row.get("deadlines", []))
            federal: list[dict[str, Any]] = []
            deadline_text = "; ".join(t for t in row.get("deadline_texts", []) if t)
            if plan.programme == Programme.SHNOR:
                # Two date columns: the region's own deadline drives control dates and reports.
                deadlines, federal = split_deadlines(deadlines)
                if federal:
                    deadline_text = "; ".join(d.get("text", "") for d in deadlines)
            starts_on, due_on = _span(deadlines)
            items.append(
                PlanItem(
                    plan=plan,
                    section=section,
                    position=position,
                    number=(row.get("number") or "")[:20],
                    title=row.get("title", "").strip() or "—",
                    deadline_text=deadline_text,
                    deadlines=deadlines,
                    federal_deadline_text="; ".join(d.get("text", "") for d in federal),
                    federal_deadlines=federal,
                    responsible_text=row.get("responsible_text", ""),
                    responsible=list(row.get("responsible", [])),
                    expected_result=row.get("expected_result", ""),
                    indicator=row.get("indicator", ""),
                    indicator_code=row.get("indicator_code", ""),
                    targets=list(row.get("targets", [])),
                    directions=list(row.get("directions", [])),
                    starts_on=starts_on,
                    due_on=due_on,
                    parent_id=row.get("parent_id"),
                    source_row=row.get("source_row", 0) or 0,
                )
            )
            position += 1
    PlanItem.objects.bulk_create(items)
    dates: list[ControlDate] = []
    links = []
    through = PlanItem.organisations.through
    for item in items:
        windows = control_windows(item.deadlines)
        for label, start, end in windows:
            dates.append(ControlDate(item=item, label=label[:200], starts_on=start, due_on=end))
        item.next_due_on = min((end for _l, _s, end in windows), default=None)
        seen: set[int] = set()
        for r in item.responsible:
            pk = organisations.get(r.get("organisation") or "")
            if pk and pk not in seen:
                seen.add(pk)
                links.append(through(planitem_id=item.pk, organisation_id=pk))
    ControlDate.objects.bulk_create(dates)
    through.objects.bulk_create(links)
    PlanItem.objects.bulk_update(items, ["next_due_on"], batch_size=500)
    refresh_tallies([plan.pk])
    return items


@transaction.atomic
def do_create_plan(
    actor: Any,
    *,
    level: str,
    year: int,
    title: str,
    rows: Sequence[Mapping[str, Any]] = (),
    region: Region | None = None,
    municipality: Municipality | None = None,
    school: School | None = None,
    source_filename: str = "",
    status: str = Plan.Status.ACTIVE,
    source: str = Source.WEB,
    programme: str = Programme.SCHOOL,
) -> Plan:
    """Create a plan of a node for a year from draft rows (possibly none)."""
    owner = owner_fields(level, region=region, municipality=municipality, school=school)
    do_seed_organisations(actor, owner["region"], source=source)
    plan = Plan(
        level=level,
        programme=programme,
        title=title.strip()[:500],
        year=year,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        status=status,
        source_filename=source_filename[:255],
        created_by=user_or_none(actor),
        **owner,
    )
    plan.full_clean()
    plan.save()
    items = _build_items(plan, rows) if rows else []
    record(
        actor,
        Action.IMPORT if source_filename else Action.CREATE,
        plan,
        source=source,
        changes=diff(None, snapshot(plan)),
        message=(
            f"дорожная карта из файла «{source_filename}»: мероприятий {len(items)}"
            if source_filename
            else f"мероприятий {len(items)}"
        ),
    )
    return plan


# --- monitoring ----------------------------------------------------------------------------------


@transaction.atomic
def do_report_progress(
    actor: Any,
    item: PlanItem,
    *,
    status: str,
    comment: str = "",
    actual_value: Decimal | None = None,
    links: Sequence[str] = (),
    files: Sequence[UploadedFile] = (),
    control_date: ControlDate | None = None,
    on: dt.date | None = None,
    source: str = Source.WEB,
    version: int | None = None,
) -> ProgressReport:
    """Record progress on an item: its status follows, and control dates are met.

    «Done» meets every open control date; otherwise the chosen control date (a stage of a
    recurring item, for example) is met when the status says the work goes on.

    ``version`` is the item's version the reporter read (the API requires it): if the item was
    saved since, nothing is written (:class:`StaleEdit`). A change of status moves the version
    on, so that edits and reports begun before it are refused too.
    """
    day = on or timezone.localdate()
    if control_date is not None and control_date.item_id != item.pk:
        raise ValidationError(_("Контрольная дата относится к другому мероприятию."))
    contents = []
    for upload in files:
        data = upload.read()
        check_upload(data, upload.name or "", EVIDENCE)
        contents.append((PurePath(upload.name or "").name[:255] or _("файл"), data))
    before = item.status
    if version is not None:
        # Even a report that keeps the status is refused: it was written against what changed.
        stored = (
            PlanItem.objects.select_for_update()
            .filter(pk=item.pk)
            .values_list("version", flat=True)
            .first()
        )
        if stored is not None and stored != version:
            raise StaleEdit(PlanItem.objects.get(pk=item.pk), version)
    item.status = status
    claim(item, version)
    report = ProgressReport(
        item=item,
        status=status,
        comment=comment,
        actual_value=actual_value,
        links=[link for link in links if link],
        control_date=control_date,
        author=user_or_none(actor),
        reported_at=timezone.now()
        if on is None
        else timezone.make_aware(dt.datetime.combine(on, dt.time(12))),
    )
    report.full_clean()
    report.save()
    for name, data in contents:
        evidence = Evidence(
            report=report,
            filename=name,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        evidence.file.save(name, ContentFile(data), save=False)
        evidence.save()
    if status == ItemStatus.DONE:
        item.control_dates.filter(met_on__isnull=True).update(met_on=day)
    elif control_date is not None and status == ItemStatus.IN_PROGRESS:
        ControlDate.objects.filter(pk=control_date.pk, met_on__isnull=True).update(met_on=day)
    item.save(update_fields=["status"])
    refresh_next_due([item.pk])
    refresh_tallies([item.plan_id])
    # The versions moved between are what tells a refused editor who changed what.
    changes: dict[str, Any] = (
        {"status": [before, status], "version": [item.version - 1, item.version]}
        if before != status
        else {}
    )
    record(
        actor,
        Action.UPDATE,
        item,
        changes=changes,
        source=source,
        region_id=item.plan.region_id,
        message=_("отчёт об исполнении") + (f": {comment[:200]}" if comment else ""),
    )
    return report


def child_plan(
    actor: Any,
    item: PlanItem,
    *,
    municipality: Municipality | None = None,
    school: School | None = None,
    source: str = Source.WEB,
) -> Plan:
    """The plan of the same year one level down that receives a handed-down item (made if none)."""
    year = item.plan.year
    if school is not None:
        existing = Plan.objects.filter(level=Level.SCHOOL, school=school, year=year).first()
        level, name = Level.SCHOOL, school.short_name
    else:
        assert municipality is not None
        existing = Plan.objects.filter(
            level=Level.MUNICIPALITY, municipality=municipality, year=year
        ).first()
        level, name = Level.MUNICIPALITY, municipality.name
    if existing is not None:
        return existing
    return do_create_plan(
        actor,
        level=level,
        year=year,
        title=f"Дорожная карта: {name}, {year} год",
        municipality=municipality,
        school=school,
        source=source,
    )


@transaction.atomic
def do_hand_down(
    actor: Any,
    item: PlanItem,
    *,
    municipalities: Iterable[Municipality] = (),
    schools: Iterable[School] = (),
    source: str = Source.WEB,
) -> list[PlanItem]:
    """Hand an item down: a copy of it in each municipality's (or school's) plan of the year.

    The copies point back to the item, so their execution rolls up to it; a node that already
    has a copy is skipped.
    """
    plan = item.plan
    targets: list[dict[str, Any]] = []
    if plan.level == Level.REGION:
        targets = [{"municipality": m} for m in municipalities if m.region_id == plan.region_id]
    elif plan.level == Level.MUNICIPALITY:
        targets = [{"school": s} for s in schools if s.municipality_id == plan.municipality_id]
    else:
        raise ValidationError(_("Мероприятие школьной дорожной карты передать ниже некуда."))
    already = set(item.children.values_list("plan_id", flat=True))
    created: list[PlanItem] = []
    row = {
        "section_number": "",
        "section_title": HANDED_DOWN_SECTION,
        "number": item.number,
        "title": item.title,
        "deadline_texts": [item.deadline_text] if item.deadline_text else [],
        "deadlines": item.deadlines,
        "responsible_text": item.responsible_text,
        "responsible": item.responsible,
        "expected_result": item.expected_result,
        "indicator": item.indicator,
        "targets": item.targets,
        "directions": item.directions,
        "parent_id": item.pk,
    }
    for target in targets:
        child = child_plan(actor, item, source=source, **target)
        if child.pk in already:
            continue
        section = child.sections.filter(title=HANDED_DOWN_SECTION).first()
        position = (child.items.aggregate(m=Max("position"))["m"] or 0) + 1
        if section is None:
            created.extend(_build_items(child, [row], first_position=position))
        else:
            created.extend(_add_to_section(child, section, row, position))
    if created:
        record(
            actor,
            Action.UPDATE,
            item,
            source=source,
            region_id=plan.region_id,
            message=f"передано на уровень ниже: {len(created)}",
        )
    return created


def _add_to_section(
    plan: Plan, section: PlanSection, row: Mapping[str, Any], position: int
) -> list[PlanItem]:
    items = _build_items(plan, [row], first_position=position)
    # _build_items opened a section of its own for the row; move the item into the existing one.
    new_sections = {i.section_id for i in items}
    PlanItem.objects.filter(pk__in=[i.pk for i in items]).update(section=section)
    PlanSection.objects.filter(pk__in=new_sections).delete()
    return items


@transaction.atomic
def do_update_item(
    actor: Any,
    item: PlanItem,
    *,
    before: dict[str, Any],
    version: int | None = None,
    source: str = Source.WEB,
) -> PlanItem:
    """Save an edited item, its deadlines read again and its control dates rebuilt."""
    orgs = dictionary_for(item.plan.region)
    texts = [t.strip() for t in item.deadline_text.split(";")] if item.deadline_text else []
    labels = [d.get("label", "") for d in item.deadlines] or ["Сроки"]
    labels += [labels[-1]] * (len(texts) - len(labels))
    row = reparse_row(
        {
            "deadline_texts": texts,
            "responsible_text": item.responsible_text,
            "expected_result": item.expected_result,
            "indicator": item.indicator,
        },
        year=item.plan.year,
        labels=labels,
        orgs=orgs,
        mappings={},
    )
    item.deadlines, item.responsible, item.targets = (
        row["deadlines"],
        row["responsible"],
        row["targets"],
    )
    if item.federal_deadline_text.strip() or item.federal_deadlines:
        label = next(
            (d.get("label", "") for d in item.federal_deadlines if d.get("label")),
            FEDERAL_DEADLINE_LABEL,
        )
        item.federal_deadlines = [
            {"label": label, **parse_deadline(text.strip(), item.plan.year).to_dict()}
            for text in item.federal_deadline_text.split(";")
            if text.strip()
        ]
    item.starts_on, item.due_on = _span(item.deadlines)
    claim(item, version)
    save_with_audit(actor, item, before=before, source=source)
    met = {c.due_on: c.met_on for c in item.control_dates.all()}
    item.control_dates.all().delete()
    ControlDate.objects.bulk_create(
        ControlDate(item=item, label=label[:200], starts_on=start, due_on=end, met_on=met.get(end))
        for label, start, end in control_windows(item.deadlines)
    )
    by_abbreviation = {
        o.abbreviation: o for o in Organisation.objects.filter(region_id=item.plan.region_id)
    }
    item.organisations.set(
        {
            by_abbreviation[r["organisation"]]
            for r in item.responsible
            if r["organisation"] in by_abbreviation
        }
    )
    refresh_next_due([item.pk])
    refresh_tallies([item.plan_id])
    return item


def do_issue_calendar_token(user: Any) -> CalendarToken:
    """A new secret feed address for the user; the old address stops working."""
    token, created = CalendarToken.objects.get_or_create(
        user=user, defaults={"key": CalendarToken.new_key()}
    )
    if not created:
        token.key = CalendarToken.new_key()
        token.created_at = timezone.now()
        token.save(update_fields=["key", "created_at"])
    return token


# --- school roadmaps from deficits ---------------------------------------------------------------

# The school itself, as the dictionary of organisations abbreviates it.
SCHOOL_RESPONSIBLE = "ОО"
# Critical deficits first: they cap the school's level until removed.
DEADLINE_BY_KIND = {"critical": "до 31.03", "zero": "до 30.06", "below_max": "до 30.11"}


def roadmap_title(school: School, year: int) -> str:
    return f"Дорожная карта школы по итогам самодиагностики: {school.short_name}, {year} год"


def drafted_roadmap(school: School, year: int) -> Plan | None:
    """The school's roadmap of ``year`` drafted from deficits, if there is one already."""
    return (
        Plan.objects.filter(level=Level.SCHOOL, school=school, year=year)
        .filter(items__indicator_code__gt="")
        .order_by("pk")
        .first()
    )


def roadmap_rows(
    deficits: Sequence[Deficit],
    catalogue: Catalogue,
    measures: Mapping[str, Sequence[Measure]],
    year: int,
) -> list[dict[str, Any]]:
    """Draft rows of a school roadmap: a section per direction, an item per deficit.

    An item takes the library's measures for its indicator; without one it is worded from the
    indicator itself, for the school to make concrete.
    """
    names = dict(DIRECTION_CHOICES)
    order = {code: n for n, (code, _name, _kind) in enumerate(MODEL_DIRECTIONS)}
    position = {code: n for n, code in enumerate(catalogue.indicators)}
    by_direction: dict[str, list[Deficit]] = {}
    for deficit in sorted(deficits, key=lambda d: position.get(d.code, len(position))):
        by_direction.setdefault(deficit.direction, []).append(deficit)
    rows: list[dict[str, Any]] = []
    directions = sorted(by_direction, key=lambda c: order.get(c, len(order)))
    for n, direction in enumerate(directions, start=1):
        for k, deficit in enumerate(by_direction[direction], start=1):
            indicator = catalogue.indicators.get(deficit.code)
            text = indicator.text if indicator else deficit.code
            found = list(measures.get(deficit.code, ()))
            if found:
                title = "; ".join(m.title.strip().rstrip(".;") for m in found)
                expected = "; ".join(m.expected_result for m in found if m.expected_result)
                responsible = ", ".join(
                    dict.fromkeys(m.responsible for m in found if m.responsible)
                )
            else:
                title, expected, responsible = f"Устранить дефицит: {text}", "", ""
            rows.append(
                {
                    "section_number": str(n),
                    "section_title": names.get(direction, direction),
                    "number": f"{n}.{k}",
                    "title": title,
                    "deadline_texts": [f"{DEADLINE_BY_KIND.get(deficit.kind, 'до 30.11')}.{year}"],
                    "responsible_text": responsible or SCHOOL_RESPONSIBLE,
                    "expected_result": expected or f"Показатель «{text}» выполнен в полном объёме",
                    "indicator": f"{deficit.code}. {text}",
                    "indicator_code": deficit.code,
                    "directions": [direction],
                    "measures": [m.pk for m in found],
                }
            )
    return rows


def roadmap_draft(submission: Submission) -> list[dict[str, Any]]:
    """The rows a roadmap drafted from this submission would have, read as an import reads."""
    campaign = submission.campaign
    year = campaign.year + 1
    deficits = list(Deficit.objects.filter(submission=submission))
    measures = measures_by_indicator(campaign.region_id, {d.code for d in deficits})
    orgs = dictionary_for(campaign.region)
    return [
        reparse_row(row, year=year, labels=["Сроки"], orgs=orgs, mappings={})
        for row in roadmap_rows(deficits, campaign.criteria.catalogue, measures, year)
    ]


@transaction.atomic
def do_draft_school_roadmap(
    actor: Any, submission: Submission, *, source: str = Source.WEB
) -> Plan:
    """Draft the school's roadmap for the year after the campaign from its deficits."""
    if submission.status not in SUBMISSION_DONE:
        raise ValidationError(_("Анкета самодиагностики ещё не отправлена: дефицитов пока нет."))
    school = submission.school
    year = submission.campaign.year + 1
    existing = drafted_roadmap(school, year)
    if existing is not None:
        raise ValidationError(
            _("Дорожная карта школы на %(year)s год по дефицитам уже составлена: «%(title)s».")
            % {"year": year, "title": existing.title}
        )
    do_seed_organisations(actor, submission.campaign.region, source=source)
    rows = roadmap_draft(submission)
    if not rows:
        raise ValidationError(_("У школы нет дефицитов: составлять дорожную карту не из чего."))
    plan = do_create_plan(
        actor,
        level=Level.SCHOOL,
        year=year,
        title=roadmap_title(school, year),
        rows=rows,
        school=school,
        status=Plan.Status.DRAFT,
        source=source,
    )
    record(
        actor,
        Action.CREATE,
        plan,
        source=source,
        message=f"составлена по дефицитам самодиагностики «{submission.campaign}»: "
        f"мероприятий {len(rows)}, из библиотеки мер {sum(1 for r in rows if r['measures'])}",
    )
    return plan


# --- approval of school roadmaps -----------------------------------------------------------------


def _review(
    actor: Any,
    plan: Plan,
    *,
    allowed_from: Sequence[str],
    status: str,
    decision: str,
    comment: str,
    source: str,
    base_url: str,
) -> PlanReview:
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.level != Level.SCHOOL:
        raise ValidationError(_("Согласуются только дорожные карты школ."))
    if locked.status not in allowed_from:
        raise ValidationError(
            _("Дорожная карта в состоянии «%(status)s»: это действие сейчас недоступно.")
            % {"status": locked.get_status_display()}
        )
    review = PlanReview(
        plan=locked,
        decision=decision,
        comment=comment.strip(),
        by=user_or_none(actor),
    )
    review.full_clean()
    review.save()
    before = locked.status
    Plan.objects.filter(pk=plan.pk).update(status=status)
    plan.status = status
    record(
        actor,
        Action.UPDATE,
        plan,
        changes={"status": [before, status]},
        source=source,
        message=review.get_decision_display() + (f": {review.comment[:300]}" if comment else ""),
    )
    notifications.send_on_commit(review, base_url=base_url)
    return review


@transaction.atomic
def do_submit_plan(
    actor: Any,
    plan: Plan,
    *,
    comment: str = "",
    source: str = Source.WEB,
    base_url: str = "",
) -> PlanReview:
    """The school sends its draft (or its reworked plan) to the municipal coordinator.

    The coordinators get an e-mail once the step commits (``notifications``); ``base_url`` makes
    the link in it absolute.
    """
    if not plan.items.exists():
        raise ValidationError(_("В дорожной карте нет мероприятий: отправлять нечего."))
    return _review(
        actor,
        plan,
        allowed_from=(Plan.Status.DRAFT, Plan.Status.RETURNED),
        status=Plan.Status.SUBMITTED,
        decision=PlanReview.Decision.SUBMITTED,
        comment=comment,
        source=source,
        base_url=base_url,
    )


@transaction.atomic
def do_approve_plan(
    actor: Any,
    plan: Plan,
    *,
    comment: str = "",
    source: str = Source.WEB,
    base_url: str = "",
) -> PlanReview:
    """Approve a submitted plan; the school's team is told by e-mail."""
    return _review(
        actor,
        plan,
        allowed_from=(Plan.Status.SUBMITTED,),
        status=Plan.Status.APPROVED,
        decision=PlanReview.Decision.APPROVED,
        comment=comment,
        source=source,
        base_url=base_url,
    )


@transaction.atomic
def do_return_plan(
    actor: Any, plan: Plan, *, comment: str, source: str = Source.WEB, base_url: str = ""
) -> PlanReview:
    """Return a submitted plan with remarks (required); the school's team gets them by e-mail."""
    if not comment.strip():
        raise ValidationError(_("Возвращая дорожную карту, напишите замечания."))
    return _review(
        actor,
        plan,
        allowed_from=(Plan.Status.SUBMITTED,),
        status=Plan.Status.RETURNED,
        decision=PlanReview.Decision.RETURNED,
        comment=comment,
        source=source,
        base_url=base_url,
    )


@transaction.atomic
def do_save_measure(
    actor: Any,
    measure: Measure,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> Measure:
    if before is None or diff(before, snapshot(measure)):
        measure.updated_at = timezone.now()
    claim(measure, version)
    save_with_audit(actor, measure, before=before, source=source)
    return measure
