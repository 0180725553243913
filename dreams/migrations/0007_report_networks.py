# Where each report came from (dreams/reports.py: a keyed hash of the client's network, for
# accounts too), so the hide threshold counts networks rather than accounts. A column with a
# default only; reports opened before it count as their reporter, as before. Reversible.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dreams", "0006_dream_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="dreamreport",
            name="network_key",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
