"""``marshrut diagnostics template|import|export``: the round trip an operator makes by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from marshrut.diagnostics.models import Answer, Campaign, Result, Status, Submission
from tests.conftest import World
from tests.diagnostics.conftest import answers_of_school


def fill_template(path: Path, campaign: Campaign, **overrides: Any) -> None:
    """Type the answers of every school into the template, as the schools would."""
    from marshrut.orgs.models import School

    book = openpyxl.load_workbook(path)
    ws = book["Результаты"]
    codes = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=3):
        school = School.objects.get(inn=row[0].value)
        answers = answers_of_school(campaign, school) | overrides.get(school.inn, {})
        for position, code in enumerate(codes):
            if code in answers:
                row[position].value = answers[code]
    book.save(path)


def test_template_fill_import_export_round_trip(
    world: World, campaign: Campaign, tmp_path: Path, capsys: Any
) -> None:
    template = tmp_path / "template.xlsx"
    call_command("diagnostics", "template", "--campaign", campaign.title, "-o", str(template))
    book = openpyxl.load_workbook(template)
    ws = book["Результаты"]
    assert [c.value for c in ws[1]][:4] == ["ИНН", "Наименование ОО", "Муниципалитет", "ZN.01"]
    assert {r[0].value for r in ws.iter_rows(min_row=3)} == {
        world.s1.inn,
        world.s2.inn,
        world.s3.inn,
    }
    fill_template(template, campaign)

    call_command(
        "diagnostics", "import", str(template), "--campaign", str(campaign.pk), "--dry-run"
    )
    assert "--dry-run: ничего не записано" in capsys.readouterr().out
    assert not Answer.objects.exists()

    call_command("diagnostics", "import", str(template), "--campaign", campaign.title)
    out = capsys.readouterr().out
    assert "школ: 3" in out and "Результаты загружены" in out
    assert set(Submission.objects.filter(campaign=campaign).values_list("status", flat=True)) == {
        Status.SUBMITTED
    }

    export = tmp_path / "results.xlsx"
    call_command("diagnostics", "export", "--campaign", campaign.title, "-o", str(export))
    book = openpyxl.load_workbook(export, read_only=True)
    rows = list(book["Результаты"].iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Муниципалитет")
    header = list(rows[header_at])
    by_inn = {r[1]: dict(zip(header, r, strict=True)) for r in rows[header_at + 1 :]}
    overall = Result.objects.get(
        submission__school=world.s1, submission__campaign=campaign, scope="overall"
    )
    level_names = {
        "below_basic": "ниже базового",
        "basic": "базовый",
        "medium": "средний",
        "high": "высокий",
    }
    s1 = by_inn[world.s1.inn]
    assert s1["Итого: уровень"] == level_names[overall.level]
    assert s1["Итого: баллы"] == pytest.approx(overall.points)
    assert s1["Знание: уровень"] in level_names.values()
    deficits = list(book["Дефициты"].iter_rows(values_only=True))
    assert deficits[0][:5] == ("Муниципалитет", "ИНН", "Наименование ОО", "Направление", "Код")
    own = [r for r in deficits[1:] if r[1] == world.s1.inn]
    assert len(own) == s1["Дефицитов"]
    assert (
        "демонстрационный" in str(rows[0][0]).lower()
    )  # levels of an illustrative catalogue are marked


def test_cli_refuses_a_bad_file_and_prints_every_problem(
    world: World, campaign: Campaign, tmp_path: Path, capsys: Any
) -> None:
    template = tmp_path / "t.xlsx"
    call_command("diagnostics", "template", "--campaign", campaign.title, "-o", str(template))
    fill_template(template, campaign, **{world.s1.inn: {"ZN.04": 140, "ZN.01": "возможно"}})
    with pytest.raises(CommandError, match=r"ошибок 2\. В базе ничего не изменилось"):
        call_command("diagnostics", "import", str(template), "--campaign", campaign.title)
    err = capsys.readouterr().err
    assert "«ZN.04»" in err and "140" in err and "вне допустимого диапазона" in err
    assert not Answer.objects.exists()


def test_unknown_campaign_is_named(world: World, campaign: Campaign, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Нет кампании «Прошлогодняя»"):
        call_command(
            "diagnostics", "export", "--campaign", "Прошлогодняя", "-o", str(tmp_path / "x.xlsx")
        )


def test_campaign_is_named_by_its_year_when_it_is_the_only_one_of_that_year(
    world: World, campaign: Campaign, tmp_path: Path
) -> None:
    out = tmp_path / "results.xlsx"
    call_command("diagnostics", "export", "--campaign", "2024", "-o", str(out))
    assert out.stat().st_size > 0
    # The same reading serves the report commands (marshrut report diagnostics/school-sheets).
    sheets = tmp_path / "sheets.zip"
    call_command("report", "school-sheets", "--campaign", "2024", "-o", str(sheets))
    assert sheets.read_bytes()[:2] == b"PK"


def test_campaign_year_with_several_or_no_campaigns_is_refused_in_russian(
    world: World, campaign: Campaign, tmp_path: Path
) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(title="Самодиагностика 2024, весна")
    from marshrut.diagnostics.actions import do_open_campaign

    second = do_open_campaign(
        None,
        world.region,
        campaign.criteria,
        title="Самодиагностика 2024, осень",
        year=2024,
        opens_on=campaign.opens_on,
        closes_on=campaign.closes_on,
    )
    out = str(tmp_path / "x.xlsx")
    with pytest.raises(CommandError, match="Кампаний 2024 года несколько") as several:
        call_command("diagnostics", "export", "--campaign", "2024", "-o", out)
    assert str(campaign.pk) in str(several.value) and str(second.pk) in str(several.value)
    with pytest.raises(CommandError, match="Нет кампании «2031»"):
        call_command("report", "diagnostics", "--campaign", "2031", "-o", out)
