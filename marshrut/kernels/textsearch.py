"""Russian words for full-text search: tokens, stems, an FTS5 query and a highlighted snippet.

A domain kernel: plain strings in, plain data out. PostgreSQL stems with its own ``russian``
configuration (Snowball); SQLite has no Russian stemmer, so the text it indexes is stemmed here by
the same Snowball algorithm (``snowballstemmer``), and so is the query — «учителями» and
«учитель» both become «учител». «ё» is read as «е» on both sides, as people type either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

__all__ = ["fts5_query", "normalise", "snippet", "stem", "stemmed_text", "tokens"]

_WORD = re.compile(r"[0-9a-zа-я]+", re.IGNORECASE)
# Words that carry no meaning for a search; the Snowball Russian list, shortened.
_STOP = frozenset(
    [
        "и",
        "в",
        "во",
        "не",
        "что",
        "он",
        "на",
        "я",
        "с",
        "со",
        "как",
        "а",
        "то",
        "все",
        "она",
        "так",
        "его",
        "но",
        "да",
        "ты",
        "к",
        "у",
        "же",
        "вы",
        "за",
        "бы",
        "по",
        "только",
        "ее",
        "мне",
        "было",
        "вот",
        "от",
        "меня",
        "еще",
        "нет",
        "о",
        "из",
        "ему",
        "теперь",
        "когда",
        "даже",
        "ну",
        "ли",
        "если",
        "уже",
        "или",
        "ни",
        "быть",
        "был",
        "него",
        "до",
        "вас",
        "нибудь",
        "опять",
        "уж",
        "вам",
        "ведь",
        "там",
        "потом",
        "себя",
        "ничего",
        "ей",
        "может",
        "они",
        "тут",
        "где",
        "есть",
        "надо",
        "ней",
        "для",
        "мы",
        "тебя",
        "их",
        "чем",
        "была",
        "сам",
        "чтоб",
        "без",
        "будто",
        "чего",
        "раз",
        "тоже",
        "себе",
        "под",
        "будет",
        "ж",
        "тогда",
        "кто",
        "этот",
        "того",
        "потому",
        "этого",
        "какой",
        "совсем",
        "ним",
        "здесь",
        "этом",
        "один",
        "почти",
        "мой",
        "тем",
        "чтобы",
        "нее",
        "были",
        "куда",
        "зачем",
        "всех",
        "никогда",
        "можно",
        "при",
        "наконец",
        "два",
        "об",
        "другой",
        "хоть",
        "после",
        "над",
        "больше",
        "тот",
        "через",
        "эти",
        "нас",
        "про",
        "всего",
        "них",
        "какая",
        "много",
        "разве",
        "три",
        "эту",
        "моя",
        "впрочем",
        "хорошо",
        "свою",
        "этой",
        "перед",
        "иногда",
        "лучше",
        "чуть",
        "том",
        "нельзя",
        "такой",
        "им",
        "более",
        "всегда",
        "конечно",
        "всю",
        "между",
    ]
)
_STEMMER = snowballstemmer.stemmer("russian")


def normalise(text: str) -> str:
    """Lower case, «ё» as «е»: what both the index and the query see."""
    return text.lower().replace("ё", "е")


def tokens(text: str) -> list[str]:
    """The words of a text, normalised, without the stop words."""
    return [w for w in _WORD.findall(normalise(text)) if w not in _STOP]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball Russian stem of one normalised word (Latin words and numbers stay as they are)."""
    return str(_STEMMER.stemWord(word))


def stemmed_text(text: str) -> str:
    """The text as the SQLite index holds it: stems separated by spaces."""
    return " ".join(stem(w) for w in tokens(text))


def fts5_query(text: str) -> str:
    """An FTS5 MATCH expression: every stem of the query must occur (in any order).

    Each stem is quoted, so that nothing a person types is read as FTS5 syntax; an empty string
    when the query has no words (the caller then searches nothing).
    """
    stems = dict.fromkeys(stem(w) for w in tokens(text))
    return " AND ".join(f'"{s}"' for s in stems)


def _hits(text: str, wanted: set[str]) -> list[tuple[int, int, bool]]:
    """Spans of the words of ``text`` whose stem is wanted.

    A Snowball stem is a beginning of its (normalised) word, so only words starting with a wanted
    stem are stemmed: a snippet does not stem the whole text.
    """
    stems = sorted((s for s in wanted if s), key=len, reverse=True)
    if not stems:
        return []
    lowered = normalise(text)  # the same length: «ё» → «е» and lower case keep positions
    pattern = re.compile(
        r"(?<![0-9a-zа-я])(?:" + "|".join(map(re.escape, stems)) + r")[0-9a-zа-я]*"
    )
    return [
        (m.start(), m.end(), True) for m in pattern.finditer(lowered) if stem(m.group()) in wanted
    ]


def snippet(text: str, query: str | Iterable[str], *, width: int = 240) -> list[tuple[str, bool]]:
    """A piece of ``text`` around the densest run of the query's words, as (part, highlighted).

    The window of about ``width`` characters that holds the most words whose stem is one of the
    query's; words cut at the edges are dropped and «…» marks what is left out. With no match the
    beginning of the text.
    """
    wanted = {stem(w) for w in (tokens(query) if isinstance(query, str) else query)}
    hits = _hits(text, wanted)
    if len(text) <= width:
        start, end = 0, len(text)
    elif not hits:
        start, end = 0, width
    else:
        best, best_count = hits[0][0], 0
        for first in hits:
            count = sum(1 for h in hits if first[0] <= h[0] < first[0] + width)
            if count > best_count:
                best, best_count = first[0], count
        # Some context before the first hit.
        start = max(0, best - width // 4)
        end = min(len(text), start + width)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 40 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    at = start
    for s, e, _hit in hits:
        if s < start or e > end:
            continue
        if s > at:
            parts.append((text[at:s], False))
        parts.append((text[s:e], True))
        at = e
    if at < end:
        parts.append((text[at:end], False))
    if end < len(text):
        parts.append(("…", False))
    return parts
