"""Answers carry their campaign (the partition key on PostgreSQL, see 0009); unique keys of the
three bulk tables include it; deficits lose the two indexes nothing reads (by school, and
(campaign, direction), which the wide (campaign, code, direction, kind) index serves)."""

import django.db.models.deletion
from django.db import migrations, models


def fill_campaign(apps, schema_editor):
    Answer = apps.get_model("diagnostics", "Answer")
    Submission = apps.get_model("diagnostics", "Submission")
    # One UPDATE per campaign: a correlated subquery per row would be far slower at scale.
    campaigns = Submission.objects.values_list("campaign_id", flat=True).distinct()
    for campaign_id in campaigns:
        Answer.objects.filter(
            submission__in=Submission.objects.filter(campaign_id=campaign_id).values("pk")
        ).update(campaign_id=campaign_id)


class Migration(migrations.Migration):
    dependencies = [
        ("diagnostics", "0010_campaign_series"),
        ("orgs", "0005_job_task_label"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="answer", name="answer_once"),
        migrations.RemoveConstraint(model_name="result", name="result_once_per_scope"),
        migrations.RemoveIndex(model_name="deficit", name="diagnostics_campaig_959723_idx"),
        # A name of its own: the import drops and rebuilds it around a big load (bulk.py).
        migrations.RenameIndex(
            model_name="deficit",
            new_name="deficit_campaign_code",
            old_name="diagnostics_campaig_5c1548_idx",
        ),
        migrations.AddField(
            model_name="answer",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="diagnostics.campaign",
            ),
        ),
        migrations.RunPython(fill_campaign, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="answer",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="diagnostics.campaign",
            ),
        ),
        migrations.AlterField(
            model_name="deficit",
            name="school",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="orgs.school",
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.UniqueConstraint(
                fields=("submission", "code", "campaign"), name="answer_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="result",
            constraint=models.UniqueConstraint(
                fields=("submission", "scope", "campaign"), name="result_once_per_scope"
            ),
        ),
    ]
