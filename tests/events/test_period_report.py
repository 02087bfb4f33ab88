"""The period report regenerated from the imported seed 000 table matches the seed's table."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from docx import Document

from marshrut.events.importing import apply_events
from marshrut.events.models import PeriodReport
from marshrut.events.report import build_docx, content, period_words
from tests.conftest import World
from tests.events.conftest import SEED_000

pytestmark = pytest.mark.django_db


def seed_rows() -> list[list[str]]:
    rows = []
    for line in SEED_000.read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) >= 5 and parts[0].isdigit():
            rows.append([*parts, ""][:6])
    return rows


def docx_rows(data: bytes) -> tuple[Any, list[list[str]]]:
    doc = Document(io.BytesIO(data))
    table = doc.tables[0]
    header = [c.text for c in table.rows[0].cells]
    return doc, [header] + [[c.text for c in row.cells] for row in table.rows[1:]]


def test_report_regenerated_from_seed_000_has_the_seed_table(
    world: World, seed_000: bytes, tmp_path: Path
) -> None:
    apply_events(None, seed_000, "000.txt", world.region)
    out = tmp_path / "report.docx"
    call_command("report", "period", "--from", "01.09.2022", "--to", "31.12.2022", "-o", str(out))
    doc, rows = docx_rows(out.read_bytes())
    assert rows[0][0] == "№" and rows[0][5] == "Количество и категория участников"
    expected = seed_rows()
    assert len(rows) - 1 == len(expected) == 12
    # Same rows (date as written, topic, organiser, link, participants); the report lists them
    # chronologically, the seed in the coordinator's own order.
    key = lambda r: (r[2], r[1])  # noqa: E731
    assert sorted((r[1:] for r in rows[1:]), key=lambda r: (r[1], r[0])) == sorted(
        (r[1:] for r in expected), key=lambda r: (r[1], r[0])
    )
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 13)]
    assert key(rows[1]) == key(
        [
            "",
            "Сентябрь- октябрь",
            "Аудит показателей результатов самодиагностики - на уровне ОО на уровне муниципалитета",
        ]
    )
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "за период сентябрь – декабрь 2022г." in text
    assert "Субъект РФ Тестовая область" in text
    assert "Краткий анализ проведённой работы за отчётный период:" in text
    assert "проведено мероприятий: 12" in text


def test_iso_dates_and_a_saved_report_prose(world: World, seed_000: bytes, tmp_path: Path) -> None:
    apply_events(None, seed_000, "000.txt", world.region)
    PeriodReport.objects.create(
        region=world.region,
        starts_on=dt.date(2022, 9, 1),
        ends_on=dt.date(2022, 12, 31),
        goal="провести анализ выявленных дефицитов",
        tasks=[
            {
                "task": "Сформировать базы данных муниципальных координаторов",
                "solution": "Сформирована БД",
            }
        ],
        difficulties="по направлению «Воспитание» - недостаточная организация работы с родителями",
    )
    out = tmp_path / "r.docx"
    call_command("report", "period", "--from", "2022-09-01", "--to", "2022-12-31", "-o", str(out))
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Цель: провести анализ выявленных дефицитов" in text
    assert "по направлению «Воспитание»" in text
    tasks = doc.tables[1]
    assert tasks.rows[1].cells[0].text == "1.Сформировать базы данных муниципальных координаторов"
    assert tasks.rows[1].cells[1].text == "Сформирована БД"


def test_only_events_of_the_period_are_in_the_table(world: World, seed_000: bytes) -> None:
    apply_events(None, seed_000, "000.txt", world.region)
    c = content(world.region, dt.date(2022, 12, 1), dt.date(2022, 12, 31))
    # Overlapping December: Oct–Dec, 5.12, Sep–Dec, 16.12.
    assert len(c.rows()) == 4
    data = build_docx(c)
    assert len(Document(io.BytesIO(data)).tables[0].rows) == 5


def test_bad_dates_are_refused(world: World, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Не понял дату"):
        call_command(
            "report",
            "period",
            "--from",
            "1 сентября",
            "--to",
            "31.12.2022",
            "-o",
            str(tmp_path / "x.docx"),
        )
    with pytest.raises(CommandError, match="раньше"):
        call_command(
            "report",
            "period",
            "--from",
            "31.12.2022",
            "--to",
            "01.09.2022",
            "-o",
            str(tmp_path / "x.docx"),
        )


def test_period_words() -> None:
    assert period_words(dt.date(2022, 9, 1), dt.date(2022, 12, 31)) == "сентябрь – декабрь 2022г."
    assert period_words(dt.date(2024, 1, 1), dt.date(2024, 1, 31)) == "январь 2024г."
    assert period_words(dt.date(2023, 9, 1), dt.date(2024, 5, 31)) == "сентябрь 2023 – май 2024г."
