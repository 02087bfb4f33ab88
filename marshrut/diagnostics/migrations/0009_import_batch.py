"""Results uploads move onto the one import pipeline: each ImportJob becomes an ImportBatch of
kind «results» with its campaign as a parameter (its stored file, checksum, status, problems,
counts and job trace kept), then the old table goes."""

from django.db import migrations

JOB_FIELDS = ("queued_at", "heartbeat_at", "worker_id", "task_id", "attempts", "notice")


def to_batches(apps, schema_editor):
    ImportJob = apps.get_model("diagnostics", "ImportJob")
    ImportBatch = apps.get_model("lib", "ImportBatch")
    batches = []
    for old in ImportJob.objects.select_related("campaign").iterator():
        counts = dict(old.counts or {})
        if old.layout:
            counts.setdefault("layout", old.layout)
        problems = list(old.problems or [])
        batches.append(
            ImportBatch(
                id=old.id,
                kind="results",
                region_id=old.campaign.region_id,
                params={"campaign": old.campaign_id},
                file=old.file.name,
                filename=old.filename,
                size=old.size,
                sha256=old.sha256,
                status=old.status,
                progress=old.progress,
                counts=counts,
                problems=problems,
                problem_count=max(int(counts.get("problem_count") or 0), len(problems)),
                created_by_id=old.created_by_id,
                created_at=old.created_at,
                checked_at=None if old.status == "checking" else old.created_at,
                applied_by_id=old.applied_by_id,
                applied_at=old.applied_at,
                **{f: getattr(old, f) for f in JOB_FIELDS},
            )
        )
    ImportBatch.objects.bulk_create(batches, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("diagnostics", "0008_campaign_results_generation"),
        ("lib", "0002_import_batch"),
    ]

    operations = [
        migrations.RunPython(to_batches, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="ImportJob",
        ),
    ]
