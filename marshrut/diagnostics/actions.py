"""Writes of self-diagnostics: each atomic, each in the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, user_or_none
from marshrut.diagnostics import notifications, verification
from marshrut.diagnostics.bulk import insert_rows
from marshrut.diagnostics.models import (
    DONE,
    Answer,
    Campaign,
    CampaignSeries,
    CriteriaVersion,
    Flag,
    Result,
    Status,
    Submission,
    results_changed,
)
from marshrut.diagnostics.scoring import (
    answers_of,
    applicable_codes,
    evidence_of,
    normalised,
    profile_of_school,
    write_results,
)
from marshrut.kernels.criteria import (
    AnswerError,
    CatalogueError,
    cross_check,
    parse_catalogue,
    validate_answer,
)
from marshrut.lib.files import replace_file
from marshrut.lib.plural import plural
from marshrut.lib.uploads import CATALOGUE, EVIDENCE, check_file, check_upload, decode_text
from marshrut.orgs.models import Region, School


def catalogue_text(data: bytes, filename: str) -> str:
    """The text of an uploaded catalogue file, or CatalogueError saying what is wrong with it.

    UTF-8 is expected; a file saved by Windows in its Russian encoding (Windows-1251) is read too.
    """
    try:
        check_upload(data, filename, CATALOGUE)
    except ValidationError as e:
        raise CatalogueError(e.messages, filename) from None
    text = decode_text(data)
    if text is None:
        raise CatalogueError(
            ["файл не в кодировке UTF-8 (и не в Windows-1251): сохраните его в UTF-8"], filename
        )
    return text


@transaction.atomic
def do_load_criteria(
    actor: Any, text: str, source_name: str, *, source: str = Source.WEB
) -> CriteriaVersion:
    """Validate a catalogue file and store it as a criteria version (new, or replacing one unused)."""
    catalogue = parse_catalogue(text, source_name)  # raises CatalogueError naming each problem
    previous = None
    if catalogue.previous_version:
        previous = CriteriaVersion.objects.filter(code=catalogue.previous_version).first()
        if previous is not None:
            cross_check(catalogue, previous.catalogue)
    existing = CriteriaVersion.objects.filter(code=catalogue.version).first()
    if (
        existing is not None
        and existing.campaigns.exists()
        and existing.sha256 != CriteriaVersion.digest(text)
    ):
        raise ValidationError(
            _(
                "Версия «%(v)s» уже используется кампаниями; загрузите изменённый каталог под новым "
                "номером версии."
            )
            % {"v": catalogue.version}
        )
    version = existing or CriteriaVersion(code=catalogue.version)
    version.title = catalogue.title
    version.year = catalogue.year
    version.illustrative = catalogue.illustrative
    version.notice = catalogue.notice
    version.source_text = text
    version.source_name = source_name
    version.sha256 = CriteriaVersion.digest(text)
    version.previous = previous
    version.indicator_count = len(catalogue.indicators)
    version.loaded_by = user_or_none(actor)
    version.loaded_at = timezone.now()
    version.save()
    # Catalogues whose previous version arrives later get linked now.
    CriteriaVersion.objects.filter(previous__isnull=True).exclude(pk=version.pk).filter(
        pk__in=[
            v.pk
            for v in CriteriaVersion.objects.all()
            if v.catalogue.previous_version == version.code
        ]
    ).update(previous=version)
    version.campaigns.all().results_changed()
    record(
        actor,
        Action.CREATE if existing is None else Action.UPDATE,
        version,
        source=source,
        target_type="diagnostics.criteriaversion",
        message=f"загружен каталог критериев {source_name}: "
        f"{plural(len(catalogue.indicators), 'показатель', 'показателя', 'показателей')}",
    )
    return version


@transaction.atomic
def do_open_campaign(
    actor: Any,
    region: Region,
    criteria: CriteriaVersion,
    *,
    title: str,
    year: int,
    opens_on: dt.date,
    closes_on: dt.date,
    schools: Iterable[School] | None = None,
    previous: Campaign | None = None,
    series: CampaignSeries | None = None,
    source: str = Source.WEB,
) -> Campaign:
    """Open a campaign and a questionnaire for each of its schools (all active ones by default).

    A campaign that joins a ``series`` takes the series' criteria, year and window whatever was
    asked: that is what makes the regions of a series comparable.
    """
    if series is not None:
        criteria, year = series.criteria, series.year
        opens_on, closes_on = series.opens_on, series.closes_on
    campaign = Campaign(
        series=series,
        region=region,
        criteria=criteria,
        title=title,
        year=year,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=user_or_none(actor),
        previous=previous
        or Campaign.objects.filter(region=region, year__lt=year).order_by("-year").first(),
    )
    campaign.full_clean()
    campaign.save()
    if schools is None:
        schools = School.objects.filter(municipality__region=region, is_active=True)
    catalogue = criteria.catalogue
    submissions = []
    for school in schools:
        levels, ovz = profile_of_school(school)
        sub = Submission(campaign=campaign, school=school, levels=levels, ovz=ovz)
        sub.applicable = len(applicable_codes(catalogue, sub.profile))
        submissions.append(sub)
    Submission.objects.bulk_create(submissions, batch_size=2000)
    record(
        actor,
        Action.CREATE,
        campaign,
        source=source,
        region_id=region.pk,
        message=f"открыта кампания: {plural(len(submissions), 'школа', 'школы', 'школ')}, {opens_on:%d.%m.%Y}–{closes_on:%d.%m.%Y}",
    )
    return campaign


def _window(opens_on: dt.date, closes_on: dt.date) -> str:
    return f"{opens_on:%d.%m.%Y}–{closes_on:%d.%m.%Y}"


@transaction.atomic
def do_create_series(
    actor: Any,
    criteria: CriteriaVersion,
    *,
    title: str,
    year: int,
    opens_on: dt.date,
    closes_on: dt.date,
    source: str = Source.WEB,
) -> CampaignSeries:
    """Create a series that regions' campaigns join (an administrator's or the console's job)."""
    series = CampaignSeries(
        criteria=criteria,
        title=title,
        year=year,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=user_or_none(actor),
    )
    series.full_clean()
    series.save()
    record(
        actor,
        Action.CREATE,
        series,
        source=source,
        message=f"создана межрегиональная серия «{title}»: {criteria.code}, "
        f"{_window(opens_on, closes_on)}",
    )
    return series


