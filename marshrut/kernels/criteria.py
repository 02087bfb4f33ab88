"""The criteria catalogue: the model a school measures itself against, read from a YAML file.

A catalogue version (one per diagnostics year) lists the 8 directions of the model, their indicators
with answer options worth points, the level thresholds, the critical rule, the mapping of indicator
codes to the previous version and the declared contradictions between answers. The schema is
described for operators in ``docs/criteria-schema.md``; this module is its single source of truth.

Loading never stops at the first problem: every problem is collected with its place in the file
(``directions[2].indicators[5].options[1].points (строка 57)``) and raised together in one
:class:`CatalogueError`, so an operator fixes the official file in one pass.

The module also owns the vocabulary shared with scoring (levels, education levels, the school
profile) and the normalisation of raw answers (:func:`validate_answer`) that importers use to
report bad cells.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

import yaml

__all__ = [
    "DIRECTION_KINDS",
    "EDUCATION_LEVELS",
    "EDUCATION_LEVEL_NAMES",
    "INDICATOR_TYPES",
    "LEVELS",
    "LEVEL_NAMES",
    "MODEL_DIRECTIONS",
    "AnswerError",
    "Applicability",
    "Band",
    "Catalogue",
    "CatalogueError",
    "Condition",
    "Contradiction",
    "ContradictionFound",
    "CriticalRule",
    "Direction",
    "Indicator",
    "Level",
    "Option",
    "SchoolProfile",
    "Thresholds",
    "build_catalogue",
    "cross_check",
    "find_contradictions",
    "level_name",
    "level_rank",
    "load_catalogue",
    "parse_catalogue",
    "validate_answer",
    "validate_answers",
]

# --------------------------------------------------------------------------------------------------
# Vocabulary of the model
# --------------------------------------------------------------------------------------------------

LEVELS: Final[tuple[str, ...]] = ("below_basic", "basic", "medium", "high")
"""Level codes from the lowest to the highest; the index is the level's rank."""

LEVEL_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "below_basic": "ниже базового",
        "basic": "базовый",
        "medium": "средний",
        "high": "высокий",
    }
)

_LEVEL_RANK: Final[Mapping[str, int]] = MappingProxyType({code: i for i, code in enumerate(LEVELS)})

EDUCATION_LEVELS: Final[tuple[str, ...]] = ("noo", "ooo", "soo")
EDUCATION_LEVEL_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "noo": "начальное общее образование",
        "ooo": "основное общее образование",
        "soo": "среднее общее образование",
    }
)

INDICATOR_TYPES: Final[tuple[str, ...]] = ("yesno", "single", "multiple", "number", "percent")
IndicatorType = Literal["yesno", "single", "multiple", "number", "percent"]

DIRECTION_KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {"main": "магистральное направление", "condition": "ключевое условие"}
)

MODEL_DIRECTIONS: Final[tuple[tuple[str, str, str], ...]] = (
    ("znanie", "Знание", "main"),
    ("zdorovie", "Здоровье", "main"),
    ("tvorchestvo", "Творчество", "main"),
    ("vospitanie", "Воспитание", "main"),
    ("proforientatsiya", "Профориентация", "main"),
    ("uchitel", "Учитель. Школьная команда", "condition"),
    ("klimat", "Школьный климат", "condition"),
    ("sreda", "Образовательная среда", "condition"),
)
"""The 8 directions of the federal model: (code, name, kind), in the model's order."""

_MODEL_BY_CODE: Final = {code: (name, kind) for code, name, kind in MODEL_DIRECTIONS}

# Codes of indicators and options appear in URLs, spreadsheets and the CLI, so keep them plain.
_CODE_RE: Final = re.compile(r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё._-]{0,39}$")
_VERSION_RE: Final = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")

# Above this many options a "multiple" indicator is scored by summing, not by a subset table.
MAX_OPTIONS: Final = 30


def level_rank(level: str) -> int:
    """Return the rank of a level code: 0 for ``below_basic`` … 3 for ``high``."""
    try:
        return _LEVEL_RANK[level]
    except KeyError:
        raise ValueError(f"неизвестный уровень «{level}»") from None


def level_name(level: str) -> str:
    """Return the Russian name of a level code (``basic`` → «базовый»)."""
    try:
        return LEVEL_NAMES[level]
    except KeyError:
        raise ValueError(f"неизвестный уровень «{level}»") from None


@dataclass(frozen=True, slots=True)
class SchoolProfile:
    """What decides which indicators apply to a school.

    ``levels`` are the education levels the school offers (``noo``, ``ooo``, ``soo``); ``ovz`` is
    true when the school teaches pupils with disabilities (обучающиеся с ОВЗ).
    """

    levels: frozenset[str] = frozenset(EDUCATION_LEVELS)
    ovz: bool = False

    def __post_init__(self) -> None:
        """Accept any iterable of level codes and reject unknown ones early."""
        levels = frozenset(self.levels)
        unknown = sorted(levels - set(EDUCATION_LEVELS))
        if unknown:
            raise ValueError(
                f"неизвестные уровни образования: {', '.join(unknown)}; "
                f"допустимы: {', '.join(EDUCATION_LEVELS)}"
            )
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "ovz", bool(self.ovz))


# --------------------------------------------------------------------------------------------------
# The catalogue as frozen data
# --------------------------------------------------------------------------------------------------

Number = int | float


@dataclass(frozen=True, slots=True)
class Level:
    """A level of the model with its Russian name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Minimum share of the applicable maximum, in percent, needed for each level.

    Below ``basic`` a scope is «ниже базового». Shares (not absolute points) are used so that a
    school to which fewer indicators apply is measured against what it can actually earn.
    """

    basic: float
    medium: float
    high: float

    def as_tuple(self) -> tuple[float, float, float]:
        """Return the thresholds in level order (basic, medium, high)."""
        return (self.basic, self.medium, self.high)

    def min_points(self, level: str, max_points: float) -> float:
        """Return the points needed for ``level`` when the scope's maximum is ``max_points``."""
        rank = level_rank(level)
        if rank == 0:
            return 0.0
        return self.as_tuple()[rank - 1] * max_points / 100.0


@dataclass(frozen=True, slots=True)
class CriticalRule:
    """What a failed critical indicator does to levels; ``None`` means no cap."""

    direction_cap: str | None
    overall_cap: str | None


@dataclass(frozen=True, slots=True)
class Applicability:
    """Condition under which an indicator applies to a school; absent parts do not restrict."""

    levels_any: frozenset[str] | None = None
    ovz: bool | None = None

    def applies_to(self, profile: SchoolProfile) -> bool:
        """Tell whether a school with ``profile`` is measured by the indicator."""
        if self.levels_any is not None and not (self.levels_any & profile.levels):
            return False
        return self.ovz is None or self.ovz == profile.ovz


@dataclass(frozen=True, slots=True)
class Option:
    """An answer option of a ``single`` or ``multiple`` indicator."""

    code: str
    text: str
    points: Number


