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
from marshrut.programmes.models.programme import (
    Defence,
    Programme,
    ProgrammeArchiveJob,
    ProgrammeComment,
    ProgrammeQuerySet,
    ProgrammeReview,
    ProgrammeRevision,
    ProgrammeSection,
)

__all__ = [
    "Decision",
    "DecisionEvidence",
    "DecisionReport",
    "DecisionStatus",
    "Defence",
    "InterviewProtocol",
    "InterviewRound",
    "InterviewSlot",
    "Programme",
    "ProgrammeArchiveJob",
    "ProgrammeComment",
    "ProgrammeQuerySet",
    "ProgrammeReview",
    "ProgrammeRevision",
    "ProgrammeSection",
]
