"""Results of a survey from a handful of grouped queries over the answers table.

k-anonymity: with fewer than ``MIN_GROUP`` respondents nothing but the count is shown; a group
(a municipality) smaller than that is never shown separately — in the breakdown such groups are
pooled into «другие», and the pool too is hidden if it stays small.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.db.models import Avg, Count, Max, Min, Q

from marshrut.orgs.models import Municipality
from marshrut.surveys.models import MIN_GROUP, Answer, Invitation, Question, Response, Survey

Kind = Question.Kind
OTHERS = "другие муниципалитеты (группы меньше 5)"


@dataclass
class Bar:
    label: str
    count: int
    percent: float


@dataclass
class QuestionResult:
    question: Question
    respondents: int = 0
    bars: list[Bar] = field(default_factory=list)
    matrix: list[tuple[str, list[Bar]]] = field(default_factory=list)
    mean: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    texts: list[str] = field(default_factory=list)
    breakdown: list[tuple[str, int, list[Bar]]] = field(default_factory=list)


@dataclass
class Results:
    survey: Survey
    responses: int
    hidden: bool
    questions: list[QuestionResult]
    group: Municipality | None = None
    groups: list[tuple[int, str, int]] = field(default_factory=list)  # id, name, responses


def _pct(n: int, total: int) -> float:
    return round(100 * n / total, 1) if total else 0.0


def compute(
    survey: Survey, group: Municipality | None = None, texts_per_question: int = 50
) -> Results:
    questions = list(survey.questions.all())
    answers = Answer.objects.filter(survey=survey)
    responses = Response.objects.filter(survey=survey)
    if group is not None:
        answers = answers.filter(municipality=group)
        responses = responses.filter(municipality=group)
    by_group = list(
        Response.objects.filter(survey=survey)
        .values("municipality_id", "municipality__name")
        .annotate(n=Count("id"))
        .order_by("municipality__name")
    )
    total = (
        sum(r["n"] for r in by_group)
        if group is None
        else next((r["n"] for r in by_group if r["municipality_id"] == group.pk), 0)
    )
    groups = [
        (r["municipality_id"], r["municipality__name"], r["n"])
        for r in by_group
        if r["municipality_id"] and r["n"] >= MIN_GROUP
    ]
    results = Results(survey, total, total < MIN_GROUP, [], group, groups)
    if results.hidden:
        results.questions = [QuestionResult(q) for q in questions]
        return results

    by_kind: dict[str, list[int]] = defaultdict(list)
    for q in questions:
        by_kind[q.kind].append(q.pk)
    respondents = dict(
        answers.values("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("question_id", "n")
    )
    # Choices, matrix cells and scale values: one grouped query over the covering index.
    choice_counts: dict[tuple[int, int, int], int] = {
        (r["question_id"], r["row"], r["choice"]): r["n"]
        for r in answers.filter(
            question_id__in=by_kind[Kind.SINGLE]
            + by_kind[Kind.MULTIPLE]
            + by_kind[Kind.MATRIX]
            + by_kind[Kind.SCALE]
        )
        .values("question_id", "row", "choice")
        .annotate(n=Count("id"))
    }
    numbers = {
        r["question_id"]: r
        for r in answers.filter(question_id__in=by_kind[Kind.NUMBER] + by_kind[Kind.SCALE])
        .values("question_id")
        .annotate(mean=Avg("number"), lo=Min("number"), hi=Max("number"))
    }
    texts: dict[int, list[str]] = defaultdict(list)
    for qid, text in (
        answers.filter(question_id__in=by_kind[Kind.TEXT])
        .exclude(text="")
        .order_by("-response_id")
        .values_list("question_id", "text")
    ):
        if len(texts[qid]) < texts_per_question:
            texts[qid].append(text)
    names = {r["municipality_id"]: r["municipality__name"] for r in by_group}
    breakdown = _breakdown(survey, questions, names) if group is None else {}

    for q in questions:
        r = QuestionResult(q, respondents.get(q.pk, 0))
        n = r.respondents
        if q.kind in (Kind.SINGLE, Kind.MULTIPLE):
            r.bars = [
                Bar(opt, c := choice_counts.get((q.pk, 0, i), 0), _pct(c, n))
                for i, opt in enumerate(q.options, start=1)
            ]
        elif q.kind == Kind.SCALE:
            r.bars = [
                Bar(str(v), c := choice_counts.get((q.pk, 0, v), 0), _pct(c, n))
                for v in range(q.scale_min, q.scale_max + 1)
            ]
        elif q.kind == Kind.MATRIX:
            for ri, row_text in enumerate(q.rows, start=1):
                row_total = sum(
                    choice_counts.get((q.pk, ri, i), 0) for i in range(1, len(q.options) + 1)
                )
                r.matrix.append(
                    (
                        row_text,
                        [
                            Bar(opt, c := choice_counts.get((q.pk, ri, i), 0), _pct(c, row_total))
                            for i, opt in enumerate(q.options, start=1)
                        ],
                    )
                )
        elif q.kind == Kind.TEXT:
            r.texts = texts.get(q.pk, [])
        if q.pk in numbers and q.kind in (Kind.NUMBER, Kind.SCALE):
            r.mean = round(numbers[q.pk]["mean"], 2)
            r.minimum, r.maximum = numbers[q.pk]["lo"], numbers[q.pk]["hi"]
        r.breakdown = breakdown.get(q.pk, [])
        results.questions.append(r)
    return results


def _breakdown(
    survey: Survey, questions: list[Question], names: dict[int | None, str]
) -> dict[int, list[tuple[str, int, list[Bar]]]]:
    """Single-choice and scale answers by municipality, small groups pooled (one query)."""
    wanted = {q.pk: q for q in questions if q.kind in (Kind.SINGLE, Kind.SCALE)}
    if not wanted:
        return {}
    rows = (
        Answer.objects.filter(survey=survey, question_id__in=wanted)
        .values("question_id", "municipality_id", "choice")
        .annotate(n=Count("id"))
    )
    cells: dict[int, dict[str, dict[int, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for r in rows:
        q = wanted[r["question_id"]]
        name = names.get(r["municipality_id"]) if r["municipality_id"] else None
        cells[q.pk][name or OTHERS][r["choice"]] += r["n"]
    out: dict[int, list[tuple[str, int, list[Bar]]]] = {}
    for qid, by_name in cells.items():
        q = wanted[qid]
        values = (
            list(range(1, len(q.options) + 1))
            if q.kind == Kind.SINGLE
            else list(range(q.scale_min, q.scale_max + 1))
        )
        labels = q.options if q.kind == Kind.SINGLE else [str(v) for v in values]
        pooled: dict[int, int] = defaultdict(int)
        lines = []
        for name in sorted(by_name):
            counts = by_name[name]
            size = sum(counts.values())
            if size < MIN_GROUP or name == OTHERS:
                for v, c in counts.items():
                    pooled[v] += c
                continue
            lines.append(
                (
                    name,
                    size,
                    [
                        Bar(lbl, counts.get(v, 0), _pct(counts.get(v, 0), size))
                        for v, lbl in zip(values, labels, strict=True)
                    ],
                )
            )
        size = sum(pooled.values())
        if size >= MIN_GROUP:
            lines.append(
                (
                    OTHERS,
                    size,
                    [
                        Bar(lbl, pooled.get(v, 0), _pct(pooled.get(v, 0), size))
                        for v, lbl in zip(values, labels, strict=True)
                    ],
                )
            )
        out[qid] = lines
    return out


@dataclass
class Rate:
    municipality: str
    invited: int
    responded: int
    anonymous: int

    @property
    def percent(self) -> float | None:
        return _pct(self.responded, self.invited) if self.invited else None


def response_rates(survey: Survey) -> list[Rate]:
    """Invited and answered by municipality, plus answers by the anonymous link (two queries)."""
    rates: dict[str, Rate] = {}
    for r in (
        Invitation.objects.filter(survey=survey)
        .values("municipality__name")
        .annotate(invited=Count("id"), responded=Count("id", filter=Q(responded_at__isnull=False)))
    ):
        name = r["municipality__name"] or "—"
        rates[name] = Rate(name, r["invited"], r["responded"], 0)
    for r in (
        Response.objects.filter(survey=survey, invitation__isnull=True)
        .values("municipality__name")
        .annotate(n=Count("id"))
    ):
        name = r["municipality__name"] or "не указан"
        rates.setdefault(name, Rate(name, 0, 0, 0)).anonymous = r["n"]
    return sorted(rates.values(), key=lambda r: r.municipality)


def to_xlsx(results: Results, rates: list[Rate]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    ws = book.add_worksheet("Итоги")
    ws.set_column(0, 0, 60)
    ws.set_column(1, 3, 14)
    ws.write_string(0, 0, results.survey.title, bold)
    ws.write_string(1, 0, f"Ответов: {results.responses}")
    row = 3
    if results.hidden:
        ws.write_string(row, 0, f"Ответов меньше {MIN_GROUP}: итоги не показываются.")
    for qr in [] if results.hidden else results.questions:
        ws.write_string(row, 0, f"{qr.question.position}. {qr.question.text}", bold)
        ws.write_string(row, 1, f"ответили: {qr.respondents}")
        row += 1
        bars = qr.bars or [b for _label, bs in qr.matrix for b in bs]
        if qr.bars:
            ws.write_row(row, 0, ["Вариант", "Ответов", "%"], head)
            row += 1
            for b in qr.bars:
                ws.write_string(row, 0, b.label)
                ws.write_number(row, 1, b.count)
                ws.write_number(row, 2, b.percent)
                row += 1
        for label, bs in qr.matrix:
            ws.write_string(row, 0, label, bold)
            row += 1
            for b in bs:
                ws.write_string(row, 0, "  " + b.label)
                ws.write_number(row, 1, b.count)
                ws.write_number(row, 2, b.percent)
                row += 1
        if qr.mean is not None:
            ws.write_string(row, 0, "Среднее / минимум / максимум")
            ws.write_number(row, 1, qr.mean)
            ws.write_number(row, 2, qr.minimum or 0)
            ws.write_number(row, 3, qr.maximum or 0)
            row += 1
        for text in qr.texts:
            ws.write_string(row, 0, text)
            row += 1
        del bars
        row += 1
    rs = book.add_worksheet("Отклик по МО")
    rs.set_column(0, 0, 40)
    rs.write_row(
        0, 0, ["Муниципалитет", "Приглашено", "Ответили", "%", "По анонимной ссылке"], head
    )
    for i, r in enumerate(rates, start=1):
        rs.write_string(i, 0, r.municipality)
        rs.write_number(i, 1, r.invited)
        rs.write_number(i, 2, r.responded)
        if r.percent is not None:
            rs.write_number(i, 3, r.percent)
        rs.write_number(i, 4, r.anonymous)
    book.close()
    return buffer.getvalue()


@dataclass
class DocumentSummary:
    responses: int
    hidden: bool
    mean_readiness: float | None
    by_role: list[Bar]
    good: list[str]
    proposals: list[str]
    experts_invited: int
    experts_done: int
    criteria: list[tuple[str, int, float | None]]  # title, max, mean
    expert_comments: list[str]


def document_summary(document: Any) -> DocumentSummary:
    from marshrut.surveys.models import Criterion, Review

    survey = document.discussions.order_by("pk").first()
    res = compute(survey) if survey else None
    readiness = (
        next((q for q in res.questions if q.question.kind == Kind.SCALE), None) if res else None
    )
    roles = (
        next((q for q in res.questions if q.question.kind == Kind.SINGLE), None) if res else None
    )
    text_qs = [q for q in res.questions if q.question.kind == Kind.TEXT] if res else []
    reviews = Review.objects.filter(document=document)
    criteria = list(
        Criterion.objects.filter(document=document).annotate(
            mean=Avg("scores__score", filter=Q(scores__review__submitted_at__isnull=False))
        )
    )
    return DocumentSummary(
        responses=res.responses if res else 0,
        hidden=res.hidden if res else True,
        mean_readiness=readiness.mean if readiness else None,
        by_role=roles.bars if roles else [],
        good=text_qs[0].texts if len(text_qs) > 0 else [],
        proposals=text_qs[1].texts if len(text_qs) > 1 else [],
        experts_invited=reviews.count(),
        experts_done=reviews.filter(submitted_at__isnull=False).count(),
        criteria=[
            (c.title, c.max_score, round(c.mean, 2) if c.mean is not None else None)
            for c in criteria
        ],
        expert_comments=list(
            reviews.filter(submitted_at__isnull=False)
            .exclude(comment="")
            .values_list("comment", flat=True)
        ),
    )