@dataclass(frozen=True, slots=True)
class Band:
    """A range of values of a ``number``/``percent`` indicator worth ``points``.

    The range is ``[start, end)``; ``end=None`` means "up to the top of the allowed range", and a
    band whose ``end`` equals the top of the range includes it (so ``to: 100`` includes 100 %).
    """

    start: Number
    end: Number | None
    points: Number


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator (показатель) of a direction."""

    code: str
    text: str
    type: IndicatorType
    direction: str
    max_points: Number
    """The most the indicator can earn (after the cap of a ``multiple`` indicator)."""
    critical: bool = False
    critical_min_points: Number | None = None
    """For a critical indicator: it fails when it earns fewer points than this."""
    yes_points: Number = 0
    no_points: Number = 0
    options: tuple[Option, ...] = ()
    cap: Number | None = None
    """The ``max_points`` key of a ``multiple`` indicator, if given."""
    bands: tuple[Band, ...] = ()
    min_value: Number | None = None
    max_value: Number | None = None
    integer: bool = False
    unit: str | None = None
    applies_if: Applicability | None = None
    previous_code: str | None = None
    note: str | None = None
    line: int | None = None
    """Line of the indicator in the source file, for messages."""

    def applies_to(self, profile: SchoolProfile) -> bool:
        """Tell whether the indicator measures a school with ``profile``."""
        return self.applies_if is None or self.applies_if.applies_to(profile)

    def option(self, code: str) -> Option | None:
        """Return the option with ``code``, or ``None``."""
        for option in self.options:
            if option.code == code:
                return option
        return None

    def points_for(self, value: object) -> Number:
        """Return the points a normalised answer earns (``None`` earns 0).

        This is the reference definition of scoring; the compiled tables in
        :mod:`marshrut.kernels.scoring` must agree with it for every input, and tests check that.
        Anything that is not a well-formed answer of the indicator's type earns 0, except that
        ``1``/``0`` count as «да»/«нет» and a multiple answer ignores unknown option codes.
        """
        if value is None:
            return 0
        kind = self.type
        if kind == "yesno":
            if _is_hashable(value):
                if value is True or value == True:  # noqa: E712 - 1 and 1.0 count as «да»
                    return self.yes_points
                if value is False or value == False:  # noqa: E712
                    return self.no_points
            return 0
        if kind == "single":
            if isinstance(value, str):
                option = self.option(value)
                return option.points if option is not None else 0
            return 0
        if kind == "multiple":
            if isinstance(value, str) or not isinstance(value, Iterable):
                return 0
            try:
                chosen = {c for c in value if _is_hashable(c)}
            except TypeError:
                return 0
            # Summed in catalogue order, as the maximum is, so a full answer equals it exactly.
            total: Number = sum(o.points for o in self.options if o.code in chosen)
            if self.cap is not None and total > self.cap:
                return self.cap
            return total
        return self._band_points(value)

    def _band_points(self, value: object) -> Number:
        # Strings are not numbers here: importers convert cells with validate_answer. Booleans
        # are, as everywhere in Python (True == 1), so that scoring does not depend on the order
        # in which equal values were first seen.
        if isinstance(value, str | bytes):
            return 0
        low, high = self.value_range()
        try:
            if not (low <= value <= high):  # type: ignore[operator]
                return 0
            try:
                if not math.isfinite(value):  # type: ignore[arg-type]
                    return 0
            except OverflowError:
                pass  # an integer too large for a float is still a finite number
            for band in self.bands:
                end = band.end if band.end is not None else high
                if band.start <= value < end or (value == high and end == high):  # type: ignore[operator]
                    return band.points
        except (TypeError, ValueError, ArithmeticError):
            return 0
        return 0

    def value_range(self) -> tuple[float, float]:
        """Return the allowed range of a ``number``/``percent`` value, inclusive."""
        if self.type == "percent":
            return (0.0, 100.0)
        low = self.min_value if self.min_value is not None else 0.0
        high = self.max_value if self.max_value is not None else math.inf
        return (float(low), float(high))

    def answer_points(self) -> list[tuple[object, Number]]:
        """Return the distinct simple answers with their points (not used for ``multiple``).

        For ``number``/``percent`` each band is represented by its lowest value.
        """
        if self.type == "yesno":
            return [(True, self.yes_points), (False, self.no_points)]
        if self.type == "single":
            return [(o.code, o.points) for o in self.options]
        if self.type in ("number", "percent"):
            return [(b.start, b.points) for b in self.bands]
        return []


@dataclass(frozen=True, slots=True)
class Direction:
    """A direction of the model with its indicators in catalogue order."""

    code: str
    name: str
    kind: str
    thresholds: Thresholds
    indicators: tuple[Indicator, ...]


ConditionOp = Literal[
    "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains", "not_contains"
]

_OPS_BY_TYPE: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "yesno": ("eq", "ne"),
        "single": ("eq", "ne", "in", "not_in"),
        "multiple": ("contains", "not_contains"),
        "number": ("eq", "ne", "lt", "le", "gt", "ge"),
        "percent": ("eq", "ne", "lt", "le", "gt", "ge"),
    }
)


@dataclass(frozen=True, slots=True)
class Condition:
    """A test on one indicator's answer; an unanswered indicator never satisfies it."""

    indicator: str
    op: ConditionOp
    value: object

    def holds(self, answer: object) -> bool:
        """Tell whether a normalised answer satisfies the condition."""
        if answer is None:
            return False
        op, value = self.op, self.value
        if op == "eq":
            return bool(answer == value)
        if op == "ne":
            return bool(answer != value)
        if op == "in":
            return answer in value  # type: ignore[operator]
        if op == "not_in":
            return answer not in value  # type: ignore[operator]
        if op == "contains":
            return value in answer  # type: ignore[operator]
        if op == "not_contains":
            return value not in answer  # type: ignore[operator]
        number = float(answer)  # type: ignore[arg-type]
        limit = float(value)  # type: ignore[arg-type]
        if op == "lt":
            return number < limit
        if op == "le":
            return number <= limit
        if op == "gt":
            return number > limit
        return number >= limit


@dataclass(frozen=True, slots=True)
class Contradiction:
    """A declared pair of answers that cannot both be true (used by verification)."""

    code: str
    when: Condition
    also: Condition
    """The second condition; the YAML key is ``and``."""
    message: str


@dataclass(frozen=True, slots=True)
class ContradictionFound:
    """A contradiction that holds for a school's answers."""

    code: str
    message: str
    indicators: tuple[str, str]


@dataclass(frozen=True)
class Catalogue:
    """A loaded and validated criteria catalogue; immutable.

    ``directions`` are always in the model's order (see :data:`MODEL_DIRECTIONS`) and
    ``indicators`` maps codes to indicators in catalogue order (direction by direction).
    ``mapping`` maps a code of this version to its code in ``previous_version``.
    """

    version: str
    title: str
    year: int
    illustrative: bool
    notice: str
    previous_version: str | None
    directions: tuple[Direction, ...]
    indicators: Mapping[str, Indicator]
    levels: tuple[Level, ...]
    thresholds: Thresholds
    """Overall thresholds; each direction carries its own in ``Direction.thresholds``."""
    critical_rule: CriticalRule
    mapping: Mapping[str, str]
    contradictions: tuple[Contradiction, ...]
    source: str = "<текст>"
    mapping_places: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False
    )
    # Compiled scoring plans live here (see scoring.py): derived data, built once per catalogue.
    # Not an init field, so dataclasses.replace() gives the changed catalogue a fresh cache.
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def direction_codes(self) -> tuple[str, ...]:
        """Return the direction codes in model order."""
        return tuple(d.code for d in self.directions)

    @property
    def scope_codes(self) -> tuple[str, ...]:
        """Return the direction codes followed by ``"overall"``: the scopes a result has."""
        return (*self.direction_codes, "overall")

    def direction(self, code: str) -> Direction:
        """Return the direction with ``code`` or raise ``KeyError``."""
        for direction in self.directions:
            if direction.code == code:
                return direction
        raise KeyError(code)

    def previous_code(self, code: str) -> str | None:
        """Return the code in the previous version that ``code`` compares with, if any."""
        return self.mapping.get(code)


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


