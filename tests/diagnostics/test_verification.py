"""The reliability check across criteria versions, and the coordinator's decisions on its flags.

Two hand-made catalogues: in test-2024 indicators were renumbered (SR.01 ↔ SR.02) and one
yes/no indicator became a percentage (SR.04 → SR.05).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from marshrut.audit.models import AuditEvent
from marshrut.diagnostics import actions
from marshrut.diagnostics.models import Campaign, CriteriaVersion, Flag, Submission
from tests.conftest import World

HEAD = """\
title: Тестовый каталог
illustrative: false
thresholds:
  direction: {basic: 30, medium: 55, high: 80}
  overall: {basic: 30, medium: 55, high: 80}
critical_rule:
  direction_cap: below_basic
  overall_cap: below_basic
directions:
  - {code: znanie, indicators: [{code: ZN.01, text: ФООП, type: yesno, points: 1%(zn)s}]}
  - {code: zdorovie, indicators: [{code: ZD.01, text: ШСК, type: yesno, points: 1%(zd)s}]}
  - {code: tvorchestvo, indicators: [{code: TV.01, text: Театр, type: yesno, points: 1%(tv)s}]}
  - {code: vospitanie, indicators: [{code: VS.01, text: Разговоры, type: yesno, points: 1%(vs)s}]}
  - {code: proforientatsiya, indicators: [{code: PF.01, text: Профминимум, type: yesno, points: 1%(pf)s}]}
  - {code: uchitel, indicators: [{code: UC.01, text: Наставники, type: yesno, points: 1%(uc)s}]}
  - {code: klimat, indicators: [{code: KL.01, text: Психолог, type: yesno, points: 1%(kl)s}]}
  - code: sreda
    indicators:
"""
SAME = {k: "" for k in ("zn", "zd", "tv", "vs", "pf", "uc", "kl")}
MAPPED = {
    k: f", previous_code: {c}.01"
    for k, c in zip(SAME, ("ZN", "ZD", "TV", "VS", "PF", "UC", "KL"), strict=True)
}
PERCENT = (
    "type: percent\n        bands: [{from: 0, to: 50, points: 0}, {from: 50, to: 100, points: 1}]"
)
NUMBER = "type: number\n        bands: [{from: 0, to: 5, points: 0}, {from: 5, points: 1}]"

V2023 = (
    "version: test-2023\nyear: 2023\n"
    + HEAD % SAME
    + f"""\
      - code: SR.01
        text: Доля кабинетов с интерактивным оборудованием
        {PERCENT}
      - {{code: SR.02, text: Доступная среда для обучающихся с ОВЗ, type: yesno, points: 1}}
      - code: SR.03
        text: Количество кружков
        {NUMBER}
      - {{code: SR.04, text: Видеонаблюдение, type: yesno, points: 1}}
"""
)
V2024 = (
    "version: test-2024\nyear: 2024\nprevious_version: test-2023\n"
    + HEAD % MAPPED
    + f"""\
      - {{code: SR.01, text: Доступная среда для обучающихся с ОВЗ, type: yesno, points: 1, previous_code: SR.02}}
      - code: SR.02
        text: Доля кабинетов с интерактивным оборудованием
        {PERCENT}
        previous_code: SR.01
      - code: SR.03
        text: Количество кружков
        {NUMBER}
        previous_code: SR.03
      - code: SR.05
        text: Доля помещений под видеонаблюдением
        {PERCENT}
        previous_code: SR.04
