"""Roadmap uploads move onto the one import pipeline: each PlanImport becomes an ImportBatch of
kind «plans» (its stored file and checksum kept; a draft waits as a checked batch with its rows,
corrections included, in its parameters; a saved one is applied, with its plan in the counts),
then the old table goes."""

from django.db import migrations


def _summary(draft):
    rows = draft.get("rows", [])
    sections = []
    for row in rows:
        key = (row.get("section_number", ""), row.get("section_title", ""))
        if not sections or sections[-1] != key:
            sections.append(key)
    kinds = [[d.get("kind") for d in row.get("deadlines", [])] for row in rows]
    return {
        "rows": len(rows),
        "sections": len(sections),
        "unknown_deadline": sum("unknown" in k for k in kinds),
        "no_deadline": sum(not k for k in kinds),
        "unmapped": sum(
            any(not r.get("organisation") for r in row.get("responsible", [])) for row in rows
        ),
    }


def to_batches(apps, schema_editor):
    PlanImport = apps.get_model("plans", "PlanImport")
    ImportBatch = apps.get_model("lib", "ImportBatch")
    batches = []
    for old in PlanImport.objects.all().iterator():
        draft = dict(old.draft or {})
        saved = old.status == "saved"
        counts = {
            "draft": draft,
            "summary": _summary(draft),
            "title": old.title,
            "year": old.year,
            "programme": "school",
        }
        if saved and old.plan_id:
            counts["plan"] = old.plan_id
        batches.append(
            ImportBatch(
                id=old.id,
                kind="plans",
                region_id=old.region_id,
                params={
                    "level": old.level,
                    "year": old.year,
                    "title": old.title,
                    "municipality": old.municipality_id,
                    "school": old.school_id,
                    "programme": "school",
                    # The draft may hold the operator's corrections: the apply writes these rows.
                    "rows": draft.get("rows", []),
                    "mappings": draft.get("mappings", {}),
                },
                file=old.file.name,
                filename=old.filename,
                size=old.size,
                sha256=old.sha256,
                status="applied" if saved else "checked",
                progress=100,
                counts=counts,
                problems=[],
                problem_count=0,
                created_by_id=old.created_by_id,
                created_at=old.created_at,
                checked_at=old.created_at,
                applied_by_id=old.created_by_id if saved else None,
                applied_at=old.saved_at if saved else None,
            )
        )
    ImportBatch.objects.bulk_create(batches, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0006_plan_programme"),
        ("lib", "0002_import_batch"),
    ]

    operations = [
        migrations.RunPython(to_batches, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="PlanImport",
        ),
    ]
