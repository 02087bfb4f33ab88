"""The demo's ШНОР cohort: built twice without duplicates, with proposals and recovered schools."""

from __future__ import annotations

import io

import pytest

from marshrut.orgs import demo
from marshrut.orgs.models import School
from marshrut.support import cohort_queries
from marshrut.support.demo import build_demo
from marshrut.support.models import Participation
from marshrut.support.models.assessments import Appointment, AssessmentResult, CandidateTest

pytestmark = pytest.mark.django_db


def test_the_cohort_demo_is_idempotent_and_shows_every_part() -> None:
    region, _ = demo.build()
    year = region.today().year
    out = io.StringIO()
    build_demo(region, out)
    counts = (
        AssessmentResult.objects.count(),
        Participation.objects.count(),
        Appointment.objects.count(),
        CandidateTest.objects.count(),
    )
    build_demo(region, out)
    assert (
        AssessmentResult.objects.count(),
        Participation.objects.count(),
        Appointment.objects.count(),
        CandidateTest.objects.count(),
    ) == counts
    assert "добавлено: результатов 0, включений в когорту 0, приказов 0" in out.getvalue()
    cohort = Participation.objects.in_region(region).of_year(year)
    marked = set(
        School.objects.filter(municipality__region=region, is_shnor=True).values_list(
            "pk", flat=True
        )
    )
    # The registry's mark and the cohort of the year agree.
    assert set(cohort.values_list("school_id", flat=True)) == marked
    assert cohort.filter(source=Participation.Source.FEDERAL_LIST).count() == 15
    by_rule = cohort.filter(source=Participation.Source.RULE)
    assert by_rule and all("%" in p.entry_reason for p in by_rule)
    assert {p.year for p in AssessmentResult.objects.all()} == {year - 2, year - 1, year}
    _stored, rule = cohort_queries.rule_of(region)
    assert len(cohort_queries.proposals(region, year, rule)) == 3
    rows = cohort_queries.cohort_rows(cohort, year, rule)
    assert sum(1 for r in rows if r.exit.recovered) == 2


def test_the_demo_curator_sees_only_the_assigned_cohort_schools(client: object) -> None:
    region, _ = demo.build()
    build_demo(region, io.StringIO())
    from marshrut.accounts.models import User
    from marshrut.orgs.models import Membership
    from marshrut.orgs.roles import Role

    curator = User.objects.get(username="curator")
    assigned = set(
        Membership.objects.get(person__user=curator, role=Role.CURATOR).schools.values_list(
            "pk", flat=True
        )
    )
    client.force_login(curator)  # type: ignore[attr-defined]
    page = client.get(f"/shnor/cohort/?year={region.today().year}")  # type: ignore[attr-defined]
    shown = {r.school.pk for r in page.context["rows"]}
    assert shown and shown == assigned