@transaction.atomic
def do_attach_to_series(
    actor: Any, campaign: Campaign, series: CampaignSeries, *, source: str = Source.WEB
) -> Campaign:
    """Put a region's existing campaign into a series.

    Only a campaign on the series' criteria, year and window joins: results scored on other
    criteria or gathered at another time would not compare. One campaign per region.
    """
    problems = []
    if campaign.criteria_id != series.criteria_id:
        problems.append(
            _("критерии кампании «%(c)s», у серии — «%(s)s»")
            % {"c": campaign.criteria.code, "s": series.criteria.code}
        )
    if campaign.year != series.year:
        problems.append(
            _("год кампании %(c)s, у серии — %(s)s") % {"c": campaign.year, "s": series.year}
        )
    if (campaign.opens_on, campaign.closes_on) != (series.opens_on, series.closes_on):
        problems.append(
            _("приём ответов кампании %(c)s, у серии — %(s)s")
            % {
                "c": _window(campaign.opens_on, campaign.closes_on),
                "s": _window(series.opens_on, series.closes_on),
            }
        )
    other = (
        Campaign.objects.filter(series=series, region_id=campaign.region_id)
        .exclude(pk=campaign.pk)
        .first()
    )
    if other is not None:
        problems.append(_("в серии уже есть кампания этого региона: «%(t)s»") % {"t": other.title})
    if problems:
        raise ValidationError(
            _("Кампания «%(c)s» не входит в серию «%(s)s»: %(p)s.")
            % {"c": campaign.title, "s": series.title, "p": "; ".join(problems)}
        )
    Campaign.objects.filter(pk=campaign.pk).update(series=series)
    campaign.series = series
    record(
        actor,
        Action.UPDATE,
        campaign,
        source=source,
        region_id=campaign.region_id,
        message=f"кампания включена в межрегиональную серию «{series.title}»",
    )
    return campaign


