"""The synthetic «Демонстрационная область»: 26 municipalities, 172 schools, people and roles.

Everything is generated from a fixed seed and keyed by natural identifiers (OKTMO, INN, e-mail,
login), so building it twice leaves one copy. The sizes are those of seed 000 (26 municipalities,
172 schools); the names are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from marshrut.accounts.models import User
from marshrut.audit.log import Action, Source, record
from marshrut.orgs.models import (
    FederalDistrict,
    Membership,
    Municipality,
    Person,
    Region,
    School,
)
from marshrut.orgs.roles import Role

REGION_CODE = "99"
REGION_NAME = "Демонстрационная область"
DEMO_PASSWORD = "marshrut-demo"
EMAIL_DOMAIN = "demo.marshrut.test"

# (name, kind, centre, number of schools); 5 urban districts and 21 districts, 172 schools in all.
MUNICIPALITIES: list[tuple[str, str, str, int]] = [
    ("город Северогорск", "urban_district", "г. Северогорск", 38),
    ("город Заречный", "urban_district", "г. Заречный", 11),
    ("город Светлоярск", "urban_district", "г. Светлоярск", 9),
    ("город Каменск-Приозёрный", "urban_district", "г. Каменск-Приозёрный", 7),
    ("город Новоалексеевск", "urban_district", "г. Новоалексеевск", 6),
    ("Ачирский муниципальный район", "municipal_district", "с. Ачиры", 5),
    ("Белоозёрский муниципальный район", "municipal_district", "с. Белоозёрское", 6),
    ("Березняковский муниципальный район", "municipal_district", "с. Березняки", 4),
    ("Васильевский муниципальный район", "municipal_district", "с. Васильевка", 5),
    ("Верхнетуринский муниципальный округ", "municipal_okrug", "п. Верхнетуринск", 6),
    ("Видновский муниципальный район", "municipal_district", "с. Видное", 4),
    ("Дубравинский муниципальный район", "municipal_district", "с. Дубравино", 5),
    ("Ельниковский муниципальный район", "municipal_district", "с. Ельники", 4),
    ("Журавлёвский муниципальный район", "municipal_district", "с. Журавлёво", 5),
    ("Залесский муниципальный район", "municipal_district", "с. Залесье", 4),
    ("Калиновский муниципальный район", "municipal_district", "с. Калиновка", 5),
    ("Кедровский муниципальный округ", "municipal_okrug", "п. Кедровый", 4),
    ("Ключевской муниципальный район", "municipal_district", "с. Ключи", 5),
    ("Лесогорский муниципальный район", "municipal_district", "п. Лесогорск", 4),
    ("Малиновский муниципальный район", "municipal_district", "с. Малиновка", 5),
    ("Никольский муниципальный район", "municipal_district", "с. Никольское", 4),
    ("Озёрный муниципальный район", "municipal_district", "п. Озёрный", 5),
    ("Покровский муниципальный район", "municipal_district", "с. Покровское", 6),
    ("Приреченский муниципальный район", "municipal_district", "с. Приречное", 5),
    ("Рябиновский муниципальный район", "municipal_district", "с. Рябиновка", 5),
    ("Сосновский муниципальный район", "municipal_district", "с. Сосновка", 5),
]

VILLAGES = [
    "Александровская",
    "Бархатовская",
    "Вознесенская",
    "Горьковская",
    "Дмитриевская",
    "Ермаковская",
    "Знаменская",
    "Ивановская",
    "Казанская",
    "Липовская",
    "Медведевская",
    "Новосёловская",
    "Осиновская",
    "Петропавловская",
    "Раздольненская",
    "Старосельская",
    "Троицкая",
    "Успенская",
    "Фёдоровская",
    "Хмелёвская",
    "Чистопольская",
    "Шишкинская",
    "Юрьевская",
    "Ярковская",
]
MALE = [
    ("Александр", "Александрович"),
    ("Сергей", "Сергеевич"),
    ("Андрей", "Андреевич"),
    ("Дмитрий", "Дмитриевич"),
    ("Алексей", "Алексеевич"),
    ("Михаил", "Михайлович"),
    ("Владимир", "Владимирович"),
    ("Николай", "Николаевич"),
    ("Игорь", "Игоревич"),
    ("Евгений", "Евгеньевич"),
    ("Олег", "Олегович"),
    ("Павел", "Павлович"),
]
FEMALE = [
    ("Елена", "Викторовна"),
    ("Ольга", "Николаевна"),
    ("Татьяна", "Александровна"),
    ("Наталья", "Сергеевна"),
    ("Ирина", "Владимировна"),
    ("Светлана", "Юрьевна"),
    ("Марина", "Петровна"),
    ("Анна", "Михайловна"),
    ("Юлия", "Андреевна"),
    ("Людмила", "Ивановна"),
    ("Галина", "Васильевна"),
    ("Оксана", "Геннадьевна"),
    ("Екатерина", "Игоревна"),
    ("Вера", "Анатольевна"),
]
SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
]
OPERATOR_ORG = "ГАОУ ДПО «Институт развития образования Демонстрационной области» (ИРО ДО)"
DEPARTMENT_ORG = "Департамент образования и науки Демонстрационной области"


@dataclass(frozen=True)
class Persona:
    username: str
    role: str
    description: str


PERSONAS = [
    Persona(
        "operator", Role.OPERATOR, "региональный оператор: весь регион, правка, загрузка, журнал"
    ),
    Persona("department", Role.DEPARTMENT, "департамент: весь регион, только просмотр"),
    Persona("methodologist", Role.METHODOLOGIST, "методист РМА: школы региона"),
    Persona(
        "coordinator", Role.MUNICIPAL_COORDINATOR, "муниципальный координатор: город Северогорск"
    ),
    Persona("head", Role.SCHOOL_HEAD, "руководитель школы: СОШ № 7 г. Северогорска"),
    Persona("school", Role.SCHOOL_COORDINATOR, "школьный координатор той же школы"),
    Persona("curator", Role.CURATOR, "куратор ШНОР: закреплённые школы"),
    Persona("mentor", Role.MENTOR, "наставник ШНОР: закреплённые школы"),
    Persona(
        "federal",
        Role.FEDERAL,
        "федеральный оператор: сводка по регионам (Аналитика → Сводка по регионам), только просмотр",
    ),
    Persona("outsider", "", "учётная запись без ролей: не видит ничего"),
]


def _feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    return surname


def make_inn(serial: int) -> str:
    body = f"{REGION_CODE}01{serial:05d}"
    return body + stdnum_inn.calc_company_check_digit(body)


def make_ogrn(serial: int) -> str:
    body = f"1029{REGION_CODE}{serial:06d}"
    return body + stdnum_ogrn.calc_check_digit(body + "0")  # the function skips the last digit


class _Builder:
    def __init__(self) -> None:
        self.rng = random.Random(20221)
        self.used_names: set[tuple[str, str, str]] = set()
        self.counts = {"municipalities": 0, "schools": 0, "people": 0, "memberships": 0}

    def name(self) -> tuple[str, str, str]:
        while True:
            surname = self.rng.choice(SURNAMES)
            if self.rng.random() < 0.72:  # most school staff are women
                first, middle = self.rng.choice(FEMALE)
                surname = _feminine(surname)
            else:
                first, middle = self.rng.choice(MALE)
            key = (surname, first, middle)
            if key not in self.used_names:
                self.used_names.add(key)
                return key

    def person(self, region: Region | None, email: str, **fields: Any) -> Person:
        last, first, middle = self.name()
        person, created = Person.objects.get_or_create(
            email=email,
            region=region,
            defaults={"last_name": last, "first_name": first, "middle_name": middle, **fields},
        )
        self.counts["people"] += created
        return person

    def grant(self, person: Person, role: str, **node: Any) -> Membership:
        schools = node.pop("schools", None)
        membership, created = Membership.objects.get_or_create(
            person=person, role=role, ended_on=None, **node
        )
        if schools is not None:
            membership.schools.set(schools)
        self.counts["memberships"] += created
        return membership


def _school_names(
    builder: _Builder, municipality: str, centre: str, kind: str, index: int
) -> tuple[str, str, str]:
    """Full name, short name and type of the index-th school of a municipality."""
    rng = builder.rng
    form = rng.choice(["МАОУ", "МАОУ", "МБОУ", "МКОУ"])
    form_full = {
        "МАОУ": "Муниципальное автономное",
        "МБОУ": "Муниципальное бюджетное",
        "МКОУ": "Муниципальное казённое",
    }[form]
    if kind == "urban_district":
        town = centre.removeprefix("г. ")
        town_gen = {
            "Северогорск": "Северогорска",
            "Заречный": "Заречного",
            "Светлоярск": "Светлоярска",
            "Каменск-Приозёрный": "Каменска-Приозёрного",
            "Новоалексеевск": "Новоалексеевска",
        }[town]
        if index in (3, 11):
            return (
                f"{form_full} общеобразовательное учреждение «Гимназия № {index}» города {town_gen}",
                f"{form} гимназия № {index} г. {town_gen}",
                School.Kind.GYMNASIUM,
            )
        if index in (5, 21):
            return (
                f"{form_full} общеобразовательное учреждение «Лицей № {index}» города {town_gen}",
                f"{form} лицей № {index} г. {town_gen}",
                School.Kind.LYCEUM,
            )
        return (
            f"{form_full} общеобразовательное учреждение «Средняя общеобразовательная школа № {index}» "
            f"города {town_gen}",
            f"{form} СОШ № {index} г. {town_gen}",
            School.Kind.SOSH,
        )
    village = (
        VILLAGES[(hash_index(municipality) + index * 7) % len(VILLAGES)]
        if index > 1
        else (_feminine_adjective(municipality.split()[0]))
    )
    if index > 1 and index % 4 == 0:
        return (
            f"{form_full} общеобразовательное учреждение «{village} основная общеобразовательная школа»",
            f"{form} «{village} ООШ»",
            School.Kind.OOSH,
        )
    return (
        f"{form_full} общеобразовательное учреждение «{village} средняя общеобразовательная школа»",
        f"{form} «{village} СОШ»",
        School.Kind.SOSH,
    )


def _feminine_adjective(word: str) -> str:
    for ending, feminine in (("ский", "ская"), ("ской", "ская"), ("ный", "ная")):
        if word.endswith(ending):
            return word[: -len(ending)] + feminine
    return word


def hash_index(text: str) -> int:
    return sum(ord(ch) for ch in text)


@transaction.atomic
def build() -> tuple[Region, dict[str, int]]:
    """Create (or find) the demo region with its registry; returns it and what was created."""
    builder = _Builder()
    rng = builder.rng
    region, _ = Region.objects.get_or_create(
        code=REGION_CODE,
        defaults={
            "name": REGION_NAME,
            "operator_name": OPERATOR_ORG,
            "department_name": DEPARTMENT_ORG,
        },
    )
    municipalities: list[Municipality] = []
    schools_by_m: dict[int, list[School]] = {}
    serial = 0
    for i, (name, kind, centre, n_schools) in enumerate(MUNICIPALITIES, start=1):
        m, created = Municipality.objects.get_or_create(
            oktmo=f"{REGION_CODE}{i * 10 + 600:03d}000",
            defaults={"region": region, "name": name, "kind": kind, "centre": centre},
        )
        builder.counts["municipalities"] += created
        municipalities.append(m)
        schools: list[School] = []
        for j in range(1, n_schools + 1):
            serial += 1
            full, short, school_kind = _school_names(
                builder, name, centre, kind, j * 2 + 1 if kind == "urban_district" else j
            )
            rural = kind != "urban_district"
            levels = (
                True,
                school_kind != School.Kind.NOSH,
                school_kind not in (School.Kind.OOSH, School.Kind.NOSH),
            )
            pupils = rng.randint(350, 1600) if not rural else rng.randint(40, 420)
            school, created = School.objects.get_or_create(
                inn=make_inn(serial),
                defaults={
                    "municipality": m,
                    "full_name": full,
                    "short_name": short,
                    "ogrn": make_ogrn(serial),
                    "kind": school_kind,
                    "settlement": School.Settlement.RURAL if rural else School.Settlement.URBAN,
                    "address": f"{centre}, ул. {rng.choice(['Ленина', 'Школьная', 'Мира', 'Советская', 'Молодёжная', 'Садовая'])}, д. {rng.randint(1, 60)}",
                    "offers_noo": levels[0],
                    "offers_ooo": levels[1],
                    "offers_soo": levels[2],
                    "teaches_ovz": rng.random() < 0.55,
                    "pupils": pupils,
                    "is_shnor": rng.random() < (0.14 if rural else 0.06),
                    "is_rip": rng.random() < 0.07,
                    "is_pilot": rng.random() < 0.1,
                    "phone": f"+7 (900) {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                    "email": f"school{serial}@{EMAIL_DOMAIN}",
                },
            )
            builder.counts["schools"] += created
            schools.append(school)
        schools_by_m[m.pk] = schools
    # Neighbours: a ring in list order plus each district's nearest town, enough for "nearest first".
    for i, m in enumerate(municipalities):
        m.neighbours.add(municipalities[(i + 1) % len(municipalities)])
        if m.kind != Municipality.Kind.URBAN_DISTRICT:
            m.neighbours.add(municipalities[i % 5])

    persona_people: dict[str, Person] = {}
    # Region level: operator staff and department.
    persona_people["operator"] = builder.person(
        region,
        f"operator@{EMAIL_DOMAIN}",
        position="Руководитель центра сопровождения проекта",
        workplace=OPERATOR_ORG,
        phone="+7 (900) 100-00-01",
    )
    builder.grant(persona_people["operator"], Role.OPERATOR, region=region)
    for k in range(2, 4):
        staff = builder.person(
            region,
            f"operator{k}@{EMAIL_DOMAIN}",
            position="Методист центра сопровождения проекта",
            workplace=OPERATOR_ORG,
        )
        builder.grant(staff, Role.OPERATOR, region=region)
    persona_people["department"] = builder.person(
        region,
        f"department@{EMAIL_DOMAIN}",
        position="Начальник отдела общего образования",
        workplace=DEPARTMENT_ORG,
    )
    builder.grant(persona_people["department"], Role.DEPARTMENT, region=region)

    all_schools = [s for m in municipalities for s in schools_by_m[m.pk]]
    for m in municipalities:
        coordinator = builder.person(
            region,
            f"coord.{m.oktmo}@{EMAIL_DOMAIN}",
            municipality=m,
            position="Главный специалист МОУО, муниципальный координатор проекта",
            workplace=f"Управление образования ({m.name})",
            phone=f"+7 (900) 2{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
        )
        builder.grant(coordinator, Role.MUNICIPAL_COORDINATOR, municipality=m)
        if m == municipalities[0]:
            persona_people["coordinator"] = coordinator
        for school in schools_by_m[m.pk]:
            head = builder.person(
                region,
                f"head.{school.inn}@{EMAIL_DOMAIN}",
                municipality=m,
                school=school,
                position="Директор",
            )
            builder.grant(head, Role.SCHOOL_HEAD, school=school)
            deputy = builder.person(
                region,
                f"deputy.{school.inn}@{EMAIL_DOMAIN}",
                municipality=m,
                school=school,
                position="Заместитель директора по учебно-воспитательной работе",
                in_reserve=rng.random() < 0.12,
            )
            if deputy.in_reserve and not deputy.reserve_position:
                deputy.reserve_position = "Директор общеобразовательной организации"
                deputy.save(update_fields=["reserve_position"])
            builder.grant(deputy, Role.SCHOOL_COORDINATOR, school=school)
    persona_school = schools_by_m[municipalities[0].pk][2]  # СОШ № 7 г. Северогорска
    if not persona_school.is_shnor:
        persona_school.is_shnor = True
        persona_school.save(update_fields=["is_shnor"])
    persona_people["head"] = Person.objects.get(email=f"head.{persona_school.inn}@{EMAIL_DOMAIN}")
    persona_people["school"] = Person.objects.get(
        email=f"deputy.{persona_school.inn}@{EMAIL_DOMAIN}"
    )

    shnor = [
        s for s in School.objects.filter(municipality__region=region, is_shnor=True).order_by("inn")
    ]
    for k in range(6):
        assigned = shnor[k::6]
        curator = builder.person(
            region,
            f"curator{k + 1}@{EMAIL_DOMAIN}",
            position="Куратор ШНОР",
            workplace=OPERATOR_ORG,
        )
        builder.grant(curator, Role.CURATOR, region=region, schools=assigned)
        mentor = builder.person(
            region,
            f"mentor{k + 1}@{EMAIL_DOMAIN}",
            position="Наставник управленческой команды (директор)",
            workplace="школа-партнёр",
        )
        builder.grant(mentor, Role.MENTOR, region=region, schools=assigned)
        if k == 0:
            persona_people["curator"], persona_people["mentor"] = curator, mentor
    strong = [
        s for s in all_schools if s.kind in (School.Kind.GYMNASIUM, School.Kind.LYCEUM) or s.is_rip
    ]
    for k, school in enumerate(strong[:15]):
        methodologist = builder.person(
            region,
            f"rma{k + 1}@{EMAIL_DOMAIN}",
            municipality=school.municipality,
            school=school,
            position="Учитель, методист регионального методического актива",
        )
        builder.grant(methodologist, Role.METHODOLOGIST, region=region)
        if k == 0:
            persona_people["methodologist"] = methodologist

    # Above the regions: the region's federal district and a federal operator who reads it all.
    ural, _ = FederalDistrict.objects.get_or_create(
        code="УФО", defaults={"name": "Уральский федеральный округ"}
    )
    if region.district_id is None:
        region.district = ural
        region.save(update_fields=["district"])
    persona_people["federal"] = builder.person(
        None, f"federal@{EMAIL_DOMAIN}", position="Федеральный оператор проекта"
    )
    builder.grant(persona_people["federal"], Role.FEDERAL)

    password_hash = make_password(DEMO_PASSWORD)  # Argon2 once, shared by the demo personas
    for persona in PERSONAS:
        user, created = User.objects.get_or_create(
            username=persona.username, defaults={"password": password_hash}
        )
        person = persona_people.get(persona.username)
        if person is not None and person.user_id is None:
            person.user = user
            person.save(update_fields=["user"])
            user.first_name, user.last_name, user.email = (
                person.first_name,
                person.last_name,
                person.email,
            )
            user.save(update_fields=["first_name", "last_name", "email"])
    if any(builder.counts.values()):
        record(
            None,
            Action.IMPORT,
            None,
            source=Source.DEMO,
            region_id=region.pk,
            target_type="orgs.registry",
            target_repr=REGION_NAME,
            message="созданы демонстрационные данные: "
            + ", ".join(f"{k} {v}" for k, v in builder.counts.items()),
        )
    return region, builder.counts
