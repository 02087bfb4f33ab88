"""Writes to development programmes: each one atomic and each one written to the audit log."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, save_with_audit, snapshot, user_or_none
from marshrut.diagnostics.models import DONE, Submission
from marshrut.kernels.criteria import LEVELS
from marshrut.lib.concurrency import claim
from marshrut.lib.files import replace_file
from marshrut.orgs.models import School
from marshrut.plans.actions import do_draft_school_roadmap, drafted_roadmap
from marshrut.programmes import notifications, prefill
from marshrut.programmes.models import (
    Defence,
    Programme,
    ProgrammeComment,
    ProgrammeReview,
    ProgrammeRevision,
    ProgrammeSection,
)
from marshrut.programmes.models.programme import DATA_SECTIONS, RUBRIC, STRUCTURE

# Autosaves of one person within this time are one revision of a section.
REVISION_WINDOW = dt.timedelta(minutes=10)
PERIOD_YEARS = 4


def programme_title(school: School, starts: int, ends: int) -> str:
    return f"Программа развития {school.short_name} на {starts}–{ends} годы"


def _submit_by(starts: int) -> dt.date:
    # Programmes are defended at municipal level in April–May: submitted by the 1st of April.
    return dt.date(starts, 4, 1)


@transaction.atomic
def do_draft_programme(
    actor: Any,
    school: School,
    *,
    starts_year: int | None = None,
    submission: Submission | None = None,
    source: str = Source.WEB,
) -> Programme:
    """Draft the school's programme from its latest self-diagnostics: every data section filled.

    The school roadmap of the year after the campaign (drafted from the deficits here if there is
    none yet) becomes the programme's roadmap, and section 7 takes its targets.
    """
    submission = submission or prefill.latest_submission(school)
    if submission is None:
        raise ValidationError(
            _("У школы нет отправленной анкеты самодиагностики: программу не из чего составить.")
        )
    starts = starts_year or submission.campaign.year + 1
    ends = starts + PERIOD_YEARS - 1
    if Programme.objects.filter(school=school, starts_year=starts).exists():
        raise ValidationError(
            _("Программа развития школы на период с %(year)s года уже составлена.")
            % {"year": starts}
        )
    roadmap = drafted_roadmap(school, submission.campaign.year + 1)
    if roadmap is None and submission.deficit_rows.exists():
        roadmap = do_draft_school_roadmap(actor, submission, source=source)
    title = programme_title(school, starts, ends)
    facts = prefill.facts_for(school, submission, roadmap)
    programme = Programme.objects.create(
        region_id=school.municipality.region_id,
        school=school,
        title=title,
        starts_year=starts,
        ends_year=ends,
        campaign=submission.campaign,
        submission=submission,
        roadmap=roadmap,
        basis=facts.results,
        submit_by=_submit_by(starts),
        created_by=user_or_none(actor),
    )
    filled = prefill.texts_and_tables(facts, title=title, starts=starts, ends=ends)
    sections = [
        ProgrammeSection(
            programme=programme,
            code=code,
            position=n,
            text=filled.get(code, ("", {}))[0],
            table=filled.get(code, ("", {}))[1],
            updated_by=user_or_none(actor),
        )
        for n, (code, _title) in enumerate(STRUCTURE, start=1)
    ]
    ProgrammeSection.objects.bulk_create(sections)
    ProgrammeRevision.objects.bulk_create(
        [
            ProgrammeRevision(section=s, number=1, text=s.text, author=user_or_none(actor))
            for s in ProgrammeSection.objects.filter(programme=programme)
            if s.text
        ]
    )
    record(
        actor,
        Action.CREATE,
        programme,
        source=source,
        message=f"составлена по самодиагностике «{submission.campaign}»",
    )
    return programme


def _editable(programme: Programme) -> None:
    if not programme.editable:
        raise ValidationError(
            _("Программа в состоянии «%(status)s»: изменять её сейчас нельзя.")
            % {"status": programme.get_status_display()}
        )


def _remember(actor: Any, section: ProgrammeSection) -> None:
    """Keep the text as a revision: one per person per sitting, a new one after any review."""
    last = section.revisions.order_by("-number").first()
    author = user_or_none(actor)
    now = timezone.now()
    last_review = section.programme.reviews.order_by("-at").values_list("at", flat=True).first()
    if (
        last is not None
        and last.author_id == getattr(author, "pk", None)
        and now - last.at < REVISION_WINDOW
        and (last_review is None or last.at > last_review)
    ):
        last.text, last.at = section.text, now
        last.save(update_fields=["text", "at"])
        return
    ProgrammeRevision.objects.create(
        section=section, number=(last.number + 1) if last else 1, text=section.text, author=author
    )


@transaction.atomic
def do_save_section(
    actor: Any,
    section: ProgrammeSection,
    text: str,
    *,
    version: int | None = None,
    source: str = Source.WEB,
) -> bool:
    """Save a section's text (autosave); ``StaleEdit`` when somebody saved it since ``version``.

    False when the text did not change: nothing is written, and open editors stay current.
    """
    programme = Programme.objects.select_for_update().get(pk=section.programme_id)
    _editable(programme)
    text = text.replace("\r\n", "\n")
    # From the row, not the instance: a bound form has already put the new text on it.
    current = ProgrammeSection.objects.get(pk=section.pk)
    before = snapshot(current)
    if current.text == text and (version is None or version == current.version):
        return False
    section.text = text
    section.updated_by = user_or_none(actor)
    section.updated_at = timezone.now()
    claim(section, version)
    save_with_audit(actor, section, before=before, source=source)
    Programme.objects.filter(pk=programme.pk).update(updated_at=section.updated_at)
    _remember(actor, section)
    return True


@transaction.atomic
def do_comment(actor: Any, section: ProgrammeSection, text: str) -> ProgrammeComment:
    text = text.strip()
    if not text:
        raise ValidationError(_("Напишите замечание."))
    comment = ProgrammeComment.objects.create(
        section=section, text=text, author=user_or_none(actor)
    )
    record(
        actor,
        Action.CREATE,
        section.programme,
        message=f"замечание к разделу {section.code}: {text[:300]}",
    )
    return comment


@transaction.atomic
def do_resolve_comment(actor: Any, comment: ProgrammeComment) -> None:
    ProgrammeComment.objects.filter(pk=comment.pk).update(resolved=True)
    record(actor, Action.UPDATE, comment.section.programme, message="замечание учтено")


def _step(
    actor: Any,
    programme: Programme,
    *,
    allowed_from: tuple[str, ...],
    status: str,
    decision: str,
    comment: str = "",
    rubric: Mapping[str, int] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> ProgrammeReview:
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if locked.status not in allowed_from:
        raise ValidationError(
            _("Программа в состоянии «%(status)s»: это действие сейчас недоступно.")
            % {"status": locked.get_status_display()}
        )
    review = ProgrammeReview(
        programme=locked,
        decision=decision,
        comment=comment.strip(),
        rubric=dict(rubric or {}),
        by=user_or_none(actor),
    )
    review.full_clean()
    review.save()
    before = locked.status
    fields = {"status": status, "updated_at": timezone.now(), **(extra or {})}
    Programme.objects.filter(pk=programme.pk).update(**fields)
    for name, value in fields.items():
        setattr(programme, name, value)
    record(
        actor,
        Action.UPDATE,
        programme,
        changes={"status": [before, status]},
        message=review.get_decision_display() + (f": {review.comment[:300]}" if comment else ""),
    )
    notifications.notify_on_review(review)
    return review


@transaction.atomic
def do_submit(actor: Any, programme: Programme, *, comment: str = "") -> ProgrammeReview:
    """The school sends its draft (or reworked) programme to the municipal coordinator."""
    return _step(
        actor,
        programme,
        allowed_from=Programme.EDITABLE,
        status=Programme.Status.SUBMITTED,
        decision=ProgrammeReview.Decision.SUBMITTED,
        comment=comment,
    )


def _rubric(values: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for code, label in RUBRIC:
        value = values.get(code)
        if value in (None, ""):
            raise ValidationError(_("Оцените критерий «%(c)s».") % {"c": label})
        if str(value) not in ("0", "1", "2"):
            raise ValidationError(_("Оценка по критерию — 0, 1 или 2."))
        out[code] = int(str(value))
    return out


@transaction.atomic
def do_return(
    actor: Any, programme: Programme, *, comment: str, rubric: Mapping[str, Any]
) -> ProgrammeReview:
    """Return with remarks (required) and the rubric."""
    if not comment.strip():
        raise ValidationError(_("Возвращая программу, напишите замечания."))
    return _step(
        actor,
        programme,
        allowed_from=(Programme.Status.SUBMITTED,),
        status=Programme.Status.RETURNED,
        decision=ProgrammeReview.Decision.RETURNED,
        comment=comment,
        rubric=_rubric(rubric),
    )


@transaction.atomic
def do_approve(
    actor: Any, programme: Programme, *, rubric: Mapping[str, Any], comment: str = ""
) -> ProgrammeReview:
    """Approve: the founder's «СОГЛАСОВАНА» with the reviewer's name and the region's today."""
    person = getattr(actor, "person", None)
    who = person.full_name if person is not None else str(actor or "")
    return _step(
        actor,
        programme,
        allowed_from=(Programme.Status.SUBMITTED,),
        status=Programme.Status.APPROVED,
        decision=ProgrammeReview.Decision.APPROVED,
        comment=comment,
        rubric=_rubric(rubric),
        extra={
            "agreed_on": programme.region.today(),
            "agreed_by": who[:300],
            "agreed_body": f"Орган управления образованием: {programme.school.municipality.name}"[
                :500
            ],
        },
    )