class SubmissionClosed(ValidationError):
    pass


def _require_open(submission: Submission) -> None:
    if not submission.accepts_answers():
        if submission.status in DONE:
            raise SubmissionClosed(
                _("Анкета уже отправлена; изменить её можно после возврата на доработку.")
            )
        raise SubmissionClosed(
            _("Приём ответов закрыт: окно кампании %(a)s–%(b)s.")
            % {
                "a": f"{submission.campaign.opens_on:%d.%m.%Y}",
                "b": f"{submission.campaign.closes_on:%d.%m.%Y}",
            }
        )


def _refresh_progress(submission: Submission) -> None:
    catalogue = submission.campaign.criteria.catalogue
    codes = applicable_codes(catalogue, submission.profile)
    submission.applicable = len(codes)
    submission.answered = Answer.objects.filter(
        submission=submission, code__in=codes, value__isnull=False
    ).count()


@transaction.atomic
def do_save_answer(
    actor: Any,
    submission: Submission,
    code: str,
    raw: object,
    *,
    comment: str | None = None,
    evidence_url: str | None = None,
    evidence_file: Any = None,
) -> Answer:
    """Validate and keep one answer of a draft (autosave); raises AnswerError or SubmissionClosed.

    A new evidence file replaces the old one, which is removed once the transaction commits.
    """
    _require_open(submission)
    if evidence_file is not None:
        check_file(evidence_file, EVIDENCE)
    catalogue = submission.campaign.criteria.catalogue
    indicator = catalogue.indicators.get(code)
    if indicator is None or not indicator.applies_to(submission.profile):
        raise AnswerError(
            _("Показатель %(c)s не входит в анкету этой школы") % {"c": code}, code, raw
        )
    value = validate_answer(indicator, raw)
    answer, _created = Answer.objects.get_or_create(submission=submission, code=code)
    answer.value = list(value) if isinstance(value, tuple) else value
    if comment is not None:
        answer.comment = comment
    if evidence_url is not None:
        answer.evidence_url = evidence_url
    answer.updated_at = timezone.now()
    answer.updated_by = user_or_none(actor)
    answer.full_clean(exclude=["submission", "value", "evidence_file"])
    if evidence_file is not None:
        # Stored last, when nothing else can refuse the answer.
        replace_file(answer.evidence_file, evidence_file)
        answer.evidence_name = PurePath(evidence_file.name or "").name[:255]
    answer.save()
    if submission.status == Status.NOT_STARTED:
        submission.status = Status.DRAFT
        results_changed(submission.campaign_id)
    _refresh_progress(submission)
    submission.updated_at = timezone.now()
    submission.save(update_fields=["status", "answered", "applicable", "updated_at"])
    return answer


def missing_codes(submission: Submission) -> list[str]:
    catalogue = submission.campaign.criteria.catalogue
    answered = set(
        Answer.objects.filter(submission=submission, value__isnull=False).values_list(
            "code", flat=True
        )
    )
    return [c for c in applicable_codes(catalogue, submission.profile) if c not in answered]


@transaction.atomic
def do_submit(actor: Any, submission: Submission, *, source: str = Source.WEB) -> int:
    """Send a complete questionnaire: score it, check it, hand it to the coordinator.

    Returns how many verification flags the answers raised.
    """
    _require_open(submission)
    missing = missing_codes(submission)
    if missing:
        raise ValidationError(
            _("Не заполнены показатели: %(codes)s") % {"codes": ", ".join(missing)},
            code="incomplete",
        )
    submission.status = Status.SUBMITTED
    submission.submitted_at = timezone.now()
    submission.submitted_by = user_or_none(actor)
    _refresh_progress(submission)
    submission.save()
    flags = finish([submission])
    record(
        actor,
        Action.UPDATE,
        submission,
        source=source,
        region_id=submission.campaign.region_id,
        changes={"status": ["draft", "submitted"]},
        message="анкета отправлена",
    )
    return flags


