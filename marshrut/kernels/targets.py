"""Expected-result and indicator texts → measurable targets.

Roadmaps state targets inside prose: «Охват участников – 40%», «Приказ ДОН Не менее 90% …»,
«Доля ОО, прошедших самодиагностику (100%)», «100% общеобразовательных организаций Томской
области прошли процедуру самодиагностики», «Проведено 5 проектных сессий …».
:func:`parse_targets` finds them and returns :class:`Target` entries.

Decisions (the documents never say them, so the parser has to):

* **Comparator.** A written comparator wins: «не менее»/«не ниже» → ``>=``, «не более»/«не
  выше» → ``<=``, «более»/«свыше» → ``>``, «менее» → ``<``, «=» → ``=``. Without one, a target is
  a floor (``>=``): 45% coverage fulfils a 40% coverage target, and a share «(100%)» is met by
  100% only anyway. The exception is a metric where less is better (below-basic level, failing
  pupils, deficits, risk, …), which is a ceiling (``<=``).
* **Metric.** The words before the value in the same sentence («Охват участников», «Доля …»), or,
  when the value opens the sentence and a genitive noun follows («100% общеобразовательных
  организаций … прошли …»), the rest of the sentence. A comparator written with a capital letter
  after other words («Приказ ДОН Не менее 90% …») starts a new sentence, so those words are not
  its metric; the metric is then ``None``.
* **Counts.** A bare number is a target only in a plain count sentence: a short participle opens
  it and the number follows at once («Проведено 5 проектных сессий»). The unit is the counted
  noun phrase («проектных сессий»), the metric the participle with that phrase («Проведено
  проектных сессий»), the comparator ``>=``. Numbers elsewhere (years, «для 29 организаций»,
  «Проектная сессия 1») are not targets. A number after a written comparator is a target
  with the following noun phrase as unit («не менее 30 человек»).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["Target", "indicator_targets", "item_targets", "parse_targets"]


@dataclass(frozen=True)
class Target:
    """A measurable target: ``metric comparator value unit``, with the text it was read from."""

    text: str
    metric: str | None
    comparator: str | None
    value: int | float | None
    unit: str | None

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        return {
            "text": self.text,
            "metric": self.metric,
            "comparator": self.comparator,
            "value": self.value,
            "unit": self.unit,
        }


_COMPARATORS = (
    (r"не\s+менее|не\s+ниже|не\s+меньше|как\s+минимум|минимум|≥|>=", ">="),
    (r"не\s+более|не\s+выше|не\s+больше|не\s+превыша\w*|максимум|≤|<=", "<="),
    (r"более|больше|свыше|выше|>", ">"),
    (r"менее|меньше|ниже|<", "<"),
    (r"=", "="),
)
_CMP = "|".join(f"(?:{pattern})" for pattern, _ in _COMPARATORS)
_NUMBER = r"\d{1,3}(?:[ \u00a0]\d{3})+(?!\d)|\d+(?:[.,]\d+)?"
_VALUE_RE = re.compile(
    rf"(?:(?P<cmp>{_CMP})\s*)?(?<![\d.,])(?P<num>{_NUMBER})(?![\d])(?![.,]\d)"
    r"(?:\s*(?P<pct>%|процент(?:а|ов)?\b))?",
    re.IGNORECASE,
)
_LESS_IS_BETTER = re.compile(
    r"ниже\s+базов|низк\w*\s+(?:образовательн\w*\s+)?результат|неуспева|неудовлетвор|дефицит|отсев|нарушени|жалоб|риск|снижени|сокращени",
    re.IGNORECASE,
)
_PARTICIPLE_RE = re.compile(r"^[А-ЯЁ][а-яё]{3,}(?:[ео]н|ан|ят|ит|ыт|ут)[оаы]?$")
# Words that end the counted noun phrase: prepositions, conjunctions, relative pronouns.
_STOP_WORDS = frozenset(
    {"в", "во", "на", "по", "для", "из", "о", "об", "к", "от", "до", "за", "при", "среди"}
    | {"с", "со", "и", "или", "а", "также", "которые", "который", "которых", "что", "как", "не"}
)
_GENITIVE_RE = re.compile(r"^(?:[а-яё-]+(?:ых|их|ов|ев|ей|ий)|школ|ОО|МОУО|[A-ZА-ЯЁ]{2,})$")
# A full stop splits sentences only before a space, so «40.5%» and URLs stay whole.
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.;!?])\s+|\n+")
_TAG_RE = re.compile(r"<[^>]{0,200}>")


def _clean(text: str) -> str:
    text = html.unescape(_TAG_RE.sub(" ", text)).replace("\xa0", " ")
    return re.sub(r"[ \t]+", " ", text).strip()


def _comparator(written: str | None) -> str | None:
    if not written:
        return None
    for pattern, symbol in _COMPARATORS:
        if re.fullmatch(pattern, written, re.IGNORECASE):
            return symbol
    return None


def _number(raw: str) -> int | float:
    compact = re.sub(r"[ \u00a0]", "", raw).replace(",", ".")
    value = float(compact)
    return int(value) if value.is_integer() else value


def _noun_phrase(text: str) -> tuple[str | None, int]:
    """Return the words after a count up to a preposition or punctuation, and their length."""
    words: list[str] = []
    consumed = 0
    for match in re.finditer(r"\S+", text):
        word = match.group()
        bare = word.strip(',:;.()«»"')
        if not bare or bare.lower() in _STOP_WORDS or not re.fullmatch(r"[А-Яа-яЁё-]+", bare):
            break
        words.append(bare)
        consumed = match.start() + len(word.rstrip(',:;.()«»"'))
        if len(words) == 3 or bare != word:
            break
    return (" ".join(words) or None), consumed


def _metric_before(prefix: str) -> str | None:
    metric = prefix.strip(" \t-–—:=,(")
    return metric or None


_YEAR_WORD_RE = re.compile(r"\s*(?:год|гг?\b)")


def _is_year(raw: str, after: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d\d", raw)) or bool(re.match(r"\s*(?:год|гг?\b)", after))


def _sentence_targets(sentence: str) -> list[Target]:
    found: list[Target] = []
    start = 0  # where the metric of the next target may begin
    stripped = sentence.lstrip()
    offset = len(sentence) - len(stripped)
    first_word = re.match(r"\S+", stripped)
    count_opening = bool(first_word and _PARTICIPLE_RE.match(first_word.group()))
    for match in _VALUE_RE.finditer(sentence):
        written_cmp, raw, pct = match.group("cmp"), match.group("num"), match.group("pct")
        after = sentence[match.end() :]
        if not pct and not written_cmp:
            # A plain count: «Проведено 5 проектных сессий» — the number right after the verb.
            is_count = (
                count_opening
                and first_word is not None
                and not sentence[offset + first_word.end() : match.start()].strip()
            )
            if not is_count or _is_year(raw, after):
                continue
        elif (
            not pct
            and _is_year(raw, after)
            and not (written_cmp and not _YEAR_WORD_RE.match(after))
        ):
            # «не менее 2000 респондентов» is a count; «не позднее 2024 года» a date.
            continue
        value = _number(raw)
        value_start = match.start()
        prefix = sentence[start:value_start]
        bracketed = prefix.rstrip().endswith("(") and after.lstrip().startswith(")")
        unit: str | None
        end = match.end()
        if pct:
            unit = "%"
        else:
            unit, length = _noun_phrase(after)
            end = match.end() + length
        metric: str | None
        restart = bool(written_cmp and written_cmp[0].isupper() and prefix.strip())
        if not pct and not written_cmp:
            verb = first_word.group() if first_word else ""
            metric = f"{verb} {unit}" if unit else verb
            text_start = offset
        elif bracketed:
            metric = _metric_before(prefix)
            end = match.end() + after.index(")") + 1
            text_start = start + len(prefix) - len(prefix.lstrip(" ,;"))
        elif _metric_before(prefix) and not restart:
            metric = _metric_before(prefix)
            text_start = start + len(prefix) - len(prefix.lstrip(" ,;"))
        else:
            metric = None
            text_start = value_start
            following = after.strip()
            next_word = re.match(r"[^\s,.;:()]+", following)
            if pct and next_word and _GENITIVE_RE.match(next_word.group()):
                # «100% общеобразовательных организаций … прошли …»: the rest is the metric.
                metric = following.rstrip(" .;")
                end = len(sentence.rstrip(" .;"))
        if unit and unit != "%" and metric and _PARTICIPLE_RE.match(metric):
            # «Проведено не менее 2 семинаров» reads like a count: «Проведено семинаров».
            metric = f"{metric} {unit}"
        comparator = _comparator(written_cmp)
        if comparator is None:
            comparator = "<=" if metric and _LESS_IS_BETTER.search(metric) else ">="
        found.append(Target(sentence[text_start:end].strip(), metric, comparator, value, unit))
        start = end
    return found


def parse_targets(text: str) -> list[Target]:
    """Return the targets stated in ``text``; an empty list when it states none."""
    found: list[Target] = []
    for sentence in _SENTENCE_SPLIT_RE.split(_clean(text)):
        if sentence.strip():
            found.extend(_sentence_targets(sentence))
    return found


# «2019 г. 71,2; 2020 г. 75,0», «2023 год – 6»: a value per year in one cell.
_PER_YEAR_RE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\s*(?:г\.?|год\w*)?\s*[:–—-]?\s*(\d+(?:[.,]\d+)?)(?![\d.,]\d)"
)
_DASH_RE = re.compile(r"^[-–—]*$")
_CMP_RE = re.compile(_CMP, re.IGNORECASE)


def _default_comparator(metric: str | None) -> str:
    return "<=" if metric and _LESS_IS_BETTER.search(metric) else ">="


def indicator_targets(
    indicator: str, unit: str = "", value: str = "", year: int | None = None
) -> list[Target]:
    """Return the targets of an indicator given by its name, unit and value in separate cells.

    The name is the metric; the value may carry a comparator («не менее 90%»), be a bare number
    («15», in the unit of the unit cell) or give a value per year («2019 г. 71,2; 2020 г.
    75,0»): then the plan's year's value is the target, or, when the plan's year has none, each
    year's value is one, its year named in the metric. An indicator without a value stays
    visible as a target the operator completes. A dash means an empty cell.
    """
    indicator, unit, value = (_clean(text) for text in (indicator, unit, value))
    unit = "" if _DASH_RE.match(unit) else unit
    value = "" if _DASH_RE.match(value) else value
    if _DASH_RE.match(indicator):
        indicator = ""
    if not value:
        if not indicator:
            return []
        return parse_targets(indicator) or [Target(indicator, indicator, None, None, None)]
    metric = indicator.rstrip(" :–-") or None
    text = f"{indicator} – {value}" if indicator else value
    per_year = [(int(found), _number(number)) for found, number in _PER_YEAR_RE.findall(value)]
    if per_year:
        values = dict(per_year)
        chosen = {year: values[year]} if year in values else values
        comparator = _default_comparator(metric)
        return [
            Target(
                text,
                metric if len(chosen) == 1 and year in values else f"{metric}, {when} г.",
                comparator,
                number,
                unit or None,
            )
            for when, number in chosen.items()
        ]
    written = _CMP_RE.search(value) is not None
    found = parse_targets(value)
    if not found and re.fullmatch(_NUMBER, value):
        found = [Target(value, None, None, _number(value), None)]
    if not found:
        return [Target(text, metric, None, None, unit or None)]
    return [
        Target(
            text,
            metric or target.metric,
            target.comparator if written else _default_comparator(metric),
            target.value,
            target.unit or unit or None,
        )
        for target in found
    ]


def item_targets(
    result: str = "",
    indicator: str = "",
    unit: str = "",
    value: str = "",
    year: int | None = None,
) -> list[Target]:
    """Return a plan item's targets: those stated in its result, then its indicator's."""
    found = parse_targets(result) if result else []
    found.extend(indicator_targets(indicator, unit, value, year))
    return found
