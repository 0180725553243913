# Reports of public dreams (dreams/reports.py): the reports table; the counters on a dream that
# hide it from the gallery (the gallery index now leaves hidden dreams out); the moderation
# history the analytics read (dreams/stats.py) and when a dream re-entered the queue. New
# tables and columns with defaults only; reversible (unapplying drops them).
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dreams', '0005_journal_exports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DreamReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('spam', 'Spam or advertising'), ('harassment', 'Harassment or hate'), ('sexual', 'Sexual content'), ('violence', 'Violence or self-harm'), ('personal_info', 'Personal information'), ('other', 'Something else')], max_length=16)),
                ('text', models.CharField(blank=True, max_length=500)),
                ('reporter_key', models.CharField(max_length=64)),
                ('status', models.CharField(choices=[('open', 'Open'), ('dismissed', 'Dismissed'), ('actioned', 'Actioned')], default='open', max_length=16)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('resolution', models.CharField(blank=True, choices=[('dismiss', 'Dismissed (the dream stays)'), ('unpublish', 'Unpublished (made private)'), ('reject', 'Rejected')], max_length=16)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'db_table': 'dream_reports',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='ModerationDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('dream_id', models.UUIDField()),
                ('storage', models.CharField(choices=[('dreams', 'Account dreams'), ('demo_dreams', 'Demo dreams'), ('emergency', 'Emergency journal')], max_length=16)),
                ('decision', models.CharField(choices=[('approved', 'Approved'), ('rejected', 'Rejected')], max_length=16)),
                ('requested_at', models.DateTimeField()),
                ('decided_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'db_table': 'moderation_decisions',
                'ordering': ['-decided_at', '-id'],
            },
        ),
        migrations.RemoveIndex(
            model_name='dream',
            name='dreams_gallery_idx',
        ),
        migrations.AddField(
            model_name='demodream',
            name='review_requested_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='dream',
            name='hidden_by_reports',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='dream',
            name='open_reports',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='dream',
            name='review_requested_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='dream',
            index=models.Index(condition=models.Q(('hidden_by_reports', False), ('is_public', True), ('moderation_status', 'approved'), ('video_status', 'ready')), fields=['-created_at'], name='dreams_gallery_idx'),
        ),
        migrations.AddField(
            model_name='dreamreport',
            name='dream',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='dreams.dream'),
        ),
        migrations.AddField(
            model_name='dreamreport',
            name='reporter',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='dreamreport',
            name='resolved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='moderationdecision',
            name='moderator',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='dreamreport',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['created_at'], name='dream_reports_open_idx'),
        ),
        migrations.AddIndex(
            model_name='dreamreport',
            index=models.Index(fields=['dream', 'status'], name='dream_reports_dream_idx'),
        ),
        migrations.AddIndex(
            model_name='dreamreport',
            index=models.Index(fields=['created_at'], name='dream_reports_created_idx'),
        ),
        migrations.AddIndex(
            model_name='dreamreport',
            index=models.Index(fields=['resolved_at'], name='dream_reports_resolved_idx'),
        ),
        migrations.AddConstraint(
            model_name='dreamreport',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('dream', 'reporter_key'), name='dream_reports_one_open_per_visitor'),
        ),
        migrations.AddConstraint(
            model_name='dreamreport',
            constraint=models.CheckConstraint(condition=models.Q(('reason__in', ['spam', 'harassment', 'sexual', 'violence', 'personal_info', 'other'])), name='dream_reports_reason_valid'),
        ),
        migrations.AddConstraint(
            model_name='dreamreport',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'dismissed', 'actioned'])), name='dream_reports_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='dreamreport',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('resolved_at__isnull', True), ('status', 'open')), models.Q(models.Q(('status', 'open'), _negated=True), ('resolved_at__isnull', False)), _connector='OR'), name='dream_reports_resolved_when_closed'),
        ),
        migrations.AddIndex(
            model_name='moderationdecision',
            index=models.Index(fields=['decided_at'], name='moderation_decisions_day_idx'),
        ),
        migrations.AddConstraint(
            model_name='moderationdecision',
            constraint=models.CheckConstraint(condition=models.Q(('decision__in', ['approved', 'rejected'])), name='moderation_decisions_kind_valid'),
        ),
    ]