class CatalogueError(ValueError):
    """A catalogue that cannot be used; ``problems`` lists every problem with its place."""

    def __init__(self, problems: Sequence[str], source: str | None = None) -> None:
        """Keep the problems and the name of the file they were found in."""
        self.problems: list[str] = list(problems)
        self.source = source
        super().__init__(self.__str__())

    def __str__(self) -> str:
        """Render a header and one problem per line, as the CLI prints it."""
        where = f" «{self.source}»" if self.source else ""
        count = len(self.problems)
        lines = [f"Каталог критериев{where} не загружен: найдено проблем — {count}."]
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


class AnswerError(ValueError):
    """An answer that does not fit its indicator; the message is for the person who typed it."""

    def __init__(self, message: str, indicator: str | None = None, raw: object = None) -> None:
        """Keep the indicator code and the raw value next to the Russian message."""
        super().__init__(message)
        self.message = message
        self.indicator = indicator
        self.raw = raw


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------

PathKey = tuple[str | int, ...]


def load_catalogue(source: str | Path) -> Catalogue:
    """Load and validate a catalogue from a file path or from YAML text.

    A :class:`~pathlib.Path` is always a file; a ``str`` is YAML text when it contains a line
    break and a file path otherwise (a real catalogue never fits on one line).

    Raises:
        CatalogueError: with every problem found, each naming its place and line.
    """
    if isinstance(source, Path) or "\n" not in source:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CatalogueError([f"файл не найден: {path}"], str(path)) from None
        except UnicodeDecodeError:
            raise CatalogueError(["файл должен быть в кодировке UTF-8"], str(path)) from None
        except OSError as exc:
            raise CatalogueError([f"файл не читается: {exc.strerror}"], str(path)) from None
        return parse_catalogue(text, source_name=str(path))
    return parse_catalogue(source)


def parse_catalogue(text: str, source_name: str = "<текст>") -> Catalogue:
    """Parse and validate YAML text; problems carry line numbers from the YAML node marks."""
    data, lines, problems = _compose(text, source_name)
    return _build(data, lines, problems, source_name)


def build_catalogue(data: Mapping[str, Any], source_name: str = "<данные>") -> Catalogue:
    """Validate an already parsed catalogue (e.g. stored as JSON); problems carry no lines."""
    return _build(data, {}, [], source_name)


def _compose(text: str, source_name: str) -> tuple[Any, dict[PathKey, int], list[str]]:
    try:
        # The reader checks the characters as it is built: a NUL byte fails here already.
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise CatalogueError([_bad_character(text, exc)], source_name) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise CatalogueError(["файл пуст"], source_name)
        lines: dict[PathKey, int] = {}
        problems: list[str] = []
        _collect_lines(loader, node, (), lines, problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"строка {mark.line + 1}, позиция {mark.column + 1}: " if mark else ""
        detail = _yaml_problem(exc.problem or exc.context or "")
        raise CatalogueError([f"{where}ошибка синтаксиса YAML: {detail}"], source_name) from None
    except yaml.reader.ReaderError as exc:
        raise CatalogueError([_bad_character(text, exc)], source_name) from None
    except yaml.YAMLError:
        raise CatalogueError(["файл не читается как YAML"], source_name) from None
    finally:
        loader.dispose()
    return data, lines, problems


# PyYAML's wording of the usual mistakes, in the operator's words.
_YAML_PROBLEMS = (
    ("mapping values are not allowed", "двоеточие не на месте — возьмите значение в кавычки"),
    ("could not find expected ':'", "нет двоеточия после ключа"),
    ("expected <block end>", "неверный отступ"),
    ("did not find expected key", "неверный отступ или лишний символ"),
    ("did not find expected '-' indicator", "неверный отступ в списке"),
    ("found character '\\t'", "табуляция вместо пробелов в отступе"),
    ("found unexpected end of stream", "файл оборвался: не закрыта кавычка или скобка"),
    ("found undefined alias", "ссылка на несуществующий якорь (*имя)"),
    ("found duplicate anchor", "якорь (&имя) объявлен дважды"),
    ("expected ',' or ']'", "не закрыта квадратная скобка"),
    ("expected ',' or '}'", "не закрыта фигурная скобка"),
    ("while scanning a quoted scalar", "не закрыта кавычка"),
    ("expected a single document", "в файле несколько документов (---); нужен один"),
)
# Anchors let a few lines stand for millions of nodes («billion laughs»): the walk stops here.
MAX_NODES = 100_000
MAX_DEPTH = 40


def _bad_character(text: str, exc: yaml.reader.ReaderError) -> str:
    line = text.count("\n", 0, exc.position) + 1
    char = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return f"строка {line}: недопустимый символ U+{char:04X} — это не текст YAML"


def _yaml_problem(problem: str) -> str:
    for english, russian in _YAML_PROBLEMS:
        if english in problem:
            return russian
    return "проверьте отступы, двоеточия, кавычки и скобки"


def _collect_lines(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: PathKey,
    lines: dict[PathKey, int],
    problems: list[str],
) -> None:
    """Record the line of every node by its path and report duplicate keys.

    PyYAML silently keeps the last of duplicate keys; an operator who writes ``points`` twice
    must hear about it instead.
    """
    lines[path] = node.start_mark.line + 1
    if len(lines) > MAX_NODES or len(path) > MAX_DEPTH:
        raise CatalogueError(
            [
                f"строка {node.start_mark.line + 1}: каталог слишком велик или зациклен "
                "(ссылки на якоря раскрываются в слишком много элементов)"
            ]
        )
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=True)
            if not _is_hashable(key):
                continue
            child = (*path, key if isinstance(key, str | int) else str(key))
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    f"{_format_place(child, line)}: ключ «{key}» повторяется "
                    f"(первый раз — в строке {seen[key]})"
                )
                continue
            seen[key] = line
            _collect_lines(loader, value_node, child, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(loader, item, (*path, index), lines, problems)


def _format_path(path: PathKey) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "корень файла"


def _format_place(path: PathKey, line: int | None) -> str:
    place = _format_path(path)
    return f"{place} (строка {line})" if line is not None else place


def _is_hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _describe(value: object) -> str:
    """Describe a wrong value in an error message the way an operator reads it."""
    if value is None:
        return "пустое значение"
    if isinstance(value, bool):
        return f"логическое значение {'true' if value else 'false'}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'"{shown}"'
    if isinstance(value, int | float):
        return f"число {value!r}"
    if isinstance(value, Mapping):
        return "словарь"
    if isinstance(value, list | tuple):
        return "список"
    return type(value).__name__


def _fmt_number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Reader:
    """Collects problems with their places while reading plain data."""

    def __init__(self, lines: Mapping[PathKey, int], problems: list[str]) -> None:
        self.lines = lines
        self.problems = problems

    def place(self, path: PathKey) -> str:
        # A missing key has no node of its own: point at the closest enclosing node.
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        return _format_place(path, self.lines.get(probe))

    def add(self, path: PathKey, message: str) -> None:
        self.problems.append(f"{self.place(path)}: {message}")

    def mapping(
        self,
        value: object,
        path: PathKey,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        unused_for: str | None = None,
        known: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """Check that ``value`` is a mapping with only ``allowed`` and all ``required`` keys.

        ``known`` keys are valid elsewhere in the schema but not here (``unused_for`` says why).
        """
        if not isinstance(value, Mapping):
            self.add(path, f"ожидался словарь (ключ: значение), получено {_describe(value)}")
            return None
        allowed = tuple(allowed)
        known = tuple(known)
        for key in value:
            if key in allowed:
                continue
            if not isinstance(key, str):
                self.add(
                    (*path, str(key)),
                    f"ключ {_describe(key)} не является строкой "
                    "(yes/no/on/off в YAML читаются как логические значения — "
                    "заключите ключ в кавычки)",
                )
            elif key in known and unused_for:
                self.add((*path, key), f"ключ «{key}» не используется {unused_for}")
            else:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suffix = f" (возможно, «{hint[0]}»?)" if hint else ""
                self.add((*path, key), f"неизвестный ключ «{key}»{suffix}")
        for key in required:
            if key not in value:
                self.add(path, f"нет обязательного ключа «{key}»")
        return dict(value)

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        path: PathKey,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
        what: str = "строка",
    ) -> str | None:
        if key not in data or (data[key] is None and not required):
            return None
        value = data[key]
        where = (*path, key)
        if isinstance(value, int | float) and not isinstance(value, bool) and pattern:
            self.add(
                where,
                f"ожидалась {what}, получено {_describe(value)} "
                f'(заключите значение в кавычки: "{value}")',
            )
            return None
        if not isinstance(value, str):
            self.add(where, f"ожидалась {what}, получено {_describe(value)}")
            return None
        if not value.strip():
            self.add(where, "значение не должно быть пустым")
            return None
        if pattern is not None and not pattern.match(value):
            self.add(
                where,
                f"недопустимый код «{value}»: только буквы, цифры, точка, дефис и подчёркивание, "
                "начинается с буквы или цифры, не длиннее 40 знаков",
            )
            return None
        return value.strip() if pattern is None else value

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        path: PathKey,
        *,
        required: bool = True,
        minimum: float | None = None,
        positive: bool = False,
        nullable: bool = False,
    ) -> Number | None:
        if key not in data:
            return None
        value = data[key]
        where = (*path, key)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(where, f"ожидалось число, получено {_describe(value)}")
            return None
        if not math.isfinite(value):
            self.add(where, f"ожидалось конечное число, получено {value}")
            return None
        if positive and value <= 0:
            self.add(where, f"ожидалось положительное число, получено {_fmt_number(value)}")
            return None
        if minimum is not None and value < minimum:
            self.add(
                where,
                f"ожидалось число не меньше {_fmt_number(minimum)}, получено {_fmt_number(value)}",
            )
            return None
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: PathKey) -> bool | None:
        if key not in data:
            return None
        value = data[key]
        if not isinstance(value, bool):
            self.add(
                (*path, key),
                f"ожидалось логическое значение (true или false), получено {_describe(value)}",
            )
            return None
        return value

    def sequence(
        self, data: Mapping[str, Any], key: str, path: PathKey, *, min_items: int = 1
    ) -> list[Any] | None:
        if key not in data:
            return None
        value = data[key]
        where = (*path, key)
        if not isinstance(value, list):
            self.add(where, f"ожидался список, получено {_describe(value)}")
            return None
        if len(value) < min_items:
            self.add(where, f"список должен содержать не меньше {min_items} элем.")
            return None
        return value

    def level(
        self, data: Mapping[str, Any], key: str, path: PathKey, allowed: Sequence[str]
    ) -> tuple[bool, str | None]:
        """Read a level code or null; return (ok, value)."""
        value = data.get(key)
        if value is None:
            return True, None
        if value not in allowed:
            names = ", ".join(allowed)
            self.add(
                (*path, key),
                f"ожидался один из уровней: {names} или пустое значение (null), "
                f"получено {_describe(value)}",
            )
            return False, None
        return True, value


