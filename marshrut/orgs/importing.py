"""Registry import from XLSX/XLS/CSV: municipalities, schools, people with their roles.

A file may hold one kind of row or several sheets of different kinds; the kind of each sheet is
told by its header words. Nothing is written until the whole file passes: ``check_file`` returns
the planned changes and every problem (row, column, value, reason); ``apply_file`` checks again
inside one transaction and writes all of it or none of it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from marshrut.audit.log import Action, Source, diff, record, redact, snapshot, user_or_none
from marshrut.audit.models import AuditEvent
from marshrut.kernels.tables import (
    Column,
    Row,
    Table,
    TableError,
    cell_text,
    find_table,
    read_sheets,
)
from marshrut.lib.concurrency import claim
from marshrut.lib.imports import Problem
from marshrut.lib.uploads import TABLE, refusal
from marshrut.orgs.actions import check_membership_node
from marshrut.orgs.models import Membership, Municipality, Person, Region, School
from marshrut.orgs.roles import ROLES, Node, Role
from marshrut.orgs.validators import clean_inn, clean_ogrn, clean_oktmo

MUNICIPALITY_COLUMNS = (
    Column(
        "name",
        "Муниципалитет",
        (
            "муниципалитет",
            "муниципальное образование",
            "наименование муниципалитета",
            "наименование мо",
            "мо",
            "наименование",
        ),
        required=True,
    ),
    Column("oktmo", "ОКТМО", ("октмо", "код октмо"), required=True),
    Column("kind", "Вид", ("вид", "вид мо", "тип мо", "вид муниципального образования")),
    Column("centre", "Административный центр", ("административный центр", "центр")),
)
SCHOOL_COLUMNS = (
    Column(
        "municipality",
        "Муниципалитет",
        (
            "муниципалитет",
            "муниципальное образование",
            "мо",
            "район",
            "муниципальный район городской округ",
            "октмо",
            "октмо муниципалитета",
        ),
        required=True,
    ),
    Column(
        "full_name",
        "Полное наименование",
        (
            "полное наименование",
            "полное наименование оо",
            "наименование оо",
            "наименование организации",
            "наименование",
        ),
        required=True,
    ),
    Column(
        "short_name",
        "Краткое наименование",
        (
            "краткое наименование",
            "сокращенное наименование",
            "краткое наименование оо",
            "сокращенное наименование оо",
        ),
    ),
    Column("inn", "ИНН", ("инн", "инн оо", "инн организации"), required=True),
    Column("ogrn", "ОГРН", ("огрн", "огрн оо")),
    Column("kind", "Тип ОО", ("тип оо", "тип", "вид оо", "тип организации")),
    Column(
        "settlement",
        "Местность",
        (
            "местность",
            "тип местности",
            "городская сельская",
            "город село",
            "тип населенного пункта",
        ),
    ),
    Column("address", "Адрес", ("адрес", "юридический адрес", "фактический адрес", "адрес оо")),
    Column(
        "levels",
        "Уровни образования",
        ("уровни образования", "уровни", "реализуемые уровни образования"),
    ),
    Column("ovz", "Обучаются дети с ОВЗ", ("обучаются дети с овз", "дети с овз", "овз")),
    Column(
        "pupils", "Число обучающихся", ("число обучающихся", "количество обучающихся", "контингент")
    ),
    Column("shnor", "ШНОР", ("шнор", "участник шнор")),
    Column("rip", "РИП", ("рип", "региональная инновационная площадка")),
    Column("pilot", "Пилотная", ("пилотная", "пилотная школа")),
    Column("phone", "Телефон", ("телефон", "контактный телефон")),
    Column(
        "email",
        "E-mail",
        ("e-mail", "email", "электронная почта", "эл почта", "адрес электронной почты"),
    ),
    Column("website", "Сайт", ("сайт", "официальный сайт", "адрес сайта")),
)
PERSON_COLUMNS = (
    Column("fio", "ФИО", ("фио", "фамилия имя отчество")),
    Column("last_name", "Фамилия", ("фамилия",)),
    Column("first_name", "Имя", ("имя",)),
    Column("middle_name", "Отчество", ("отчество",)),
    Column("position", "Должность", ("должность",)),
    Column("workplace", "Место работы", ("место работы", "организация")),
    Column("email", "E-mail", ("e-mail", "email", "электронная почта", "эл почта")),
    Column("phone", "Телефон", ("телефон", "контактный телефон", "мобильный телефон")),
    Column("role", "Роль", ("роль", "роль в проекте")),
    Column(
        "municipality",
        "Муниципалитет",
        ("муниципалитет", "муниципальное образование", "мо", "район"),
    ),
    Column("school_inn", "ИНН ОО", ("инн оо", "инн школы", "инн")),
    Column(
        "assigned",
        "Закреплённые школы (ИНН)",
        ("закрепленные школы инн", "закрепленные школы", "инн закрепленных школ"),
    ),
    Column("reserve", "ЕРКР", ("еркр", "кадровый резерв", "в кадровом резерве")),
    Column("reserve_position", "Резерв на должность", ("резерв на должность", "должность резерва")),
)
KINDS = {"school": SCHOOL_COLUMNS, "person": PERSON_COLUMNS, "municipality": MUNICIPALITY_COLUMNS}
KIND_LABELS = {"municipality": "муниципалитеты", "school": "школы", "person": "люди"}

_TRUE = {"да", "1", "+", "x", "х", "✓", "v", "true", "есть", "является", "участник"}
_FALSE = {"нет", "0", "-", "—", "false", "не является"}
_SPLIT_LIST = re.compile(r"[\s,;]+")

ROLE_WORDS: dict[str, str] = {
    "региональный оператор": Role.OPERATOR,
    "оператор": Role.OPERATOR,
    "департамент": Role.DEPARTMENT,
    "орган управления образованием": Role.DEPARTMENT,
    "региональный орган управления образованием": Role.DEPARTMENT,
    "руководство": Role.DEPARTMENT,
    "методист": Role.METHODOLOGIST,
    "методист рма": Role.METHODOLOGIST,
    "рма": Role.METHODOLOGIST,
    "муниципальный координатор": Role.MUNICIPAL_COORDINATOR,
    "муниципальный куратор": Role.MUNICIPAL_COORDINATOR,
    "координатор муниципальный": Role.MUNICIPAL_COORDINATOR,
    "руководитель": Role.SCHOOL_HEAD,
    "руководитель школы": Role.SCHOOL_HEAD,
    "директор": Role.SCHOOL_HEAD,
    "руководитель оо": Role.SCHOOL_HEAD,
    "школьный координатор": Role.SCHOOL_COORDINATOR,
    "координатор школы": Role.SCHOOL_COORDINATOR,
    "куратор": Role.CURATOR,
    "куратор шнор": Role.CURATOR,
    "наставник": Role.MENTOR,
    "наставник шнор": Role.MENTOR,
}
for _role in Role:
    ROLE_WORDS[str(_role.label).lower()] = _role.value


@dataclass
class Change:
    kind: str  # municipality | school | person | membership
    action: str  # create | update | same
    label: str
    row: int
    sheet: str
    fields: dict[str, Any] = field(default_factory=dict)
    target: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    sheets: list[tuple[str, str, int]] = field(default_factory=list)  # sheet, kind, rows
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.changes)

    def counts(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = defaultdict(
            lambda: {"create": 0, "update": 0, "same": 0}
        )
        for c in self.changes:
            result[c.kind][c.action] += 1
        return dict(result)


class ImportRejected(Exception):
    def __init__(self, plan: Plan):
        super().__init__("; ".join(str(p) for p in plan.problems[:5]))
        self.plan = plan


def _bool(value: Any) -> bool | None:
    text = cell_text(value).strip().lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("ожидалось «да» или «нет»")


def _levels(value: Any) -> tuple[bool, bool, bool] | None:
    text = cell_text(value).lower().replace("–", "-").replace("—", "-").replace(" ", "")
    if not text:
        return None
    noo = any(w in text for w in ("ноо", "начальн"))
    ooo = any(w in text for w in ("ооо", "основн"))
    soo = any(w in text for w in ("соо", "средн"))
    grades = re.fullmatch(r"(\d{1,2})-(\d{1,2})(?:класс(?:ы|ов)?)?", text)
    if grades:
        lo, hi = int(grades.group(1)), int(grades.group(2))
        noo, ooo, soo = lo <= 4, lo <= 9 and hi >= 5, hi >= 10
    if not (noo or ooo or soo):
        raise ValueError("не распознаны уровни: ожидалось «НОО, ООО, СОО» или «1-11»")
    return noo, ooo, soo


def _settlement(value: Any) -> str | None:
    text = cell_text(value).strip().lower()
    if not text:
        return None
    if text.startswith(("город", "г", "urban")):
        return School.Settlement.URBAN
    if text.startswith(("сел", "с", "дер", "пос", "rural")):
        return School.Settlement.RURAL
    raise ValueError("ожидалось «городская» или «сельская»")


_SCHOOL_KIND_WORDS = [
    ("углубл", School.Kind.UIOP),
    ("гимнази", School.Kind.GYMNASIUM),
    ("лице", School.Kind.LYCEUM),
    ("кадет", School.Kind.CADET),
    ("интернат", School.Kind.BOARDING),
    ("вечерн", School.Kind.EVENING),
    ("сменн", School.Kind.EVENING),
    ("центр образования", School.Kind.CENTRE),
    ("овз", School.Kind.SPECIAL),
    ("коррекц", School.Kind.SPECIAL),
    ("адаптирован", School.Kind.SPECIAL),
    ("основная общеобразовательная", School.Kind.OOSH),
    ("оош", School.Kind.OOSH),
    ("начальная общеобразовательная", School.Kind.NOSH),
    ("нош", School.Kind.NOSH),
    ("средняя общеобразовательная", School.Kind.SOSH),
    ("сош", School.Kind.SOSH),
]


def school_kind(text: str) -> str | None:
    low = text.lower().replace("ё", "е")
    for word, kind in _SCHOOL_KIND_WORDS:
        if word in low:
            return kind
    return None


def _municipality_kind(value: Any) -> str | None:
    text = cell_text(value).lower()
    if not text:
        return None
    for kind in Municipality.Kind:
        if str(kind.label).lower() in text:
            return kind.value
    if "город" in text:
        return Municipality.Kind.URBAN_DISTRICT
    raise ValueError(
        "ожидалось: городской округ, муниципальный район, муниципальный округ или ЗАТО"
    )


def _int(value: Any) -> int | None:
    if value is None or cell_text(value) == "":
        return None
    if isinstance(value, int) and value >= 0:
        return value
    text = cell_text(value).replace(" ", "").replace("\u00a0", "")
    if not text.isdigit():
        raise ValueError("ожидалось целое неотрицательное число")
    return int(text)


def _email(value: Any) -> str:
    text = cell_text(value).strip()
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValueError("неверный адрес электронной почты") from None
    return text.lower()


class _Checker:
    """Checks one file against the region as it is now and plans the changes."""

    def __init__(self, region: Region):
        self.region = region
        self.plan = Plan()
        self.municipalities_by_oktmo = {
            m.oktmo: m for m in Municipality.objects.filter(region=region)
        }
        self.municipalities_by_name = {
            self._key(m.name): m for m in self.municipalities_by_oktmo.values()
        }
        self.new_municipalities: dict[
            str, str
        ] = {}  # name key / oktmo -> oktmo of a row in this file
        self.schools_by_inn = {s.inn: s for s in School.objects.select_related("municipality")}
        self.new_school_inns: set[str] = set()
        self.columns: tuple[Column, ...] = ()

    @staticmethod
    def _key(name: str) -> str:
        return " ".join(name.lower().replace("ё", "е").split())

    def problem(self, table: Table, row: Row | None, key: str, reason: str) -> None:
        column = ""
        if key:
            title = next((c.title for c in self.columns if c.key == key), key)
            column = f"{table.column_letters.get(key, '')} «{title}»".strip()
        value = cell_text(row.values.get(key)) if row is not None and key else ""
        self.plan.problems.append(
            Problem(table.sheet, row.number if row else None, column, value, reason)
        )

    def resolve_municipality(self, text: str) -> tuple[Municipality | None, str | None]:
        """An existing municipality, or the OKTMO of one this file creates."""
        digits = text.replace(" ", "")
        if digits.isdigit():
            if digits in self.municipalities_by_oktmo:
                return self.municipalities_by_oktmo[digits], None
            if digits in self.new_municipalities.values():
                return None, digits
            return None, None
        key = self._key(text)
        if key in self.municipalities_by_name:
            return self.municipalities_by_name[key], None
        return None, self.new_municipalities.get(key)

    # Municipalities -----------------------------------------------------------------------
    def check_municipalities(self, table: Table) -> None:
        self.columns = MUNICIPALITY_COLUMNS
        seen: dict[str, int] = {}
        for row in table.rows:
            v = row.values
            name = cell_text(v.get("name")).strip()
            try:
                oktmo = clean_oktmo(cell_text(v.get("oktmo")))
            except ValidationError as e:
                self.problem(table, row, "oktmo", e.messages[0])
                continue
            if not name:
                self.problem(table, row, "name", "не указано наименование")
                continue
            if oktmo in seen:
                self.problem(table, row, "oktmo", f"ОКТМО повторяется в строке {seen[oktmo]}")
                continue
            seen[oktmo] = row.number
            try:
                kind = _municipality_kind(v.get("kind"))
            except ValueError as e:
                self.problem(table, row, "kind", str(e))
                continue
            fields = {"name": name, "oktmo": oktmo}
            if kind:
                fields["kind"] = kind
            if cell_text(v.get("centre")):
                fields["centre"] = cell_text(v.get("centre"))
            existing = self.municipalities_by_oktmo.get(oktmo)
            other = self.municipalities_by_name.get(self._key(name))
            if existing is None and oktmo in {
                m.oktmo for m in Municipality.objects.filter(oktmo=oktmo)
            }:
                self.problem(
                    table, row, "oktmo", "муниципалитет с этим ОКТМО относится к другому региону"
                )
                continue
            if other is not None and other.oktmo != oktmo:
                self.problem(
                    table,
                    row,
                    "name",
                    f"это наименование уже носит муниципалитет с ОКТМО {other.oktmo}",
                )
                continue
            self.plan.changes.append(
                self._change("municipality", existing, fields, name, row, table)
            )
            if existing is None:
                self.new_municipalities[self._key(name)] = oktmo

    # Schools ------------------------------------------------------------------------------
    def check_schools(self, table: Table) -> None:
        self.columns = SCHOOL_COLUMNS
        seen: dict[str, int] = {}
        seen_ogrn: dict[str, int] = {}
        for row in table.rows:
            v = row.values
            errors_before = len(self.plan.problems)
            try:
                inn = clean_inn(cell_text(v.get("inn")))
            except ValidationError as e:
                self.problem(table, row, "inn", e.messages[0])
                inn = ""
            if inn and inn in seen:
                self.problem(
                    table, row, "inn", f"ИНН повторяется: он уже указан в строке {seen[inn]}"
                )
            elif inn:
                seen[inn] = row.number
            full_name = cell_text(v.get("full_name")).strip()
            if not full_name:
                self.problem(table, row, "full_name", "не указано полное наименование")
            municipality_text = cell_text(v.get("municipality")).strip()
            municipality, new_oktmo = self.resolve_municipality(municipality_text)
            if not municipality_text:
                self.problem(table, row, "municipality", "не указан муниципалитет")
            elif municipality is None and new_oktmo is None:
                self.problem(
                    table,
                    row,
                    "municipality",
                    f"муниципалитета нет в реестре региона «{self.region}»",
                )
            fields: dict[str, Any] = {"full_name": full_name, "inn": inn}
            short = cell_text(v.get("short_name")).strip()
            fields["short_name"] = short or full_name[:200]
            ogrn_text = cell_text(v.get("ogrn")).strip()
            if ogrn_text:
                try:
                    fields["ogrn"] = clean_ogrn(ogrn_text)
                except ValidationError as e:
                    self.problem(table, row, "ogrn", e.messages[0])
                else:
                    if fields["ogrn"] in seen_ogrn:
                        self.problem(
                            table,
                            row,
                            "ogrn",
                            f"ОГРН повторяется: он уже указан в строке {seen_ogrn[fields['ogrn']]}",
                        )
                    seen_ogrn[fields["ogrn"]] = row.number
            kind_text = cell_text(v.get("kind"))
            kind = school_kind(kind_text) if kind_text else school_kind(full_name)
            if kind_text and kind is None:
                self.problem(
                    table, row, "kind", "тип ОО не распознан (СОШ, ООШ, НОШ, гимназия, лицей…)"
                )
            if kind:
                fields["kind"] = kind
            for key, parse, target in (
                ("settlement", _settlement, "settlement"),
                ("pupils", _int, "pupils"),
                ("ovz", _bool, "teaches_ovz"),
                ("shnor", _bool, "is_shnor"),
                ("rip", _bool, "is_rip"),
                ("pilot", _bool, "is_pilot"),
            ):
                try:
                    parsed = parse(v.get(key))
                except ValueError as e:
                    self.problem(table, row, key, str(e))
                else:
                    if parsed is not None:
                        fields[target] = parsed
            try:
                levels = _levels(v.get("levels"))
            except ValueError as e:
                self.problem(table, row, "levels", str(e))
            else:
                if levels:
                    fields["offers_noo"], fields["offers_ooo"], fields["offers_soo"] = levels
            try:
                email = _email(v.get("email"))
            except ValueError as e:
                self.problem(table, row, "email", str(e))
            else:
                if email:
                    fields["email"] = email
            for key in ("address", "phone", "website"):
                if cell_text(v.get(key)):
                    fields[key] = cell_text(v.get(key))
            if len(self.plan.problems) > errors_before:
                continue
            existing = self.schools_by_inn.get(inn)
            if existing is not None and existing.municipality.region_id != self.region.pk:
                self.problem(table, row, "inn", "школа с этим ИНН относится к другому региону")
                continue
            change = self._change("school", existing, fields, fields["short_name"], row, table)
            change.extra["municipality"] = municipality
            change.extra["municipality_oktmo"] = new_oktmo
            if (
                existing is not None
                and municipality is not None
                and existing.municipality_id != municipality.pk
            ):
                change.fields["municipality_id"] = municipality.pk
                change.action = "update"
            self.plan.changes.append(change)
            self.new_school_inns.add(inn)

    # People -------------------------------------------------------------------------------
    def check_people(self, table: Table) -> None:
        self.columns = PERSON_COLUMNS
        if "fio" not in table.columns and not {"last_name", "first_name"} <= table.columns.keys():
            self.plan.problems.append(
                Problem(
                    table.sheet,
                    table.header_row,
                    "",
                    "",
                    "нужен столбец «ФИО» или столбцы «Фамилия» и «Имя»",
                )
            )
            return
        people = list(Person.objects.filter(region=self.region))
        by_email = {p.email.lower(): p for p in people if p.email}
        by_name: dict[tuple[str, str, str, int | None], Person] = {
            (
                self._key(p.last_name),
                self._key(p.first_name),
                self._key(p.middle_name),
                p.school_id or p.municipality_id,
            ): p
            for p in people
        }
        seen_emails: dict[str, int] = {}
        for row in table.rows:
            v = row.values
            errors_before = len(self.plan.problems)
            if "fio" in table.columns:
                parts = cell_text(v.get("fio")).split()
                padded = [*parts, "", ""]
                last, first, middle = padded[0], padded[1], " ".join(parts[2:])
                name_key = "fio"
            else:
                last, first, middle = (
                    cell_text(v.get(k)).strip() for k in ("last_name", "first_name", "middle_name")
                )
                name_key = "last_name"
            if not last or not first:
                self.problem(table, row, name_key, "нужны хотя бы фамилия и имя")
            try:
                email = _email(v.get("email"))
            except ValueError as e:
                self.problem(table, row, "email", str(e))
                email = ""
            if email and email in seen_emails:
                self.problem(table, row, "email", f"адрес уже указан в строке {seen_emails[email]}")
            elif email:
                seen_emails[email] = row.number
            role_text = " ".join(cell_text(v.get("role")).lower().replace("ё", "е").split())
            role = ROLE_WORDS.get(role_text) if role_text else None
            if role_text and role is None:
                self.problem(
                    table,
                    row,
                    "role",
                    "роль не распознана; допустимые: " + ", ".join(str(r.label) for r in Role),
                )
            municipality = None
            municipality_text = cell_text(v.get("municipality")).strip()
            if municipality_text:
                municipality, new_oktmo = self.resolve_municipality(municipality_text)
                if municipality is None:
                    self.problem(
                        table,
                        row,
                        "municipality",
                        "муниципалитета нет в реестре региона"
                        if new_oktmo is None
                        else "муниципалитет создаётся этим же файлом: загрузите его сначала отдельно",
                    )
            school = None
            school_inn = cell_text(v.get("school_inn")).strip()
            if school_inn:
                school = self.schools_by_inn.get(school_inn)
                if school is None or school.municipality.region_id != self.region.pk:
                    reason = (
                        "школа создаётся этим же файлом: загрузите школы сначала отдельно"
                        if school_inn in self.new_school_inns
                        else "школы с таким ИНН нет в реестре региона"
                    )
                    self.problem(table, row, "school_inn", reason)
                    school = None
            assigned: list[School] = []
            for inn in _SPLIT_LIST.split(cell_text(v.get("assigned")).strip()):
                if not inn:
                    continue
                found = self.schools_by_inn.get(inn)
                if found is None or found.municipality.region_id != self.region.pk:
                    self.problem(table, row, "assigned", f"школы с ИНН {inn} нет в реестре региона")
                else:
                    assigned.append(found)
            try:
                reserve = _bool(v.get("reserve"))
            except ValueError as e:
                self.problem(table, row, "reserve", str(e))
                reserve = None
            if role:
                node = ROLES[role].node
                try:
                    check_membership_node(
                        role,
                        region=self.region if node in (Node.REGION, Node.ASSIGNED) else None,
                        municipality=municipality if node == Node.MUNICIPALITY else None,
                        school=school if node == Node.SCHOOL else None,
                        schools=assigned if node == Node.ASSIGNED else [],
                    )
                except ValidationError as e:
                    key = {"municipality": "municipality", "school": "school_inn"}.get(node, "role")
                    self.problem(table, row, key if key in table.columns else "role", e.messages[0])
                if node == Node.ASSIGNED and not assigned:
                    self.problem(
                        table,
                        row,
                        "assigned" if "assigned" in table.columns else "role",
                        "для куратора или наставника укажите ИНН закреплённых школ",
                    )
            if len(self.plan.problems) > errors_before:
                continue
            if school is not None:
                municipality = school.municipality
            fields: dict[str, Any] = {"last_name": last, "first_name": first, "middle_name": middle}
            for key in ("position", "workplace", "phone", "reserve_position"):
                if cell_text(v.get(key)):
                    fields[key] = cell_text(v.get(key))
            if email:
                fields["email"] = email
            if reserve is not None:
                fields["in_reserve"] = reserve
            existing = by_email.get(email) if email else None
            if existing is None:
                existing = by_name.get(
                    (
                        self._key(last),
                        self._key(first),
                        self._key(middle),
                        school.pk if school else (municipality.pk if municipality else None),
                    )
                )
            fields["municipality_id"] = municipality.pk if municipality else None
            fields["school_id"] = school.pk if school else None
            label = " ".join(p for p in (last, first, middle) if p)
            change = self._change("person", existing, fields, label, row, table)
            self.plan.changes.append(change)
            if role:
                node = ROLES[role].node
                self.plan.changes.append(
                    Change(
                        kind="membership",
                        action="create",
                        label=f"{label}: {ROLES[role].role.label}",
                        row=row.number,
                        sheet=table.sheet,
                        extra={
                            "person_change": change,
                            "role": role,
                            "node": node,
                            "municipality": municipality if node == Node.MUNICIPALITY else None,
                            "school": school if node == Node.SCHOOL else None,
                            "schools": assigned,
                        },
                    )
                )
                if existing is not None and self._holds(existing, role, municipality, school, node):
                    self.plan.changes[-1].action = "same"

    @staticmethod
    def _holds(person: Person, role: str, municipality: Any, school: Any, node: str) -> bool:
        qs = Membership.objects.active().filter(person=person, role=role)
        if node == Node.MUNICIPALITY:
            qs = qs.filter(municipality=municipality)
        elif node == Node.SCHOOL:
            qs = qs.filter(school=school)
        return qs.exists()

    @staticmethod
    def _change(
        kind: str, existing: Any, fields: dict[str, Any], label: str, row: Row, table: Table
    ) -> Change:
        if existing is None:
            return Change(kind, "create", label, row.number, table.sheet, fields)
        updates = {k: v for k, v in fields.items() if getattr(existing, k) != v}
        return Change(
            kind, "update" if updates else "same", label, row.number, table.sheet, updates, existing
        )


def _detect(sheet: Any) -> tuple[str, Table] | TableError:
    best: tuple[int, str, Table] | None = None
    last_error: TableError | None = None
    for kind, columns in KINDS.items():
        try:
            table = find_table(sheet, columns)
        except TableError as e:
            last_error = last_error or e
            continue
        if kind == "person" and "fio" not in table.columns and "last_name" not in table.columns:
            continue
        score = len(table.columns)
        if best is None or score > best[0]:
            best = (score, kind, table)
    if best is None:
        return last_error or TableError("не найдена строка заголовков")
    return best[1], best[2]


def check_file(data: bytes, filename: str, region: Region) -> Plan:
    """Read a registry file and plan its changes without writing anything."""
    checker = _Checker(region)
    plan = checker.plan
    refused = refusal(data, filename, TABLE)
    if refused:
        plan.problems.append(Problem("", None, "", "", refused))
        return plan
    try:
        sheets = read_sheets(data, filename)
    except TableError as e:
        plan.problems.append(Problem("", None, "", "", e.message))
        return plan
    found: dict[str, list[Table]] = defaultdict(list)
    unmatched: list[str] = []
    for sheet in sheets:
        if not any(any(cell not in (None, "") for cell in r) for r in sheet.rows):
            continue
        detected = _detect(sheet)
        if isinstance(detected, TableError):
            unmatched.append(f"«{sheet.name}»: {detected.message}")
            continue
        kind, table = detected
        found[kind].append(table)
    if not found:
        need = "; ".join(
            f"{KIND_LABELS[k]} — " + ", ".join(c.title for c in cols if c.required)
            for k, cols in KINDS.items()
        )
        reason = "не найдена таблица реестра. Нужные столбцы: " + need.replace(
            "люди — ", "люди — ФИО"
        )
        if unmatched:
            reason += ". " + " ".join(unmatched)
        if not any(any(cell not in (None, "") for cell in r) for s in sheets for r in s.rows):
            reason = "файл пуст: в нём нет ни одной заполненной ячейки"
        plan.problems.append(Problem("", None, "", "", reason))
        return plan
    for kind, method in (
        ("municipality", checker.check_municipalities),
        ("school", checker.check_schools),
        ("person", checker.check_people),
    ):
        for table in found.get(kind, []):
            plan.sheets.append((table.sheet, kind, len(table.rows)))
            if table.unknown_headers:
                plan.notes.append(
                    f"Лист «{table.sheet}»: не используются столбцы "
                    + ", ".join(f"«{h}»" for h in table.unknown_headers)
                )
            if not table.rows:
                plan.problems.append(
                    Problem(table.sheet, None, "", "", "в таблице нет строк с данными")
                )
                continue
            method(table)
    if unmatched and found:
        plan.notes.extend(f"Пропущен лист {u}" for u in unmatched)
    return plan


@transaction.atomic
def apply_file(
    actor: Any,
    data: bytes,
    filename: str,
    region: Region,
    *,
    source: str = Source.WEB,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Check the file again against the current registry and write all of it, or raise.

    ``progress`` hears the percent done: the check is the first fifth, the writes the rest.
    """
    report = progress or (lambda _percent: None)
    plan = check_file(data, filename, region)
    if not plan.ok:
        raise ImportRejected(plan)
    report(20)
    total = max(len(plan.changes), 1)
    events: list[AuditEvent] = []
    now = timezone.now()
    user = user_or_none(actor)

    def log(action: str, obj: Any, changes: dict[str, Any], repr_: str = "") -> None:
        events.append(
            AuditEvent(
                at=now,
                actor=user,
                actor_name=user.get_username() if user else "система",
                action=action,
                source=source,
                target_type=obj._meta.label_lower,
                target_id=str(obj.pk),
                target_repr=(repr_ or str(obj))[:300],
                region_id=region.pk,
                changes=redact(obj._meta.label_lower, changes),
                message=f"загрузка реестра из файла {filename}"[:500],
            )
        )

    new_municipalities: dict[str, Municipality] = {}
    for number, change in enumerate(plan.changes):
        if number % 50 == 0:
            report(20 + 79 * number // total)
        if change.action == "same" and change.kind != "membership":
            continue
        if change.kind == "municipality":
            obj = change.target or Municipality(region=region)
            before = snapshot(obj) if change.target else None
            for k, v in change.fields.items():
                setattr(obj, k, v)
            obj.full_clean()
            claim(obj, None)
            obj.save()
            new_municipalities[obj.oktmo] = obj
            log(
                Action.CREATE if before is None else Action.UPDATE, obj, diff(before, snapshot(obj))
            )
        elif change.kind == "school":
            obj = change.target or School()
            before = snapshot(obj) if change.target else None
            for k, v in change.fields.items():
                setattr(obj, k, v)
            if change.target is None:
                obj.municipality = (
                    change.extra["municipality"]
                    or new_municipalities[change.extra["municipality_oktmo"]]
                )
            obj.full_clean()
            claim(obj, None)
            obj.save()
            log(
                Action.CREATE if before is None else Action.UPDATE, obj, diff(before, snapshot(obj))
            )
        elif change.kind == "person":
            obj = change.target or Person(region=region)
            before = snapshot(obj) if change.target else None
            for k, v in change.fields.items():
                setattr(obj, k, v)
            obj.full_clean()
            claim(obj, None)
            obj.save()
            change.extra["person"] = obj
            log(
                Action.CREATE if before is None else Action.UPDATE, obj, diff(before, snapshot(obj))
            )
        elif change.kind == "membership" and change.action == "create":
            person = change.extra["person_change"].extra["person"]
            node = change.extra["node"]
            membership = Membership.objects.create(
                person=person,
                role=change.extra["role"],
                region=region if node in (Node.REGION, Node.ASSIGNED) else None,
                municipality=change.extra["municipality"],
                school=change.extra["school"],
            )
            if change.extra["schools"]:
                membership.schools.set(change.extra["schools"])
            log(
                Action.GRANT,
                membership,
                diff(None, snapshot(membership)),
                f"{person}: {membership}",
            )
    AuditEvent.objects.bulk_create(events, batch_size=500)
    region.campaigns.results_changed()  # the dashboards group and name schools by the registry
    record(
        actor,
        Action.IMPORT,
        None,
        source=source,
        region_id=region.pk,
        target_type="orgs.registry",
        target_repr=filename,
        changes={k: dict(v) for k, v in plan.counts().items()},
        message="загрузка реестра из файла",
    )
    return plan


def summary(plan: Plan) -> dict[str, Any]:
    """What a preview page or the CLI shows: counts, sheets, notes, problems (all of them)."""
    counts: Counter[tuple[str, str]] = Counter()
    for c in plan.changes:
        counts[(c.kind, c.action)] += 1
    return {
        "sheets": [{"sheet": s, "kind": KIND_LABELS[k], "rows": n} for s, k, n in plan.sheets],
        "counts": {
            kind: {a: counts[(kind, a)] for a in ("create", "update", "same")}
            for kind in ("municipality", "school", "person", "membership")
        },
        "notes": plan.notes,
        "problems": [p.__dict__ for p in plan.problems],
    }


def template_xlsx() -> bytes:
    """An empty workbook with one sheet per kind and the headers the importer understands."""
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "text_wrap": True, "bg_color": "#E8EEF7", "border": 1})
    note = book.add_format({"italic": True, "font_color": "#555555"})
    hints = {
        "municipality": "Вид: городской округ / муниципальный район / муниципальный округ / ЗАТО",
        "school": "Муниципалитет — наименование или ОКТМО; уровни: «НОО, ООО, СОО» или «1-11»; "
        "признаки: да/нет; местность: городская/сельская",
        "person": "Роль: " + ", ".join(str(r.label) for r in Role) + ". Для ролей школы — ИНН ОО; "
        "для куратора и наставника — ИНН закреплённых школ через запятую",
    }
    for kind, title in (
        ("municipality", "Муниципалитеты"),
        ("school", "Школы"),
        ("person", "Люди"),
    ):
        ws = book.add_worksheet(title)
        columns = [
            c
            for c in KINDS[kind]
            if not (kind == "person" and c.key in ("last_name", "first_name", "middle_name"))
        ]
        ws.write(0, 0, hints[kind], note)
        for i, c in enumerate(columns):
            ws.write(1, i, c.title + (" *" if c.required else ""), head)
            ws.set_column(i, i, 22)
        ws.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()