@transaction.atomic
def do_record_order(actor: Any, programme: Programme, *, number: str, date: dt.date) -> None:
    """The school's order that approves the agreed programme: «УТВЕРЖДЕНА приказом … от …»."""
    if programme.status != Programme.Status.APPROVED:
        raise ValidationError(_("Приказ об утверждении вносится после согласования программы."))
    if not number.strip():
        raise ValidationError(_("Укажите номер приказа."))
    before = snapshot(programme)
    programme.order_number, programme.order_date = number.strip(), date
    claim(programme, None)
    save_with_audit(actor, programme, before=before)


@transaction.atomic
def do_refresh(actor: Any, programme: Programme) -> Programme:
    """Redraw the data sections from the school's latest campaign; the texts stay as written."""
    _editable(programme)
    submission = prefill.latest_submission(programme.school)
    if submission is None:
        raise ValidationError(_("У школы нет отправленной анкеты самодиагностики."))
    roadmap = programme.roadmap or drafted_roadmap(programme.school, submission.campaign.year + 1)
    facts = prefill.facts_for(programme.school, submission, roadmap)
    targets = _targets(programme)
    filled = prefill.texts_and_tables(
        facts,
        title=programme.title,
        starts=programme.starts_year,
        ends=programme.ends_year,
        targets=targets,
    )
    for section in programme.sections.filter(code__in=DATA_SECTIONS):
        section.table = filled[section.code][1]
        section.save(update_fields=["table"])
    before = programme.campaign_id
    Programme.objects.filter(pk=programme.pk).update(
        campaign=submission.campaign,
        submission=submission,
        roadmap=roadmap,
        basis=facts.results,
        updated_at=timezone.now(),
    )
    programme.refresh_from_db()
    record(
        actor,
        Action.UPDATE,
        programme,
        changes={"campaign": [before, submission.campaign_id]},
        message=f"данные разделов обновлены по самодиагностике «{submission.campaign}»",
    )
    return programme


