"""Content Credentials on stored videos (issue 16 §3): the manifest's facts, and the hash
of a generated video before it was signed (one generated output is stored once).

Existing assets are labelled from where they came from: a provider's output as generated
(AI) with no manifest yet (``verify_videos`` reports it), a file or URL as uploaded.
"""

from django.db import migrations, models
from django.db.models import Q

_GENERATORS = {"runway": "RunwayML", "demo": "DreamJourney demo renderer"}


def label_existing(apps, schema_editor):
    VideoAsset = apps.get_model("videos", "VideoAsset")
    # Every row was just given the column's default ({}): label them all by their source.
    for source_kind in ("runway", "demo", "url", "upload"):
        generated = source_kind in _GENERATORS
        VideoAsset.objects.filter(source_kind=source_kind).update(
            credentials={
                "origin": "generated" if generated else "uploaded",
                "ai_generated": generated,
                "generator": _GENERATORS.get(source_kind, ""),
                "model": "",
                "digital_source_type": "",
                "signed_at": "",
                "issuer": "",
                "signature": "missing",
            }
        )


class Migration(migrations.Migration):
    dependencies = [("videos", "0004_renditions")]

    operations = [
        migrations.AddField(
            model_name="videoasset",
            name="credentials",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="videoasset",
            name="unsigned_sha256",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="videoasset",
            constraint=models.UniqueConstraint(
                condition=~Q(unsigned_sha256=""),
                fields=("unsigned_sha256",),
                name="video_assets_unsigned_sha256_unique",
            ),
        ),
        # Reversed by dropping the columns: nothing to undo in the rows.
        migrations.RunPython(label_existing, migrations.RunPython.noop, elidable=True),
    ]
