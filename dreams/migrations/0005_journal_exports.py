# Journal exports (dreams/archive): a large journal packed into a ZIP by the task worker,
# downloadable by its owner until it expires. A new table only; reversible (unapplying
# drops it; the ZIPs left under exports/ are swept as orphans).
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dreams', '0004_dream_details_and_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='JournalExport',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Packing'), ('ready', 'Ready'), ('failed', 'Failed')], default='queued', max_length=16)),
                ('file', models.FileField(blank=True, max_length=255, upload_to='exports/')),
                ('bytes', models.BigIntegerField(blank=True, null=True)),
                ('dream_count', models.PositiveIntegerField(blank=True, null=True)),
                ('error', models.CharField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='journal_exports', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'journal_exports',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['user', '-created_at'], name='journal_exports_user_idx'), models.Index(fields=['expires_at'], name='journal_exports_expiry_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'ready', 'failed'])), name='journal_exports_status_valid')],
            },
        ),
    ]
