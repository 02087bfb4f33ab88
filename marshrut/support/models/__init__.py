"""The ШНОР programme's models, one module per part of the programme."""

from marshrut.support.models import assessments as assessments
from marshrut.support.models import stages as stages
from marshrut.support.models.cohort import Participation, ParticipationQuerySet
from marshrut.support.models.documents import (
    Document,
    DocumentKind,
    DocumentReview,
    DocumentVersion,
    FederalRisk,
)
from marshrut.support.models.risks import *  # noqa: F403  (risk profiles)
from marshrut.support.models.risks import __all__ as _risks
from marshrut.support.models.visits import Visit, VisitFile

__all__ = [
    "Document",
    "DocumentKind",
    "DocumentReview",
    "DocumentVersion",
    "FederalRisk",
    "Participation",
    "ParticipationQuerySet",
    "Visit",
    "VisitFile",
    *_risks,
]
