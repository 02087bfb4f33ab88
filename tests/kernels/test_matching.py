"""The matching kernel: partner schools for deficits and the grouping of municipalities."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marshrut.kernels.matching import (
    Basis,
    MunicipalityProfile,
    Need,
    PartnerIndex,
    Ring,
    SchoolRef,
    Strength,
    group_municipalities,
    partners,
)

DIRECTIONS = ("znanie", "zdorovie", "klimat")
CODES = {"ZN.1": "znanie", "ZN.2": "znanie", "ZD.1": "zdorovie", "KL.1": "klimat"}


def strength(
    sid: int,
    municipality: int,
    *,
    full: set[str] = frozenset(),  # type: ignore[assignment]
    short: set[str] = frozenset(),  # type: ignore[assignment]
    share: float = 0.5,
    level: str = "basic",
    name: str = "",
) -> Strength:
    return Strength(
        SchoolRef(sid, name or f"Школа {sid:03}", municipality),
        full=frozenset(full),
        short=frozenset(short),
        shares=dict.fromkeys(DIRECTIONS, share),
        levels=dict.fromkeys(DIRECTIONS, level),
    )


# Geography of the hand-made examples: 1 — 2 — 3 (a chain), 4 far away.
GEO = {1: [2], 2: [3], 4: []}


class TestPartnersByHand:
    def test_same_municipality_first_then_neighbours_then_region(self) -> None:
        me = strength(1, 1, short={"ZN.1"})
        others = [
            strength(2, 4, full={"ZN.1"}, share=0.99),  # far, strongest
            strength(3, 2, full={"ZN.1"}, share=0.6),  # neighbour
            strength(4, 1, full={"ZN.1"}, share=0.4),  # same municipality, weakest
            strength(5, 3, full={"ZN.1"}, share=0.9),  # two steps away: the region ring
        ]
        [match] = partners(me.school, [Need("ZN.1", "znanie")], [me, *others], GEO)
        assert [(p.school.id, p.ring) for p in match.partners] == [
            (4, Ring.MUNICIPALITY),
            (3, Ring.NEIGHBOUR),
            (2, Ring.REGION),
            (5, Ring.REGION),
        ]

    def test_a_school_is_never_its_own_partner(self) -> None:
        me = strength(1, 1, full={"ZN.1"}, short={"ZN.2"}, share=1.0, level="high")
        [match] = partners(me.school, [Need("ZN.2", "znanie")], [me], GEO)
        assert match.partners == ()

    def test_a_school_weak_in_the_same_indicator_is_not_offered(self) -> None:
        me = strength(1, 1, short={"ZN.1"})
        also_weak = strength(2, 1, short={"ZN.1"}, share=0.95, level="high")
        [match] = partners(me.school, [Need("ZN.1", "znanie")], [me, also_weak], GEO)
        assert match.partners == ()

    def test_direction_strength_stands_in_where_the_indicator_does_not_measure(self) -> None:
        me = strength(1, 1, short={"ZN.1"})
        strong = strength(2, 1, share=0.8, level="medium")  # ZN.1 does not apply to it
        weak = strength(3, 1, share=0.3, level="basic")
        [match] = partners(me.school, [Need("ZN.1", "znanie")], [me, strong, weak], GEO)
        assert [(p.school.id, p.basis) for p in match.partners] == [(2, Basis.DIRECTION)]

    def test_within_a_ring_indicator_matches_come_first_then_strength_then_name(self) -> None:
        me = strength(1, 1, short={"ZN.1"})
        others = [
            strength(2, 1, share=0.99, level="high"),  # direction only
            strength(3, 1, full={"ZN.1"}, share=0.7, name="Б"),
            strength(4, 1, full={"ZN.1"}, share=0.7, name="А"),
            strength(5, 1, full={"ZN.1"}, share=0.8, name="Я"),
        ]
        [match] = partners(me.school, [Need("ZN.1", "znanie")], [me, *others], GEO)
        assert [p.school.id for p in match.partners] == [5, 4, 3, 2]

    def test_limit_and_one_match_per_distinct_deficit(self) -> None:
        me = strength(1, 1, short={"ZN.1", "KL.1"})
        others = [strength(i, 2, full={"ZN.1", "KL.1"}) for i in range(2, 12)]
        needs = [Need("ZN.1", "znanie"), Need("KL.1", "klimat"), Need("ZN.1", "znanie")]
        matches = partners(me.school, needs, [me, *others], GEO, limit=3)
        assert [m.need.code for m in matches] == ["ZN.1", "KL.1"]
        assert all(len(m.partners) == 3 for m in matches)

    def test_neighbours_count_both_ways(self) -> None:
        me = strength(1, 3, short={"ZN.1"})  # 2 lists 3 as a neighbour; 3 lists nobody
        near = strength(2, 2, full={"ZN.1"})
        [match] = partners(me.school, [Need("ZN.1", "znanie")], [me, near], GEO)
        assert match.partners[0].ring == Ring.NEIGHBOUR


# Property tests ----------------------------------------------------------------------------------

municipalities = st.integers(min_value=1, max_value=6)
SHARES = (0.0, 0.3, 0.5, 0.74, 0.75, 0.9, 1.0)


@st.composite
def regions(draw: Any) -> tuple[Strength, list[Strength], dict[int, list[int]], list[Need]]:
    n = draw(st.integers(min_value=1, max_value=16))
    schools = []
    for sid in range(1, n + 1):
        full = draw(st.sets(st.sampled_from(sorted(CODES))))
        short = draw(st.sets(st.sampled_from(sorted(CODES)))) - full
        schools.append(
            Strength(
                SchoolRef(sid, draw(st.sampled_from(["А", "Б", "В", "Г"])), draw(municipalities)),
                full=frozenset(full),
                short=frozenset(short),
                shares={d: draw(st.sampled_from(SHARES)) for d in DIRECTIONS},
                levels={
                    d: draw(st.sampled_from(["below_basic", "basic", "medium", "high"]))
                    for d in DIRECTIONS
                },
            )
        )
    geo = draw(st.dictionaries(municipalities, st.lists(municipalities, max_size=3)))
    me = draw(st.sampled_from(schools))
    needs = [Need(c, CODES[c]) for c in sorted(me.short)] or [Need("ZN.1", "znanie")]
    return me, schools, geo, needs


def _ring(me: SchoolRef, other: SchoolRef, geo: dict[int, list[int]]) -> Ring:
    if me.municipality == other.municipality:
        return Ring.MUNICIPALITY
    near = set(geo.get(me.municipality, [])) | {m for m, ns in geo.items() if me.municipality in ns}
    return Ring.NEIGHBOUR if other.municipality in near else Ring.REGION


@settings(max_examples=100, deadline=None)
@given(regions(), st.integers(min_value=1, max_value=8))
def test_partner_properties(region: Any, limit: int) -> None:
    me, schools, geo, needs = region
    by_id = {s.school.id: s for s in schools}
    matches = partners(me.school, needs, schools, geo, limit)
    assert [m.need for m in matches] == list(dict.fromkeys(needs))
    for match in matches:
        assert len(match.partners) <= limit
        ids = [p.school.id for p in match.partners]
        assert me.school.id not in ids, "a school is never its own partner"
        assert len(set(ids)) == len(ids)
        for p in match.partners:
            s = by_id[p.school.id]
            if p.basis is Basis.INDICATOR:
                assert match.need.code in s.full
            else:
                assert match.need.code not in s.short
                assert s.strong_in(match.need.direction)
            assert p.ring == _ring(me.school, p.school, geo)
        rings = [p.ring for p in match.partners]
        assert rings == sorted(rings), "nearest ring first"
        # Within a ring: indicator before direction, then the strongest, then the name.
        for a, b in zip(match.partners, match.partners[1:], strict=False):
            if a.ring == b.ring:
                ka = (a.basis is Basis.DIRECTION, -a.share, a.school.name, a.school.id)
                kb = (b.basis is Basis.DIRECTION, -b.share, b.school.name, b.school.id)
                assert ka <= kb
        # Nobody left out who should have been in: fewer than the limit means all were shown.
        eligible = [
            s
            for s in schools
            if s.school.id != me.school.id and s.basis_for(match.need) is not None
        ]
        assert len(match.partners) == min(limit, len(eligible))


@settings(max_examples=30, deadline=None)
@given(regions())
def test_the_index_answers_as_the_function(region: Any) -> None:
    me, schools, geo, needs = region
    index = PartnerIndex(schools, geo)
    for s in schools:
        # Querying for other schools first must not change the answer (the cache is per need).
        index.partners_of(s.school, needs)
    assert index.partners_of(me.school, needs) == partners(me.school, needs, schools, geo)


# Grouping ----------------------------------------------------------------------------------------


def profile(mid: int, name: str, schools: int = 10, **weights: float) -> MunicipalityProfile:
    return MunicipalityProfile(mid, name, {d: weights.get(d, 0.2) for d in DIRECTIONS}, schools)


class TestGroupingByHand:
    def test_alike_neighbours_group_together_and_report_what_they_share(self) -> None:
        profiles = [
            profile(1, "Аистов", zdorovie=0.8),
            profile(2, "Берёзов", zdorovie=0.7),
            profile(3, "Вишнёв", klimat=0.8),
            profile(4, "Грушев", klimat=0.9),
        ]
        chain = {1: [2], 2: [3], 3: [4]}
        groups = group_municipalities(profiles, chain, 2)
        assert [g.members for g in groups] == [(1, 2), (3, 4)]
        assert groups[0].shared[0].direction == "zdorovie"
        assert groups[1].shared[0].direction == "klimat"
        assert all(g.connected for g in groups)
        assert [g.number for g in groups] == [1, 2]

    def test_geography_outweighs_a_slightly_better_likeness(self) -> None:
        profiles = [
            profile(1, "А", zdorovie=0.8),
            profile(2, "Б", zdorovie=0.7, klimat=0.3),
            profile(3, "В", zdorovie=0.8),
            profile(4, "Г", klimat=0.8),
        ]
        # 1 and 3 are most alike but far apart; 1 borders 2, 3 borders 4.
        groups = group_municipalities(profiles, {1: [2], 3: [4]}, 2)
        assert {g.members for g in groups} == {(1, 2), (3, 4)}

    def test_a_big_city_is_not_swallowed_with_everybody(self) -> None:
        profiles = [profile(1, "Город", schools=60)] + [
            profile(i, f"Район {i}", schools=10) for i in range(2, 6)
        ]
        star = {1: [2, 3, 4, 5]}
        groups = group_municipalities(profiles, star, 3)
        city = next(g for g in groups if 1 in g.members)
        assert city.members == (1,)

    def test_bad_n_is_refused(self) -> None:
        with pytest.raises(ValueError):
            group_municipalities([profile(1, "А")], {}, 2)
        with pytest.raises(ValueError):
            group_municipalities([profile(1, "А")], {}, 0)


@st.composite
def municipality_sets(draw: Any) -> tuple[list[MunicipalityProfile], dict[int, list[int]], int]:
    m = draw(st.integers(min_value=1, max_value=14))
    profiles = [
        MunicipalityProfile(
            i,
            draw(st.sampled_from(["А", "Б", "В"])),
            {d: draw(st.floats(0, 1)) for d in DIRECTIONS},
            draw(st.integers(min_value=0, max_value=50)),
        )
        for i in range(1, m + 1)
    ]
    ids = st.integers(min_value=1, max_value=m)
    geo = draw(st.dictionaries(ids, st.lists(ids, max_size=3)))
    n = draw(st.integers(min_value=1, max_value=m))
    return profiles, geo, n


@settings(max_examples=200, deadline=None)
@given(municipality_sets())
def test_grouping_covers_every_municipality_once_in_exactly_n_groups(data: Any) -> None:
    profiles, geo, n = data
    groups = group_municipalities(profiles, geo, n)
    assert len(groups) == n
    members = [m for g in groups for m in g.members]
    assert sorted(members) == sorted(p.id for p in profiles)
    assert [g.number for g in groups] == list(range(1, n + 1))
    assert all(g.members and g.shared for g in groups)


@settings(max_examples=100, deadline=None)
@given(municipality_sets(), st.randoms(use_true_random=False))
def test_grouping_is_deterministic_whatever_the_input_order(data: Any, rnd: Any) -> None:
    profiles, geo, n = data
    shuffled = list(profiles)
    rnd.shuffle(shuffled)
    assert group_municipalities(profiles, geo, n) == group_municipalities(shuffled, geo, n)