"""
)


@pytest.fixture
def versions(db: None) -> tuple[CriteriaVersion, CriteriaVersion]:
    return (
        actions.do_load_criteria(None, V2023, "test-2023.yaml"),
        actions.do_load_criteria(None, V2024, "test-2024.yaml"),
    )


def campaign_of(
    world: World, version: CriteriaVersion, year: int, previous: Campaign | None = None
) -> Campaign:
    today = timezone.localdate()
    return actions.do_open_campaign(
        None,
        world.region,
        version,
        title=f"Самодиагностика {year}",
        year=year,
        opens_on=today - dt.timedelta(days=5),
        closes_on=today + dt.timedelta(days=5),
        schools=[world.s1],
        previous=previous,
    )


def submit(campaign: Campaign, **answers: object) -> Submission:
    """Answer every indicator (yes by default) with ``answers`` by code (SR_02 → SR.02), and submit."""
    sub = campaign.submissions.get()
    given = {k.replace("_", "."): v for k, v in answers.items()}
    for code, indicator in campaign.criteria.catalogue.indicators.items():
        value = given.get(code, True if indicator.type == "yesno" else 50)
        actions.do_save_answer(None, sub, code, value, evidence_url="https://school.example/doc")
    actions.do_submit(None, sub)
    return sub


def jumps(sub: Submission) -> dict[str, str]:
    return dict(Flag.objects.filter(submission=sub, rule="jump").values_list("code", "message"))


def test_codes_are_carried_through_the_mapping_and_identity_within_a_version(
    versions: tuple[CriteriaVersion, CriteriaVersion],
) -> None:
    from marshrut.kernels.criteria import codes_across

    v2023, v2024 = versions
    across = codes_across([v2024.catalogue, v2023.catalogue])
    assert across["SR.02"] == "SR.01" and across["SR.01"] == "SR.02"
    assert codes_across([v2024.catalogue])["SR.02"] == "SR.02"
    assert v2024.codes_in(v2024)["SR.02"] == "SR.02"
    assert v2024.codes_in(v2023)["SR.05"] == "SR.04"
    assert v2023.codes_in(v2024) == {}, "a newer version is not on the older one's chain"


def test_the_jump_rule_compares_the_same_indicator_of_the_same_kind_across_versions(
    world: World, versions: tuple[CriteriaVersion, CriteriaVersion]
) -> None:
    v2023, v2024 = versions
    last = campaign_of(world, v2023, 2023)
    submit(last, SR_01=40, SR_02=True, SR_03=2, SR_04=True)
    now = campaign_of(world, v2024, 2024, previous=last)
    sub = submit(now, SR_01=True, SR_02=95, SR_03=12, SR_05=95)
    found = jumps(sub)
    # SR.02 is the old SR.01 (40 → 95); SR.05 was a yes/no (SR.04) and has no «jump».
    assert set(found) == {"SR.02", "SR.03"}
    assert found["SR.02"] == (
        "SR.02 «Доля кабинетов с интерактивным оборудованием»: "
        "было 40 % в прошлой кампании, стало 95 %"
    )
    assert found["SR.03"] == "SR.03 «Количество кружков»: было 2 в прошлой кампании, стало 12"
    every = " ".join(Flag.objects.filter(submission=sub).values_list("message", flat=True))
    assert "True" not in every and "False" not in every


def test_two_campaigns_of_one_version_compare_each_code_with_itself(
    world: World, versions: tuple[CriteriaVersion, CriteriaVersion]
) -> None:
    # The demo's current campaign and the last one both use the newest catalogue: its mapping
    # to the version before must not be applied between them.
    _, v2024 = versions
    last = campaign_of(world, v2024, 2024)
    submit(last, SR_01=True, SR_02=95, SR_03=4, SR_05=10)
    now = campaign_of(world, v2024, 2025, previous=last)
    sub = submit(now, SR_01=False, SR_02=90, SR_03=4, SR_05=80)
    assert jumps(sub) == {
        "SR.05": "SR.05 «Доля помещений под видеонаблюдением»: "
        "было 10 % в прошлой кампании, стало 80 %"
    }


@pytest.fixture
def flagged(world: World, versions: tuple[CriteriaVersion, CriteriaVersion]) -> Submission:
    v2023, v2024 = versions
    last = campaign_of(world, v2023, 2023)
    submit(last, SR_01=40, SR_03=2)
    sub = submit(campaign_of(world, v2024, 2024, previous=last), SR_02=95, SR_03=12)
    assert set(jumps(sub)) == {"SR.02", "SR.03"}
    return sub


def test_a_flag_is_rejected_as_a_false_alarm_only_with_a_reason(
    world: World, flagged: Submission
) -> None:
    flag = Flag.objects.get(submission=flagged, code="SR.02")
    coordinator = world.users["coordinator"]
    with pytest.raises(ValidationError) as refused:
        actions.do_resolve_flag(coordinator, flag, Flag.Resolution.REJECTED, "  ")
    assert "почему" in refused.value.messages[0]
    flag.refresh_from_db()
    assert flag.resolution == Flag.Resolution.OPEN
    actions.do_resolve_flag(
        coordinator, flag, Flag.Resolution.REJECTED, "Закуплено 30 интерактивных панелей"
    )
    flag.refresh_from_db()
    assert flag.resolution == Flag.Resolution.REJECTED
    assert flag.resolved_by == coordinator and flag.resolved_at is not None
    assert flag.comment == "Закуплено 30 интерактивных панелей"
    event = AuditEvent.objects.filter(actor=coordinator).latest("pk")
    assert "ложное срабатывание" in event.message
    assert "Закуплено 30 интерактивных панелей" in event.message
    with pytest.raises(ValidationError):
        actions.do_resolve_flag(coordinator, flag, Flag.Resolution.CONFIRMED)


def test_the_coordinator_rejects_a_flag_on_the_page_and_counts_treat_it_as_closed(
    world: World, flagged: Submission
) -> None:
    client = world.client("coordinator")
    flag = Flag.objects.get(submission=flagged, code="SR.02")
    url = reverse("diagnostics:flag_resolve", kwargs={"pk": flag.pk})
    page = client.post(url, {"resolution": "rejected", "comment": ""}, follow=True)
    assert "Укажите, почему замечание — ложное срабатывание." in page.content.decode()
    assert Flag.objects.get(pk=flag.pk).resolution == Flag.Resolution.OPEN
    page = client.post(
        url, {"resolution": "rejected", "comment": "Оборудование закуплено"}, follow=True
    )
    html = page.content.decode()
    assert "отклонено как ложное срабатывание" in html and "Оборудование закуплено" in html
    listing = client.get(reverse("diagnostics:campaign_detail", kwargs={"pk": flagged.campaign_id}))
    assert [s.open_flags for s in listing.context["page"]] == [1]
    queue = client.get(reverse("diagnostics:verification"))
    assert {s.pk: s.open_flags for s in queue.context["page"]}[flagged.pk] == 1


def test_a_rejected_finding_is_not_raised_again_when_the_school_resubmits(
    world: World, flagged: Submission
) -> None:
    flag = Flag.objects.get(submission=flagged, code="SR.02")
    actions.do_resolve_flag(world.users["coordinator"], flag, "rejected", "Закуплены панели")
    actions.do_return(world.users["coordinator"], flagged, "Уточните количество кружков")
    actions.do_save_answer(None, flagged, "SR.01", False)
    actions.do_submit(None, flagged)
    open_codes = set(
        Flag.objects.filter(submission=flagged, resolution="open").values_list("code", flat=True)
    )
    assert open_codes == {"SR.03"}


def test_each_flag_keeps_its_own_comment_when_the_questionnaire_is_returned(
    world: World, flagged: Submission
) -> None:
    coordinator = world.users["coordinator"]
    flag = Flag.objects.get(submission=flagged, code="SR.02")
    actions.do_resolve_flag(coordinator, flag, "confirmed", "Панели есть, видела сама")
    actions.do_return(coordinator, flagged, "Проверьте количество кружков")
    comments = dict(
        Flag.objects.filter(submission=flagged, rule="jump").values_list("code", "comment")
    )
    assert comments == {"SR.02": "Панели есть, видела сама", "SR.03": ""}
    flagged.refresh_from_db()
    assert flagged.review_comment == "Проверьте количество кружков"
