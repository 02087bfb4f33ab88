"""Writes to interviews: rounds, the schedule, protocols — each atomic, each in the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, save_with_audit, user_or_none
from marshrut.diagnostics.models import DONE, Deficit, Result, Submission
from marshrut.kernels.criteria import MODEL_DIRECTIONS, level_name
from marshrut.lib.concurrency import StaleEdit, claim
from marshrut.lib.plural import plural
from marshrut.orgs.models import Person, Region, School
from marshrut.programmes.models.interviews import (
    Half,
    InterviewProtocol,
    InterviewRound,
    InterviewSlot,
)
from marshrut.support.models import Participation

# A slot without an end takes this long, for the overlap check.
DEFAULT_MINUTES = 60


@transaction.atomic
def do_create_round(
    actor: Any,
    region: Region,
    *,
    year: int,
    half: str,
    starts_on: dt.date,
    ends_on: dt.date,
    title: str = "",
    source: str = Source.WEB,
) -> InterviewRound:
    r = InterviewRound(
        region=region,
        year=year,
        half=half,
        starts_on=starts_on,
        ends_on=ends_on,
        title=title
        or _("Собеседования с управленческими командами школ: %(h)s")
        % {"h": f"{Half(half).label} {year}"},
        created_by=user_or_none(actor),
    )
    save_with_audit(actor, r, before=None, source=source)
    return r


def _span(on: dt.date, start: dt.time, end: dt.time | None) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(on, start)
    finish = dt.datetime.combine(on, end) if end else begin + dt.timedelta(minutes=DEFAULT_MINUTES)
    return begin, finish


def slot_conflicts(slot: InterviewSlot) -> list[str]:
    """Why the slot cannot be scheduled: the school has one already, or the municipality's
    commission talks to another school at an overlapping time; the round's period."""
    problems: list[str] = []
    r = slot.round
    if slot.school.municipality_id != slot.municipality_id:
        problems.append(_("Школа «%(s)s» не из этого муниципалитета.") % {"s": slot.school})
    if slot.municipality.region_id != r.region_id:
        problems.append(_("Муниципалитет не из региона тура."))
    if not r.starts_on <= slot.on <= r.ends_on:
        problems.append(
            _("Дата %(d)s вне периода тура (%(a)s — %(b)s).")
            % {
                "d": f"{slot.on:%d.%m.%Y}",
                "a": f"{r.starts_on:%d.%m.%Y}",
                "b": f"{r.ends_on:%d.%m.%Y}",
            }
        )
    others = InterviewSlot.objects.filter(round=r).exclude(pk=slot.pk).select_related("school")
    if others.filter(school_id=slot.school_id).exists():
        problems.append(_("Школе «%(s)s» уже назначено время в этом туре.") % {"s": slot.school})
    begin, finish = _span(slot.on, slot.starts_at, slot.ends_at)
    for other in others.filter(municipality_id=slot.municipality_id, on=slot.on):
        o_begin, o_finish = _span(other.on, other.starts_at, other.ends_at)
        if begin < o_finish and o_begin < finish:
            problems.append(
                _("Время пересекается со школой «%(s)s» (%(t)s).")
                % {"s": other.school, "t": f"{other.starts_at:%H:%M}"}
            )
    return problems


@transaction.atomic
def do_schedule(actor: Any, slot: InterviewSlot, *, source: str = Source.WEB) -> InterviewSlot:
    """Put a school into the round's schedule; a conflict is refused with its reason."""
    problems = slot_conflicts(slot)
    if problems:
        raise ValidationError(problems)
    save_with_audit(actor, slot, before=None, source=source)
    return slot


@transaction.atomic
def do_unschedule(actor: Any, slot: InterviewSlot, *, source: str = Source.WEB) -> None:
    if InterviewProtocol.objects.filter(slot=slot).exists():
        raise ValidationError(_("По этому собеседованию уже есть протокол: время не снять."))
    record(
        actor,
        Action.DELETE,
        slot,
        source=source,
        region_id=slot.round.region_id,
    )
    slot.delete()


# --- the protocol --------------------------------------------------------------------------------


def latest_submission(school: School, before: dt.date | None = None) -> Submission | None:
    """The school's latest sent self-diagnostics (by the campaign's window), if any."""
    qs = Submission.objects.filter(school=school, status__in=DONE).select_related("campaign")
    if before is not None:
        qs = qs.filter(campaign__opens_on__lte=before)
    return qs.order_by("-campaign__closes_on", "-campaign__pk").first()


