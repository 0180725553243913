"""Reserved for C2PA content credentials (issue 16); its owner fills in the operations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("videos", "0004_renditions")]

    operations = []
