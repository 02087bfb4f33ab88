"""Scanned roadmaps through the plans import: low-confidence rows wait for the operator."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw

from marshrut.kernels import confidence, ocr
from marshrut.lib.imports import ImportBatch
from marshrut.lib.uploads import PLAN_DOCUMENT
from marshrut.plans import importing
from marshrut.plans.importing import ImportRefused, sniff
from marshrut.plans.models import Plan
from marshrut.plans.templatetags.plans_tags import doubt_text
from tests.conftest import World

SCANS = Path(__file__).resolve().parent / "scans"

needs_tesseract = pytest.mark.skipif(
    not ocr.available(), reason="the tesseract command with Russian data is not installed"
)


def upload(client: Any, data: bytes, name: str, **fields: Any) -> Any:
    payload = {"year": 2025, "level": "region", "file": SimpleUploadedFile(name, data)}
    payload.update(fields)
    return client.post(reverse("plans:import_upload"), payload)


def test_scans_are_taken_by_the_plan_upload_policy() -> None:
    assert {"png", "jpg", "jpeg", "tif", "tiff", "pdf"} <= set(PLAN_DOCUMENT.extensions)
    assert "PNG" in PLAN_DOCUMENT.describe() and "TIFF" in PLAN_DOCUMENT.describe()
    for magic in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"II*\x00", b"MM\x00*"):
        assert sniff(magic + b"\x00" * 40) == "image"
    with pytest.raises(ImportRefused, match="скан"):
        sniff(b"Rar!\x1a\x07\x00")


def test_a_low_confidence_row_waits_until_confirmed_or_corrected() -> None:
    row = {"number": "1.1", **importing.scan_fields({"title": 0.95, "deadline": 0.62})}
    assert row["scan"]["low"] and row["scan"]["confidence"] == 0.62
    assert importing.row_flags(row).scan_unconfirmed and importing.row_flags(row).any
    # The weak field is one more doubt of the row, named; the sure one is none.
    scan_reasons = [r for r in importing.confidence_of(row)["reasons"] if r.get("scan")]
    assert scan_reasons == [
        {
            "field": "deadline",
            "score": 0.62,
            "reason": "распознано по скану, уверенность 62 %",
            "scan": True,
        }
    ]
    assert doubt_text(scan_reasons[0]) == "сроки: распознано по скану, уверенность 62 %"
    assert [index for index, _row in importing.doubtful_rows({"rows": [row]})] == [0]
    assert "1.1" in (importing.unconfirmed_message([row]) or "")
    (confirmed,) = importing.confirm_scan_rows([row], [0])
    assert importing.unconfirmed_message([confirmed]) is None
    # Confirmed against the document, the scan is no longer a doubt.
    assert not [r for r in confirmed["confidence"]["reasons"] if r.get("scan")]
    sure = importing.scan_fields({"title": 0.95})
    assert not sure["scan"]["low"] and importing.unconfirmed_message([sure]) is None
    assert importing.scan_fields(None) == {}


@needs_tesseract
def test_a_scanned_order_is_previewed_confirmed_and_saved(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every scanned row under the threshold, whatever this Tesseract's exact confidences.
    monkeypatch.setattr(confidence, "SCAN_THRESHOLD", 0.995)
    client = world.client("operator")
    data = (SCANS / "scan_order_c.png").read_bytes()
    response = upload(client, data, "приказ скан.png", region=world.region.pk)
    batch = ImportBatch.objects.get(kind="plans")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert batch.status == ImportBatch.Status.CHECKED and batch.counts["draft"]["scanned"]
    rows = batch.counts["draft"]["rows"]
    assert len(rows) == 6 and all(row["scan"]["low"] for row in rows)

    page = client.get(reverse("plans:import_preview", args=[batch.pk])).content.decode()
    assert page.count('data-testid="scan-row"') == 6
    assert "распознано по скану, уверенность" in page
    assert 'data-testid="scan-waiting"' in page

    # The save is refused while rows wait; the draft stays.
    saved = client.post(reverse("plans:import_save", args=[batch.pk]), follow=True)
    assert "не подтверждены" in saved.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED and not Plan.objects.exists()

    # Five confirmed by the checkbox, the sixth corrected: a correction confirms it too.
    confirm = reverse("plans:import_confirm", args=[batch.pk])
    client.post(confirm, {"row": ["0", "1", "2", "3", "4"]})
    batch.refresh_from_db()
    waiting = [
        i for i, row in enumerate(batch.counts["draft"]["rows"]) if not row["scan"]["confirmed"]
    ]
    assert waiting == [5]
    assert client.post(reverse("plans:import_save", args=[batch.pk])).status_code == 302
    assert not Plan.objects.exists()

    last = batch.counts["draft"]["rows"][5]
    client.post(
        reverse("plans:import_row", args=[batch.pk, 5]),
        {
            "section_number": last["section_number"],
            "section_title": last["section_title"],
            "number": "1.6",
            "title": "Формирование отчёта о выполнении показателей проекта",
            "deadline_0": "до 1 июня 2025 г.",
            "responsible_text": last["responsible_text"],
            "expected_result": last["expected_result"],
            "indicator": "",
        },
    )
    batch.refresh_from_db()
    assert batch.counts["summary"]["scan_unconfirmed"] == 0

    saved = client.post(reverse("plans:import_save", args=[batch.pk]))
    plan = Plan.objects.get()
    assert saved.url == reverse("plans:plan_detail", args=[plan.pk])
    assert plan.items.count() == 6 and plan.sections.count() == 1
    assert plan.items.filter(title="Формирование отчёта о выполнении показателей проекта").exists()


@needs_tesseract
def test_an_image_that_is_not_a_table_is_refused_and_nothing_kept(world: World) -> None:
    image = Image.new("L", (1700, 2300), 255)
    ImageDraw.Draw(image).ellipse((300, 300, 1200, 1200), outline=0, width=8)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    response = upload(
        world.client("operator"), buffer.getvalue(), "фото.jpg", region=world.region.pk
    )
    assert response.status_code == 200
    assert "таблицы на нём распознать не удалось" in response.content.decode()
    assert not ImportBatch.objects.filter(kind="plans").exists() and not Plan.objects.exists()


def test_a_damaged_scan_is_refused_in_russian(world: World) -> None:
    response = upload(
        world.client("operator"), b"II*\x00" + b"\x00" * 64, "скан.tiff", region=world.region.pk
    )
    assert "изображение: файл повреждён" in response.content.decode()
    assert not ImportBatch.objects.filter(kind="plans").exists()
