"""The ШНОР programme's models, one module per part of the programme."""

from marshrut.support.models.cohort import Participation, ParticipationQuerySet

__all__ = ["Participation", "ParticipationQuerySet"]
from marshrut.support.models.risks import *  # noqa: F403  (risk profiles)
