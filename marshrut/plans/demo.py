"""Roadmaps of the demo region: its regional roadmap, municipal and school plans.

The regional roadmap for 2024 is the demo's own document in the layout of a regional order
(:mod:`marshrut.plans.demo_documents`), uploaded through the same reader and the same draft → save
actions as an operator's upload, so it also shows in the region's import history with its file.
The region's institute and department (ИРО ДО, ДОиН ДО) are added to its dictionary of
organisations first, as an operator would, so that the responsibles are all recognised. Some items
are handed down to municipalities and schools, and progress is reported on part of them, so that
the execution pages show done, late and coming work. The persona school (``head``, ``school``)
also gets its roadmap drafted from the deficits of its last scored questionnaire, left a draft for
the school to edit and send to the coordinator; a neighbouring school's drafted roadmap is already
sent, so the coordinator has one to review. Everything is keyed so that a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from marshrut.audit.log import Source
from marshrut.diagnostics.models import DONE as SUBMISSION_DONE
from marshrut.diagnostics.models import Submission
from marshrut.lib.imports import ImportBatch
from marshrut.orgs import demo as orgs_demo
from marshrut.orgs.models import Municipality, Region, School
from marshrut.plans import demo_documents, importer
from marshrut.plans.actions import (
    do_create_plan,
    do_draft_school_roadmap,
    do_hand_down,
    do_report_progress,
    do_save_organisation,
    do_seed_organisations,
    do_submit_plan,
    drafted_roadmap,
)
from marshrut.plans.importing import (
    dictionary_for,
    reparse_row,
)
from marshrut.plans.models import ItemStatus, Level, Organisation, Plan, PlanItem

YEAR = demo_documents.YEAR
REGIONAL_TITLE = demo_documents.TITLE
SCHOOL_ITEMS = [
    ("Самодиагностика школы по модели «Школа Минпросвещения России»", "январь – февраль", "ОО"),
    ("Педагогический совет по итогам самодиагностики", "март", "ОО"),
    ("Обновление программы развития школы", "до 30.04", "ОО, МОУО"),
    ("Открытые уроки для педагогов школ муниципалитета", "2 раза в год (апрель, октябрь)", "ОО"),
    ("Участие управленческой команды в курсах повышения квалификации", "по графику", "ОО"),
    ("Отчёт о выполнении дорожной карты", "июнь, декабрь", "ОО"),
    (
        "Организация участия обучающихся во всероссийской олимпиаде школьников",
        "сентябрь – ноябрь",
        "ОО",
    ),
    ("Мониторинг достижения показателей программы развития", "4 квартал", "ОО, МОУО"),
]


def _region_organisations(region: Region) -> None:
    """The demo region's own institute and department in its dictionary of organisations."""
    for abbreviation, full_name in (
        (demo_documents.INSTITUTE, orgs_demo.OPERATOR_ORG.removesuffix(" (ИРО ДО)")),
        (demo_documents.DEPARTMENT, orgs_demo.DEPARTMENT_ORG),
    ):
        if not Organisation.objects.filter(region=region, abbreviation=abbreviation).exists():
            organisation = Organisation(
                region=region, abbreviation=abbreviation, full_name=full_name
            )
            do_save_organisation(None, organisation, before=None, source=Source.DEMO)


def _regional_plan(region: Region, stdout: Any) -> Plan:
    filename = demo_documents.FILENAME
    existing = Plan.objects.filter(
        region=region, level=Level.REGION, year=YEAR, source_filename=filename
    ).first()
    if existing is not None:
        return existing
    _region_organisations(region)
    data = demo_documents.regional_roadmap_docx()
    # What the upload page does: check the document and keep it, then apply it as a plan.
    # The demo's own document is never refused; if it were, the demo stops loudly.
    params = importer.params_of(
        level=Level.REGION, year=YEAR, title=REGIONAL_TITLE, owner={"region": region}
    )
    batch, report = importer.create_batch(
        None, data, filename, region=region, params={**params, "source": Source.DEMO}
    )
    importer.apply_now(None, batch)
    if not report.ok or "plan" not in batch.counts:
        raise ValidationError(
            f"Демо-документ не прочитан: {batch.problem_list() or report.problems}"
        )
    plan = Plan.objects.get(pk=batch.counts["plan"])
    stdout.write(
        f"Региональная дорожная карта из документа «{filename}»: разделов "
        f"{plan.sections.count()}, мероприятий {plan.items.count()}."
    )
    return plan


