"""The «number and category of participants» cell of an events table → counts by category.

A coordinator writes the cell freely: «26 муниципалитетов (172 ОО юр.лица)», «Муниципальные
методисты, 52 человека», «18 школьных управленческих команд, муниципальных кураторов. Всего - 135
человек», «Управленческие команды- 135 человек; Педагоги из 5 ОО – 146 человек», «281 чел.».
:func:`parse_participants` reads such a text into :class:`Count` items (a category, a number and
what is counted: people, schools, municipalities or teams), the categories named without a number,
and the number of people in total.

Rules that are not obvious from the code:

* A number owns the words that follow it up to the next separator: «5 школ» counts schools,
  «146 педагогов» counts teachers. When those words are «человек»/«чел.», the people are of the
  nearest category named before the number in the same «;»-clause («Муниципальные методисты,
  52 человека»); with none, they are participants in general.
* «Всего - N» is the total of people. Without it the total is the sum of the people counted;
  a cell that counts only organisations («26 муниципалитетов») has no total of people.
* When one phrase names several categories the more specific wins: «школьных управленческих
  команд» are management teams, «директора ОО» are heads, not schools.
* Whatever is not understood is left out of the counts; the text is always kept as written.

A domain kernel: no Django here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["CATEGORY_LABELS", "Category", "Count", "Participants", "Unit", "parse_participants"]


class Category(StrEnum):
    MANAGEMENT_TEAMS = "management_teams"
    METHODOLOGISTS = "methodologists"
    COORDINATORS = "coordinators"
    HEADS = "heads"
    TEACHERS = "teachers"
    MUNICIPALITIES = "municipalities"
    SCHOOLS = "schools"
    PARTICIPANTS = "participants"


class Unit(StrEnum):
    PEOPLE = "people"
    SCHOOLS = "schools"
    MUNICIPALITIES = "municipalities"
    TEAMS = "teams"


CATEGORY_LABELS: dict[str, str] = {
    Category.MANAGEMENT_TEAMS: "управленческие команды",
    Category.METHODOLOGISTS: "методисты",
    Category.COORDINATORS: "муниципальные кураторы и координаторы",
    Category.HEADS: "руководители ОО",
    Category.TEACHERS: "педагоги",
    Category.MUNICIPALITIES: "муниципалитеты",
    Category.SCHOOLS: "ОО",
    Category.PARTICIPANTS: "участники",
}

UNIT_LABELS: dict[str, str] = {
    Unit.PEOPLE: "чел.",
    Unit.SCHOOLS: "ОО",
    Unit.MUNICIPALITIES: "МО",
    Unit.TEAMS: "команд",
}

# Most specific first: the first category whose pattern occurs in a phrase is the phrase's.
_CATEGORY_PATTERNS: list[tuple[Category, re.Pattern[str]]] = [
    (Category.MANAGEMENT_TEAMS, re.compile(r"\bуправленческ|\bкоманд")),
    (Category.METHODOLOGISTS, re.compile(r"\bметодист")),
    (Category.COORDINATORS, re.compile(r"\bкуратор|\bкоординатор")),
    (Category.HEADS, re.compile(r"\bдиректор|\bруководител")),
    (Category.TEACHERS, re.compile(r"\bпедагог|\bучител")),
    (Category.MUNICIPALITIES, re.compile(r"\bмуниципалитет|\bмуниципальн\w* образовани|\bмо\b")),
    (Category.SCHOOLS, re.compile(r"\bшкол|\bоо\b|\bорганизаци")),
    (Category.PARTICIPANTS, re.compile(r"\bучастник|\bслушател|\bобучающ")),
]
_ORG_UNITS = {
    Category.MUNICIPALITIES: Unit.MUNICIPALITIES,
    Category.SCHOOLS: Unit.SCHOOLS,
    Category.MANAGEMENT_TEAMS: Unit.TEAMS,
}
_NOT_PEOPLE = {Category.SCHOOLS, Category.MUNICIPALITIES}
_PEOPLE_WORD = re.compile(r"^(человек\w*|чел)$")
_TOTAL_WORDS = {"всего", "итого"}
_TOKEN = re.compile(r"\d+|[a-zа-я]+|[;,.()\-:/]")


@dataclass(frozen=True)
class Count:
    """``number`` of ``unit`` in ``category``: (teachers, 146, people), (schools, 5, schools)."""

    category: str
    number: int
    unit: str


@dataclass(frozen=True)
class Participants:
    """A parsed participants cell; ``total`` is the number of people, when the text gives one."""

    text: str
    counts: tuple[Count, ...] = ()
    mentioned: tuple[str, ...] = ()
    total: int | None = None

    @property
    def people(self) -> tuple[Count, ...]:
        return tuple(c for c in self.counts if c.unit == Unit.PEOPLE)

    def number(self, category: str, unit: str | None = None) -> int | None:
        """The number counted for a category (and unit), or None when the text gives none."""
        found = [c.number for c in self.counts if c.category == category and unit in (None, c.unit)]
        return sum(found) if found else None


@dataclass
class _Phrase:
    words: list[str] = field(default_factory=list)
    number: int | None = None
    is_total: bool = False
    used: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _category(text: str) -> Category | None:
    for category, pattern in _CATEGORY_PATTERNS:
        if pattern.search(text):
            return category
    return None


def _clauses(text: str) -> list[list[_Phrase]]:
    """Split a normalised text into «;»-clauses of phrases; a number starts a phrase."""
    clauses: list[list[_Phrase]] = [[]]
    current: _Phrase | None = None
    last_word = ""
    for token in _TOKEN.findall(text):
        if token == ";":
            clauses.append([])
            current, last_word = None, ""
        elif token.isdigit():
            current = _Phrase(number=int(token), is_total=last_word in _TOTAL_WORDS)
            clauses[-1].append(current)
        elif token in ",.():/":
            current = None
        elif token == "-":
            # A dash ends a phrase but «Всего - 135» still reads as a total.
            current = None
        else:
            if current is None:
                current = _Phrase()
                clauses[-1].append(current)
            current.words.append(token)
            last_word = token
    return [c for c in clauses if c]


def parse_participants(text: str | None) -> Participants:
    """Read a participants cell; never raises (an unreadable text gives no counts)."""
    raw = text or ""
    normal = raw.lower().replace("ё", "е").replace("\xa0", " ")
    normal = re.sub(r"[\u2010-\u2015\u2212]", "-", normal)
    counts: list[Count] = []
    total: int | None = None
    mentioned: list[str] = []
    for clause in _clauses(normal):
        for index, phrase in enumerate(clause):
            if phrase.number is None:
                continue
            if phrase.is_total:
                total = phrase.number
                phrase.used = True
                continue
            first = phrase.words[0] if phrase.words else ""
            if _PEOPLE_WORD.match(first) or not phrase.words:
                category = Category.PARTICIPANTS
                for before in reversed(clause[:index]):
                    found = _category(before.text) if before.number is None else None
                    # People are never counted in schools or municipalities.
                    if found and not before.used and found not in _NOT_PEOPLE:
                        category, before.used = found, True
                        break
                if phrase.words:
                    counts.append(Count(category, phrase.number, Unit.PEOPLE))
                phrase.used = True
                continue
            category_found = _category(phrase.text)
            if category_found is None:
                continue
            counts.append(
                Count(
                    category_found,
                    phrase.number,
                    _ORG_UNITS.get(category_found, Unit.PEOPLE),
                )
            )
            phrase.used = True
        for phrase in clause:
            if phrase.number is None and not phrase.used:
                found = _category(phrase.text)
                if found and found not in mentioned:
                    mentioned.append(found)
    if total is None:
        people = [c.number for c in counts if c.unit == Unit.PEOPLE]
        total = sum(people) if people else None
    counted = {c.category for c in counts}
    return Participants(
        text=raw,
        counts=tuple(counts),
        mentioned=tuple(m for m in mentioned if m not in counted),
        total=total,
    )
