"""Models of development programmes, interviews and management decisions, a module per part."""

from marshrut.programmes.models.decisions import (
    Decision,
    DecisionEvidence,
    DecisionReport,
    DecisionStatus,
)
from marshrut.programmes.models.interviews import (
    InterviewProtocol,
    InterviewRound,
    InterviewSlot,
)

__all__ = [
    "Decision",
    "DecisionEvidence",
    "DecisionReport",
    "DecisionStatus",
    "InterviewProtocol",
    "InterviewRound",
    "InterviewSlot",
]