def _report(item: PlanItem, status: str, comment: str, day: dt.date) -> None:
    if item.reports.exists():
        return
    do_report_progress(None, item, status=status, comment=comment, on=day, source=Source.DEMO)


def _school_plan(school: School, year: int) -> Plan:
    title = f"Дорожная карта школы: {school.short_name}, {year} год"
    plan = Plan.objects.filter(level=Level.SCHOOL, school=school, year=year, title=title).first()
    if plan is not None:
        return plan
    dictionary = dictionary_for(school.municipality.region)
    rows = [
        reparse_row(
            {
                "section_number": "1",
                "section_title": "Мероприятия школы",
                "number": f"1.{n}",
                "title": title_,
                "deadline_texts": [deadline],
                "responsible_text": responsible,
                "expected_result": "",
                "indicator": "",
            },
            year=year,
            labels=["Сроки"],
            orgs=dictionary,
            mappings={},
        )
        for n, (title_, deadline, responsible) in enumerate(SCHOOL_ITEMS, start=1)
    ]
    return do_create_plan(
        None,
        level=Level.SCHOOL,
        year=year,
        title=title,
        rows=rows,
        school=school,
        status=Plan.Status.APPROVED,
        source=Source.DEMO,
    )


def _roadmap_from_deficits(school: School, stdout: Any) -> Plan | None:
    """The school's roadmap drafted from its latest scored questionnaire, once."""
    submission = (
        Submission.objects.filter(school=school, status__in=SUBMISSION_DONE)
        .select_related("campaign__criteria", "campaign__region", "school__municipality")
        .order_by("-campaign__year", "-pk")
        .first()
    )
    if submission is None:
        stdout.write(f"Дорожные карты: у школы {school.short_name} нет отправленной анкеты.")
        return None
    existing = drafted_roadmap(school, submission.campaign.year + 1)
    if existing is not None:
        return existing
    try:
        plan = do_draft_school_roadmap(None, submission, source=Source.DEMO)
    except ValidationError as e:  # no deficits, say: nothing to draft from
        stdout.write(f"Дорожная карта из дефицитов: {' '.join(e.messages)}")
        return None
    stdout.write(
        f"Дорожная карта из дефицитов: {school.short_name}, {plan.year} год — "
        f"черновик, мероприятий {plan.items.count()}."
    )
    return plan


@transaction.atomic
def _waiting_draft(region: Region, stdout: Any) -> None:
    """A municipal plan uploaded and read but not saved yet: its preview shows the rows the
    reader is unsure of, worst first, and the row it believes it lost."""
    filename = demo_documents.DRAFT_FILENAME
    if ImportBatch.objects.filter(kind=importer.KIND, region=region, filename=filename).exists():
        return
    municipality = Municipality.objects.filter(region=region).order_by("oktmo").first()
    if municipality is None:
        return
    params = importer.params_of(
        level=Level.MUNICIPALITY,
        year=YEAR,
        title=f"План мероприятий: {municipality}, {YEAR} год",
        owner={"region": region, "municipality": municipality},
    )
    _batch, report = importer.create_batch(
        None,
        demo_documents.municipal_draft_text(),
        filename,
        region=region,
        params={**params, "source": Source.DEMO},
    )
    summary = report.summary.get("summary", {})
    stdout.write(
        f"Черновик загрузки «{filename}» ждёт проверки: строк {summary.get('rows', 0)}, "
        f"сомнительных {summary.get('doubtful', 0)}, потерянных {summary.get('lost', 0)}."
    )


