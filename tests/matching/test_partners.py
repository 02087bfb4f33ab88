"""A school's partners: hand-made results, the rules, the page and what it links to."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marshrut.diagnostics.models import Submission
from marshrut.kernels.matching import Basis, Need, PartnerIndex, Ring, SchoolRef
from marshrut.matching import queries
from tests.conftest import make_school
from tests.matching.conftest import Scored, score


def _matches(scored: Scored, school: Any, codes: list[str]) -> dict[str, list[Any]]:
    campaign = scored.campaign
    catalogue = campaign.criteria.catalogue
    data = queries.region_strengths(campaign, codes)
    index = PartnerIndex(data.strengths, data.neighbours)
    me = SchoolRef(school.pk, school.short_name, school.municipality_id)
    needs = [Need(c, catalogue.indicators[c].direction) for c in codes]
    return {m.need.code: list(m.partners) for m in index.partners_of(me, needs)}


def test_same_municipality_first_then_neighbour_then_region(scored: Scored) -> None:
    w = scored.world
    got = _matches(scored, w.s1, ["ZN.01"])["ZN.01"]
    assert [(p.school.id, p.ring) for p in got] == [
        (w.s3.pk, Ring.MUNICIPALITY),
        (w.s2.pk, Ring.NEIGHBOUR),
        (scored.s5.pk, Ring.REGION),
    ]
    assert all(p.basis is Basis.INDICATOR for p in got)


def test_a_school_weak_in_the_indicator_is_not_a_partner_for_it(scored: Scored) -> None:
    w = scored.world
    got = _matches(scored, w.s1, ["ZN.01", "KL.01"])
    assert scored.s4.pk not in [p.school.id for p in got["ZN.01"]]
    # s3 has the KL.01 deficit too; among the far schools the stronger (s4) comes first.
    assert [p.school.id for p in got["KL.01"]] == [w.s2.pk, scored.s4.pk, scored.s5.pk]


def test_a_school_is_never_its_own_partner(scored: Scored) -> None:
    w = scored.world
    for school in (w.s1, w.s2, w.s3, scored.s4, scored.s5):
        got = _matches(scored, school, ["ZN.01", "KL.01", "PF.01"])
        assert all(p.school.id != school.pk for ps in got.values() for p in ps)


def test_partners_are_strong_where_the_school_is_weak(scored: Scored) -> None:
    w = scored.world
    # A primary school of m1: PF.01 (grades 5–11) does not measure it, but it is strong in the
    # direction, so it is offered after the schools with full points in PF.01 of its ring.
    primary = make_school(w.m1, 6, short_name="НОШ № 6", offers_ooo=False, offers_soo=False)
    sub = Submission.objects.create(campaign=scored.campaign, school=primary, levels="noo")
    score(sub, by_direction={"proforientatsiya": (0.8, "medium")})
    got = _matches(scored, w.s1, ["PF.01"])["PF.01"]
    assert [(p.school.id, p.basis) for p in got][:2] == [
        (w.s3.pk, Basis.INDICATOR),
        (primary.pk, Basis.DIRECTION),
    ]
    data = queries.region_strengths(scored.campaign, ["PF.01"])
    by_id = {s.school.id: s for s in data.strengths}
    for p in got:
        s = by_id[p.school.id]
        if p.basis is Basis.INDICATOR:
            assert "PF.01" in s.full
        else:
            assert "PF.01" not in s.short and s.strong_in("proforientatsiya")


def _page(scored: Scored, persona: str, name: str = "s1") -> Any:
    url = reverse("matching:partners", args=[scored.sub(name).pk])
    return scored.world.client(persona).get(url)


def test_the_page_groups_deficits_by_direction_with_partners(scored: Scored) -> None:
    response = _page(scored, "operator")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Знание") < html.index("Профориентация") < html.index("Школьный климат")
    assert 'data-code="ZN.01"' in html and 'data-code="KL.01"' in html
    assert "свой муниципалитет" in html and "соседний муниципалитет" in html
    assert "полный балл по показателю ZN.01" in html
    for name in ("s2", "s3", "s5"):
        assert reverse("diagnostics:result", args=[scored.sub(name).pk]) in html


def test_the_head_sees_partner_names_but_no_links_to_their_results(scored: Scored) -> None:
    response = _page(scored, "head")
    html = response.content.decode()
    assert response.status_code == 200
    assert scored.world.s3.short_name in html and scored.s5.short_name in html
    for name in ("s2", "s3", "s5"):
        assert reverse("diagnostics:result", args=[scored.sub(name).pk]) not in html


def test_the_coordinator_links_only_to_schools_of_own_municipality(scored: Scored) -> None:
    html = _page(scored, "coordinator").content.decode()
    assert reverse("diagnostics:result", args=[scored.sub("s3").pk]) in html
    assert reverse("diagnostics:result", args=[scored.sub("s2").pk]) not in html
    assert reverse("diagnostics:result", args=[scored.sub("s5").pk]) not in html


def test_a_school_without_results_is_told_to_wait(scored: Scored) -> None:
    w = scored.world
    late = make_school(w.m1, 7, short_name="СОШ № 7")
    sub = Submission.objects.create(campaign=scored.campaign, school=late)
    response = w.client("operator").get(reverse("matching:partners", args=[sub.pk]))
    assert 'data-testid="not-scored"' in response.content.decode()


def test_the_page_reads_the_region_in_a_fixed_number_of_queries(scored: Scored) -> None:
    client = scored.world.client("operator")
    url = reverse("matching:partners", args=[scored.sub("s1").pk])
    client.get(url)  # warm the per-process catalogue cache
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(10, 20):
        school = make_school(scored.m3, i, short_name=f"СОШ № {i}")
        score(Submission.objects.create(campaign=scored.campaign, school=school), share=0.7)
    client.get(url)  # the frame reads the changed registry once (menu and regions, cached)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.content.decode().count('data-testid="partner"') > 9
    assert len(large) == len(small), "no query per school"


def test_the_index_lists_the_schools_the_user_sees(scored: Scored) -> None:
    w = scored.world
    response = w.client("head").get(reverse("matching:index"))
    html = response.content.decode()
    assert reverse("matching:partners", args=[scored.sub("s1").pk]) in html
    assert reverse("matching:partners", args=[scored.sub("s3").pk]) not in html
    assert reverse("matching:grouping", args=[scored.campaign.pk]) not in html
    html = w.client("operator").get(reverse("matching:index")).content.decode()
    assert reverse("matching:partners", args=[scored.sub("s5").pk]) in html
    assert reverse("matching:grouping", args=[scored.campaign.pk]) in html
