"""What the console commands share about campaigns: the one reading of ``--campaign``."""

from __future__ import annotations

from django.core.management.base import CommandError

from marshrut.diagnostics.models import Campaign

CAMPAIGN_HELP = "номер кампании, её год (если кампания этого года одна) или точное название"


def resolve_campaign(text: str) -> Campaign:
    """The campaign ``--campaign`` names: its number, its year, or its exact title.

    A four-digit number is a year when campaigns of that year exist (the demo's campaign numbers
    never reach 1900); several campaigns of the year are refused with their numbers.
    """
    qs = Campaign.objects.select_related("criteria", "region")
    text = text.strip()
    if text.isdigit():
        number = int(text)
        if len(text) == 4:
            of_year = list(qs.filter(year=number).order_by("pk"))
            if len(of_year) == 1:
                return of_year[0]
            if of_year:
                listed = "; ".join(f"{c.pk} — {c.title} ({c.region})" for c in of_year)
                raise CommandError(
                    f"Кампаний {number} года несколько: {listed}. Укажите номер кампании."
                )
        found = qs.filter(pk=number).first()
        if found is not None:
            return found
    matches = list(qs.filter(title=text).order_by("pk"))
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(f"{c.pk} ({c.region})" for c in matches)
        raise CommandError(f"Кампаний с названием «{text}» несколько: {listed}. Укажите номер.")
    known = "; ".join(f"{c.pk} — {c.title}, {c.year} год" for c in qs.order_by("-year", "pk")[:10])
    raise CommandError(
        f"Нет кампании «{text}»: она не найдена ни по номеру, ни по году, ни по названию. "
        f"Есть: {known or 'ни одной'}."
    )
