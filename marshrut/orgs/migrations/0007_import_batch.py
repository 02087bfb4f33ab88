"""Registry uploads move onto the one import pipeline: each RegistryImport becomes an
ImportBatch of kind «registry» (its stored file, checksum, status, report and job trace kept),
then the old table goes."""

from django.db import migrations

JOB_FIELDS = ("queued_at", "heartbeat_at", "worker_id", "task_id", "attempts", "notice")


def to_batches(apps, schema_editor):
    RegistryImport = apps.get_model("orgs", "RegistryImport")
    ImportBatch = apps.get_model("lib", "ImportBatch")
    batches = []
    for old in RegistryImport.objects.all().iterator():
        summary = dict(old.summary or {})
        problems = list(summary.pop("problems", []) or [])
        batches.append(
            ImportBatch(
                id=old.id,
                kind="registry",
                region_id=old.region_id,
                params={},
                file=old.file.name,
                filename=old.filename,
                size=old.size,
                sha256=old.sha256,
                status=old.status,
                progress=old.progress,
                counts=summary,
                problems=problems,
                problem_count=len(problems),
                created_by_id=old.created_by_id,
                created_at=old.created_at,
                checked_at=old.created_at,
                applied_by_id=old.applied_by_id,
                applied_at=old.applied_at,
                **{f: getattr(old, f) for f in JOB_FIELDS},
            )
        )
    ImportBatch.objects.bulk_create(batches, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0006_federal_level_and_time_zones"),
        ("lib", "0002_import_batch"),
    ]

    operations = [
        migrations.RunPython(to_batches, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="RegistryImport",
        ),
    ]