def _targets(programme: Programme) -> dict[str, str]:
    section = programme.sections.filter(code="5").first()
    return dict((section.table or {}).get("targets", {})) if section else {}


@transaction.atomic
def do_set_targets(actor: Any, programme: Programme, targets: Mapping[str, str]) -> list[str]:
    """Choose the target level per direction (section 5); returns the flags the check raised."""
    _editable(programme)
    for level in targets.values():
        if level not in LEVELS:
            raise ValidationError(_("Неизвестный уровень: %(l)s.") % {"l": level})
    chosen = {**_targets(programme), **targets}
    facts = prefill.facts_for(programme.school, programme.submission, programme.roadmap)
    facts.results = programme.basis or facts.results
    table5 = prefill.expected_table(facts, chosen)
    table7 = prefill.indicators_table(facts, chosen, programme.starts_year, programme.ends_year)
    ProgrammeSection.objects.filter(programme=programme, code="5").update(table=table5)
    ProgrammeSection.objects.filter(programme=programme, code="7").update(table=table7)
    record(actor, Action.UPDATE, programme, message="выбраны целевые уровни (раздел 5)")
    return list(table5["flags"])


@transaction.atomic
def do_record_defence(
    actor: Any,
    programme: Programme,
    defence: Defence,
    *,
    upload: Any = None,
) -> Defence:
    if programme.status not in (Programme.Status.SUBMITTED, Programme.Status.APPROVED):
        raise ValidationError(_("Защита назначается программе, представленной на рассмотрение."))
    defence.programme = programme
    defence.created_by = user_or_none(actor)
    if upload is not None:
        replace_file(defence.protocol, upload)
        defence.protocol_name = upload.name[:255]
    created = defence.pk is None
    defence.full_clean()
    defence.save()
    record(
        actor,
        Action.CREATE if created else Action.UPDATE,
        programme,
        message=f"защита {defence.held_on:%d.%m.%Y}: {defence.get_result_display()}"
        + (f", протокол «{defence.protocol_name}»" if defence.protocol_name else ""),
    )
    return defence


