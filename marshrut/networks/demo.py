"""Demo: two inter-municipal project groups of 2024 and the sites of strong schools.

The groups take people of the demo registry in the three categories of seed 003 (school staff,
municipal coordinators, the institute) from several municipalities, plus one member written by
name; the group «Знание» puts its methodological album to public discussion with answers and
expert reviews. An internship site at the school strongest in «Знание» hosts an internship whose
participants come from schools below the basic level; a РИП and a methodologist of the РМА are
designated beside it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.db.models import Q

from marshrut.audit.log import Source
from marshrut.diagnostics.models import Result
from marshrut.events.actions import do_save_event
from marshrut.events.models import Event, Participation
from marshrut.events.queries import finished_campaign
from marshrut.lib.plural import plural
from marshrut.networks.actions import do_add_document, do_save_group, do_save_member, do_save_site
from marshrut.networks.models import GroupMember, ProjectGroup, Site
from marshrut.networks.queries import usage
from marshrut.orgs.models import Person, Region, School
from marshrut.surveys.actions import do_invite_experts, do_submit_response, do_submit_review
from marshrut.surveys.models import Document

YEAR = 2024
ALBUM = (
    "Методический альбом педагогической команды школы Минпросвещения: модельные решения "
    "по формированию школьных программ развития системы управления качеством образования"
)
INTERNSHIP_TITLE = (
    "Стажировка «Внутришкольная система оценки качества образования: от диагностики к решениям»"
)
Category = GroupMember.Category


def build_demo(region: Region, stdout: Any) -> None:
    with transaction.atomic():
        _groups(region, stdout)
    with transaction.atomic():
        _sites(region, stdout)


def _people(region: Region) -> dict[str, list[Person]]:
    people = Person.objects.filter(region=region, is_active=True).order_by("pk")
    return {
        "heads": list(people.filter(school__isnull=False, position="Директор")),
        "deputies": list(people.filter(school__isnull=False, position__startswith="Заместитель")),
        "rma": list(people.filter(position__contains="методического актива")),
        "coordinators": list(people.filter(position__contains="муниципальный координатор")),
        "institute": list(
            people.filter(
                school__isnull=True,
                municipality__isnull=True,
                position__startswith="Методист центра",
            )
        ),
    }


def _groups(region: Region, stdout: Any) -> None:
    if ProjectGroup.objects.filter(region=region, year=YEAR).exists():
        stdout.write(f"Проектные группы {YEAR}: уже есть")
        return
    rng = random.Random(3)
    people = _people(region)
    if not people["heads"] or not people["coordinators"]:
        stdout.write("Проектные группы: в реестре нет людей — группы не созданы")
        return
    events = list(
        Event.objects.filter(region=region, starts_on__year=YEAR)
        .filter(Q(form=Event.Form.PROJECT_SESSION) | Q(form=Event.Form.SEMINAR))
        .order_by("starts_on")
    )
    specs = [
        ("znanie", "Развитие внутренней системы оценки качества и модельные решения школ"),
        ("uchitel", "Школьная команда: наставничество и внутрикорпоративное обучение"),
    ]
    used: set[int] = set()
    for k, (direction, goal) in enumerate(specs):
        group = do_save_group(
            None,
            ProjectGroup(region=region, year=YEAR, direction=direction, goal=goal),
            before=None,
            events=events[k::2][:2],
            standard_stages=True,
            source=Source.DEMO,
        )
        # 2024 is over but for the evaluation: the documents are still being discussed.
        for stage in group.stages.all():
            stage.status = stage.Status.ACTIVE if stage.number == 3 else stage.Status.DONE
            stage.save(update_fields=["status"])
        chosen: list[tuple[Person, str, str]] = []
        leaders = [p for p in people["rma"] if p.pk not in used]
        if leaders:
            chosen.append((leaders[0], Category.SCHOOL, GroupMember.Role.LEADER))
        staff = [p for p in people["heads"] + people["deputies"] if p.pk not in used]
        for p in rng.sample(staff, min(len(staff), 14)):
            chosen.append((p, Category.SCHOOL, GroupMember.Role.MEMBER))
        for p in rng.sample(people["coordinators"], min(len(people["coordinators"]), 4)):
            chosen.append((p, Category.MUNICIPAL, GroupMember.Role.MEMBER))
        for p in people["institute"][k : k + 1]:
            chosen.append((p, Category.INSTITUTE, GroupMember.Role.MEMBER))
        for person, category, role in chosen:
            used.add(person.pk)
            do_save_member(
                None,
                GroupMember(group=group, person=person, category=category, role=role),
                before=None,
                source=Source.DEMO,
            )
        do_save_member(
            None,
            GroupMember(
                group=group,
                full_name="Соколова Ирина Павловна" if k == 0 else "Лебедев Андрей Олегович",
                organisation="Центр непрерывного повышения профессионального мастерства (ЦНППМ)",
                position="Методист",
                category=Category.INSTITUTE,
            ),
            before=None,
            source=Source.DEMO,
        )
        stdout.write(
            f"Проектная группа «{group}»: {plural(len(chosen) + 1, 'участник', 'участника', 'участников')}"
        )
        if k == 0:
            _album(region, group, people, rng, stdout)


def _album(
    region: Region, group: ProjectGroup, people: dict[str, list[Person]], rng: Any, stdout: Any
) -> None:
    document = Document(
        region=region,
        title=ALBUM,
        version="1",
        summary="Модельные решения межмуниципальной проектной группы «Знание» для школьных "
        "программ развития.",
        link="https://example.org/mmpg/znanie/album",
    )
    do_add_document(
        None,
        group,
        document,
        criteria=[
            ("Соответствие Концепции проекта", 3),
            ("Применимость в школах", 3),
            ("Ясность изложения", 3),
        ],
        source=Source.DEMO,
    )
    discussion = document.discussions.get()
    questions = list(discussion.questions.all())
    municipalities = list(region.municipalities.order_by("pk"))
    answered = 64
    for _ in range(answered):
        answers: list[dict[str, Any]] = [
            {"question": questions[0], "choice": rng.choice([1, 1, 1, 2, 2, 3, 4])},
            {"question": questions[1], "number": float(rng.choice([3, 4, 4, 5, 5]))},
        ]
        if rng.random() < 0.25:
            answers.append(
                {
                    "question": questions[3],
                    "text": rng.choice(
                        [
                            "добавить примеры из сельских школ",
                            "уточнить сроки мониторинга",
                            "дать шаблон приказа о ВСОКО",
                        ]
                    ),
                }
            )
        do_submit_response(discussion, answers, municipality=rng.choice(municipalities))
    experts = people["heads"][-6:]
    reviews = do_invite_experts(None, document, experts)
    criteria = list(document.criteria.all())
    for review in reviews[:5]:
        do_submit_review(
            review,
            {c.pk: rng.randint(2, 3) for c in criteria},
            rng.choice(["рекомендуется к применению", "доработать раздел о мониторинге"]),
        )
    stdout.write(
        f"Модельный документ группы «{group}»: обсуждение — "
        f"{plural(answered, 'ответ', 'ответа', 'ответов')}, экспертиза — заключений 5 из "
        f"{len(reviews)}"
    )


def _levels(region: Region, direction: str) -> tuple[list[int], list[int]]:
    """(strong schools, weak schools) of the latest finished campaign in a direction."""
    campaign = finished_campaign(region, region.today())
    if campaign is None:
        return [], []
    rows = list(
        Result.objects.filter(campaign=campaign, scope=direction)
        .order_by("-points", "school_id")
        .values_list("school_id", "level")
    )
    strong = [s for s, level in rows if level == "high"] or [s for s, _level in rows[:5]]
    weak = [s for s, level in rows if level == "below_basic"]
    if len(weak) < 6:
        weak += [
            s
            for s in Result.objects.filter(
                campaign=campaign, scope="overall", level="below_basic"
            ).values_list("school_id", flat=True)
            if s not in weak
        ]
    return strong, weak


def _sites(region: Region, stdout: Any) -> None:
    if Site.objects.filter(region=region).exists():
        stdout.write("Площадки: уже есть")
        return
    strong, weak = _levels(region, "znanie")
    if not strong:
        stdout.write("Площадки: нет завершённой кампании с результатами — площадки не назначены")
        return
    rng = random.Random(5)
    rip_first = list(
        School.objects.filter(pk__in=strong).order_by("-is_rip", "pk").values_list("pk", flat=True)
    )
    host = School.objects.select_related("municipality").get(pk=rip_first[0])
    event = Event(
        region=region,
        form=Event.Form.INTERNSHIP,
        title=f"{INTERNSHIP_TITLE} на базе {host.short_name}",
        starts_on=dt.date(YEAR, 10, 15),
        ends_on=dt.date(YEAR, 10, 16),
        organiser=host.short_name,
        directions=["knowledge"],
        participants_text="Управленческие команды школ ниже базового уровня",
    )
    do_save_event(None, event, before=None, source=Source.DEMO)
    visitors = list(
        Person.objects.filter(school_id__in=weak[:10])
        .exclude(school_id=host.pk)
        .order_by("school_id", "pk")
    )
    Participation.objects.bulk_create(
        Participation(event=event, person=p, school_id=p.school_id, attended=rng.random() < 0.9)
        for p in visitors
    )
    internship = do_save_site(
        None,
        Site(
            region=region,
            kind=Site.Kind.INTERNSHIP,
            school=host,
            direction="znanie",
            theme="Внутренняя система оценки качества образования: от самодиагностики к "
            "управленческим решениям",
            starts_on=dt.date(YEAR, 1, 1),
            ends_on=dt.date(YEAR, 12, 31),
            capacity=30,
            capacity_unit=Site.Unit.PEOPLE,
            order=f"Приказ ИРО от 15.01.{YEAR} № 12-од",
        ),
        before=None,
        events=[event],
        source=Source.DEMO,
    )
    stdout.write(
        f"Стажировочная площадка «{host.short_name}»: стажировка, приглашено из школ ниже "
        f"базового уровня {len(visitors)}, принято за период {usage([internship])[internship.pk]}"
    )
    others = [s for s in rip_first[1:] if s != host.pk]
    if others:
        rip = School.objects.get(pk=others[0])
        do_save_site(
            None,
            Site(
                region=region,
                kind=Site.Kind.RIP,
                school=rip,
                direction="znanie",
                theme="Модель сетевого взаимодействия школ по обмену практиками",
                starts_on=dt.date(YEAR, 1, 1),
                ends_on=dt.date(YEAR + 2, 12, 31),
                capacity=5,
                capacity_unit=Site.Unit.SCHOOLS,
            ),
            before=None,
            source=Source.DEMO,
        )
    methodologist = (
        Person.objects.filter(region=region, position__contains="методического актива")
        .select_related("school")
        .order_by("pk")
        .first()
    )
    if methodologist is not None and methodologist.school_id:
        do_save_site(
            None,
            Site(
                region=region,
                kind=Site.Kind.RMA,
                school=methodologist.school,
                person=methodologist,
                direction="uchitel",
                theme="Наставничество молодых педагогов",
                starts_on=dt.date(YEAR, 9, 1),
                ends_on=dt.date(YEAR + 1, 5, 31),
                capacity=15,
                capacity_unit=Site.Unit.PEOPLE,
            ),
            before=None,
            source=Source.DEMO,
        )
    stdout.write(f"Площадки: назначено {Site.objects.filter(region=region).count()}")
