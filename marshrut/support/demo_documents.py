"""The demo's ШНОР documents under review and the visits of curators and mentors.

Works on the demo cohort as it finds it — the region's participations of the latest year that has
any, else the registry's ШНОР schools — and creates nothing else. Each document is a small real
DOCX written here and loaded through the same actions as an upload; reviews are by the school's
curator persona where it is assigned, else by the operator persona. Visits are those of the
curators and mentors assigned to the schools: reported early in the year, planned ahead, and a
couple overdue. Idempotent: a region whose year already has documents (visits) gets none again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone

from marshrut.audit.log import Action, Source, record
from marshrut.lib.docx import new_document, set_font, to_bytes
from marshrut.orgs.models import Membership, Municipality, Region, School
from marshrut.orgs.roles import Role
from marshrut.support import actions_documents as actions
from marshrut.support import rubrics
from marshrut.support.models import (
    Document,
    DocumentKind,
    DocumentReview,
    FederalRisk,
    Participation,
    Visit,
)
from marshrut.support.shares import cohort_schools

SECTIONS = {
    DocumentKind.CONCEPT: [
        "1. Общие положения",
        "2. Анализ текущего состояния: результаты оценочных процедур и профиль рисков",
        "3. Миссия, ценности и цели развития",
        "4. Направления развития и ожидаемые результаты",
        "5. Управление изменениями",
    ],
    DocumentKind.MIDTERM: [
        "1. Паспорт",
        "2. Информационная справка",
        "3. Проблемно-ориентированный анализ",
        "4. Основные направления развития",
        "5. Ожидаемые результаты",
        "6. Механизмы реализации",
        "7. Критерии и показатели оценки реализации",
    ],
    DocumentKind.ANTIRISK: [
        "1. Описание риска и его причин",
        "2. Цель и задачи",
        "3. Меры и мероприятия",
        "4. Показатели результата",
        "5. Ответственные и сроки",
    ],
    DocumentKind.ROADMAP: ["Мероприятия, сроки, ответственные, ожидаемые результаты"],
    DocumentKind.TRANSITION: [
        "1. Анализ положения школ с низкими образовательными результатами",
        "2. Меры адресной поддержки школ",
        "3. Управленческие решения и ресурсы муниципалитета",
        "4. Показатели перехода школ в эффективный режим работы",
        "5. Мониторинг",
    ],
}

REMARKS = [
    "В анализе нет результатов ВПР по математике за два года; цели не связаны с выявленными "
    "рисками. Дополните раздел 2 и уточните показатели.",
    "Мероприятия без ответственных и сроков; показатели не имеют целевых значений по годам.",
    "Меры не устраняют названные причины риска; добавьте работу с родителями.",
]


def demo_cohort(region: Region) -> tuple[int, list[School]]:
    """The year and the schools the demo works on: the cohort of the region's latest year
    (:func:`marshrut.support.shares.cohort_schools`, which falls back to the ШНОР mark)."""
    latest = Participation.objects.in_region(region).aggregate(y=Max("year"))["y"]
    year = latest if latest is not None else region.today().year
    schools = cohort_schools(region, year).select_related("municipality").order_by("inn")
    return year, list(schools)


def document_docx(title: str, owner: str, year: int, kind: str, version: int) -> bytes:
    """A small real document of a kind: a title and its sections, a paragraph each."""
    doc = new_document()
    p = doc.add_paragraph()
    set_font(p.add_run("УТВЕРЖДЕНА\nприказом руководителя"), 11)
    heading = doc.add_paragraph()
    set_font(heading.add_run(f"{title}\n{owner}\n{year} год (версия {version})"), 14, True)
    for section in SECTIONS[DocumentKind(kind)]:
        s = doc.add_paragraph()
        set_font(s.add_run(section), 12, True)
        doc.add_paragraph(
            "Текст раздела подготовлен управленческой командой с учётом рекомендаций куратора."
        )
    return to_bytes(doc)


def _upload(owner: School | Municipality, year: int, kind: str, risk: str, actor: Any) -> Document:
    school = owner if isinstance(owner, School) else None
    whose: dict[str, Any] = (
        {"school": school} if school else {"municipality": owner, "school": None}
    )
    existing = Document.objects.filter(year=year, kind=kind, risk_code=risk, **whose).first()
    number = existing.versions.count() + 1 if existing else 1
    title = str(DocumentKind(kind).label)
    if risk:
        title += f": {FederalRisk(risk).label}"
    body = document_docx(title, str(owner), year, kind, number)
    name = f"{title[:60]} — {getattr(owner, 'short_name', owner)} — в{number}.docx".replace(
        "/", "-"
    )
    version = actions.do_upload_version(
        actor,
        year=year,
        kind=kind,
        school=school,
        municipality=None if school else owner,  # type: ignore[arg-type]
        risk_code=risk,
        upload=ContentFile(body, name=name),
        source=Source.DEMO,
    )
    return version.document


def _review(document: Document, reviewer: Any, decision: str, remark: str = "") -> None:
    actions.do_submit_document(None, document, source=Source.DEMO)
    document.refresh_from_db()
    criteria = rubrics.rubric(document.kind)
    scores = {
        c.code: (
            c.max_score
            if decision == DocumentReview.Decision.ACCEPTED or i % 2
            else max(0, c.max_score - 2),
            "" if decision == DocumentReview.Decision.ACCEPTED or i % 2 else "требует доработки",
        )
        for i, c in enumerate(criteria)
    }
    actions.do_review_document(
        reviewer,
        document,
        version=document.version,
        decision=decision,
        scores=scores,
        remarks=remark,
        source=Source.DEMO,
    )


def _assigned(role: str, school: School) -> Membership | None:
    return (
        Membership.objects.active()
        .filter(role=role, schools=school)
        .select_related("person__user")
        .order_by("person__email")
        .first()
    )


def _documents(region: Region, year: int, schools: list[School], stdout: Any) -> None:
    if Document.objects.in_region(region).of_year(year).exists():
        stdout.write("Документы ШНОР: уже есть, пропущено.")
        return
    users = get_user_model().objects
    operator = users.filter(username="operator").first()
    head = users.filter(username="head").first()
    risks = list(FederalRisk.values)
    for i, school in enumerate(schools):
        curator = _assigned(Role.CURATOR, school)
        reviewer = curator.person.user if curator and curator.person.user_id else operator
        uploader = (
            head if getattr(getattr(head, "person", None), "school_id", None) == school.pk else None
        )
        concept = _upload(school, year, DocumentKind.CONCEPT, "", uploader)
        pattern = i % 5
        if pattern in (0, 3):
            _review(concept, reviewer, DocumentReview.Decision.RETURNED, REMARKS[0])
            concept = _upload(school, year, DocumentKind.CONCEPT, "", uploader)
            _review(concept, reviewer, DocumentReview.Decision.ACCEPTED)
        elif pattern == 1:
            actions.do_submit_document(uploader, concept, source=Source.DEMO)
        elif pattern == 2:
            _review(concept, reviewer, DocumentReview.Decision.RETURNED, REMARKS[0])
        if pattern in (0, 1, 3):
            midterm = _upload(school, year, DocumentKind.MIDTERM, "", uploader)
            if pattern == 0:
                _review(midterm, reviewer, DocumentReview.Decision.RETURNED, REMARKS[1])
            else:
                actions.do_submit_document(uploader, midterm, source=Source.DEMO)
        if pattern in (0, 3):
            for k in range(1 + i % 3):
                risk = risks[(i + 3 * k) % len(risks)]
                antirisk = _upload(school, year, DocumentKind.ANTIRISK, risk, uploader)
                if k == 0:
                    actions.do_submit_document(uploader, antirisk, source=Source.DEMO)
                elif k == 1:
                    _review(antirisk, reviewer, DocumentReview.Decision.RETURNED, REMARKS[2])
            _upload(school, year, DocumentKind.ROADMAP, "", uploader)
    municipalities = Municipality.objects.filter(
        pk__in={s.municipality_id for s in schools}
    ).order_by("oktmo")
    for j, municipality in enumerate(municipalities):
        if j % 3 == 2:
            continue
        programme = _upload(municipality, year, DocumentKind.TRANSITION, "", None)
        if j % 3 == 0:
            _review(programme, operator, DocumentReview.Decision.ACCEPTED)
        else:
            actions.do_submit_document(None, programme, source=Source.DEMO)
    counts = {
        label: Document.objects.in_region(region).of_year(year).filter(status=s).count()
        for s, label in Document.Status.choices
    }
    stdout.write(
        "Документы ШНОР: " + ", ".join(f"{label} — {n}" for label, n in counts.items()) + "."
    )


PURPOSES = [
    "Знакомство с управленческой командой, анализ результатов оценочных процедур",
    "Обсуждение профиля рисков и выбор приоритетных рисков",
    "Консультация по концепции развития и программе антирисковых мер",
    "Посещение уроков, методический разбор",
]


def _visits(region: Region, year: int, schools: list[School], stdout: Any) -> None:
    if Visit.objects.in_region(region).of_year(year).exists():
        stdout.write("Посещения ШНОР: уже есть, пропущено.")
        return
    today = region.today()
    start = dt.date(year, 1, 20)
    made = 0
    for i, school in enumerate(schools):
        for role, offset in ((Role.CURATOR, 0), (Role.MENTOR, 9)):
            membership = _assigned(role, school)
            if membership is None:
                continue
            person = membership.person
            first = start + dt.timedelta(days=7 * i + offset)
            # Most schools were visited once already; the rest are late or not yet due.
            if i % 4 != 3 and first < today:
                visit = Visit.objects.create(
                    school=school,
                    visitor=person,
                    visitor_role=role,
                    planned_on=first,
                    purpose=PURPOSES[i % len(PURPOSES)],
                    status=Visit.Status.REPORTED,
                    visited_on=first,
                    participants="Директор, заместитель директора по УВР, руководители ШМО",
                    findings="Школа не анализирует результаты ВПР по классам; нет плана "
                    "повышения квалификации по выявленным дефицитам.",
                    recommendations="Провести поэлементный анализ ВПР; включить в программу "
                    "антирисковых мер курсы для учителей математики.",
                    next_steps="Повторное посещение после экспертизы программы.",
                    reported_at=timezone.now(),
                )
            else:
                # One school in eight is late; the others' first visit is still ahead.
                late = i % 8 == 3
                on = today - dt.timedelta(days=6 + i) if late else max(first, today)
                if on.year != year:
                    continue
                visit = Visit.objects.create(
                    school=school,
                    visitor=person,
                    visitor_role=role,
                    planned_on=on + dt.timedelta(days=0 if late else 4 + i % 7),
                    purpose=PURPOSES[i % len(PURPOSES)],
                )
            record(None, Action.CREATE, visit, source=Source.DEMO, region_id=region.pk)
            made += 1
            ahead = today + dt.timedelta(days=10 + 3 * i + offset)
            if ahead.year == year:
                visit = Visit.objects.create(
                    school=school,
                    visitor=person,
                    visitor_role=role,
                    planned_on=ahead,
                    purpose=PURPOSES[(i + 2) % len(PURPOSES)],
                )
                record(None, Action.CREATE, visit, source=Source.DEMO, region_id=region.pk)
                made += 1
    stdout.write(f"Посещения ШНОР: {made}.")


def build_documents_demo(region: Region, stdout: Any) -> None:
    year, schools = demo_cohort(region)
    if not schools:
        stdout.write("Документы и посещения ШНОР: в регионе нет школ ШНОР, пропущено.")
        return
    _documents(region, year, schools, stdout)
    _visits(region, year, schools, stdout)