_TOP_KEYS: Final = (
    "version",
    "title",
    "year",
    "illustrative",
    "notice",
    "previous_version",
    "levels",
    "thresholds",
    "critical_rule",
    "directions",
    "mapping",
    "contradictions",
)
_DIRECTION_KEYS: Final = ("code", "name", "kind", "thresholds", "indicators")
_COMMON_INDICATOR_KEYS: Final = (
    "code",
    "text",
    "type",
    "critical",
    "critical_min_points",
    "applies_if",
    "previous_code",
    "note",
)
_TYPE_KEYS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "yesno": ("points",),
        "single": ("options",),
        "multiple": ("options", "max_points"),
        "number": ("bands", "min", "max", "integer", "unit"),
        "percent": ("bands",),
    }
)
_ALL_TYPE_KEYS: Final = tuple(sorted({k for keys in _TYPE_KEYS.values() for k in keys}))


def _build(
    data: Any, lines: Mapping[PathKey, int], problems: list[str], source_name: str
) -> Catalogue:
    r = _Reader(lines, problems)
    top = r.mapping(
        data,
        (),
        _TOP_KEYS,
        required=("version", "title", "year", "thresholds", "critical_rule", "directions"),
    )
    if top is None:
        raise CatalogueError(problems, source_name)

    version = r.string(top, "version", (), pattern=_VERSION_RE, what="строка (код версии)")
    title = r.string(top, "title", ())
    year = top.get("year")
    if "year" in top and (
        isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100
    ):
        r.add(("year",), f"ожидался год — целое число от 2000 до 2100, получено {_describe(year)}")
    illustrative = r.boolean(top, "illustrative", ()) or False
    notice = r.string(top, "notice", (), required=False) or ""
    if illustrative and not notice:
        r.add(("notice",), "у иллюстративного каталога (illustrative: true) должно быть notice")
    previous_version = r.string(
        top, "previous_version", (), required=False, pattern=_VERSION_RE, what="строка"
    )
    if previous_version is not None and previous_version == version:
        r.add(("previous_version",), "предыдущая версия не может совпадать с version")

    levels = _read_levels(r, top)
    direction_thresholds, overall_thresholds = _read_top_thresholds(r, top)
    critical_rule = _read_critical_rule(r, top)

    indicators: dict[str, Indicator] = {}
    places: dict[str, PathKey] = {}
    directions = _read_directions(r, top, direction_thresholds, indicators, places)

    mapping, mapping_places = _read_mapping(r, top, indicators, places, previous_version)
    contradictions = _read_contradictions(r, top, indicators)

    if problems:
        raise CatalogueError(problems, source_name)

    # Every field is present here: any missing one was reported above and we raised.
    # Indicators follow the directions in model order, whatever the order in the file.
    indicators = {i.code: indicators[i.code] for d in directions for i in d.indicators}
    if mapping:
        indicators = {
            code: _replace_previous(ind, mapping.get(code)) for code, ind in indicators.items()
        }
        directions = [
            Direction(
                d.code,
                d.name,
                d.kind,
                d.thresholds,
                tuple(indicators[i.code] for i in d.indicators),
            )
            for d in directions
        ]
    return Catalogue(
        version=version or "",
        title=title or "",
        year=int(year),  # type: ignore[arg-type]
        illustrative=illustrative,
        notice=notice,
        previous_version=previous_version,
        directions=tuple(directions),
        indicators=MappingProxyType(indicators),
        levels=levels,
        thresholds=overall_thresholds,  # type: ignore[arg-type]
        critical_rule=critical_rule,  # type: ignore[arg-type]
        mapping=MappingProxyType(mapping),
        contradictions=tuple(contradictions),
        source=source_name,
        mapping_places=MappingProxyType(mapping_places),
    )


def _replace_previous(indicator: Indicator, previous: str | None) -> Indicator:
    if indicator.previous_code == previous:
        return indicator
    return dataclasses.replace(indicator, previous_code=previous)


