"""Two people edit one record: helpers of the two-client tests of every edit form."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any

from django.test import Client

from marshrut.accounts.models import User
from marshrut.audit.models import AuditEvent
from marshrut.orgs.models import Membership, Person
from tests.conftest import World

STALE = "пока вы её редактировали. Ваши изменения не сохранены: сравните и сохраните снова."


class _Forms(HTMLParser):
    """The fields of each POST form of a page, as a browser would submit them unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        assert self._form is not None
        old = self._form.get(name)
        if old is None:
            self._form[name] = value
        else:
            self._form[name] = [*old, value] if isinstance(old, list) else [old, value]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value") or "on")
            else:
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            if "multiple" in a:
                self._form.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._form[name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            # Browsers drop the one newline that follows <textarea>.
            text = self._form[self._textarea] + data
            self._form[self._textarea] = text[1:] if text.startswith("\n") else text

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def edit_form(response: Any) -> dict[str, Any]:
    """What the edit form of a page would post if saved as shown."""
    parser = _Forms()
    parser.feed(response.content.decode())
    forms = [f for f in parser.forms if "version" in f]
    assert forms, "no edit form with a version on the page"
    form = forms[0]
    form.pop("csrfmiddlewaretoken", None)
    return form


def theirs(response: Any) -> list[str]:
    """The other person's values shown beside the fields, as text."""
    html = response.content.decode()
    blocks = re.findall(r'class="[^"]*conflict-value[^"]*">(.*?)</div>', html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", b)).strip() for b in blocks]


def colleague(world: World, username: str, role: str, **node: Any) -> Client:
    """A second person who may edit the same records: Иванова Ирина Ивановна."""
    user = User.objects.create_user(username, f"{username}@test.local", "x")
    person = Person.objects.create(
        region=world.region,
        municipality=node.get("municipality"),
        last_name="Иванова",
        first_name="Ирина",
        middle_name="Ивановна",
        user=user,
    )
    Membership.objects.create(person=person, role=role, **node)
    client = Client()
    client.force_login(user)
    return client


def events_of(obj: Any) -> int:
    return AuditEvent.objects.filter(
        target_type=obj._meta.label_lower, target_id=str(obj.pk)
    ).count()


def race(
    url: str,
    first: Client,
    second: Client,
    first_typed: dict[str, Any],
    second_typed: dict[str, Any],
) -> tuple[Any, dict[str, Any]]:
    """Both open ``url``; the first saves; the second saves from the page it opened before.

    Returns the answer to the second save and the data it posted.
    """
    # None unticks a checkbox: a browser sends nothing for it.
    a = {k: v for k, v in {**edit_form(first.get(url)), **first_typed}.items() if v is not None}
    b = {k: v for k, v in {**edit_form(second.get(url)), **second_typed}.items() if v is not None}
    saved = first.post(url, a)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    return second.post(url, b), b


def assert_refused(
    response: Any, typed: dict[str, Any], shown: list[str], who: str = "Иванова И.И."
) -> dict[str, Any]:
    """The stale save was refused: message, typed values kept, the other values shown.

    Returns the form as re-rendered, which saved again must go through.
    """
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert f"Запись изменил(а) {who} в " in html
    assert STALE in html
    again = edit_form(response)
    for name, value in typed.items():
        assert again[name] == value, name
    beside = theirs(response)
    for value in shown:
        assert any(value in b for b in beside), (value, beside)
    assert all(b.startswith(f"Изменил(а) {who}:") for b in beside)
    return again