# --- the readable diff ---------------------------------------------------------------------------


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Lines of two texts as («было», «стало», «без изменений», line), for the history page."""
    out: list[tuple[str, str]] = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "- ":
            out.append(("removed", text))
        elif tag == "+ ":
            out.append(("added", text))
        elif tag == "  ":
            out.append(("same", text))
    return out


def is_reopened(programme: Programme) -> bool:
    """The questionnaire the programme was drafted from is open for changes again."""
    return programme.submission is not None and programme.submission.status not in DONE


def newer_submission(programme: Programme) -> Submission | None:
    latest = prefill.latest_submission(programme.school)
    if latest is None or latest.pk == programme.submission_id:
        return None
    if programme.campaign is not None and (latest.campaign.year, latest.campaign.opens_on) <= (
        programme.campaign.year,
        programme.campaign.opens_on,
    ):
        return None
    return latest


def changes_since(programme: Programme, newer: Submission) -> list[dict[str, Any]]:
    """Scope by scope: the level and points when written, and now."""
    from marshrut.kernels.criteria import level_name

    now = prefill.results_of(newer)
    catalogue = newer.campaign.criteria.catalogue
    names = {d.code: d.name for d in catalogue.directions} | {"overall": "Итого по школе"}
    rows = []
    for code, name in names.items():
        then, current = programme.basis.get(code), now.get(code)
        if current is None:
            continue
        rows.append(
            {
                "name": name,
                "then_level": level_name(then["level"]) if then else "—",
                "now_level": level_name(current["level"]),
                "then_points": then["points"] if then else None,
                "now_points": current["points"],
                "changed": then is None
                or then["level"] != current["level"]
                or abs(then["points"] - current["points"]) > 1e-9,
            }
        )
    return rows