def _read_levels(r: _Reader, top: Mapping[str, Any]) -> tuple[Level, ...]:
    names = dict(LEVEL_NAMES)
    raw = top.get("levels")
    if raw is not None:
        levels = r.mapping(raw, ("levels",), LEVELS)
        if levels is not None:
            for code in LEVELS:
                if code in levels:
                    name = r.string(levels, code, ("levels",))
                    if name:
                        names[code] = name
    return tuple(Level(code, names[code]) for code in LEVELS)


def _read_thresholds(r: _Reader, raw: object, path: PathKey) -> Thresholds | None:
    data = r.mapping(raw, path, ("basic", "medium", "high"), required=("basic", "medium", "high"))
    if data is None:
        return None
    values = [r.number(data, key, path) for key in ("basic", "medium", "high")]
    if any(v is None for v in values):
        return None
    basic, medium, high = (float(v) for v in values)  # type: ignore[arg-type]
    ok = True
    for key, value in zip(("basic", "medium", "high"), (basic, medium, high), strict=True):
        if not 0 < value <= 100:
            r.add(
                (*path, key),
                f"порог задаётся в процентах от максимума: ожидалось число больше 0 и не больше "
                f"100, получено {_fmt_number(value)}",
            )
            ok = False
    if ok and not basic < medium < high:
        r.add(
            path,
            "пороги должны возрастать: basic < medium < high, получено "
            f"{_fmt_number(basic)}, {_fmt_number(medium)}, {_fmt_number(high)}",
        )
        ok = False
    return Thresholds(basic, medium, high) if ok else None


def _read_top_thresholds(
    r: _Reader, top: Mapping[str, Any]
) -> tuple[Thresholds | None, Thresholds | None]:
    if "thresholds" not in top:
        return None, None
    data = r.mapping(
        top["thresholds"], ("thresholds",), ("direction", "overall"), ("direction", "overall")
    )
    if data is None:
        return None, None
    direction = (
        _read_thresholds(r, data["direction"], ("thresholds", "direction"))
        if "direction" in data
        else None
    )
    overall = (
        _read_thresholds(r, data["overall"], ("thresholds", "overall"))
        if "overall" in data
        else None
    )
    return direction, overall


def _read_critical_rule(r: _Reader, top: Mapping[str, Any]) -> CriticalRule | None:
    if "critical_rule" not in top:
        return None
    path: PathKey = ("critical_rule",)
    keys = ("direction_cap", "overall_cap")
    data = r.mapping(top["critical_rule"], path, keys, required=keys)
    if data is None:
        return None
    # A cap at «высокий» would cap nothing, which is always a slip in the file.
    allowed = LEVELS[:-1]
    ok1, direction_cap = r.level(data, "direction_cap", path, allowed)
    ok2, overall_cap = r.level(data, "overall_cap", path, allowed)
    if not (ok1 and ok2):
        return None
    return CriticalRule(direction_cap, overall_cap)


def _read_directions(
    r: _Reader,
    top: Mapping[str, Any],
    default_thresholds: Thresholds | None,
    indicators: dict[str, Indicator],
    places: dict[str, PathKey],
) -> list[Direction]:
    raw = r.sequence(top, "directions", ())
    if raw is None:
        return []
    found: dict[str, Direction] = {}
    first_place: dict[str, PathKey] = {}
    for index, item in enumerate(raw):
        path: PathKey = ("directions", index)
        data = r.mapping(item, path, _DIRECTION_KEYS, required=("code", "indicators"))
        if data is None:
            continue
        code = r.string(data, "code", path)
        model = _MODEL_BY_CODE.get(code) if code else None
        if code and model is None:
            known = ", ".join(c for c, _, _ in MODEL_DIRECTIONS)
            r.add((*path, "code"), f"неизвестное направление «{code}»; направления модели: {known}")
        if code and code in first_place:
            r.add(
                (*path, "code"),
                f"направление «{code}» уже описано в {r.place(first_place[code])}",
            )
            code = None
        name = r.string(data, "name", path, required=False) or (model[0] if model else "")
        kind = r.string(data, "kind", path, required=False)
        if kind is not None and model is not None and kind != model[1]:
            r.add(
                (*path, "kind"),
                f"направление «{code}» в модели — {DIRECTION_KINDS[model[1]]} ({model[1]}), "
                f"получено «{kind}»",
            )
        thresholds = default_thresholds
        if "thresholds" in data:
            thresholds = _read_thresholds(r, data["thresholds"], (*path, "thresholds"))
        problems_before = len(r.problems)
        items = _read_indicators(r, data, path, code or "", indicators, places)
        clean = len(r.problems) == problems_before
        if clean and items and all(i.applies_if is not None for i in items):
            r.add(
                (*path, "indicators"),
                "в направлении должен быть хотя бы один показатель без условия применимости "
                "(applies_if), иначе у части школ направлению нечего оценивать",
            )
        if code and model is not None:
            first_place[code] = path
            found[code] = Direction(
                code=code,
                name=name,
                kind=model[1],
                thresholds=thresholds,  # type: ignore[arg-type]
                indicators=tuple(items),
            )
    missing = [c for c, _, _ in MODEL_DIRECTIONS if c not in found and c not in first_place]
    for code in missing:
        name = _MODEL_BY_CODE[code][0]
        r.add(("directions",), f"нет направления «{code}» ({name}): в модели 8 направлений")
    return [found[c] for c, _, _ in MODEL_DIRECTIONS if c in found]


def _read_indicators(
    r: _Reader,
    data: Mapping[str, Any],
    path: PathKey,
    direction: str,
    indicators: dict[str, Indicator],
    places: dict[str, PathKey],
) -> list[Indicator]:
    raw = r.sequence(data, "indicators", path)
    if raw is None:
        return []
    result = []
    for index, item in enumerate(raw):
        ipath: PathKey = (*path, "indicators", index)
        indicator = _read_indicator(r, item, ipath, direction)
        if indicator is None:
            continue
        if indicator.code in places:
            r.add(
                (*ipath, "code"),
                f"код «{indicator.code}» уже использован в {r.place(places[indicator.code])}",
            )
            continue
        places[indicator.code] = ipath
        indicators[indicator.code] = indicator
        result.append(indicator)
    return result


def _read_indicator(r: _Reader, item: object, path: PathKey, direction: str) -> Indicator | None:
    if not isinstance(item, Mapping):
        r.add(path, f"ожидался словарь (ключ: значение), получено {_describe(item)}")
        return None
    kind = item.get("type")
    if "type" in item and kind not in INDICATOR_TYPES:
        r.add(
            (*path, "type"),
            f"неизвестный тип «{kind}»; допустимые типы: {', '.join(INDICATOR_TYPES)}",
        )
        kind = None
    allowed = _COMMON_INDICATOR_KEYS + (_TYPE_KEYS[kind] if kind else _ALL_TYPE_KEYS)
    data = r.mapping(
        item,
        path,
        allowed,
        required=("code", "text", "type"),
        unused_for=f"для типа «{kind}»",
        known=_ALL_TYPE_KEYS,
    )
    if data is None:
        return None
    problems_before = len(r.problems)
    code = r.string(data, "code", path, pattern=_CODE_RE, what="строка (код показателя)")
    text = r.string(data, "text", path)
    if kind is None:
        return None

    fields: dict[str, Any] = {}
    max_points: Number | None = None
    min_positive: Number | None = None
    if kind == "yesno":
        max_points, min_positive = _read_yesno_points(r, data, path, fields)
    elif kind in ("single", "multiple"):
        max_points, min_positive = _read_options(r, data, path, kind, fields)
    else:
        max_points, min_positive = _read_bands(r, data, path, kind, fields)

    if max_points is not None and max_points <= 0:
        r.add(path, "показатель не приносит баллов ни при каком ответе: максимум должен быть > 0")

    critical = r.boolean(data, "critical", path) or False
    critical_min = r.number(data, "critical_min_points", path, positive=True)
    if "critical_min_points" in data and not critical:
        r.add(
            (*path, "critical_min_points"),
            "critical_min_points задаётся только у критического показателя (critical: true)",
        )
    if critical_min is not None and max_points is not None and critical_min > max_points:
        r.add(
            (*path, "critical_min_points"),
            f"порог {_fmt_number(critical_min)} больше максимума показателя "
            f"{_fmt_number(max_points)}: показатель нельзя было бы выполнить",
        )
    if critical and critical_min is None:
        # «Провален» by default means «0 баллов»: the least positive score passes.
        critical_min = min_positive

    applies_if = _read_applies_if(r, data, path)
    previous_code = r.string(
        data, "previous_code", path, required=False, pattern=_CODE_RE, what="строка (код)"
    )
    note = r.string(data, "note", path, required=False)

    if len(r.problems) != problems_before or code is None or text is None or max_points is None:
        return None
    return Indicator(
        code=code,
        text=text,
        type=kind,
        direction=direction,
        max_points=max_points,
        critical=critical,
        critical_min_points=critical_min if critical else None,
        applies_if=applies_if,
        previous_code=previous_code,
        note=note,
        line=r.lines.get(path),
        **fields,
    )


