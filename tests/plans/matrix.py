"""Objects in and out of each persona's scope, for the rows of the permission matrix."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from marshrut.plans import importer
from marshrut.plans.actions import do_issue_calendar_token, do_report_progress, owner_fields
from marshrut.plans.models import ItemStatus, Level, Plan
from tests.conftest import World
from tests.plans.conftest import make_plan

PLAN_TEXT = (
    "№ п/п\tНаименование мероприятия\tСроки\tОтветственный\tОжидаемый результат\n"
    "1.\tСеминар\tянварь\tТОГИРРО\tОхват участников – 40%\n"
).encode()


def plan(level: str, where: str = "") -> Any:
    def make(w: World) -> dict[str, Any]:
        owner = {"municipality": getattr(w, where)} if level == Level.MUNICIPALITY else {}
        if level == Level.SCHOOL:
            owner = {"school": getattr(w, where)}
        return {"pk": make_plan(w, level, **owner).pk}

    return make


def export(w: World) -> dict[str, Any]:
    return {"pk": make_plan(w, Level.REGION).pk, "kind": "monitoring", "fmt": "docx"}


def item(level: str, where: str = "") -> Any:
    def make(w: World) -> dict[str, Any]:
        return {"pk": Plan.objects.get(pk=plan(level, where)(w)["pk"]).items.first().pk}  # type: ignore[union-attr]

    return make


def evidence(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        target = Plan.objects.get(pk=plan(Level.SCHOOL, where)(w)["pk"]).items.first()
        report = do_report_progress(
            None, target, status=ItemStatus.DONE, files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")]
        )
        return {"pk": report.evidence.get().pk}

    return make


def draft(level: str, *, index: bool = False) -> Any:
    def make(w: World) -> dict[str, Any]:
        owner = {"region": w.region} if level == Level.REGION else {"school": w.s1}
        full = owner_fields(
            level, **{"region": None, "municipality": None, "school": None, **owner}
        )
        params = importer.params_of(level=level, year=2024, title="Черновик", owner=full)
        batch, report = importer.create_batch(
            None, PLAN_TEXT, "plan.txt", region=w.region, params=params
        )
        assert report.ok
        return {"pk": batch.pk, "index": 0} if index else {"pk": batch.pk}

    return make


def organisation(w: World) -> dict[str, Any]:
    make_plan(w, Level.REGION)
    return {"pk": w.region.organisations.get(abbreviation="ТОГИРРО").pk}


def calendar(w: World) -> dict[str, Any]:
    make_plan(w, Level.REGION)
    return {"key": do_issue_calendar_token(w.users["operator"]).key}


# School roadmaps from deficits (issue 4, part 5) -----------------------------------------------


def measure(w: World) -> dict[str, Any]:
    from marshrut.plans.models import Measure

    found = Measure.objects.create(
        region=w.region, indicator="ZN.04", direction="znanie", title="Закупить учебники"
    )
    return {"pk": found.pk}


def submission(where: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        from tests.diagnostics.factories import submission_for

        return {"pk": submission_for(w, getattr(w, where), submitted=True).pk}

    return make


def school_plan(where: str, status: str) -> Any:
    def make(w: World) -> dict[str, Any]:
        return {"pk": make_plan(w, Level.SCHOOL, school=getattr(w, where), status=status).pk}

    return make
