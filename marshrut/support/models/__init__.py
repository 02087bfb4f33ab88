"""The ШНОР programme's models, one module per part of the programme."""

from marshrut.support.models import stages as stages
from marshrut.support.models.cohort import Participation, ParticipationQuerySet

__all__ = ["Participation", "ParticipationQuerySet"]
from marshrut.support.models import assessments  # noqa: F401  (results, rule, team records)