def _read_yesno_points(
    r: _Reader, data: Mapping[str, Any], path: PathKey, fields: dict[str, Any]
) -> tuple[Number | None, Number | None]:
    if "points" not in data:
        r.add(path, "нет обязательного ключа «points» (баллы за ответ «да»)")
        return None, None
    raw = data["points"]
    where = (*path, "points")
    if isinstance(raw, Mapping):
        # In YAML 1.1 the keys yes/no are booleans, so accept both spellings and «да»/«нет».
        aliases = {True: "yes", False: "no", "yes": "yes", "no": "no", "да": "yes", "нет": "no"}
        values: dict[str, Number] = {}
        for key, value in raw.items():
            name = aliases.get(key) if _is_hashable(key) else None
            if name is None:
                r.add(where, f"ключи баллов — yes и no (или «да» и «нет»), получено {key!r}")
                continue
            number = r.number({name: value}, name, where, minimum=0)
            if number is not None:
                values[name] = number
        yes, no = values.get("yes", 0), values.get("no", 0)
        if "yes" not in values and "no" not in values:
            return None, None
    else:
        number = r.number(data, "points", path, minimum=0)
        if number is None:
            return None, None
        yes, no = number, 0
    fields["yes_points"] = yes
    fields["no_points"] = no
    positives = [p for p in (yes, no) if p > 0]
    return max(yes, no), (min(positives) if positives else None)


def _read_options(
    r: _Reader, data: Mapping[str, Any], path: PathKey, kind: str, fields: dict[str, Any]
) -> tuple[Number | None, Number | None]:
    if "options" not in data:
        r.add(path, "нет обязательного ключа «options» (варианты ответа)")
        return None, None
    raw = r.sequence(data, "options", path, min_items=2)
    if raw is None:
        return None, None
    if len(raw) > MAX_OPTIONS:
        r.add((*path, "options"), f"не больше {MAX_OPTIONS} вариантов ответа, получено {len(raw)}")
    options: list[Option] = []
    seen: dict[str, int] = {}
    ok = True
    for index, item in enumerate(raw):
        opath: PathKey = (*path, "options", index)
        odata = r.mapping(item, opath, ("code", "text", "points"), required=("code", "text"))
        if odata is None:
            ok = False
            continue
        code = r.string(odata, "code", opath, pattern=_CODE_RE, what="строка (код варианта)")
        text = r.string(odata, "text", opath)
        if "points" not in odata:
            r.add(opath, "у варианта ответа нет баллов (ключ «points»)")
            ok = False
            continue
        points = r.number(odata, "points", opath, minimum=0)
        if code is not None and code in seen:
            r.add(
                (*opath, "code"), f"код варианта «{code}» повторяется (см. options[{seen[code]}])"
            )
            ok = False
            continue
        if code is None or text is None or points is None:
            ok = False
            continue
        seen[code] = index
        options.append(Option(code, text, points))
    cap = None
    if kind == "multiple" and "max_points" in data:
        cap = r.number(data, "max_points", path, positive=True)
        if cap is None:
            ok = False
    if not ok:
        return None, None
    fields["options"] = tuple(options)
    fields["cap"] = cap
    positives = [o.points for o in options if o.points > 0]
    if kind == "single":
        maximum: Number = max(o.points for o in options)
        least = min(positives) if positives else None
    else:
        maximum = sum(positives) if positives else 0
        least = min(positives) if positives else None
        if cap is not None:
            if cap > maximum and positives:
                r.add(
                    (*path, "max_points"),
                    f"ограничение {_fmt_number(cap)} больше суммы баллов всех вариантов "
                    f"{_fmt_number(maximum)}: оно ничего не ограничивает",
                )
            maximum = min(maximum, cap)
            least = min(least, cap) if least is not None else None
    return maximum, least


def _read_bands(
    r: _Reader, data: Mapping[str, Any], path: PathKey, kind: str, fields: dict[str, Any]
) -> tuple[Number | None, Number | None]:
    if kind == "number":
        low = r.number(data, "min", path)
        high = r.number(data, "max", path, nullable=True)
        low_v = float(low) if low is not None else 0.0
        if high is not None and high <= low_v:
            r.add((*path, "max"), f"max ({_fmt_number(high)}) должно быть больше min ({low_v:g})")
            high = None
        high_v = float(high) if high is not None else math.inf
        integer = r.boolean(data, "integer", path) or False
        fields["min_value"] = low if low is not None else 0
        fields["max_value"] = high
        fields["integer"] = integer
        fields["unit"] = r.string(data, "unit", path, required=False)
    else:
        low_v, high_v = 0.0, 100.0
        integer = False
        fields["min_value"] = 0
        fields["max_value"] = 100
    if "bands" not in data:
        r.add(path, "нет обязательного ключа «bands» (диапазоны значений и баллы)")
        return None, None
    raw = r.sequence(data, "bands", path)
    if raw is None:
        return None, None
    bands: list[Band] = []
    ok = True
    for index, item in enumerate(raw):
        bpath: PathKey = (*path, "bands", index)
        bdata = r.mapping(item, bpath, ("from", "to", "points"), required=("from",))
        if bdata is None:
            ok = False
            continue
        if "points" not in bdata:
            r.add(bpath, "у диапазона нет баллов (ключ «points»)")
            ok = False
            continue
        start = r.number(bdata, "from", bpath)
        end = r.number(bdata, "to", bpath, nullable=True)
        points = r.number(bdata, "points", bpath, minimum=0)
        if (
            start is None
            or points is None
            or ("to" in bdata and bdata["to"] is not None and end is None)
        ):
            ok = False
            continue
        if integer and not all(float(v).is_integer() for v in (start, end) if v is not None):
            r.add(bpath, "у целочисленного показателя (integer: true) границы диапазонов — целые")
            ok = False
            continue
        if end is not None and end <= start:
            r.add(bpath, f"from ({_fmt_number(start)}) должно быть меньше to ({_fmt_number(end)})")
            ok = False
            continue
        if start < low_v or start > high_v or (end is not None and end > high_v):
            shown_high = "∞" if math.isinf(high_v) else _fmt_number(high_v)
            r.add(
                bpath,
                f"диапазон выходит за допустимые значения показателя "
                f"[{_fmt_number(low_v)}; {shown_high}]",
            )
            ok = False
            continue
        if bands:
            previous = bands[-1]
            if previous.end is None or previous.end > start:
                r.add(
                    bpath,
                    f"диапазоны пересекаются или идут не по возрастанию: "
                    f"{_band_text(previous)} и {_band_text(Band(start, end, points))}",
                )
                ok = False
                continue
        bands.append(Band(start, end, points))
    if not ok:
        return None, None
    fields["bands"] = tuple(bands)
    positives = [b.points for b in bands if b.points > 0]
    return max(b.points for b in bands), (min(positives) if positives else None)


