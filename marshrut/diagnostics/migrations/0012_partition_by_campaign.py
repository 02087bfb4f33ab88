"""PostgreSQL: answers, results and deficits become partitioned by campaign, a partition per
existing campaign and a default one (see marshrut/diagnostics/partitions.py). SQLite: nothing."""

from django.db import migrations

from marshrut.diagnostics.partitions import partition_tables, unpartition_tables


class Migration(migrations.Migration):
    dependencies = [("diagnostics", "0011_answer_campaign_lighter_deficits")]

    operations = [migrations.RunPython(partition_tables, unpartition_tables)]
