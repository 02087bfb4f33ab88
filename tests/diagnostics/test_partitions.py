"""Answers, results and deficits partitioned by campaign on PostgreSQL; statistics after loads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from marshrut.diagnostics import partitions
from marshrut.diagnostics.actions import do_open_campaign
from marshrut.diagnostics.importing import apply_file
from marshrut.diagnostics.models import Answer, Campaign, CriteriaVersion, Deficit, Result
from tests.conftest import World
from tests.diagnostics.conftest import wide_rows, xlsx

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"
)


def rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def second_campaign(world: World, criteria: CriteriaVersion) -> Campaign:
    return do_open_campaign(
        None,
        world.region,
        criteria,
        title="Самодиагностика 2025",
        year=2025,
        opens_on=dt.date(2025, 11, 1),
        closes_on=dt.date(2025, 11, 15),
    )


@postgresql
@pytest.mark.django_db
def test_the_three_tables_are_partitioned_by_campaign() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partrelid::regclass::text, partstrat, "
            "(SELECT attname FROM pg_attribute WHERE attrelid = partrelid AND attnum = partattrs[0]) "
            "FROM pg_partitioned_table ORDER BY 1"
        )
        found = cursor.fetchall()
    assert found == [
        ("diagnostics_answer", "l", "campaign_id"),
        ("diagnostics_deficit", "l", "campaign_id"),
        ("diagnostics_result", "l", "campaign_id"),
    ]
    for table in partitions.TABLES:
        assert f"{table}_default" in partitions.partitions_of(table)


@postgresql
def test_an_opened_campaign_gets_its_partitions_and_its_rows_land_there(
    world: World, campaign: Campaign, criteria: CriteriaVersion
) -> None:
    other = second_campaign(world, criteria)
    for table in partitions.TABLES:
        names = partitions.partitions_of(table)
        assert partitions.partition_name(table, campaign.pk) in names
        assert partitions.partition_name(table, other.pk) in names
    apply_file(None, xlsx(wide_rows(campaign, [world.s1, world.s2])), "f.xlsx", campaign)
    answers = Answer.objects.filter(campaign=campaign).count()
    assert answers > 0
    assert rows_in(f"diagnostics_answer_c{campaign.pk}") == answers
    assert rows_in(f"diagnostics_result_c{campaign.pk}") == Result.objects.count() == 18
    assert rows_in(f"diagnostics_deficit_c{campaign.pk}") == Deficit.objects.count()
    assert rows_in(f"diagnostics_answer_c{other.pk}") == 0
    assert rows_in("diagnostics_answer_default") == 0


@postgresql
def test_deleting_a_campaign_drops_its_partitions_and_keeps_the_others(
    world: World, campaign: Campaign, criteria: CriteriaVersion
) -> None:
    other = second_campaign(world, criteria)
    apply_file(None, xlsx(wide_rows(campaign, [world.s1])), "f.xlsx", campaign)
    apply_file(None, xlsx(wide_rows(other, [world.s1])), "f.xlsx", other)
    kept = (
        Answer.objects.filter(campaign=campaign).count(),
        Result.objects.filter(campaign=campaign).count(),
        Deficit.objects.filter(campaign=campaign).count(),
    )
    assert kept[0] and kept[1]
    other.delete()
    for table in partitions.TABLES:
        names = partitions.partitions_of(table)
        assert partitions.partition_name(table, other.pk) not in names
        assert partitions.partition_name(table, campaign.pk) in names
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"diagnostics_answer_c{other.pk}"])
        assert cursor.fetchone() == (None,)
    assert (
        Answer.objects.count(),
        Result.objects.count(),
        Deficit.objects.count(),
    ) == kept
    # The campaign's own answers are still written and read back through the partition.
    apply_file(None, xlsx(wide_rows(campaign, [world.s1])), "again.xlsx", campaign)
    assert Answer.objects.filter(campaign=campaign).count() == kept[0]


def test_an_answer_takes_its_submission_campaign(world: World, campaign: Campaign) -> None:
    submission = campaign.submissions.get(school=world.s1)
    one = Answer.objects.create(submission=submission, code="ZN.01", value=True)
    (two,) = Answer.objects.bulk_create([Answer(submission=submission, code="ZN.02", value=1)])
    assert one.campaign_id == two.campaign_id == campaign.pk
    assert Answer.objects.filter(campaign=campaign).count() == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite statistics")
def test_an_import_leaves_fresh_statistics(world: World, campaign: Campaign) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    apply_file(None, xlsx(wide_rows(campaign, [world.s1, world.s2])), "f.xlsx", campaign)
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        tables = {name for (name,) in cursor.fetchall()}
    assert {"diagnostics_answer", "diagnostics_result", "diagnostics_deficit"} <= tables


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite statistics")
@pytest.mark.django_db
def test_migrate_leaves_statistics(db: Any) -> None:
    # The test database was built by migrate; post_migrate collected statistics.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone() == (1,)
