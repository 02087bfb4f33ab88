"""Models of the programmes app: one module per part (programme; interviews and decisions)."""

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
    "Defence",
    "Programme",
    "ProgrammeArchiveJob",
    "ProgrammeComment",
    "ProgrammeQuerySet",
    "ProgrammeReview",
    "ProgrammeRevision",
    "ProgrammeSection",
]