def _band_text(band: Band) -> str:
    end = _fmt_number(band.end) if band.end is not None else "…"
    return f"[{_fmt_number(band.start)}; {end})"


def _read_applies_if(r: _Reader, data: Mapping[str, Any], path: PathKey) -> Applicability | None:
    if "applies_if" not in data:
        return None
    apath: PathKey = (*path, "applies_if")
    cond = r.mapping(data["applies_if"], apath, ("levels_any", "ovz"))
    if cond is None:
        return None
    if not cond:
        r.add(apath, "условие пустое: укажите levels_any и/или ovz или уберите applies_if")
        return None
    levels_any = None
    if "levels_any" in cond:
        raw = r.sequence(cond, "levels_any", apath)
        if raw is not None:
            bad = [v for v in raw if v not in EDUCATION_LEVELS]
            if bad:
                r.add(
                    (*apath, "levels_any"),
                    f"неизвестные уровни образования: {', '.join(map(str, bad))}; "
                    f"допустимы: {', '.join(EDUCATION_LEVELS)}",
                )
            elif len(set(raw)) != len(raw):
                r.add((*apath, "levels_any"), "уровни образования повторяются")
            else:
                levels_any = frozenset(raw)
    ovz = r.boolean(cond, "ovz", apath)
    return Applicability(levels_any, ovz)


def _read_mapping(
    r: _Reader,
    top: Mapping[str, Any],
    indicators: Mapping[str, Indicator],
    places: Mapping[str, PathKey],
    previous_version: str | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Merge ``previous_code`` keys and the ``mapping`` block into one code → previous code map."""
    mapping: dict[str, str] = {}
    where: dict[str, PathKey] = {}
    for code, indicator in indicators.items():
        if indicator.previous_code is not None:
            mapping[code] = indicator.previous_code
            where[code] = (*places[code], "previous_code")
    if "mapping" in top and top["mapping"] is not None:
        raw = top["mapping"]
        if not isinstance(raw, Mapping):
            r.add(
                ("mapping",), f"ожидался словарь «новый код: старый код», получено {_describe(raw)}"
            )
        else:
            for new, old in raw.items():
                mpath: PathKey = ("mapping", str(new))
                if not isinstance(new, str) or new not in indicators:
                    r.add(mpath, f"показателя «{new}» нет в этом каталоге")
                    continue
                if not isinstance(old, str) or not _CODE_RE.match(old):
                    r.add(
                        mpath, f"ожидался код показателя прошлой версии, получено {_describe(old)}"
                    )
                    continue
                if new in mapping and mapping[new] != old:
                    r.add(
                        mpath,
                        f"противоречит previous_code «{mapping[new]}» в {r.place(where[new])}",
                    )
                    continue
                mapping[new] = old
                where[new] = mpath
    if mapping and previous_version is None:
        first = next(iter(where.values()))
        r.add(first, "соответствие кодам прошлой версии задано, а previous_version — нет")
    by_old: dict[str, str] = {}
    for new, old in mapping.items():
        if old in by_old:
            r.add(
                where[new],
                f"код прошлой версии «{old}» уже сопоставлен показателю «{by_old[old]}»: "
                "одному старому коду — не больше одного нового",
            )
        else:
            by_old[old] = new
    return mapping, {code: r.place(path) for code, path in where.items()}


def _read_contradictions(
    r: _Reader, top: Mapping[str, Any], indicators: Mapping[str, Indicator]
) -> list[Contradiction]:
    if "contradictions" not in top or top["contradictions"] is None:
        return []
    raw = r.sequence(top, "contradictions", (), min_items=0)
    if raw is None:
        return []
    result = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path: PathKey = ("contradictions", index)
        data = r.mapping(
            item, path, ("code", "when", "and", "message"), ("code", "when", "and", "message")
        )
        if data is None:
            continue
        code = r.string(data, "code", path, pattern=_CODE_RE, what="строка (код)")
        message = r.string(data, "message", path)
        if code is not None and code in seen:
            r.add((*path, "code"), f"код противоречия «{code}» повторяется")
            code = None
        when = (
            _read_condition(r, data.get("when"), (*path, "when"), indicators)
            if "when" in data
            else None
        )
        also = (
            _read_condition(r, data.get("and"), (*path, "and"), indicators)
            if "and" in data
            else None
        )
        if code and message and when and also:
            seen.add(code)
            result.append(Contradiction(code, when, also, message))
    return result


def _read_condition(
    r: _Reader, raw: object, path: PathKey, indicators: Mapping[str, Indicator]
) -> Condition | None:
    data = r.mapping(raw, path, ("indicator", "answer", "op", "value"), required=("indicator",))
    if data is None:
        return None
    code = r.string(data, "indicator", path)
    indicator = indicators.get(code) if code else None
    if code and indicator is None:
        r.add((*path, "indicator"), f"показателя «{code}» нет в каталоге")
        return None
    if "answer" in data and ("op" in data or "value" in data):
        r.add(path, "укажите либо answer, либо op и value")
        return None
    if "answer" in data:
        op: Any = "eq"
        value = data["answer"]
    elif "op" in data and "value" in data:
        op, value = data["op"], data["value"]
    else:
        r.add(path, "нет условия: укажите answer или op и value")
        return None
    if indicator is None:
        return None
    ops = _OPS_BY_TYPE[indicator.type]
    if op not in ops:
        r.add(
            (*path, "op"),
            f"для показателя типа «{indicator.type}» допустимы операции: {', '.join(ops)}; "
            f"получено {_describe(op)}",
        )
        return None
    vpath = (*path, "answer" if "answer" in data else "value")
    try:
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise AnswerError(f"ожидался непустой список, получено {_describe(value)}")
            value = tuple(validate_answer(indicator, v) for v in value)
        elif op in ("contains", "not_contains"):
            if not isinstance(value, str) or indicator.option(value) is None:
                codes = ", ".join(o.code for o in indicator.options)
                raise AnswerError(f"ожидался код варианта ({codes}), получено {_describe(value)}")
        elif indicator.type in ("number", "percent"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise AnswerError(f"ожидалось число, получено {_describe(value)}")
        else:
            value = validate_answer(indicator, value)
            if value is None:
                raise AnswerError("значение не должно быть пустым")
    except AnswerError as exc:
        r.add(vpath, exc.message)
        return None
    return Condition(indicator.code, op, value)


# --------------------------------------------------------------------------------------------------
# Cross-version check
# --------------------------------------------------------------------------------------------------


def cross_check(catalogue: Catalogue, previous: Catalogue) -> None:
    """Check that the mapping of ``catalogue`` fits the ``previous`` catalogue.

    ``previous`` must be the version named in ``catalogue.previous_version`` and every mapped code
    must exist there.

    Raises:
        CatalogueError: listing every problem with the place of the mapping in the file.
    """
    problems = []
    if catalogue.previous_version is None:
        problems.append(
            f"previous_version: в каталоге {catalogue.version} не указана предыдущая версия"
        )
    elif catalogue.previous_version != previous.version:
        problems.append(
            f"previous_version: указана версия «{catalogue.previous_version}», "
            f"а для сверки передана «{previous.version}»"
        )
    for code, old in catalogue.mapping.items():
        if old not in previous.indicators:
            place = catalogue.mapping_places.get(code, code)
            problems.append(f"{place}: показатель «{old}» отсутствует в версии {previous.version}")
    if problems:
        raise CatalogueError(problems, catalogue.source)


def codes_across(chain: Sequence[Catalogue]) -> dict[str, str]:
    """Map codes of ``chain[0]`` to the codes of the same indicators in ``chain[-1]``.

    ``chain`` runs from a catalogue back to an earlier one, each the ``previous_version`` of the
    one before it; a code is carried through every version's mapping, so an indicator new in any
    version between has no counterpart. A chain of one catalogue maps every code to itself: two
    campaigns under one version compare the same indicators.

    Raises:
        ValueError: if the chain is empty or a link is not the previous version of the one before.
    """
    if not chain:
        raise ValueError("пустая цепочка версий")
    codes = {code: code for code in chain[0].indicators}
    for newer, older in itertools.pairwise(chain):
        if newer.previous_version != older.version:
            raise ValueError(f"версия {older.version} не предыдущая для {newer.version}")
        codes = {
            code: old
            for code, current in codes.items()
            if (old := newer.previous_code(current)) is not None and old in older.indicators
        }
    return codes


# --------------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------------

_YES: Final = frozenset({"да", "yes", "true", "1", "+", "д", "y", "имеется", "есть"})
_NO: Final = frozenset({"нет", "no", "false", "0", "-", "−", "–", "н", "n", "отсутствует"})


def validate_answer(indicator: Indicator, raw: object) -> object:
    """Normalise a raw answer (a typed value or a spreadsheet cell) for ``indicator``.

    Returns ``None`` for no answer (``None`` or an empty cell), ``bool`` for ``yesno``, an option
    code for ``single``, a tuple of option codes in catalogue order for ``multiple`` (a string
    cell may list them separated by commas or semicolons; codes or option texts are accepted), and
    an ``int``/``float`` for ``number``/``percent`` (``"12,5"``, ``"1 200"`` and ``"45%"`` are
    read too).

    Raises:
        AnswerError: with a Russian message naming what is wrong (type, option, range).
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = indicator.type
    if kind == "yesno":
        return _yesno(indicator, raw)
    if kind == "single":
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            raise AnswerError(
                f"ожидался код варианта ответа, получено {_describe(raw)}", indicator.code, raw
            )
        return _option_code(indicator, str(raw), raw)
    if kind == "multiple":
        return _multiple(indicator, raw)
    return _number(indicator, raw)


def validate_answers(
    catalogue: Catalogue, answers: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, str]]:
    """Normalise a school's answers; return (normalised answers, errors by indicator code).

    Unknown indicator codes are reported as errors; empty answers are left out.
    """
    normalised: dict[str, object] = {}
    errors: dict[str, str] = {}
    for code, raw in answers.items():
        indicator = catalogue.indicators.get(code)
        if indicator is None:
            errors[code] = f"показателя «{code}» нет в каталоге {catalogue.version}"
            continue
        try:
            value = validate_answer(indicator, raw)
        except AnswerError as exc:
            errors[code] = exc.message
            continue
        if value is not None:
            normalised[code] = value
    return normalised, errors


