"""Responsible-and-co-executors cells → organisations.

A cell names organisations by abbreviations, often with neither commas nor regular spaces
(«ДОиН ТО ТОГИРРО МОУО ММС ОО»), sometimes by full names, and sometimes by roles in free text
(«муниципальные координаторы», «руководители ОО»). :func:`parse_responsibles` splits such a cell
into :class:`Responsible` entries, each with the text as written and the canonical abbreviation of
the organisation, or ``None`` when it is not known (the operator maps those later).

How a cell is read:

* Commas, semicolons and line breaks separate entries; inside an entry the longest alias of the
  dictionary wins at each position, so «ДОиН ТО» is one organisation and not «ДОиН» + «ТО».
* Abbreviations are matched with their case (so that «ТО» never matches the word «то»); full
  names are matched ignoring case.
* A qualifier right after an organisation stays in its text: «ОО (РИП)», «ОО- участники
  апробации проекта» are the organisation ОО.
* An unknown word that looks like an abbreviation (two or more capitals, no lowercase run) is
  an entry of its own with no organisation.
* Any other word starts free text that runs to the end of the entry («участники Единого
  регионального кадрового резерва руководителей», «руководители ОО»). Free text is matched
  against a role vocabulary (:data:`DEFAULT_ROLES`) that names the organisation a role belongs
  to: municipal coordinators and curators → МОУО, school teams and heads → ОО, the regional
  methodological active → РМА, the personnel reserve → ЕРКР. Pass ``roles=()`` to keep free text
  unmapped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_ABBREVIATIONS",
    "DEFAULT_ROLES",
    "OrgDictionary",
    "Responsible",
    "parse_responsibles",
]

#: Canonical abbreviation → aliases (variants and full names) found in the seeds and the glossary.
DEFAULT_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "ДОиН ТО": (
        "ДОиН",
        "ДОН ТО",
        "ДОН",
        "Департамент образования и науки Тюменской области",
    ),
    "ДОО ТО": ("Департамент общего образования Томской области",),
    "ТОГИРРО": ("Тюменский областной государственный институт развития регионального образования",),
    "ТОИПКРО": (
        "ТОИПКРО",
        "Томский областной институт повышения квалификации и переподготовки работников образования",
    ),
    "ЧИРО": ("ЧИРО", "Челябинский институт развития образования"),
    "МОУО": (
        "МОУО",
        "управление образования",
        "комитет по образованию",
        "муниципальный орган управления образованием",
        "муниципальные органы управления образованием",
        "органы местного самоуправления, осуществляющие управление в сфере образования",
    ),
    "ММС": ("ММС", "муниципальная методическая служба", "муниципальные методические службы"),
    "ОО": ("ОО", "общеобразовательная организация", "общеобразовательные организации"),
    "ЦНППМ": (
        "ЦНППМ",
        "ЦНППМР",
        "ЦНППМ(Р)",
        "Центр непрерывного повышения профессионального мастерства педагогических работников",
    ),
    "РУМО": ("РУМО", "региональное учебно-методическое объединение"),
    "РМА": ("РМА", "региональный методический актив"),
    "РИП": ("РИП", "региональная инновационная площадка", "региональные инновационные площадки"),
    "ЕРКР": ("ЕРКР", "Единый региональный кадровый резерв руководителей"),
    "ФИОКО": ("ФИОКО", "Федеральный институт оценки качества образования"),
    "ФИЦТО": ("ФИЦТО", "Федеральный институт цифровой трансформации в сфере образования"),
    "Академия Минпросвещения России": (
        "Академия Минпросвещения",
        "ФГАОУ ДПО «Академия Минпросвещения России»",
        "Академия реализации государственной политики и профессионального развития работников "
        "образования Министерства просвещения Российской Федерации",
    ),
    "Минпросвещения России": ("Минпросвещения", "Министерство просвещения Российской Федерации"),
    "Госуниверситет просвещения": ("Государственный университет просвещения",),
    "ФИПИ": ("ФИПИ", "Федеральный институт педагогических измерений"),
    "ЦОКО": (
        "ЦОКО",
        "РЦОКО",
        "Центр оценки качества образования",
        "региональный центр оценки качества образования",
    ),
    "РЦОИ": ("РЦОИ", "региональный центр обработки информации"),
    "ИРО": ("ИРО", "институт развития образования"),
    "ИМЦ": ("ИМЦ", "информационно-методический центр"),
    # A role every region has, whoever plays it: the operator maps it to an organisation once.
    "Региональный оператор": (
        "региональный оператор",
        "региональный оператор проекта",
        "региональный координатор",
        "региональный координатор проекта",
    ),
}

#: Role phrases (regular expressions, searched ignoring case) → the organisation the role belongs
#: to. The first match wins, so specific phrases come before general ones.
DEFAULT_ROLES: tuple[tuple[str, str], ...] = (
    (r"кадров\w*\s+резерв", "ЕРКР"),
    (r"методическ\w*\s+актив", "РМА"),
    (r"инновационн\w*\s+площад", "РИП"),
    (r"муниципальн\w*\s+(?:координатор|куратор)", "МОУО"),
    (r"регионал\w*\s+(?:оператор|координатор)", "Региональный оператор"),
    (r"школьн\w*\s+координатор", "ОО"),
    (r"методическ\w*\s+служб", "ММС"),
    (r"(?:управленческ|школьн)\w*\s+команд", "ОО"),
    (r"(?:руководител|директор|координатор|педагог)\w*\s+(?:ОО|общеобразовательн|школ)", "ОО"),
)


@dataclass(frozen=True)
class Responsible:
    """One responsible party named in a cell: its text and canonical organisation, if known."""

    text: str
    organisation: str | None

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        return {"text": self.text, "organisation": self.organisation}


def _is_abbreviation(alias: str) -> bool:
    # «ДОиН ТО» is an abbreviation although it has a lowercase letter; names have lowercase runs.
    return re.search(r"[a-zа-яё]{3,}", alias) is None


_WORD_RE = re.compile(r"[()–—]|[^\s()–—]+")
# «ОО-участники», «ОО- участники»: a hyphen right after a capital letter separates a qualifier.
_GLUED_DASH_RE = re.compile(r"^(.*[A-ZА-ЯЁ])(-)(.*)$")


@dataclass(frozen=True)
class _Word:
    text: str
    start: int
    end: int


def _words(text: str) -> list[_Word]:
    """Split into words, parentheses and separating dashes, keeping their positions."""
    words: list[_Word] = []
    for match in _WORD_RE.finditer(text):
        glued = _GLUED_DASH_RE.match(match.group())
        if glued and (not glued.group(3) or glued.group(3)[0].islower()):
            at = match.start()
            head, tail = glued.group(1), glued.group(3)
            words.append(_Word(head, at, at + len(head)))
            words.append(_Word("-", at + len(head), at + len(head) + 1))
            if tail:
                words.append(_Word(tail, match.end() - len(tail), match.end()))
        else:
            words.append(_Word(match.group(), match.start(), match.end()))
    return words


@dataclass(frozen=True)
class _Alias:
    words: tuple[str, ...]
    canonical: str
    exact_case: bool


class OrgDictionary:
    """Abbreviations and names of organisations, matched longest first.

    Build it from canonical → aliases (the operator's table) or from alias → canonical
    (:meth:`coerce` accepts either, telling them apart by the value type).
    """

    def __init__(self, entries: Mapping[str, Iterable[str]]) -> None:
        """Index ``entries``: canonical abbreviation → its aliases (the canonical form included)."""
        self._by_first: dict[str, list[_Alias]] = {}
        for canonical, aliases in entries.items():
            for alias in {canonical, *aliases}:
                self._add(alias, canonical)
        for candidates in self._by_first.values():
            candidates.sort(key=lambda alias: len(alias.words), reverse=True)

    def _add(self, alias: str, canonical: str) -> None:
        words = tuple(_strip_edges(word.text) for word in _words(_normalise(alias)))
        if not words:
            return
        exact = _is_abbreviation(alias)
        key_words = words if exact else tuple(word.casefold() for word in words)
        self._by_first.setdefault(key_words[0].casefold(), []).append(
            _Alias(key_words, canonical, exact)
        )

    @classmethod
    def coerce(
        cls, dictionary: OrgDictionary | Mapping[str, str] | Mapping[str, Iterable[str]]
    ) -> OrgDictionary:
        """Return ``dictionary`` as an :class:`OrgDictionary`."""
        if isinstance(dictionary, OrgDictionary):
            return dictionary
        entries: dict[str, list[str]] = {}
        for key, value in dictionary.items():
            if isinstance(value, str):
                entries.setdefault(value, []).append(key)
            else:
                entries.setdefault(key, []).extend(value)
        return cls(entries)

    def match(self, words: list[_Word], start: int) -> tuple[str, int] | None:
        """Return the canonical organisation and the end index of the longest alias at ``start``."""
        first = _strip_edges(words[start].text).casefold()
        for alias in self._by_first.get(first, ()):
            end = start + len(alias.words)
            if end > len(words):
                continue
            found = [_strip_edges(word.text) for word in words[start:end]]
            if not alias.exact_case:
                found = [word.casefold() for word in found]
            if tuple(found) == alias.words:
                return alias.canonical, end
        return None

    def lookup(self, name: str) -> str | None:
        """Return the canonical organisation of a whole name, or ``None``."""
        words = _words(_normalise(name))
        hit = self.match(words, 0) if words else None
        return hit[0] if hit and hit[1] == len(words) else None


_TAG_RE = re.compile(r"<[^>]{0,200}>")


def _normalise(text: str) -> str:
    text = html.unescape(_TAG_RE.sub(" ", text)).replace("ё", "е").replace("Ё", "Е")
    return re.sub(r"\s+", " ", text).strip()


def _strip_edges(word: str) -> str:
    return word.strip(".:«»\"'")


def _split_entries(text: str) -> list[str]:
    """Split at commas, semicolons and line breaks that are not inside parentheses."""
    entries: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char in ",;\n" and depth == 0:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    entries.append("".join(current))
    return [entry.strip(" .") for entry in entries if entry.strip(" .")]


def _looks_like_abbreviation(word: str) -> bool:
    word = _strip_edges(word)
    return (
        len(re.findall(r"[A-ZА-ЯЁ]", word)) >= 2
        and re.search(r"[a-zа-яё]{3,}", word) is None
        and re.fullmatch(r"[\w-]+", word) is not None
    )


def _role(text: str, roles: Iterable[tuple[str, str]]) -> str | None:
    for pattern, organisation in roles:
        if re.search(pattern, text, re.IGNORECASE):
            return organisation
    return None


def _closing(words: list[_Word], start: int) -> int:
    """Return the index after the parenthesis that closes the one at ``start``."""
    depth = 0
    for index in range(start, len(words)):
        depth += {"(": 1, ")": -1}.get(words[index].text, 0)
        if depth == 0:
            return index + 1
    return len(words)


# Legal forms written before a quoted name: «ФГБНУ «ФИПИ»», «МКУ «Информационно-методический
# центр»». They are part of the name, never an organisation of their own.
_LEGAL_FORM_RE = re.compile(
    r"^(?:(?:Ф|Г|М|О)?(?:ГБ|ГА|ГК|Б|А|К)?(?:НУ|У|ОУ|УК|ОУ\s*ДПО|У\s*ДПО)|АНО|НКО|ДПО|"
    r"(?:(?:федеральн|государственн|муниципальн|бюджетн|автономн|казенн|научн|областн|"
    r"краев|образовательн)\w*\s+)+(?:учреждени\w*|организаци\w*))"
    r"(?:\s+(?:ДПО|ВО|дополнительного\s+профессионального\s+образования))?\s*$",
    re.I,
)
# Words that join two organisations in one entry: «ЦОКО и РЦОИ», «МОУО совместно с ИМЦ».
_JOINERS = frozenset({"и", "а", "также", "совместно", "с", "со", "при", "участии"})
# «высокого уровня», «городского округа»: an adjective in the genitive qualifies what precedes.
_QUALIFIER_RE = re.compile(r"^[а-яё]+(?:ого|его|ых|их)$")
_FURTHER_RE = re.compile(r"\s*\(\s*далее\s*[-–—]?[^()]*\)", re.I)


def _quoted_end(words: list[_Word], start: int) -> int | None:
    """Return the index after the word closing the quotation opened at ``start``."""
    depth = 0
    for index in range(start, min(len(words), start + 20)):
        depth += words[index].text.count("«") - words[index].text.count("»")
        if depth <= 0 and index >= start:
            return index + 1
    return None


def _legal_name(
    entry: str, words: list[_Word], start: int, dictionary: OrgDictionary
) -> tuple[Responsible, int] | None:
    """Read «<legal form> «<name>»» at ``start`` as one party, mapped by the name inside.

    A known organisation right after a one-word legal form («ФГБУ ФИОКО») is read the same way.
    """
    if start + 1 < len(words) and _LEGAL_FORM_RE.match(_strip_edges(words[start].text)):
        hit = dictionary.match(words, start + 1)
        if hit is not None:
            text = _tidy(entry[words[start].start : words[hit[1] - 1].end])
            return Responsible(text, hit[0]), hit[1]
    for quote in range(start + 1, min(len(words), start + 6)):
        if not words[quote].text.startswith("«"):
            continue
        form = entry[words[start].start : words[quote - 1].end]
        if not _LEGAL_FORM_RE.match(_normalise(form)):
            return None
        end = _quoted_end(words, quote)
        if end is None:
            return None
        hit = dictionary.match(words, quote)
        text = _tidy(entry[words[start].start : words[end - 1].end])
        return Responsible(text, hit[0] if hit else None), end
    return None


def _parse_entry(
    entry: str, dictionary: OrgDictionary, roles: tuple[tuple[str, str], ...]
) -> list[Responsible]:
    words = _words(entry)
    found: list[Responsible] = []
    # Start of the text of the last organisation found, so that qualifiers can extend it.
    last_start = 0

    def extend_last(end: int) -> None:
        found[-1] = Responsible(_tidy(entry[last_start:end]), found[-1].organisation)

    i = 0
    while i < len(words):
        word = words[i].text
        legal = _legal_name(entry, words, i, dictionary)
        if legal is not None:
            last_start = words[i].start
            found.append(legal[0])
            i = legal[1]
            continue
        if found and word.lower() in _JOINERS:
            ahead = i
            while ahead < len(words) and words[ahead].text.lower() in _JOINERS:
                ahead += 1
            if ahead < len(words) and (
                dictionary.match(words, ahead)
                or _looks_like_abbreviation(words[ahead].text)
                or _legal_name(entry, words, ahead, dictionary)
            ):
                i = ahead
                continue
        rest = entry[words[i].start :]
        if (
            found
            and found[-1].organisation
            and _QUALIFIER_RE.match(word)
            and len(rest.split()) <= 4
            and rest == rest.lower()
            and _role(rest, roles) is None
        ):
            # «ОО высокого уровня», «МОУО городского округа»: a qualifier of the organisation.
            extend_last(len(entry))
            break
        if word == "(" and found:
            # A parenthesised qualifier stays with the organisation before it: «ОО (РИП)».
            close = _closing(words, i)
            extend_last(words[close - 1].end)
            i = close
            continue
        if word in ("-", "–", "—"):
            following = words[i + 1].text if i + 1 < len(words) else ""
            if found and following[:1].islower():
                # «ОО- участники апробации проекта»: the rest of the entry qualifies the school.
                extend_last(len(entry))
                break
            i += 1
            continue
        hit = dictionary.match(words, i)
        if hit:
            canonical, end = hit
            last_start = words[i].start
            found.append(Responsible(_tidy(entry[last_start : words[end - 1].end]), canonical))
            i = end
            continue
        if _looks_like_abbreviation(word):
            last_start = words[i].start
            found.append(Responsible(_strip_edges(word), None))
            i += 1
            continue
        text = _tidy(entry[words[i].start :])
        if text:  # punctuation alone («:») names nobody
            found.append(Responsible(text, _role(text, roles)))
        break
    return found


def _tidy(text: str) -> str:
    text = re.sub(r"\(\s+", "(", text.strip(" .:"))
    return re.sub(r"\s+\)", ")", text)


def parse_responsibles(
    text: str,
    dictionary: OrgDictionary | Mapping[str, str] | Mapping[str, Iterable[str]],
    roles: Iterable[tuple[str, str]] = DEFAULT_ROLES,
) -> list[Responsible]:
    """Split a responsible cell into parties mapped to canonical organisations.

    ``dictionary`` is an :class:`OrgDictionary`, a mapping canonical → aliases, or a mapping
    alias → canonical. ``roles`` maps role phrases of free text to organisations; pass ``()``
    to leave free text unmapped. Unknown names come back with ``organisation=None``.
    """
    orgs = OrgDictionary.coerce(dictionary)
    role_list = tuple(roles)
    found: list[Responsible] = []
    # «ТОГИРРО (далее – институт)»: the clause names the party for the rest of the order.
    text = _FURTHER_RE.sub("", text)
    for entry in _split_entries(_normalise(text.replace("\n", ";"))):
        found.extend(_parse_entry(entry, orgs, role_list))
    return found
