"""Writes of the networks: groups, members, stages, model documents, sites.

Each write is atomic, version-checked where people edit the same row (lib/concurrency) and
written to the audit log. Model documents are created by the surveys app's own action, which
opens their public discussion; this app only ties them to the group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marshrut.audit.log import Action, Source, record, save_with_audit
from marshrut.events.models import Event
from marshrut.lib.concurrency import claim
from marshrut.networks.models import GroupDocument, GroupMember, GroupStage, ProjectGroup, Site
from marshrut.surveys.actions import do_create_document
from marshrut.surveys.models import Document

# The year of a group as seed 003 describes it: distance work in winter and spring, in-person
# sessions (the May session, the September day of the agglomeration), evaluation in the autumn.
STANDARD_STAGES: list[tuple[str, str, tuple[int, int], tuple[int, int]]] = [
    (
        GroupStage.Kind.DISTANCE,
        "Дистанционное взаимодействие: рабочие встречи, обмен материалами",
        (1, 15),
        (4, 30),
    ),
    (
        GroupStage.Kind.IN_PERSON,
        "Очные сессии: сессия образовательной агломерации, день агломерации в территории",
        (5, 1),
        (9, 30),
    ),
    (
        GroupStage.Kind.EVALUATION,
        "Профессионально-общественное обсуждение и экспертиза модельных документов",
        (10, 1),
        (12, 20),
    ),
]


def _set_events(
    actor: Any, obj: ProjectGroup | Site, events: Iterable[Event] | None, source: str
) -> None:
    if events is None:
        return
    events = list(events)
    if any(e.region_id != obj.region_id for e in events):
        raise ValidationError(_("Можно выбрать только мероприятия своего региона."))
    old = sorted(obj.events.values_list("pk", flat=True))
    new = sorted(e.pk for e in events)
    if old != new:
        obj.events.set(events)
        record(actor, Action.UPDATE, obj, changes={"events": [old, new]}, source=source)


@transaction.atomic
def do_save_group(
    actor: Any,
    group: ProjectGroup,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    events: Iterable[Event] | None = None,
    standard_stages: bool = False,
    source: str = Source.WEB,
) -> ProjectGroup:
    """Save a group; a new one may start with the three standard stages of its year."""
    created = group.pk is None
    if created and group.created_by_id is None and getattr(actor, "is_authenticated", False):
        group.created_by = actor
    claim(group, version)
    save_with_audit(actor, group, before=before, source=source)
    _set_events(actor, group, events, source)
    if created and standard_stages:
        GroupStage.objects.bulk_create(
            GroupStage(
                group=group,
                number=n,
                kind=kind,
                title=title,
                starts_on=dt.date(group.year, *start),
                ends_on=dt.date(group.year, *end),
            )
            for n, (kind, title, start, end) in enumerate(STANDARD_STAGES, start=1)
        )
    return group


def _fill_member(member: GroupMember) -> None:
    """Take the member's school and municipality from the registry and check they are the group's
    region's."""
    region_id = member.group.region_id
    person = member.person
    if person is not None:
        if person.region_id != region_id:
            raise ValidationError(_("Человек не из региона группы."))
        member.full_name = ""
        if member.school_id is None and person.school_id:
            member.school_id = person.school_id
        if member.municipality_id is None and person.municipality_id:
            member.municipality_id = person.municipality_id
    if member.school is not None:
        if member.school.municipality.region_id != region_id:
            raise ValidationError(_("Школа не из региона группы."))
        member.municipality_id = member.school.municipality_id
        if not member.organisation:
            member.organisation = member.school.short_name
    if member.municipality is not None and member.municipality.region_id != region_id:
        raise ValidationError(_("Муниципалитет не из региона группы."))
    if person is not None and person.school is not None and member.municipality_id is None:
        member.municipality_id = person.school.municipality_id


@transaction.atomic
def do_save_member(
    actor: Any,
    member: GroupMember,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> GroupMember:
    _fill_member(member)
    claim(member, version)
    save_with_audit(actor, member, before=before, source=source)
    return member


@transaction.atomic
def do_delete_member(actor: Any, member: GroupMember, *, source: str = Source.WEB) -> None:
    record(
        actor,
        Action.DELETE,
        member,
        changes={"member": [member.name, None]},
        source=source,
        region_id=member.group.region_id,
    )
    member.delete()


@transaction.atomic
def do_save_stage(
    actor: Any,
    stage: GroupStage,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> GroupStage:
    if stage.pk is None and not stage.number:
        last = stage.group.stages.order_by("-number").first()
        stage.number = (last.number + 1) if last else 1
    claim(stage, version)
    save_with_audit(actor, stage, before=before, source=source)
    return stage


@transaction.atomic
def do_add_document(
    actor: Any,
    group: ProjectGroup,
    document: Document,
    *,
    criteria: Sequence[tuple[str, int]],
    source: str = Source.WEB,
) -> GroupDocument:
    """Put a model document of the group to public discussion (and ready for expert review)."""
    if document.region_id != group.region_id:
        raise ValidationError(_("Документ другого региона."))
    do_create_document(actor, document, criteria=criteria, source=source)
    link = GroupDocument.objects.create(group=group, document=document)
    record(
        actor,
        Action.UPDATE,
        group,
        changes={"documents": [None, str(document)]},
        source=source,
        message=f"документ на обсуждении: {document}",
    )
    return link


@transaction.atomic
def do_save_site(
    actor: Any,
    site: Site,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    events: Iterable[Event] | None = None,
    source: str = Source.WEB,
) -> Site:
    """Designate a school (or its methodologist) as a site; the school must be of the region."""
    if site.school.municipality.region_id != site.region_id:
        raise ValidationError(_("Школа не из этого региона."))
    if site.person is not None and site.person.school_id != site.school_id:
        raise ValidationError(_("Методист должен работать в выбранной школе."))
    if site.pk is None and site.created_by_id is None and getattr(actor, "is_authenticated", False):
        site.created_by = actor
    claim(site, version)
    save_with_audit(actor, site, before=before, source=source)
    _set_events(actor, site, events, source)
    return site
