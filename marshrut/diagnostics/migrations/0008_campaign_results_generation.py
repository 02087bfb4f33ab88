from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("diagnostics", "0007_job_task_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="results_generation",
            field=models.PositiveBigIntegerField(
                default=0, editable=False, verbose_name="поколение результатов"
            ),
        ),
    ]