def _yesno(indicator: Indicator, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
    raise AnswerError(f"ожидалось «да» или «нет», получено {_describe(raw)}", indicator.code, raw)


def _option_code(indicator: Indicator, text: str, raw: object) -> str:
    value = text.strip()
    if indicator.option(value) is not None:
        return value
    folded = value.casefold()
    for option in indicator.options:
        if option.code.casefold() == folded or option.text.strip().casefold() == folded:
            return option.code
    codes = ", ".join(o.code for o in indicator.options)
    raise AnswerError(
        f"неизвестный вариант ответа «{value}»; допустимые: {codes}", indicator.code, raw
    )


def _multiple(indicator: Indicator, raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        parts: list[object] = [p for p in re.split(r"[;,\n]", raw) if p.strip()]
    elif isinstance(raw, list | tuple | set | frozenset):
        parts = list(raw)
    else:
        raise AnswerError(
            f"ожидался список кодов вариантов, получено {_describe(raw)}", indicator.code, raw
        )
    chosen = set()
    for part in parts:
        if not isinstance(part, str):
            raise AnswerError(
                f"ожидался код варианта ответа, получено {_describe(part)}", indicator.code, raw
            )
        chosen.add(_option_code(indicator, part, raw))
    # Canonical order lets the compiled scorer look the answer up in one step.
    return tuple(o.code for o in indicator.options if o.code in chosen)


def _number(indicator: Indicator, raw: object) -> int | float:
    value: float | int
    if isinstance(raw, bool):
        raise AnswerError(f"ожидалось число, получено {_describe(raw)}", indicator.code, raw)
    if isinstance(raw, int | float):
        value = raw
    elif isinstance(raw, str):
        # Spreadsheets in Russian locales group digits with (narrow) no-break spaces.
        text = re.sub(r"[\s\u00a0\u202f]", "", raw).replace(",", ".")
        if indicator.type == "percent" and text.endswith("%"):
            text = text[:-1]
        try:
            value = float(text)
        except ValueError:
            raise AnswerError(
                f"ожидалось число, получено {_describe(raw)}", indicator.code, raw
            ) from None
    else:
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise AnswerError(
                f"ожидалось число, получено {_describe(raw)}", indicator.code, raw
            ) from None
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer beyond any float
        raise AnswerError(f"число слишком велико: {str(raw)[:20]}…", indicator.code, raw) from None
    if not finite:
        raise AnswerError(f"ожидалось конечное число, получено {raw}", indicator.code, raw)
    low, high = indicator.value_range()
    if not low <= value <= high:
        shown_high = "∞" if math.isinf(high) else _fmt_number(high)
        unit = " %" if indicator.type == "percent" else ""
        raise AnswerError(
            f"значение {_fmt_number(value)}{unit} вне допустимого диапазона "
            f"{_fmt_number(low)}–{shown_high}{unit}",
            indicator.code,
            raw,
        )
    if float(value).is_integer() and (indicator.integer or isinstance(raw, int)):
        return int(value)
    if indicator.integer:
        raise AnswerError(
            f"ожидалось целое число, получено {_fmt_number(value)}", indicator.code, raw
        )
    return float(value)


def find_contradictions(
    catalogue: Catalogue,
    answers: Mapping[str, object],
    profile: SchoolProfile | None = None,
) -> list[ContradictionFound]:
    """Return the declared contradictions that hold for a school's answers.

    An answer that is missing, invalid or (with ``profile``) belongs to an indicator that does not
    apply to the school never takes part in a contradiction.
    """
    found = []
    for item in catalogue.contradictions:
        if _condition_holds(catalogue, item.when, answers, profile) and _condition_holds(
            catalogue, item.also, answers, profile
        ):
            found.append(
                ContradictionFound(
                    item.code, item.message, (item.when.indicator, item.also.indicator)
                )
            )
    return found


def _condition_holds(
    catalogue: Catalogue,
    condition: Condition,
    answers: Mapping[str, object],
    profile: SchoolProfile | None,
) -> bool:
    indicator = catalogue.indicators[condition.indicator]
    if profile is not None and not indicator.applies_to(profile):
        return False
    try:
        value = validate_answer(indicator, answers.get(condition.indicator))
    except AnswerError:
        return False
    return condition.holds(value)