def build_demo(region: Region, stdout: Any) -> None:
    rng = random.Random(4)
    do_seed_organisations(None, region, source=Source.DEMO)
    before = Plan.objects.filter(region=region).count()
    regional = _regional_plan(region, stdout)
    municipalities = list(Municipality.objects.filter(region=region).order_by("oktmo")[:5])
    items = list(regional.items.order_by("position"))
    # Most of the 2024 plan is done; the rest is late, as in a real December.
    for n, item in enumerate(items):
        if n % 5 == 3:
            continue
        status = ItemStatus.DONE if n % 7 else ItemStatus.IN_PROGRESS
        day = item.due_on or dt.date(YEAR, 12, 1)
        _report(item, status, "Выполнено в срок." if status == ItemStatus.DONE else "", day)
    handed = [i for i in items if any(r["organisation"] == "МОУО" for r in i.responsible)][:3]
    for item in handed:
        do_hand_down(None, item, municipalities=municipalities, source=Source.DEMO)
    for child in PlanItem.objects.filter(parent__in=handed).order_by("pk"):
        if rng.random() < 0.6:
            _report(child, ItemStatus.DONE, "Проведено.", child.due_on or dt.date(YEAR, 12, 1))
    if municipalities:
        first = municipalities[0]
        municipal = Plan.objects.filter(
            level=Level.MUNICIPALITY, municipality=first, year=YEAR
        ).first()
        schools = list(School.objects.filter(municipality=first).order_by("inn")[:4])
        if municipal is not None and schools:
            source = municipal.items.order_by("position").first()
            if source is not None:
                do_hand_down(None, source, schools=schools, source=Source.DEMO)
    this_year = region.today().year
    # The head persona's school first, then two more schools of the same municipality.
    head_school = School.objects.filter(
        municipality__region=region, memberships__person__user__username="head"
    ).first()
    persona_schools = [head_school] if head_school else []
    persona_schools += list(
        School.objects.filter(municipality__region=region)
        .exclude(pk__in=[s.pk for s in persona_schools])
        .order_by("inn")[:2]
    )
    for school in persona_schools:
        plan = _school_plan(school, this_year)
        today = region.today()
        for item in plan.items.order_by("position"):
            if item.due_on and item.due_on < today and rng.random() < 0.7:
                _report(item, ItemStatus.DONE, "Выполнено, протокол на сайте школы.", item.due_on)
    build_measures(region, stdout)
    if head_school is not None:
        # After the measures, so that the draft takes them from the library.
        _roadmap_from_deficits(head_school, stdout)
        # A neighbour's roadmap is already sent: the coordinator has one waiting for review.
        neighbour = (
            School.objects.filter(
                municipality=head_school.municipality, submissions__status__in=SUBMISSION_DONE
            )
            .exclude(pk=head_school.pk)
            .order_by("inn")
            .first()
        )
        sent = _roadmap_from_deficits(neighbour, stdout) if neighbour else None
        if neighbour and sent and sent.status == Plan.Status.DRAFT:
            do_submit_plan(
                None,
                sent,
                comment="Проект дорожной карты по итогам самодиагностики.",
                source=Source.DEMO,
            )
            stdout.write(
                f"Дорожная карта {neighbour.short_name} отправлена на согласование координатору."
            )
    _waiting_draft(region, stdout)
    added = Plan.objects.filter(region=region).count() - before
    stdout.write(
        f"Дорожные карты: {Plan.objects.filter(region=region).count()} (добавлено сейчас — {added})."
    )
    _scanned_draft(region, stdout)


def _scanned_draft(region: Region, stdout: Any) -> None:
    """A scanned order read by OCR and left as a draft: its doubtful rows wait for the operator."""
    from marshrut.kernels import ocr
    from marshrut.lib.imports import ImportBatch
    from marshrut.plans import demo_scan

    if ImportBatch.objects.filter(
        region=region, kind=importer.KIND, filename=demo_scan.FILENAME
    ).exists():
        return
    data = demo_scan.scanned_order_png() if ocr.available() else None
    if data is None:
        stdout.write("Скан дорожной карты не добавлен: на сервере нет Tesseract или шрифтов.")
        return
    params = importer.params_of(
        level=Level.REGION,
        year=YEAR,
        title="Дорожная карта из скана приказа",
        owner={"region": region},
    )
    batch, report = importer.create_batch(
        None, data, demo_scan.FILENAME, region=region, params={**params, "source": Source.DEMO}
    )
    if not report.ok:
        stdout.write(f"Скан дорожной карты не прочитан: {batch.problem_list() or report.problems}")
        return
    summary = batch.counts.get("summary", {})
    stdout.write(
        f"Черновик из скана «{demo_scan.FILENAME}»: строк {summary.get('rows', 0)}, ждут проверки "
        f"по документу — {summary.get('scan_unconfirmed', 0)} (Дорожные карты → Загрузить документ)."
    )


