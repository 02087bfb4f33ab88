"""Writes to the registry: each one atomic and each one written to the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from marshrut.accounts.forms import InvitationForm
from marshrut.accounts.models import User
from marshrut.audit.log import Action, Source, diff, record, save_with_audit, snapshot
from marshrut.lib.concurrency import claim
from marshrut.orgs import access
from marshrut.orgs.models import (
    FederalDistrict,
    Membership,
    Municipality,
    Person,
    Region,
    School,
)
from marshrut.orgs.roles import ROLES, Node


@transaction.atomic
def do_save_region(
    actor: Any, region: Region, *, before: dict[str, Any] | None, source: str = Source.WEB
) -> Region:
    """Save the region's settings (names, time zone, federal district) with an audit record."""
    save_with_audit(actor, region, before=before, source=source)
    return region


@transaction.atomic
def do_save_municipality(
    actor: Any,
    municipality: Municipality,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> Municipality:
    claim(municipality, version)
    save_with_audit(actor, municipality, before=before, source=source)
    _dashboards_changed(municipality.region_id)
    return municipality


@transaction.atomic
def do_save_school(
    actor: Any,
    school: School,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> School:
    """Save a school; ``version`` is the one the editor started from (``StaleEdit`` if older)."""
    claim(school, version)
    save_with_audit(actor, school, before=before, source=source)
    # People of a school follow it if it moves to another municipality.
    Person.objects.filter(school=school).exclude(municipality=school.municipality_id).update(
        municipality=school.municipality_id
    )
    # A school that moved leaves its old municipality's figures (and perhaps its old region's).
    places = {school.municipality_id, (before or {}).get("municipality")} - {None}
    for region_id in set(
        Municipality.objects.filter(pk__in=places).values_list("region_id", flat=True)
    ):
        _dashboards_changed(region_id)
    return school


def _dashboards_changed(region_id: int) -> None:
    """The region's dashboards group, filter and name schools by the registry: new figures."""
    Region(pk=region_id).campaigns.results_changed()


def _place_person(person: Person) -> None:
    """Keep a person's municipality and region consistent with their school."""
    if person.school is not None:
        person.municipality_id = person.school.municipality_id
    if person.municipality is not None:
        person.region_id = person.municipality.region_id


@transaction.atomic
def do_save_person(
    actor: Any,
    person: Person,
    *,
    before: dict[str, Any] | None,
    version: int | None = None,
    source: str = Source.WEB,
) -> Person:
    _place_person(person)
    claim(person, version)
    save_with_audit(actor, person, before=before, source=source)
    return person


def check_membership_node(
    role: str,
    *,
    region: Region | None,
    municipality: Municipality | None,
    school: School | None,
    schools: Iterable[School] = (),
) -> None:
    """Raise ValidationError unless the node fits what the role is held on."""
    node = ROLES[role].node
    label = ROLES[role].role.label
    if node == Node.COUNTRY and (region or municipality or school):
        raise ValidationError(
            _("Роль «%(r)s» назначается на всю страну или федеральный округ.") % {"r": label}
        )
    if node in (Node.REGION, Node.ASSIGNED) and (region is None or municipality or school):
        raise ValidationError(_("Роль «%(r)s» назначается на регион.") % {"r": label})
    if node == Node.MUNICIPALITY and (municipality is None or region or school):
        raise ValidationError(_("Роль «%(r)s» назначается на муниципалитет.") % {"r": label})
    if node == Node.SCHOOL and (school is None or region or municipality):
        raise ValidationError(_("Роль «%(r)s» назначается на школу.") % {"r": label})
    if node != Node.ASSIGNED and list(schools):
        raise ValidationError(_("Школы закрепляются только за кураторами и наставниками."))


@transaction.atomic
def do_grant_role(
    actor: Any,
    person: Person,
    role: str,
    *,
    region: Region | None = None,
    municipality: Municipality | None = None,
    school: School | None = None,
    schools: Iterable[School] = (),
    district: FederalDistrict | None = None,
    started_on: dt.date | None = None,
    ended_on: dt.date | None = None,
    source: str = Source.WEB,
) -> Membership:
    schools = list(schools)
    check_membership_node(
        role, region=region, municipality=municipality, school=school, schools=schools
    )
    if district is not None and ROLES[role].node != Node.COUNTRY:
        raise ValidationError(
            _("На федеральный округ назначаются только роли федерального уровня.")
        )
    membership = Membership(
        person=person,
        role=role,
        district=district,
        region=region,
        municipality=municipality,
        school=school,
        started_on=started_on or timezone.localdate(),
        ended_on=ended_on,
    )
    membership.full_clean()
    membership.save()
    if schools:
        membership.schools.set(schools)
    record(
        actor,
        Action.GRANT,
        membership,
        changes=diff(None, snapshot(membership)),
        source=source,
        region_id=person.region_id,
        target_repr=f"{person}: {membership}",
    )
    if person.user_id:
        access.forget(person.user)
    return membership


@transaction.atomic
def do_set_assigned_schools(
    actor: Any, membership: Membership, schools: Iterable[School], *, source: str = Source.WEB
) -> None:
    before = snapshot(membership)
    membership.schools.set(list(schools))
    changes = diff(before, snapshot(membership))
    if changes:
        record(
            actor,
            Action.UPDATE,
            membership,
            changes=changes,
            source=source,
            region_id=membership.person.region_id,
            target_repr=f"{membership.person}: {membership}",
        )


@transaction.atomic
def do_end_membership(
    actor: Any, membership: Membership, *, on: dt.date | None = None, source: str = Source.WEB
) -> Membership:
    before = snapshot(membership)
    day = on or timezone.localdate()
    membership.ended_on = max(day, membership.started_on)
    membership.save(update_fields=["ended_on"])
    record(
        actor,
        Action.REVOKE,
        membership,
        changes=diff(before, snapshot(membership)),
        source=source,
        region_id=membership.person.region_id,
        target_repr=f"{membership.person}: {membership}",
    )
    return membership


@transaction.atomic
def do_create_account(
    actor: Any,
    person: Person,
    username: str,
    *,
    request: HttpRequest | None = None,
    source: str = Source.WEB,
) -> User:
    """Give a person a login and e-mail them a link to set their own password."""
    if person.user_id:
        raise ValidationError(_("У этого человека уже есть учётная запись."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("Имя пользователя «%(u)s» уже занято.") % {"u": username})
    user = User(
        username=username,
        email=person.email,
        first_name=person.first_name,
        last_name=person.last_name,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    person.user = user
    person.save(update_fields=["user"])
    record(
        actor,
        Action.ACCOUNT,
        person,
        changes={"user": [None, username]},
        source=source,
        message=_("создана учётная запись"),
    )
    if person.email and request is not None:
        form = InvitationForm(user)
        if form.is_valid():
            transaction.on_commit(
                lambda: form.save(
                    request=request,
                    subject_template_name="accounts/account_created_subject.txt",
                    email_template_name="accounts/account_created_email.txt",
                )
            )
    return user
