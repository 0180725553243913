"""Web renditions and preview loops (issue 16 §2): the ``video_renditions`` table, and what
an asset's original is (bitrate, audio codec) and where its renditions stand."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import videos.models


class Migration(migrations.Migration):
    dependencies = [("videos", "0003_job_model_style")]

    operations = [
        migrations.AddField(
            model_name="videoasset",
            name="audio_codec",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="videoasset",
            name="bitrate",
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="videoasset",
            name="preview_ready",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="videoasset",
            name="renditions_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="videoasset",
            name="renditions_error",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="videoasset",
            name="renditions_seconds",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="VideoRendition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("web", "Web rendition"), ("preview", "Preview loop")],
                        max_length=16,
                    ),
                ),
                (
                    "file",
                    models.FileField(max_length=255, upload_to=videos.models._rendition_path),
                ),
                ("bytes", models.BigIntegerField()),
                ("width", models.PositiveIntegerField()),
                ("height", models.PositiveIntegerField()),
                ("duration", models.FloatField()),
                ("video_codec", models.CharField(max_length=32)),
                ("audio_codec", models.CharField(blank=True, max_length=32)),
                ("bitrate", models.PositiveBigIntegerField()),
                ("seconds", models.FloatField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "asset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="renditions",
                        to="videos.videoasset",
                    ),
                ),
            ],
            options={
                "db_table": "video_renditions",
                "ordering": ["asset", "kind"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("asset", "kind"), name="video_renditions_one_per_kind"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["web", "preview"])),
                        name="video_renditions_kind_valid",
                    ),
                ],
            },
        ),
    ]