def results_text(school: School, on: dt.date | None = None) -> str:
    """What the interview discusses, drafted from data: the latest self-diagnostics — the level
    overall and per direction, the deficits per direction — and the school's ШНОР status."""
    lines: list[str] = []
    submission = latest_submission(school, on)
    if submission is None:
        lines.append(_("Результатов самодиагностики нет: анкета не отправлена."))
    else:
        results = {r.scope: r for r in Result.objects.filter(submission=submission)}
        deficits: dict[str, int] = {}
        for direction in Deficit.objects.filter(submission=submission).values_list(
            "direction", flat=True
        ):
            deficits[direction] = deficits.get(direction, 0) + 1
        lines.append(_("Самодиагностика «%(c)s»:") % {"c": submission.campaign.title})
        overall = results.get("overall")
        if overall is not None:
            lines.append(
                _("в целом — уровень «%(l)s», %(p)s из %(m)s; %(d)s.")
                % {
                    "l": level_name(overall.level),
                    "p": plural(round(overall.points, 1), "балл", "балла", "баллов"),
                    "m": f"{overall.max_points:g}",
                    "d": plural(sum(deficits.values()), "дефицит", "дефицита", "дефицитов"),
                }
            )
        for code, name, _kind in MODEL_DIRECTIONS:
            r = results.get(code)
            if r is None:
                continue
            lines.append(
                f"{name}: «{level_name(r.level)}», "
                f"{plural(round(r.points, 1), 'балл', 'балла', 'баллов')} из {r.max_points:g}"
                + (
                    f"; {plural(deficits[code], 'дефицит', 'дефицита', 'дефицитов')}"
                    if deficits.get(code)
                    else ""
                )
                + "."
            )
    shnor = Participation.objects.filter(school=school).order_by("-year").first()
    if shnor is not None:
        if shnor.is_current:
            lines.append(
                _("ШНОР: в программе с %(d)s (когорта %(y)s года).")
                % {"d": f"{shnor.entered_on:%d.%m.%Y}", "y": shnor.year}
            )
        else:
            lines.append(_("ШНОР: вышла из программы %(d)s.") % {"d": f"{shnor.left_on:%d.%m.%Y}"})
    elif school.is_shnor:
        lines.append(_("ШНОР: школа отмечена в реестре как школа с низкими результатами."))
    return "\n".join(lines)


def school_people(school: School) -> Any:
    return Person.objects.filter(school=school, is_active=True).order_by("last_name", "first_name")


@transaction.atomic
def do_open_protocol(
    actor: Any, slot: InterviewSlot, *, source: str = Source.WEB
) -> InterviewProtocol:
    """The slot's protocol, made on first open with the results drafted from the data and the
    school's head among the participants."""
    existing = InterviewProtocol.objects.filter(slot=slot).first()
    if existing is not None:
        return existing
    protocol = InterviewProtocol(
        slot=slot,
        held_on=slot.on,
        results=results_text(slot.school, slot.on),
        updated_by=user_or_none(actor),
    )
    save_with_audit(actor, protocol, before=None, source=source)
    heads = school_people(slot.school).filter(
        memberships__role="school_head", memberships__school=slot.school
    )
    protocol.participants.set(heads)
    return protocol


@transaction.atomic
def do_save_protocol(
    actor: Any,
    protocol: InterviewProtocol,
    *,
    before: dict[str, Any] | None,
    participants: Iterable[Person] | None = None,
    version: int | None = None,
    source: str = Source.WEB,
) -> InterviewProtocol:
    """Save a protocol (the first save makes it); ``StaleEdit`` when somebody saved it since
    ``version``."""
    if protocol.pk is None and InterviewProtocol.objects.filter(slot=protocol.slot).exists():
        # Two members of the commission opened the empty protocol at once; the first one won.
        raise StaleEdit(InterviewProtocol.objects.get(slot=protocol.slot), 0)
    # Claimed before the stamp: a form saved unchanged does not make other open forms stale.
    claim(protocol, version)
    protocol.updated_by = user_or_none(actor)
    protocol.updated_at = timezone.now()
    save_with_audit(actor, protocol, before=before, source=source)
    if participants is not None:
        protocol.participants.set(list(participants))
    return protocol
