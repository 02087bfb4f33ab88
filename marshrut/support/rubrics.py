"""Rubrics of the expert review of ШНОР documents: criteria with maximum scores, per document kind.

Shipped as data. The federal methodology sets the review's criteria but publishes no single
scale, so the shipped rubrics are illustrative: a reviewer scores each criterion from 0 to its
maximum and writes a comment. A review keeps a copy of the rubric it was scored on, so a later
change of these criteria never rewrites an old review. Plain data: no Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The version of the shipped rubrics, stored with each review.
RUBRIC_VERSION = "2024-illustrative"


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    max_score: int


RUBRICS: dict[str, tuple[Criterion, ...]] = {
    "concept": (
        Criterion(
            "analysis",
            "Проблемный анализ опирается на результаты оценочных процедур и профиль рисков",
            3,
        ),
        Criterion("mission", "Миссия, цели и ценности согласованы с выявленными проблемами", 2),
        Criterion("directions", "Направления развития и ожидаемые результаты измеримы", 3),
        Criterion("management", "Механизмы управления изменениями и участники определены", 2),
    ),
    "midterm": (
        Criterion("passport", "Паспорт программы: сроки, этапы, исполнители", 2),
        Criterion("analysis", "Проблемно-ориентированный анализ и причины низких результатов", 3),
        Criterion("goals", "Цели и задачи конкретны, измеримы, достижимы в срок", 3),
        Criterion("actions", "Мероприятия с ответственными и сроками", 3),
        Criterion("indicators", "Показатели и их целевые значения по годам", 3),
        Criterion("resources", "Ресурсное обеспечение", 2),
        Criterion("monitoring", "Мониторинг реализации и корректировка", 2),
    ),
    "antirisk": (
        Criterion("risk", "Риск и его причины описаны по данным профиля рисков", 3),
        Criterion("goal", "Цель и задачи снижения риска", 2),
        Criterion("measures", "Меры и мероприятия устраняют причины риска", 3),
        Criterion("indicators", "Показатели результата и их целевые значения", 2),
        Criterion("owners", "Ответственные и сроки", 2),
    ),
    "roadmap": (
        Criterion("coverage", "Мероприятия охватывают задачи программы и антирисковых мер", 3),
        Criterion("deadlines", "Сроки и ответственные указаны для каждого мероприятия", 3),
        Criterion("results", "Ожидаемые результаты и показатели", 2),
        Criterion("consistency", "Согласованность с концепцией и среднесрочной программой", 2),
    ),
    "transition": (
        Criterion("analysis", "Анализ положения школ муниципалитета с низкими результатами", 3),
        Criterion("support", "Меры адресной поддержки школ", 3),
        Criterion("decisions", "Управленческие решения и ресурсы муниципалитета", 2),
        Criterion("indicators", "Показатели перехода школ в эффективный режим работы", 2),
        Criterion("monitoring", "Мониторинг, ответственные и сроки", 2),
    ),
}


def rubric(kind: str) -> tuple[Criterion, ...]:
    """The criteria of a document kind (an unknown kind has none)."""
    return RUBRICS.get(kind, ())


def max_total(kind: str) -> int:
    return sum(c.max_score for c in rubric(kind))
