"""Shared fixtures: a small hand-made region and the personas of the hierarchy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import hypothesis
import pytest
from django.core.cache import cache
from django.test import Client

from marshrut.accounts.models import User
from marshrut.lib.cache import settle
from marshrut.orgs.demo import make_inn, make_ogrn
from marshrut.orgs.models import Membership, Municipality, Person, Region, School
from marshrut.orgs.roles import Role

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests draw the same examples on every run, so that a suite is not red by luck and a
# change is judged on what it changed; no deadline, since a loaded machine is slow, not wrong.
# HYPOTHESIS_PROFILE=explore searches afresh with more examples: turn what it finds into a test.
hypothesis.settings.register_profile("repeatable", derandomize=True, deadline=None)
hypothesis.settings.register_profile("explore", max_examples=2000, deadline=None)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

PERSONAS = [
    "operator",
    "department",
    "methodologist",
    "coordinator",
    "head",
    "school",
    "curator",
    "mentor",
    "outsider",
]
PASSWORD = "test-password-1"


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Argon2 is what production uses (tests/test_settings.py checks it); tests need speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Cached figures are keyed by ids and generations that the next test's database reuses
    # (a rolled-back transaction takes the generation back, which production never does).
    cache.clear()


@pytest.fixture
def django_assert_num_queries(pytestconfig: Any) -> Any:
    """pytest-django's, counting from a settled state: the setup's writes committed, as in life
    (:func:`marshrut.lib.cache.settle` — otherwise the first read of the generations writes them)."""
    return partial(_settled_count, pytestconfig, True)


@pytest.fixture
def django_assert_max_num_queries(pytestconfig: Any) -> Any:
    return partial(_settled_count, pytestconfig, False)


@contextmanager
def _settled_count(config: Any, exact: bool, num: int, *args: Any, **kwargs: Any) -> Iterator[Any]:
    from pytest_django.fixtures import _assert_num_queries

    settle()
    with _assert_num_queries(config, num, exact, *args, **kwargs) as context:
        yield context


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class World:
    region: Region
    m1: Municipality  # the coordinator's municipality
    m2: Municipality  # somebody else's
    s1: School  # the head's school, in m1, ШНОР, assigned to the curator and mentor
    s3: School  # another school of m1
    s2: School  # a school of m2
    users: dict[str, User]
    people: dict[str, Person]
    p_m2: Person  # a person of m2
    membership_m2: Membership

    def client(self, persona: str | None) -> Client:
        client = Client()
        if persona is not None:
            client.force_login(self.users[persona])
        return client


def make_school(municipality: Municipality, serial: int, **fields: Any) -> School:
    defaults = {
        "full_name": f"Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № {serial}»",
        "short_name": f"МАОУ СОШ № {serial}",
    }
    defaults.update(fields)
    return School.objects.create(
        municipality=municipality, inn=make_inn(serial), ogrn=make_ogrn(serial), **defaults
    )


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def build_world(code: str = "98", name: str = "Тестовая область", tag: str = "") -> World:
    """The hand-made region; another region of the same shape with a different ``code`` and
    ``tag`` (prefixed to the logins, serials shifted) for tests of two regions side by side."""
    shift = 100 * (int(code) - 98)
    region = Region.objects.create(name=name, code=code, operator_name="ИРО")
    m1 = Municipality.objects.create(
        region=region,
        name="город Первогорск" if not tag else f"город Первогорск ({tag})",
        oktmo=f"{code}701000",
        kind=Municipality.Kind.URBAN_DISTRICT,
    )
    m2 = Municipality.objects.create(
        region=region,
        name="Второй муниципальный район" if not tag else f"Второй район ({tag})",
        oktmo=f"{code}702000",
    )
    s1 = make_school(m1, 1 + shift, is_shnor=True)
    s3 = make_school(m1, 3 + shift, settlement=School.Settlement.URBAN, is_rip=True)
    s2 = make_school(
        m2,
        2 + shift,
        settlement=School.Settlement.RURAL,
        offers_soo=False,
        kind=School.Kind.OOSH,
        short_name="МАОУ «Вторая ООШ»" if not tag else f"МАОУ «Вторая ООШ» ({tag})",
    )
    users: dict[str, User] = {}
    people: dict[str, Person] = {}

    def persona(name: str, role: str | None, *, home: Any = None, **node: Any) -> None:
        login = f"{tag}{name}"
        user = User.objects.create_user(login, f"{login}@test.local", PASSWORD)
        users[name] = user
        person = Person.objects.create(
            region=region,
            municipality=home
            if isinstance(home, Municipality)
            else (home.municipality if home else None),
            school=home if isinstance(home, School) else None,
            last_name=name.capitalize(),
            first_name="Тест",
            email=f"{login}@test.local",
            user=user,
        )
        people[name] = person
        if role:
            schools = node.pop("schools", None)
            m = Membership.objects.create(person=person, role=role, **node)
            if schools:
                m.schools.set(schools)

    persona("operator", Role.OPERATOR, region=region)
    persona("department", Role.DEPARTMENT, region=region)
    persona("methodologist", Role.METHODOLOGIST, region=region, home=s3)
    persona("coordinator", Role.MUNICIPAL_COORDINATOR, municipality=m1, home=m1)
    persona("head", Role.SCHOOL_HEAD, school=s1, home=s1)
    persona("school", Role.SCHOOL_COORDINATOR, school=s1, home=s1)
    persona("curator", Role.CURATOR, region=region, schools=[s1])
    persona("mentor", Role.MENTOR, region=region, schools=[s1])
    persona("outsider", None)
    p_m2 = Person.objects.create(
        region=region,
        municipality=m2,
        school=s2,
        last_name="Вторая",
        first_name="Анна",
        position="Директор",
        email=f"{tag}second@test.local",
    )
    membership_m2 = Membership.objects.create(person=p_m2, role=Role.SCHOOL_HEAD, school=s2)
    return World(region, m1, m2, s1, s3, s2, users, people, p_m2, membership_m2)