# Typical measures for the indicators where the demo schools fall short most often
# (indicator, title, expected result, responsible).
DEMO_MEASURES = [
    (
        "TV.08",
        "Включить в календарь школы участие обучающихся в региональных и всероссийских творческих конкурсах и фестивалях",
        "Обучающиеся школы — участники и призёры творческих конкурсов регионального и всероссийского уровня",
        "ОО",
    ),
    (
        "SR.12",
        "Провести аудит безопасности образовательной среды и устранить выявленные нарушения (системы контроля доступа, видеонаблюдение, ограждение)",
        "Паспорт безопасности актуализирован, предписания надзорных органов исполнены",
        "ОО, МОУО",
    ),
    (
        "ZN.07",
        "Открыть профильные 10-е классы (не менее двух профилей), в том числе в сетевой форме с другими школами и организациями",
        "В 10–11 классах реализуются не менее двух профилей обучения",
        "ОО, МОУО",
    ),
    (
        "ZN.15",
        "Включить в план внеурочной деятельности курсы по формированию функциональной грамотности для каждого класса",
        "Объём внеурочной деятельности — не менее 10 часов в неделю на класс",
        "ОО",
    ),
    (
        "TV.06",
        "Расширить перечень дополнительных общеобразовательных программ на базе школы и по договорам с организациями дополнительного образования",
        "Доля обучающихся, охваченных дополнительным образованием, — не менее 80%",
        "ОО, МОУО",
    ),
    (
        "ZN.06",
        "Организовать углублённое изучение отдельных предметов (классы или группы) по запросу обучающихся и родителей",
        "Углублённое изучение не менее одного предмета на уровне основного общего образования",
        "ОО",
    ),
    (
        "ZD.04",
        "Организовать школьный этап «Президентских состязаний» и «Президентских спортивных игр» и участие команды в муниципальном этапе",
        "Команда школы — участник муниципального и регионального этапов",
        "ОО",
    ),
    (
        "ZN.04",
        "Провести инвентаризацию фонда учебников и закупить недостающие учебники из федерального перечня",
        "Доля обучающихся, обеспеченных полным комплектом учебников, — 100%",
        "ОО, МОУО",
    ),
    (
        "VS.13",
        "Разработать и реализовать индивидуальные программы профилактики для обучающихся, состоящих на учёте, с участием социального педагога и психолога",
        "Снижение доли обучающихся, состоящих на профилактическом учёте",
        "ОО",
    ),
    (
        "TV.07",
        "Открыть программы дополнительного образования недостающих направленностей (техническая, естественнонаучная, туристско-краеведческая)",
        "Дополнительное образование реализуется не менее чем по четырём направленностям",
        "ОО",
    ),
    (
        "ZN.10",
        "Организовать подготовку обучающихся к муниципальному и региональному этапам всероссийской олимпиады школьников с привлечением наставников",
        "Обучающиеся школы — участники регионального этапа олимпиады",
        "ОО, ИРО ДО",
    ),
    (
        "ZD.05",
        "Организовать подготовку и сдачу нормативов ВФСК «ГТО», в том числе в рамках уроков физической культуры и школьного спортивного клуба",
        "Доля обучающихся, имеющих знак отличия ГТО, — не менее 20%",
        "ОО",
    ),
    (
        "TV.04",
        "Создать школьный медиацентр (газета, радио, телевидение, страница в социальной сети)",
        "Медиацентр работает, обучающиеся участвуют в его выпусках",
        "ОО",
    ),
    (
        "ZN.11",
        "Провести информационную кампанию и организовать школьный этап всероссийской олимпиады школьников на платформе «Сириус.Курсы» для 4–11 классов",
        "Доля участников школьного этапа олимпиады — не менее 50% обучающихся 4–11 классов",
        "ОО",
    ),
]


def build_measures(region: Region, stdout: Any) -> int:
    """Put the demo measures in the region's library; a second run adds nothing."""
    from marshrut.kernels.criteria import parse_catalogue
    from marshrut.plans.models import Measure

    path = Path(settings.BASE_DIR) / "marshrut" / "data" / "criteria" / "demo-2024.yaml"
    directions = {
        code: indicator.direction
        for code, indicator in parse_catalogue(
            path.read_text(encoding="utf-8"), path.name
        ).indicators.items()
    }
    added = 0
    for code, title, expected, responsible in DEMO_MEASURES:
        if code not in directions:
            continue
        _measure, created = Measure.objects.get_or_create(
            region=region,
            indicator=code,
            title=title,
            defaults={
                "direction": directions[code],
                "expected_result": expected,
                "responsible": responsible,
            },
        )
        added += created
    stdout.write(
        f"Библиотека типовых мер: {Measure.objects.filter(region=region).count()} (добавлено сейчас — {added})."
    )
    return added
