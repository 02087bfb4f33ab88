"""The criteria catalogue upload: every bad file gets a Russian message and nothing is saved."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from marshrut.diagnostics.models import CriteriaVersion
from tests.conftest import World
from tests.diagnostics.factories import DATA

CATALOGUE = (DATA / "demo-2024.yaml").read_text(encoding="utf-8")
ENGLISH = re.compile(r"codec|can't|decode|unacceptable|special characters|expected|found|<unicode")


def _upload(world: World, name: str, data: bytes) -> Any:
    return world.client("operator").post(
        reverse("diagnostics:criteria_list"), {"file": SimpleUploadedFile(name, data)}
    )


def _problems(response: Any) -> str:
    form = response.context["form"]
    texts = [str(e) for errors in form.errors.values() for e in errors]
    return " ".join([*texts, *response.context["problems"]])


BILLION_LAUGHS = "\n".join(
    [
        "a: &a [x, x, x, x, x, x, x, x, x, x]",
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]"
            for i in range(8)
        ),
        "",
    ]
)


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("нули.yaml", b"version: x\n\x00\x00 title: y\n", "не принят"),
        ("каталог.yaml", "version: «x»\n\x98".encode("cp1251", "replace") + b"\x98", "не принят"),
        ("каталог.yaml", b"version: 1\ntitle: [a, b\n", "не закрыта квадратная скобка"),
        ("каталог.yaml", b"version: 1\n  title: x: y\n", "ошибка синтаксиса YAML"),
        ("каталог.yaml", b"", "пуст"),
        ("каталог.yaml", b"- 1\n- 2\n", "ожидался словарь"),
        (
            "каталог.yaml",
            "version: demo\nуровни: нет\n".encode("cp1251"),
            "нет обязательного ключа",
        ),
        ("бомба.yaml", BILLION_LAUGHS.encode(), "слишком велик"),
        ("каталог.xlsx", b"PK\x03\x04" + b"\x00" * 100, "повреждён"),
    ],
)
def test_a_bad_catalogue_gets_a_russian_message(
    world: World, name: str, data: bytes, fragment: str
) -> None:
    started = time.monotonic()
    response = _upload(world, name, data)
    assert response.status_code == 200
    text = _problems(response)
    assert fragment in text, text
    assert re.search("[А-Яа-я]", text) and not ENGLISH.search(text), text
    assert not CriteriaVersion.objects.exists()
    assert time.monotonic() - started < 10


def test_a_file_over_the_limit_is_refused(world: World, settings: Any) -> None:
    settings.CRITERIA_MAX_BYTES = 4096
    text = _problems(_upload(world, "каталог.yaml", CATALOGUE.encode()))
    assert "слишком большой" in text and "не более 4 КБ" in text
    assert not CriteriaVersion.objects.exists()


def test_a_catalogue_saved_in_windows_1251_is_read(world: World) -> None:
    response = _upload(world, "каталог.yaml", CATALOGUE.encode("cp1251"))
    assert response.status_code == 302
    version = CriteriaVersion.objects.get()
    assert version.source_text == CATALOGUE


def test_the_cli_gives_the_same_messages(tmp_path: Path, db: Any) -> None:
    bad = tmp_path / "нули.yaml"
    bad.write_bytes(b"version: x\n\x00\x00\n")
    with pytest.raises(CommandError) as refused:
        call_command("criteria", "load", str(bad))
    assert "Каталог не загружен" in str(refused.value)
    good = tmp_path / "каталог.yaml"
    good.write_bytes(CATALOGUE.encode("cp1251"))
    call_command("criteria", "load", str(good))
    assert CriteriaVersion.objects.count() == 1