def finish(
    submissions: list[Submission],
    *,
    answers: dict[int, dict[str, object]] | None = None,
    evidence: dict[int, set[str]] | None = None,
) -> int:
    """Score submissions and run the verification rules on them (replacing open flags).

    ``answers`` (submission id → normalised answers, complete) and ``evidence`` (submission id →
    codes with a file or link) let a caller that holds them, such as an import, skip reading
    them back; without them both come from the database. Returns how many flags were raised.
    """
    if not submissions:
        return 0
    campaign = submissions[0].campaign
    catalogue = campaign.criteria.catalogue
    if answers is None:
        answers = {
            sid: normalised(catalogue, values) for sid, values in answers_of(submissions).items()
        }
    if evidence is None:
        evidence = evidence_of(submissions)
    write_results(catalogue, submissions, answers)
    previous_answers: dict[int, dict[str, object]] = {}
    shares: dict[int, float] = {}
    previous_shares: dict[int, float] = {}
    schools = [s.school_id for s in submissions]
    compared: dict[str, str] = {}
    if campaign.previous_id:
        previous_campaign = Campaign.objects.select_related("criteria").get(pk=campaign.previous_id)
        compared = verification.jump_pairs(
            catalogue,
            previous_campaign.criteria.catalogue,
            campaign.criteria.codes_in(previous_campaign.criteria),
        )
        previous_subs = {
            s.school_id: s
            for s in Submission.objects.filter(campaign_id=campaign.previous_id, school__in=schools)
        }
        # The jump rule compares numbers and percentages only: the rest stays in the database.
        prev_answers = answers_of(list(previous_subs.values()), codes=compared.values())
        for sub in submissions:
            prev = previous_subs.get(sub.school_id)
            if prev is not None:
                previous_answers[sub.pk] = prev_answers.get(prev.pk, {})
        for school_id, points, max_points in Result.objects.filter(
            campaign_id=campaign.previous_id, scope="overall", school__in=schools
        ).values_list("school_id", "points", "max_points"):
            previous_shares[school_id] = points / max_points if max_points else 0.0
    for sid, points, max_points in Result.objects.filter(
        submission__in=submissions, scope="overall"
    ).values_list("submission_id", "points", "max_points"):
        shares[sid] = points / max_points if max_points else 0.0
    Flag.objects.filter(submission__in=submissions, resolution=Flag.Resolution.OPEN).delete()
    # A finding the coordinator rejected as a false alarm is not raised again on a resubmission.
    rejected = set(
        Flag.objects.filter(
            submission__in=submissions, resolution=Flag.Resolution.REJECTED
        ).values_list("submission_id", "rule", "code", "message")
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    flags = [
        (sub.pk, f.rule, f.code, f.message[:500], Flag.Resolution.OPEN.value, "", now)
        for sub in submissions
        for f in verification.check(
            catalogue,
            sub.profile,
            answers.get(sub.pk, {}),
            evidence.get(sub.pk, set()),
            previous_answers.get(sub.pk),
            compared=compared,
            share=shares.get(sub.pk),
            previous_share=previous_shares.get(sub.school_id),
        )
        if (sub.pk, f.rule, f.code, f.message[:500]) not in rejected
    ]
    results_changed(campaign.pk)
    return insert_rows(Flag, FLAG_COLUMNS, flags)


FLAG_COLUMNS = ("submission_id", "rule", "code", "message", "resolution", "comment", "created_at")


def _review(actor: Any, submission: Submission, status: str, comment: str, message: str) -> None:
    before = submission.status
    submission.status = status
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = user_or_none(actor)
    submission.review_comment = comment
    submission.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment"])
    results_changed(submission.campaign_id)
    record(
        actor,
        Action.UPDATE,
        submission,
        region_id=submission.campaign.region_id,
        changes={"status": [before, status], "review_comment": [None, comment]},
        message=message,
    )


@transaction.atomic
def do_return(actor: Any, submission: Submission, comment: str) -> None:
    """Send a doubtful questionnaire back to the school with a comment."""
    if submission.status not in DONE:
        raise ValidationError(_("Вернуть можно только отправленную анкету."))
    if not comment.strip():
        raise ValidationError(_("Напишите школе, что нужно исправить."))
    now = timezone.now()
    # The comment is the questionnaire's (review_comment); each flag keeps only its own.
    submission.flags.filter(resolution=Flag.Resolution.OPEN).update(
        resolution=Flag.Resolution.RETURNED, resolved_at=now, resolved_by=user_or_none(actor)
    )
    # The school must be able to correct it even after the window closed.
    if not submission.campaign.is_open():
        submission.reopened_until = max(
            submission.campaign.region.today() + dt.timedelta(days=7),
            submission.campaign.closes_on,
        )
        submission.save(update_fields=["reopened_until"])
    _review(actor, submission, Status.RETURNED, comment, "анкета возвращена на доработку")
    notifications.notify_returned(submission)


@transaction.atomic
def do_verify(actor: Any, submission: Submission, comment: str = "") -> None:
    """Confirm a submitted questionnaire; its open flags are confirmed with it."""
    if submission.status != Status.SUBMITTED:
        raise ValidationError(_("Подтвердить можно только отправленную анкету."))
    submission.flags.filter(resolution=Flag.Resolution.OPEN).update(
        resolution=Flag.Resolution.CONFIRMED,
        resolved_at=timezone.now(),
        resolved_by=user_or_none(actor),
    )
    _review(actor, submission, Status.VERIFIED, comment, "анкета проверена")


@transaction.atomic
def do_resolve_flag(actor: Any, flag: Flag, resolution: str, comment: str = "") -> None:
    """Close one flag with its own comment: confirmed, returned, or rejected as a false alarm.

    A rejection needs its reason; the audit log keeps who rejected it, when and why.
    """
    comment = comment.strip()
    if flag.resolution != Flag.Resolution.OPEN:
        raise ValidationError(_("Это замечание уже рассмотрено."))
    if resolution not in Flag.Resolution.values or resolution == Flag.Resolution.OPEN:
        raise ValidationError(_("Неизвестное решение по замечанию."))
    if resolution == Flag.Resolution.REJECTED and not comment:
        raise ValidationError(
            _("Укажите, почему замечание — ложное срабатывание."), code="no_reason"
        )
    flag.resolution = resolution
    flag.comment = comment
    flag.resolved_at = timezone.now()
    flag.resolved_by = user_or_none(actor)
    flag.save()
    record(
        actor,
        Action.UPDATE,
        flag.submission,
        region_id=flag.submission.campaign.region_id,
        changes={
            "flag": [flag.message, flag.get_resolution_display()],
            **({"comment": ["", comment]} if comment else {}),
        },
        message=(
            f"замечание проверки отклонено как ложное срабатывание: {comment}"
            if resolution == Flag.Resolution.REJECTED
            else "рассмотрено замечание проверки"
        ),
    )


@transaction.atomic
def do_reopen(actor: Any, submission: Submission, until: dt.date) -> None:
    """Let a school change its questionnaire again until a date (the operator's decision)."""
    before = submission.status
    submission.reopened_until = until
    if submission.status in DONE:
        submission.status = Status.DRAFT
    submission.save(update_fields=["reopened_until", "status"])
    results_changed(submission.campaign_id)
    record(
        actor,
        Action.UPDATE,
        submission,
        region_id=submission.campaign.region_id,
        changes={
            "status": [before, submission.status],
            "reopened_until": [None, until.isoformat()],
        },
        message="приём ответов школы открыт повторно",
    )
