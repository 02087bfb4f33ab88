"""The demo roadmaps: the demo's own regional roadmap document uploaded as the regional plan, plans
below it, the persona school's roadmap from deficits, built once."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from marshrut.diagnostics.models import Deficit
from marshrut.kernels import ocr
from marshrut.lib.imports import ImportBatch
from marshrut.plans import demo_documents, demo_scan
from marshrut.plans.actions import drafted_roadmap
from marshrut.plans.demo import build_demo
from marshrut.plans.importing import doubtful_rows, read_document
from marshrut.plans.models import Level, Measure, Plan, PlanItem, ProgressReport
from tests.conftest import World


def test_demo_is_built_once(world: World) -> None:
    out = io.StringIO()
    build_demo(world.region, out)
    regional = Plan.objects.get(level=Level.REGION)
    assert regional.source_filename == demo_documents.FILENAME and regional.items.count() == 33
    assert [s.title for s in regional.sections.order_by("position")] == [
        "Нормативно-правовое обеспечение",
        "Организационное сопровождение",
        "Научно-методическое сопровождение",
        "Информационное сопровождение",
        "Мониторинг реализации проекта",
    ]
    assert Plan.objects.filter(level=Level.MUNICIPALITY).exists()
    assert Plan.objects.filter(level=Level.SCHOOL, school=world.s1).exists()
    assert PlanItem.objects.filter(parent__isnull=False).exists()
    assert PlanItem.objects.overdue().exists() and ProgressReport.objects.exists()
    counts = (Plan.objects.count(), PlanItem.objects.count(), ProgressReport.objects.count())
    build_demo(world.region, out)
    assert (
        Plan.objects.count(),
        PlanItem.objects.count(),
        ProgressReport.objects.count(),
    ) == counts
    # The regional roadmap, applied; the municipal draft and (with Tesseract) the scanned order
    # waiting for checking — each once.
    documents = ImportBatch.objects.filter(kind="plans")
    assert documents.filter(filename=demo_documents.FILENAME).count() == 1
    assert documents.filter(filename=demo_documents.DRAFT_FILENAME).count() == 1
    if ocr.available():
        # The scanned order stays a draft: its doubtful rows wait for the operator, and they are
        # among the rows the preview puts first for checking.
        (scan,) = documents.filter(filename=demo_scan.FILENAME)
        assert scan.status == ImportBatch.Status.CHECKED and scan.counts["draft"]["scanned"]
        assert len(scan.counts["draft"]["rows"]) == 4
        waiting = {i for i, row in enumerate(scan.counts["draft"]["rows"]) if row["scan"]["low"]}
        assert waiting and waiting <= {i for i, _row in doubtful_rows(scan.counts["draft"])}
        assert documents.count() == 3
    else:
        assert documents.count() == 2


def test_demo_leaves_a_draft_whose_preview_shows_what_to_check_first(world: World) -> None:
    build_demo(world.region, io.StringIO())
    batch = ImportBatch.objects.get(kind="plans", filename=demo_documents.DRAFT_FILENAME)
    assert batch.status == ImportBatch.Status.CHECKED
    draft = batch.counts["draft"]
    assert draft["lost"] == ["1.3"]
    worst = [row["number"] for _index, row in doubtful_rows(draft)]
    assert worst[0] == "1.4"  # «когда объявят» is no date
    assert {"1.1", "1.2"} <= set(worst)


def test_demo_uploads_its_regional_roadmap_document_as_an_operator_would(world: World) -> None:
    build_demo(world.region, io.StringIO())
    batch = ImportBatch.objects.get(kind="plans", filename=demo_documents.FILENAME)
    regional = Plan.objects.get(level=Level.REGION)
    # The upload page's path: the document is kept with its draft, and the draft became the plan.
    assert batch.status == ImportBatch.Status.APPLIED and batch.counts["plan"] == regional.pk
    assert batch.counts["draft"]["kind"] == "docx" and batch.filename == demo_documents.FILENAME
    with batch.file.open("rb") as f:
        kept = f.read()
    assert hashlib.sha256(kept).hexdigest() == batch.sha256
    assert len(read_document(kept, batch.filename, 2024).items) == 33
    items = {i.number: i for i in regional.items.all()}
    # Free-text deadlines read into control dates; the year comes from the plan.
    assert items["1.1"].due_on == dt.date(2024, 1, 17)
    assert (items["2.2"].starts_on, items["2.2"].due_on) == (
        dt.date(2024, 2, 7),
        dt.date(2024, 2, 14),
    )
    assert items["2.8"].due_on == dt.date(2024, 12, 31)  # «4 квартал»
    assert [d["kind"] for d in items["4.4"].deadlines] == ["windows"]  # «июнь, декабрь»
    assert [d["kind"] for d in items["1.3"].deadlines] == ["on_request"]
    assert not [i for i in items.values() for d in i.deadlines if d["kind"] == "unknown"]
    # Runs of abbreviations, the region's own institute and department among them.
    assert [r["organisation"] for r in items["1.2"].responsible] == [
        "ДОиН ДО",
        "ИРО ДО",
        "МОУО",
        "ММС",
        "ОО",
    ]
    assert all(r["organisation"] for i in items.values() for r in i.responsible)
    # Cells merged down over several items give each of them the text.
    assert items["3.3"].responsible_text == items["3.1"].responsible_text == "ИРО ДО ЦНППМ"
    assert items["4.3"].deadline_text == "в течение года"
    # The row split by the page break is one item again.
    assert items["2.9"].title.endswith("силами регионального методического актива и педагогов РИП")
    assert items["2.9"].expected_result == "Адресные рекомендации школам по итогам десанта"
    # Targets inside the expected result.
    assert [(t["metric"], t["value"]) for t in items["2.3"].targets] == [("Охват участников", 40)]
    assert [t["value"] for t in items["2.8"].targets] == [90]
    assert [(t["metric"], t["value"]) for t in items["2.2"].targets] == [
        ("Доля общеобразовательных организаций, прошедших самодиагностику", 100)
    ]
    # Items without a number in the document stay items.
    assert regional.items.filter(number="").count() == 3


def test_demo_drafts_the_persona_schools_roadmap_from_its_deficits_once(world: World) -> None:
    from tests.diagnostics.factories import submission_for

    submission = submission_for(world, world.s1, submitted=True)
    deficits = Deficit.objects.filter(submission=submission).count()
    out = io.StringIO()
    build_demo(world.region, out)
    roadmap = drafted_roadmap(world.s1, submission.campaign.year + 1)
    assert roadmap is not None and roadmap.status == Plan.Status.DRAFT
    assert roadmap.items.count() == deficits
    # The library's measures are in place before the draft is made, and it takes them.
    codes = set(Measure.objects.filter(region=world.region).values_list("indicator", flat=True))
    from_library = roadmap.items.filter(indicator_code__in=codes)
    assert from_library.exists()
    assert all(not i.title.startswith("Устранить дефицит") for i in from_library)
    assert "Дорожная карта из дефицитов" in out.getvalue()
    build_demo(world.region, out)
    assert Plan.objects.filter(school=world.s1, year=roadmap.year).count() == 1
    assert roadmap.items.count() == deficits


def test_demo_without_a_scored_questionnaire_drafts_no_roadmap(world: World) -> None:
    out = io.StringIO()
    build_demo(world.region, out)
    assert not PlanItem.objects.filter(indicator_code__gt="").exists()
    assert "нет отправленной анкеты" in out.getvalue()


def test_demo_sends_a_neighbours_roadmap_so_the_coordinator_has_one_to_review(world: World) -> None:
    from tests.diagnostics.factories import submission_for

    first = submission_for(world, world.s1, submitted=True)
    submission_for(world, world.s3, submitted=True)  # the same campaign
    build_demo(world.region, io.StringIO())
    sent = drafted_roadmap(world.s3, first.campaign.year + 1)
    assert sent is not None and sent.status == Plan.Status.SUBMITTED
    assert drafted_roadmap(world.s1, first.campaign.year + 1).status == Plan.Status.DRAFT  # type: ignore[union-attr]
    build_demo(world.region, io.StringIO())
    assert Plan.objects.filter(school=world.s3, year=sent.year).count() == 1
    sent.refresh_from_db()
    assert sent.status == Plan.Status.SUBMITTED
