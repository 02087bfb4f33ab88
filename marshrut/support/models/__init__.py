"""The ШНОР programme's models, one module per part of the programme."""

from marshrut.support.models import assessments as assessments
from marshrut.support.models import stages as stages
from marshrut.support.models.cohort import Participation, ParticipationQuerySet
from marshrut.support.models.documents import (
    Document,
    DocumentKind,
    DocumentReview,
    DocumentVersion,
    RiskFactor,
)
from marshrut.support.models.visits import Visit, VisitFile

__all__ = [
    "Document",
    "DocumentKind",
    "DocumentReview",
    "DocumentVersion",
    "Participation",
    "ParticipationQuerySet",
    "RiskFactor",
    "Visit",
    "VisitFile",
]
