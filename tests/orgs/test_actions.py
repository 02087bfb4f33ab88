"""Edits through the pages: each lands in the audit log with what changed."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.urls import reverse

from marshrut.audit.models import AuditEvent
from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import Role
from tests.conftest import PASSWORD, World


def test_coordinator_corrects_school_contacts_and_the_change_is_logged(world: World) -> None:
    client = world.client("coordinator")
    url = reverse("orgs:school_edit", kwargs={"pk": world.s1.pk})
    page = client.get(url).content.decode()
    assert 'name="inn"' not in page and 'name="phone"' in page  # contacts only, no identifiers
    response = client.post(
        url,
        {
            "address": "ул. Новая, 1",
            "phone": "+7 900 000-00-00",
            "email": "",
            "website": "",
            "pupils": "640",
        },
    )
    assert response.status_code == 302
    world.s1.refresh_from_db()
    assert world.s1.pupils == 640
    event = AuditEvent.objects.get(target_type="orgs.school", target_id=str(world.s1.pk))
    assert event.actor == world.users["coordinator"] and event.action == "update"
    assert event.changes["pupils"] == [None, 640]
    assert event.changes["address"] == ["", "ул. Новая, 1"]


def test_operator_grants_and_ends_a_role(world: World) -> None:
    client = world.client("operator")
    response = client.post(
        reverse("orgs:membership_create", kwargs={"pk": world.p_m2.pk}),
        {"role": Role.CURATOR, "schools": [world.s1.pk, world.s3.pk]},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(person=world.p_m2, role=Role.CURATOR)
    assert set(membership.schools.all()) == {world.s1, world.s3}
    assert AuditEvent.objects.filter(action="grant", target_id=str(membership.pk)).exists()
    client.post(reverse("orgs:membership_end", kwargs={"pk": membership.pk}))
    membership.refresh_from_db()
    assert membership.ended_on is not None
    assert AuditEvent.objects.filter(action="revoke", target_id=str(membership.pk)).exists()


def test_a_role_needs_its_node(world: World) -> None:
    response = world.client("operator").post(
        reverse("orgs:membership_create", kwargs={"pk": world.p_m2.pk}),
        {"role": Role.MUNICIPAL_COORDINATOR},
    )
    assert "Для этой роли выберите муниципалитет" in response.content.decode()
    assert not Membership.objects.filter(
        person=world.p_m2, role=Role.MUNICIPAL_COORDINATOR
    ).exists()


def test_creating_an_account_mails_a_link_to_set_the_password(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world.client("operator").post(
            reverse("orgs:person_account", kwargs={"pk": world.p_m2.pk}), {"username": "vtoraya"}
        )
    world.p_m2.refresh_from_db()
    assert world.p_m2.user.username == "vtoraya" and not world.p_m2.user.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["second@test.local"] and "/accounts/password/reset/" in message.body


def test_password_reset_by_email_then_login_with_the_new_password(world: World) -> None:
    from django.test import Client

    Client().post(reverse("accounts:password_reset"), {"email": "head@test.local"})
    (message,) = mail.outbox
    assert "Логин: head" in message.body
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/" in line)
    client = Client()
    form_page = client.get(link.removeprefix("http://testserver"), follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    assert "set-password" in set_password_url
    new = "Новый-пароль-2026"
    response = client.post(set_password_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("accounts:password_reset_complete")
    login = Client().post(reverse("accounts:login"), {"username": "head", "password": new})
    assert login.status_code == 302 and login["Location"] == reverse("home")


def test_coordinator_adds_a_person_to_a_school_of_their_municipality(world: World) -> None:
    client = world.client("coordinator")
    response = client.post(
        reverse("orgs:person_create"),
        {
            "last_name": "Новикова",
            "first_name": "Ольга",
            "school": world.s3.pk,
            "position": "Учитель",
            "email": "novikova@test.local",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(email="novikova@test.local")
    assert person.municipality == world.m1 and person.region == world.region
    # …but not to a school of another municipality: it is not among the choices.
    response = client.post(
        reverse("orgs:person_create"), {"last_name": "Х", "first_name": "У", "school": world.s2.pk}
    )
    assert (
        response.status_code == 200 and "Выберите корректный вариант" in response.content.decode()
    )


def test_behind_our_proxy_a_lockout_holds_one_visitor_not_everyone(
    world: World, settings: Any
) -> None:
    from django.test import Client

    settings.TRUSTED_PROXIES = 1

    def login(visitor: str, password: str) -> int:
        client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=visitor)
        response = client.post(
            reverse("accounts:login"), {"username": "head", "password": password}
        )
        return response.status_code

    for _ in range(settings.AXES_FAILURE_LIMIT):
        login("198.51.100.7", "wrong-password")
    assert login("198.51.100.7", PASSWORD) != 302  # locked out, even with the password
    assert login("198.51.100.8", PASSWORD) == 302  # the colleague behind the same proxy
