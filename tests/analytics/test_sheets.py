"""School result sheets: one PDF page per school, a ZIP built in the background with progress."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from marshrut.analytics import sheets
from marshrut.analytics.models import SheetsJob
from tests.analytics.conftest import DEFICITS, LEVELS_NOW, ReportWorld

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _pages(pdf: bytes, tmp_path: Path, name: str) -> tuple[int, str]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, text


def test_zip_holds_one_one_page_pdf_per_scored_school(rw: ReportWorld, tmp_path: Path) -> None:
    data, total = sheets.build_zip(rw.campaign)
    assert total == len(LEVELS_NOW)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert len(names) == len(LEVELS_NOW) and all(n.endswith(".pdf") for n in names)
    by_school = {}
    for i, name in enumerate(names):
        pages, text = _pages(archive.read(name), tmp_path, f"s{i}")
        assert pages == 1, name
        by_school[text.splitlines()[0].strip()] = text
    assert set(by_school) == {rw.schools[n].short_name for n in LEVELS_NOW}
    text = by_school[rw.schools["s1"].short_name]
    assert "Уровень соответствия: ниже базового" in text
    assert f"Дефициты ({len(DEFICITS['s1'])})" in text
    assert "Путь к следующему уровню: ниже базового → базовый" in text
    assert "Школы-партнёры" in text


def test_municipality_zip_holds_its_schools_only(rw: ReportWorld) -> None:
    data, total = sheets.build_zip(rw.campaign, rw.world.m2)
    assert total == 1
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 1


def test_sheet_path_comes_from_real_answers(world: Any, tmp_path: Path) -> None:
    from tests.diagnostics.factories import submission_for

    sub = submission_for(world, world.s1, submitted=True, strength=-0.5)
    pdf = sheets.one_pdf(sub.campaign, world.s1.pk)
    assert pdf is not None
    pages, text = _pages(pdf, tmp_path, "one")
    assert pages == 1
    sheet = next(sheets.sheets_for(sub.campaign, school_ids=[world.s1.pk]))
    if sheet.target:
        assert sheet.steps and sheet.steps[0].text.split()[0] in text


def test_operator_builds_the_zip_in_the_background(rw: ReportWorld, settings: Any) -> None:
    settings.TASKS = IMMEDIATE
    client = rw.world.client("operator")
    start = reverse("analytics:sheets_start", kwargs={"pk": rw.campaign.pk})
    assert client.get(start).status_code == 200
    response = client.post(start, {"place": "region"})
    job = SheetsJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "analytics:sheets_job", kwargs={"pk": job.pk}
    )
    assert (
        job.status == SheetsJob.Status.DONE and job.progress == 100 and job.total == len(LEVELS_NOW)
    )
    page = client.get(response["Location"])
    assert "Скачать ZIP" in page.content.decode()
    status = client.get(
        reverse("analytics:sheets_job_status", kwargs={"pk": job.pk}), HTTP_HX_REQUEST="true"
    )
    assert status["HX-Refresh"] == "true"
    download = client.get(reverse("analytics:sheets_download", kwargs={"pk": job.pk}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert len(archive.namelist()) == len(LEVELS_NOW)


def test_running_job_page_polls_its_progress(rw: ReportWorld) -> None:
    job = SheetsJob.objects.create(
        campaign=rw.campaign, status=SheetsJob.Status.RUNNING, progress=40
    )
    page = rw.world.client("operator").get(reverse("analytics:sheets_job", kwargs={"pk": job.pk}))
    html = page.content.decode()
    assert 'hx-trigger="every 1s"' in html and "40 %" in html
    assert (
        rw.world.client("operator")
        .get(reverse("analytics:sheets_download", kwargs={"pk": job.pk}))
        .status_code
        == 404
    )


def test_coordinator_builds_sheets_of_own_municipality_only(rw: ReportWorld, settings: Any) -> None:
    settings.TASKS = IMMEDIATE
    client = rw.world.client("coordinator")
    start = reverse("analytics:sheets_start", kwargs={"pk": rw.campaign.pk})
    choices = [c for c, _ in client.get(start).context["form"].fields["place"].choices]
    assert choices == [str(rw.world.m1.pk)]
    assert (
        client.post(start, {"place": "region"}).status_code == 200
    )  # not a choice: the form says so
    assert client.post(start, {"place": str(rw.world.m2.pk)}).status_code == 200
    assert not SheetsJob.objects.exists()
    assert client.post(start, {"place": str(rw.world.m1.pk)}).status_code == 302
    job = SheetsJob.objects.get()
    assert job.municipality == rw.world.m1 and job.total == 4
    region_job = SheetsJob.objects.create(campaign=rw.campaign)
    assert (
        client.get(reverse("analytics:sheets_job", kwargs={"pk": region_job.pk})).status_code == 404
    )


@pytest.mark.parametrize(
    ("persona", "status"), [("head", 403), ("curator", 403), ("outsider", 404), (None, 302)]
)
def test_others_cannot_build_sheets(rw: ReportWorld, persona: str | None, status: int) -> None:
    start = reverse("analytics:sheets_start", kwargs={"pk": rw.campaign.pk})
    assert rw.world.client(persona).post(start, {"place": "region"}).status_code == status
    assert not SheetsJob.objects.exists()


def _crowded_sheet() -> sheets.Sheet:
    """A school short in almost everything, with a long path and partners in every direction."""
    from marshrut.analytics.report import DirectionPartners, PartnerSchool, SchoolDeficit
    from marshrut.kernels.matching import Ring

    directions = [f"Направление {n}" for n in range(1, 9)]
    text = "Показатель с длинной формулировкой, какие бывают в критериях самодиагностики школ"
    return sheets.Sheet(
        school_id=1,
        short_name="МАОУ СОШ № 1",
        full_name="Муниципальное автономное общеобразовательное учреждение «СОШ № 1»",
        municipality="Район",
        campaign="Самодиагностика 2024",
        scopes=[],
        deficits={
            d: [SchoolDeficit(f"X.{i}", f"{text} {i}", d, "zero") for i in range(12)]
            for d in directions
        },
        deficit_count=96,
        current="ниже базового",
        target="базовый",
        reachable=True,
        steps=[sheets.Step(f"X.{i}", f"{text} {i}", "да", 2.0, False) for i in range(12)],
        partners=[
            DirectionPartners(
                d,
                [
                    PartnerSchool(i, f"МАОУ «Средняя школа № {i} имени героя»", "Район", Ring(0), 1)
                    for i in range(3)
                ],
            )
            for d in directions
        ],
        illustrative=True,
    )


def test_crowded_sheet_is_laid_out_denser_to_stay_on_one_page(
    monkeypatch: Any, tmp_path: Path
) -> None:
    sheet = _crowded_sheet()
    assert sheets.first_density(sheet) > 0  # the estimate already knows it will not fit
    # Even when the estimate is wrong, the layout decides: start from the fullest density.
    monkeypatch.setattr(sheets, "first_density", lambda s: 0)
    pdf = sheets.render_batch([sheet])[0]
    pages, text = _pages(pdf, tmp_path, "crowded")
    assert pages == 1 and sheet.density > 0
    assert "…и ещё" in text and "Полный перечень дефицитов" in text


def test_sheets_of_one_batch_are_cut_apart(rw: ReportWorld, tmp_path: Path) -> None:
    batch = list(sheets.sheets_for(rw.campaign))
    pdfs = sheets.render_batch(batch)
    assert len(pdfs) == len(batch) == len(LEVELS_NOW)
    for sheet, pdf in zip(batch, pdfs, strict=True):
        pages, text = _pages(pdf, tmp_path, str(sheet.school_id))
        assert pages == 1 and text.splitlines()[0].strip() == sheet.short_name
        assert "стр." not in text  # no page numbers of the batch on a one-page sheet
