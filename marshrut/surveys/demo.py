"""Demo surveys: a participants' questionnaire with a few hundred answers, a document under
discussion with expert scores."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from marshrut.lib.plural import plural
from marshrut.orgs.models import Municipality, Person, Region
from marshrut.surveys.actions import do_create_document, do_invite, do_submit_response
from marshrut.surveys.models import Document, Question, Review, Score, Survey

TITLE = "Анкета участников стажировочных площадок 2024"
DOCUMENT = "Муниципальная дорожная карта комплексного сопровождения школ"


def _questions(survey: Survey) -> list[Question]:
    specs: list[dict[str, Any]] = [
        {
            "kind": "single",
            "text": "Ваша роль в школе",
            "options": ["учитель", "заместитель директора", "директор"],
            "required": True,
        },
        {
            "kind": "single",
            "text": "Участвовали ли вы в стажировочной площадке?",
            "options": ["да", "нет"],
            "required": True,
        },
        {"kind": "scale", "text": "Насколько полезной была площадка?", "required": True},
        {
            "kind": "multiple",
            "text": "Какие темы нужны в следующем году?",
            "options": ["ВСОКО", "наставничество", "школьный климат", "профориентация", "инклюзия"],
        },
        {
            "kind": "matrix",
            "text": "Оцените условия школы",
            "options": ["недостаточно", "частично", "достаточно"],
            "rows": ["кадры", "оборудование", "методическая поддержка"],
        },
        {"kind": "number", "text": "Педагогический стаж, лет"},
        {"kind": "text", "text": "Ваши предложения"},
    ]
    questions = []
    for i, spec in enumerate(specs, start=1):
        questions.append(Question.objects.create(survey=survey, position=i, **spec))
    questions[2].show_if_question = questions[1]
    questions[2].show_if_values = [1]
    questions[2].save()
    return questions


@transaction.atomic
def build_demo(region: Region, stdout: Any) -> None:
    rng = random.Random(7)
    municipalities = list(Municipality.objects.filter(region=region).order_by("pk"))
    if not Survey.objects.filter(region=region, title=TITLE).exists():
        survey = Survey.objects.create(
            region=region,
            title=TITLE,
            description="Анонимный опрос: ответы показываются только обобщённо.",
            status=Survey.Status.OPEN,
        )
        qs = _questions(survey)
        heads = list(Person.objects.filter(region=region, position="Директор").order_by("pk")[:60])
        invitations = do_invite(None, survey, people=heads)
        proposals = [
            "больше практики",
            "стажировки в сильных школах",
            "курсы по ВСОКО",
            "методический абонемент",
        ]
        for n in range(320):
            took = rng.random() < 0.75
            answers: list[dict[str, Any]] = [
                {"question": qs[0], "choice": rng.choice([1, 1, 1, 2, 3])},
                {"question": qs[1], "choice": 1 if took else 2},
            ]
            if took:
                answers.append({"question": qs[2], "number": float(rng.choice([3, 4, 4, 5, 5]))})
            for option in rng.sample(range(1, 6), rng.randint(1, 3)):
                answers.append({"question": qs[3], "choice": option})
            for row in (1, 2, 3):
                answers.append({"question": qs[4], "row": row, "choice": rng.randint(1, 3)})
            answers.append({"question": qs[5], "number": float(rng.randint(1, 35))})
            if rng.random() < 0.3:
                answers.append({"question": qs[6], "text": rng.choice(proposals)})
            invitation = invitations[n] if n < len(invitations) // 2 else None
            do_submit_response(
                survey, answers, invitation=invitation, municipality=rng.choice(municipalities)
            )
        stdout.write(f"Анкетирование «{TITLE}»: 320 ответов")
    if not Document.objects.filter(region=region, title=DOCUMENT).exists():
        document = do_create_document(
            None,
            Document(
                region=region,
                title=DOCUMENT,
                version="2",
                summary="Модельный документ межмуниципальной проектной группы.",
            ),
            criteria=[
                ("Соответствие Концепции проекта", 3),
                ("Применимость в муниципалитете", 3),
                ("Ясность изложения", 3),
            ],
        )
        discussion = document.discussions.get()
        qs = list(discussion.questions.all())
        for _ in range(260):
            answers = [
                {"question": qs[0], "choice": rng.choice([1, 1, 2, 3, 4, 5])},
                {"question": qs[1], "number": float(rng.choice([3, 4, 4, 5]))},
            ]
            if rng.random() < 0.2:
                answers.append(
                    {
                        "question": qs[3],
                        "text": rng.choice(
                            ["добавить сроки", "уточнить ответственных", "сократить отчётность"]
                        ),
                    }
                )
            do_submit_response(discussion, answers, municipality=rng.choice(municipalities))
        experts = list(
            Person.objects.filter(region=region, school__isnull=False).order_by("pk")[:12]
        )
        criteria = list(document.criteria.all())
        for expert in experts:
            review = Review.objects.create(document=document, expert=expert)
            if rng.random() < 0.8:
                Score.objects.bulk_create(
                    Score(review=review, criterion=c, score=rng.randint(1, 3)) for c in criteria
                )
                review.comment = rng.choice(
                    ["рекомендуется к применению", "доработать раздел о мониторинге", ""]
                )
                from django.utils import timezone

                review.submitted_at = timezone.now()
                review.save()
        stdout.write(
            f"Документ на обсуждении «{DOCUMENT}»: 260 участников, "
            f"{plural(len(experts), 'эксперт', 'эксперта', 'экспертов')}"
        )
