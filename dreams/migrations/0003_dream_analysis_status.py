# Whose reading a dream's analysis is: local (the offline analyzer's or the owner's),
# pending (the LLM analyst's is on its way), ready (the LLM's), failed (the local one stays).
# Existing dreams are all `local`. Reversible: unapplying drops the column and constraints.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dreams', '0002_dream_owners_assets_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='demodream',
            name='analysis_status',
            field=models.CharField(choices=[('local', 'Local analysis'), ('pending', 'Analysing'), ('ready', 'Analysed'), ('failed', 'Analysis failed')], default='local', max_length=16),
        ),
        migrations.AddField(
            model_name='dream',
            name='analysis_status',
            field=models.CharField(choices=[('local', 'Local analysis'), ('pending', 'Analysing'), ('ready', 'Analysed'), ('failed', 'Analysis failed')], default='local', max_length=16),
        ),
        migrations.AddConstraint(
            model_name='demodream',
            constraint=models.CheckConstraint(condition=models.Q(('analysis_status__in', ['local', 'pending', 'ready', 'failed'])), name='demo_dreams_analysis_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='dream',
            constraint=models.CheckConstraint(condition=models.Q(('analysis_status__in', ['local', 'pending', 'ready', 'failed'])), name='dreams_analysis_status_valid'),
        ),
    ]
