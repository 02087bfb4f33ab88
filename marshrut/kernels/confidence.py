"""How sure the plan reader is of each row and field it read, and why it is not.

A :class:`Confidence` is one doubt: the field it concerns, a score from 0 (surely wrong) to 1
(nothing to check) and the reason in Russian, shown to the operator in the import's preview.
A row's confidence is the lowest score of its doubts; a row without doubts scores 1.

Doubts come from two places. The *structure* of the document — a row broken by a page break and
joined again, a row's tail found in a row of its own, columns recognised by their contents because
the table has no header row — is known only while the document is read, so the reader records it
on the item. A scanned item also carries the lowest OCR confidence of each field's cells; a field
read under :data:`SCAN_THRESHOLD` is a doubt (:func:`scan_doubts`, reason from :func:`ocr`) until
the operator confirms the row against the document. The *fields* — a deadline not
recognised, a responsible not in the dictionary, an item without a title — are judged from the
parsed row by :func:`field_doubts`, again after every correction of the operator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CONTINUED",
    "HEADERLESS",
    "JOINED",
    "SCAN_THRESHOLD",
    "Confidence",
    "field_doubts",
    "ocr",
    "row_score",
    "scan_doubts",
]

# A field read from a scan with less OCR confidence than this is a doubt: the row waits for the
# operator's confirmation before the plan is saved.
SCAN_THRESHOLD = 0.80


@dataclass(frozen=True)
class Confidence:
    """One doubt about one field of a row: ``score`` in 0..1 and the reason for the operator."""

    score: float
    reason: str
    field: str = "row"  # row, title, deadline, responsible, targets, or a column's role

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        return {"field": self.field, "score": round(self.score, 2), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Confidence:
        """Build a doubt back from :meth:`to_dict`'s shape."""
        return cls(float(data["score"]), str(data["reason"]), str(data.get("field", "row")))


# The structural doubts the reader records.
CONTINUED = Confidence(0.8, "строка продолжается на следующей странице")
JOINED = Confidence(0.9, "продолжение строки найдено в отдельной строке таблицы и присоединено")
HEADERLESS = Confidence(0.85, "у таблицы нет строки заголовков: столбцы определены по содержимому")


def ocr(confidence: float, field: str = "row") -> Confidence:
    """The doubt about a cell read from a scan by OCR with the given confidence (0..1)."""
    score = min(max(confidence, 0.0), 1.0)
    return Confidence(score, f"распознано по скану, уверенность {round(score * 100)} %", field)


def scan_doubts(fields: Mapping[str, float]) -> list[Confidence]:
    """The doubts about the fields of a scanned row read under :data:`SCAN_THRESHOLD`."""
    return [ocr(score, field) for field, score in fields.items() if score < SCAN_THRESHOLD]


def field_doubts(row: Mapping[str, Any]) -> list[Confidence]:
    """Doubts about the parsed fields of a draft row (the import's JSON shape)."""
    doubts: list[Confidence] = []
    if not str(row.get("title", "")).strip():
        doubts.append(Confidence(0.2, "нет названия мероприятия", "title"))
    deadlines = row.get("deadlines", [])
    for deadline in deadlines:
        if deadline.get("kind") == "unknown":
            doubts.append(
                Confidence(0.3, f"срок не распознан: «{deadline.get('text', '')}»", "deadline")
            )
    if not deadlines:
        doubts.append(Confidence(0.6, "срок не указан", "deadline"))
    for party in row.get("responsible", []):
        if not party.get("organisation"):
            doubts.append(
                Confidence(
                    0.6,
                    f"ответственный не найден в справочнике: «{party.get('text', '')}»",
                    "responsible",
                )
            )
    for target in row.get("targets", []):
        if target.get("value") is None:
            doubts.append(
                Confidence(0.7, f"у показателя нет значения: «{target.get('text', '')}»", "targets")
            )
    return doubts


def row_score(doubts: Iterable[Confidence]) -> float:
    """A row's confidence: its lowest doubt's score, or 1 when nothing is in doubt."""
    return min((doubt.score for doubt in doubts), default=1.0)
