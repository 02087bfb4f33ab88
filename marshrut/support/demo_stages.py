"""The demo's monitoring stages: four control dates, two passed, the third open, the fourth ahead.

Works on the region's cohort (its Participation rows of the latest year); a region without a
cohort yet gets the stages for its ШНОР-flagged schools, with the files written straight to the
submissions (the cohort itself is not this module's to create). The files are small real
documents made here — DOCX by the house style, PDF by WeasyPrint — and go through the same
actions as a school's upload and a reviewer's decision. A second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Max
from django.utils import timezone

from marshrut.audit.log import Source
from marshrut.lib.docx import new_document, to_bytes
from marshrut.orgs.models import Membership, Region, School
from marshrut.orgs.roles import Role
from marshrut.support.models import Participation
from marshrut.support.models.stages import Stage, StageSubmission, SubmissionStatus
from marshrut.support.stage_actions import do_decide_stage_submission, do_save_stage

STAGES = [
    (
        "Старт программы: концепция и дорожная карта",
        [
            "Концепция развития школы",
            "Дорожная карта (план мероприятий) школы",
            "Приказ о школьной управленческой команде",
        ],
    ),
    (
        "Реализация антирисковых программ",
        [
            "Отчёт о реализации антирисковых программ",
            "Протокол педагогического совета",
        ],
    ),
    (
        "Промежуточный мониторинг",
        [
            "Справка о промежуточных результатах",
            "Протокол собеседования с куратором",
        ],
    ),
    (
        "Итоги года",
        [
            "Итоговый отчёт о реализации программы",
            "Аналитическая справка о результатах оценочных процедур",
        ],
    ),
]
REMARKS = [
    "Нет подписи директора и печати; приложите скан подписанного документа.",
    "Не указаны сроки и ответственные по второму и третьему рискам.",
]


def control_dates(year: int, today: dt.date) -> list[dt.date]:
    """Two dates passed, the third ahead in a fortnight, the fourth later (the current year);
    the usual dates of a monitoring for another year."""
    if year != today.year:
        return [
            dt.date(year, 3, 15),
            dt.date(year, 6, 30),
            dt.date(year, 10, 15),
            dt.date(year, 12, 15),
        ]
    first = today - dt.timedelta(days=120)
    second = today - dt.timedelta(days=30)
    third = today + dt.timedelta(days=14)
    fourth = max(
        third + dt.timedelta(days=7), min(today + dt.timedelta(days=75), dt.date(year, 12, 28))
    )
    return [first, second, third, fourth]


def _docx(title: str, school: School, year: int) -> bytes:
    document = new_document()
    document.add_paragraph().add_run(school.full_name or school.short_name).bold = True
    heading = document.add_paragraph()
    heading.add_run(f"{title}\n{year} год").bold = True
    document.add_paragraph(
        "Демонстрационный документ системы «Маршрут». Школа участвует в программе адресной "
        "помощи школам с низкими образовательными результатами; документ подтверждает этап "
        "мониторинга."
    )
    document.add_paragraph("Директор ____________________")
    return to_bytes(document)


_PDF_CACHE: dict[str, bytes] = {}


def _pdf(title: str, year: int) -> bytes:
    """A one-page PDF (a scan of a signed order or protocol in real life), one per title."""
    key = f"{title}|{year}"
    if key not in _PDF_CACHE:
        import weasyprint

        html = (
            "<html><body style='font-family: serif; font-size: 12pt'>"
            f"<h3>{title}</h3><p>{year} год</p>"
            "<p>Демонстрационный документ системы «Маршрут».</p>"
            "<p>Подпись ____________________</p></body></html>"
        )
        _PDF_CACHE[key] = bytes(weasyprint.HTML(string=html).write_pdf())
    return _PDF_CACHE[key]


def _file(title: str, school: School, year: int) -> tuple[str, bytes]:
    if title.startswith(("Приказ", "Протокол")):
        return f"{title}.pdf", _pdf(title, year)
    return f"{title}.docx", _docx(title, school, year)


def _people(region: Region) -> tuple[dict[int, Any], dict[int, Any]]:
    """Who sends for each school (its head) and who reviews (its curator), where they exist."""
    senders: dict[int, Any] = {}
    reviewers: dict[int, Any] = {}
    for m in (
        Membership.objects.filter(
            person__region=region,
            role__in=[Role.SCHOOL_HEAD, Role.CURATOR],
            person__user__isnull=False,
        )
        .select_related("person__user")
        .prefetch_related("schools")
        .order_by("pk")
    ):
        user = m.person.user
        if m.role == Role.SCHOOL_HEAD and m.school_id:
            senders.setdefault(m.school_id, user)
        elif m.role == Role.CURATOR:
            for s in m.schools.all():
                reviewers.setdefault(s.pk, user)
    return senders, reviewers


def _send(document: Any, school: School, at: dt.datetime, sender: Any, in_cohort: bool) -> Any:
    from marshrut.support import stage_actions

    name, data = _file(document.title, school, document.stage.year)
    return stage_actions.do_send_stage_file(
        sender,
        document,
        school,
        filename=name,
        data=data,
        source=Source.DEMO,
        at=at,
        cohort_check=in_cohort,
    )


def build_stages_demo(region: Region, stdout: Any) -> None:
    today = region.today()
    latest = Participation.objects.in_region(region).aggregate(year=Max("year"))["year"]
    year = latest or today.year
    schools = [
        p.school
        for p in Participation.objects.in_region(region)
        .of_year(year)
        .current()
        .select_related("school")
        .order_by("school__inn")
    ]
    in_cohort = bool(schools)
    if not schools:
        schools = list(
            School.objects.filter(
                municipality__region=region, is_shnor=True, is_active=True
            ).order_by("inn")
        )
    stages = []
    for number, ((title, documents), control_on) in enumerate(
        zip(STAGES, control_dates(year, today), strict=True), start=1
    ):
        stage = Stage.objects.filter(region=region, year=year, number=number).first()
        if stage is None:
            stage = do_save_stage(
                None,
                Stage(region=region, year=year, number=number, title=title, control_on=control_on),
                documents,
                source=Source.DEMO,
            )
        stages.append(stage)
    if StageSubmission.objects.filter(stage__in=stages).exists() or not schools:
        stdout.write(f"Этапы мониторинга ШНОР {year}: {len(stages)} (документы школ уже есть).")
        return
    rng = random.Random(12)
    senders, reviewers = _people(region)
    tz = region.tz

    def moment(day: dt.date, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59))), tz)

    for n, stage in enumerate(stages[:3]):
        required = list(stage.documents.all())
        for k, school in enumerate(schools):
            sender, reviewer = senders.get(school.pk), reviewers.get(school.pk)
            for d in required:
                if n < 2:
                    # «A couple returned»: one document of one school at each passed stage.
                    returned = k == (1 + 2 * n) % len(schools) and d == required[-1]
                    # Passed: nearly everything sent before the date and accepted.
                    if rng.random() < 0.04 and not returned:
                        continue
                    sent_on = stage.control_on - dt.timedelta(days=rng.randint(2, 20))
                    s = _send(d, school, moment(sent_on, 11), sender, in_cohort)
                    decided = moment(min(sent_on + dt.timedelta(days=3), today), 15)
                    if returned:
                        do_decide_stage_submission(
                            reviewer,
                            s,
                            SubmissionStatus.RETURNED,
                            remark=REMARKS[n],
                            version=s.version,
                            source=Source.DEMO,
                            at=decided,
                        )
                    elif rng.random() < 0.93:
                        do_decide_stage_submission(
                            reviewer,
                            s,
                            SubmissionStatus.ACCEPTED,
                            version=s.version,
                            source=Source.DEMO,
                            at=decided,
                        )
                else:
                    # Open: some schools have sent, a few of them already accepted.
                    if rng.random() < 0.45:
                        sent_on = min(today, stage.control_on) - dt.timedelta(
                            days=rng.randint(0, 6)
                        )
                        s = _send(d, school, moment(sent_on, 10), sender, in_cohort)
                        if rng.random() < 0.25:
                            do_decide_stage_submission(
                                reviewer,
                                s,
                                SubmissionStatus.ACCEPTED,
                                version=s.version,
                                source=Source.DEMO,
                                at=moment(min(sent_on + dt.timedelta(days=1), today), 16),
                            )
    counts = {
        status.value: StageSubmission.objects.filter(stage__in=stages, status=status).count()
        for status in (SubmissionStatus.ACCEPTED, SubmissionStatus.SENT, SubmissionStatus.RETURNED)
    }
    stdout.write(
        f"Этапы мониторинга ШНОР {year}: {len(stages)}, школ {len(schools)}; документов принято "
        f"{counts['accepted']}, на проверке {counts['sent']}, возвращено {counts['returned']}."
    )
