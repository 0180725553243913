"""Reserved for web renditions, preview loops and posters (issue 16); its owner fills in the operations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("videos", "0003_job_model_style")]

    operations = []
