"""Reserved for the model catalog and style presets (issue 16); its owner fills in the operations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("videos", "0002_job_hints_one_source_enum")]

    operations = []
