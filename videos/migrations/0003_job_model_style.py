"""The model catalog (issue 16 §1): a generation job records its model, style and sound.

Generation jobs made before this migration were all sent to ``gen4.5`` (the only model
then) with no style preset: they are filled in as such, so a retry asks for the same.
Ingest jobs keep the three empty, which a check constraint holds them to. Reversible:
going back drops the columns (the backfill needs no undoing).
"""

from django.db import migrations, models
from django.db.models import Q


def fill_old_generation_jobs(apps, schema_editor):
    VideoJob = apps.get_model("videos", "VideoJob")
    VideoJob.objects.filter(kind="generate", model="").update(model="gen4.5", style="none")


class Migration(migrations.Migration):
    dependencies = [("videos", "0002_job_hints_one_source_enum")]

    operations = [
        migrations.AddField(
            model_name="videojob",
            name="model",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="videojob",
            name="style",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="videojob",
            name="audio",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.RunPython(fill_old_generation_jobs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="videojob",
            constraint=models.CheckConstraint(
                condition=Q(kind="generate") | Q(model="", style="", audio__isnull=True),
                name="video_jobs_ingest_has_no_generation_choices",
            ),
        ),
    ]
