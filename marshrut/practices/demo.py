"""Demo: practices of the strongest schools, some in moderation, a year of adoptions by weak ones.

Authors are the schools at the top of a direction in the next-to-last finished campaign; each
practice addresses the indicators of its direction where the region's schools fell short most
often then. Weak schools (below the middle level overall) with those deficits adopt published
practices on dates between that campaign and the last finished one — so the next campaign tells
whether the deficits they targeted closed (the effectiveness analysis). Nothing here touches the
answers of any campaign: what the analysis finds is what the synthetic data says.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from typing import Any

from django.utils import timezone

from marshrut.audit.log import Source
from marshrut.diagnostics.models import Campaign, Deficit, Result
from marshrut.lib.plural import plural
from marshrut.orgs.models import Person, Region, School
from marshrut.practices import actions
from marshrut.practices.models import Practice
from marshrut.practices.queries import region_catalogue

# direction, title, description, results (what, before, after, unit)
CARDS: list[tuple[str, str, str, list[tuple[str, float | None, float, str]]]] = [
    (
        "znanie",
        "Функциональная грамотность на каждом уроке",
        "Учителя всех предметов включают в уроки задания на читательскую, математическую и "
        "естественнонаучную грамотность из открытого банка заданий. Раз в четверть методическое "
        "объединение разбирает результаты диагностических работ и договаривается, какие умения "
        "подтянуть. Учителями накоплен банк из 300 заданий по параллелям.",
        [("Доля обучающихся с базовым уровнем функциональной грамотности", 54, 71, "%")],
    ),
    (
        "znanie",
        "Индивидуальные образовательные маршруты для обучающихся с трудностями в учёбе",
        "Для каждого ученика с рисками учебной неуспешности педагог-наставник составляет маршрут: "
        "консультации, задания в электронном журнале, встречи с родителями раз в месяц. "
        "Маршрут пересматривается по итогам четверти.",
        [("Обучающихся с неудовлетворительными отметками за год", 38, 12, "чел.")],
    ),
    (
        "zdorovie",
        "Школьный спортивный клуб «Олимп»",
        "Клуб объединяет секции по пяти видам спорта, школьную лигу по мини-футболу и сдачу норм "
        "ГТО. Занятия ведут учителя физической культуры и тренеры спортивной школы по договору "
        "сетевого взаимодействия.",
        [
            ("Доля обучающихся, занимающихся в клубе", 22, 48, "%"),
            ("Знаки отличия ГТО за год", 15, 41, "шт."),
        ],
    ),
    (
        "tvorchestvo",
        "Школьный театр как пространство для каждого",
        "Театральная студия ставит два спектакля в год; в подготовке участвуют не только актёры, "
        "но и художники, звукорежиссёры, костюмеры из разных классов. Спектакли показываются "
        "родителям и детским садам района.",
        [("Обучающихся в объединениях дополнительного образования", 31, 57, "%")],
    ),
    (
        "vospitanie",
        "Совет обучающихся и Движение первых",
        "Первичное отделение Движения первых и совет обучающихся планируют дела школы вместе с "
        "советником директора по воспитанию. Каждый класс отвечает за одно направление в месяц.",
        [("Обучающихся, вовлечённых в деятельность ученического самоуправления", 12, 35, "%")],
    ),
    (
        "proforientatsiya",
        "Профессиональные пробы на предприятиях района",
        "Восьмиклассники и девятиклассники проходят по три профессиональные пробы в год на "
        "предприятиях и в колледжах района по программе «Билет в будущее»; итог — защита "
        "проекта о выбранной профессии.",
        [("Обучающихся 6–11 классов, прошедших профессиональные пробы", 20, 64, "%")],
    ),
    (
        "uchitel",
        "Наставничество молодых учителей «Учитель — учителю»",
        "Каждый молодой педагог в первые три года работает в паре с опытным наставником: "
        "взаимопосещение уроков, совместное планирование, разбор трудных ситуаций. Учителя-"
        "наставники проходят курсы повышения квалификации по наставничеству.",
        [
            ("Молодых педагогов, оставшихся в школе после трёх лет", 50, 90, "%"),
            ("Педагогов, прошедших курсы по наставничеству", 2, 9, "чел."),
        ],
    ),
    (
        "uchitel",
        "Методический абонемент для школьной команды",
        "Управленческая команда школы проходит серию из шести событий: проектный семинар, "
        "стажировка в школе-партнёре, разработка программы развития, экспертиза, защита.",
        [("Педагогов, прошедших повышение квалификации за три года", 60, 100, "%")],
    ),
    (
        "klimat",
        "Школьная служба примирения",
        "Служба примирения из педагога-психолога, социального педагога и обученных старшеклассников "
        "разбирает конфликты в форме восстановительных программ; классные руководители проводят "
        "классные часы о правилах общения.",
        [("Обращений по конфликтным ситуациям, разрешённых службой", 40, 85, "%")],
    ),
    (
        "klimat",
        "Психолого-педагогическое сопровождение обучающихся с ОВЗ",
        "Консилиум школы составляет планы сопровождения, педагог-психолог и логопед ведут "
        "коррекционные занятия, учителя получают рекомендации к урокам.",
        [("Обучающихся с ОВЗ, охваченных сопровождением", 70, 100, "%")],
    ),
    (
        "sreda",
        "Цифровая образовательная среда: ФГИС «Моя школа» на уроках",
        "Учителя ведут уроки с материалами ФГИС «Моя школа» и библиотеки цифрового контента, "
        "домашние задания выдаются и проверяются в системе; раз в месяц — методический час по "
        "цифровым инструментам.",
        [("Педагогов, использующих ФГИС «Моя школа» еженедельно", 18, 76, "%")],
    ),
    (
        "sreda",
        "Школьное пространство, созданное вместе с детьми",
        "Рекреации и библиотека переоборудованы по проекту, который разработали обучающиеся и "
        "родители: зоны тихого чтения, коворкинг, выставочные стены.",
        [("Зон для самостоятельной работы обучающихся", 0, 4, "шт.")],
    ),
]
IN_MODERATION = 2
RETURNED = 1
PER_PRACTICE_ADOPTERS = 8


def _finished(region: Region) -> list[Campaign]:
    return list(
        Campaign.objects.filter(
            region=region, closes_on__lt=region.today(), submissions__results__scope="overall"
        )
        .distinct()
        .order_by("year", "closes_on")
    )


def build_demo(region: Region, stdout: Any) -> None:
    if Practice.objects.filter(region=region).exists():
        stdout.write("Библиотека практик: уже есть")
        return
    finished = _finished(region)
    if not finished:
        stdout.write("Библиотека практик: нет завершённой кампании с результатами — пропущено")
        return
    before = finished[-2] if len(finished) > 1 else finished[-1]
    after = finished[-1] if len(finished) > 1 else None
    catalogue = region_catalogue(region)
    known = set(catalogue.indicators) if catalogue is not None else set()
    rng = random.Random(f"practices-{region.code}")

    # Who is strongest in each direction (share of points), who is weak overall.
    strongest: dict[str, list[tuple[float, int]]] = defaultdict(list)
    weak: set[int] = set()
    for school_id, scope, points, max_points, level in Result.objects.filter(
        campaign=before
    ).values_list("school_id", "scope", "points", "max_points", "level"):
        if scope == "overall":
            if level in ("below_basic", "basic"):
                weak.add(school_id)
        elif level == "high" and max_points:
            strongest[scope].append((points / max_points, school_id))
    deficits: dict[int, set[str]] = defaultdict(set)
    common: dict[str, Counter[str]] = defaultdict(Counter)
    for school_id, code, direction in Deficit.objects.filter(campaign=before).values_list(
        "school_id", "code", "direction"
    ):
        deficits[school_id].add(code)
        if code in known:
            common[direction][code] += 1

    schools = {
        s.pk: s
        for s in School.objects.filter(municipality__region=region).select_related("municipality")
    }
    people: dict[int, list[Person]] = defaultdict(list)
    for person in Person.objects.filter(
        region=region, school__isnull=False, is_active=True
    ).order_by("pk"):
        people[person.school_id].append(person)  # type: ignore[index]

    published_at = timezone.make_aware(
        dt.datetime.combine(before.closes_on + dt.timedelta(days=10), dt.time(12))
    )
    used: set[int] = set()
    made: list[Practice] = []
    for n, (direction, title, description, results) in enumerate(CARDS):
        ranked = sorted(strongest.get(direction, []), reverse=True)
        author = next((schools[s] for _share, s in ranked if s not in used and s in schools), None)
        if author is None:
            continue
        used.add(author.pk)
        codes = [c for c, _n in common[direction].most_common(3)]
        practice = Practice(
            school=author,
            region=region,
            title=title,
            description=description,
            directions=[direction],
            indicators=codes,
            levels=["noo", "ooo", "soo"] if n % 3 else ["ooo", "soo"],
            results=[
                {"what": what, "before": b, "after": a, "unit": unit}
                for what, b, a, unit in results
            ],
            contact=f"{author.email or 'school@example.ru'}",
        )
        actions.do_save_practice(
            None, practice, authors=people.get(author.pk, [])[:2], source=Source.DEMO
        )
        made.append(practice)

    moderation = made[-IN_MODERATION:] if len(made) > IN_MODERATION + RETURNED else []
    returned = made[-IN_MODERATION - RETURNED : -IN_MODERATION] if moderation else []
    published = [p for p in made if p not in moderation and p not in returned]
    for p in made:
        actions.do_submit_practice(
            None, p, at=published_at - dt.timedelta(days=5), source=Source.DEMO
        )
    for p in published:
        actions.do_moderate_practice(None, p, publish=True, at=published_at, source=Source.DEMO)
    for p in returned:
        actions.do_moderate_practice(
            None,
            p,
            publish=False,
            comment="Добавьте результаты в цифрах за два года и материалы: положение, план занятий.",
            at=published_at,
            source=Source.DEMO,
        )

    # A year of adoptions: between the two campaigns, or the last year without a second one.
    start = before.closes_on + dt.timedelta(days=20)
    end = (after.opens_on - dt.timedelta(days=14)) if after else region.today()
    span = max((end - start).days, 1)
    adoptions = 0
    for p in published:
        candidates = sorted(s for s in weak if deficits[s] & set(p.indicators) and s != p.school_id)
        rng.shuffle(candidates)
        for school_id in candidates[:PER_PRACTICE_ADOPTERS]:
            targeted = sorted(deficits[school_id] & set(p.indicators))
            actions.do_adopt_practice(
                None,
                p,
                schools[school_id],
                indicators=targeted,
                adopted_on=start + dt.timedelta(days=rng.randrange(span)),
                note="Внедряем с методическим сопровождением школы-автора.",
                source=Source.DEMO,
            )
            adoptions += 1
    stdout.write(
        f"Библиотека практик: опубликовано — {len(published)}, на модерации — {len(moderation)}, "
        f"возвращено — {len(returned)}; "
        f"{plural(adoptions, 'внедрение', 'внедрения', 'внедрений')} слабыми школами "
        f"с {start:%d.%m.%Y} по {end:%d.%m.%Y}"
    )
