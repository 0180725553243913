# A journal's details: when a dream was dreamt (existing dreams: the day they were written),
# lucid/nightmare/recurring flags, clarity and sleep-quality ratings (1-5, optional), the
# owner's tags, and the journal's order (dreamt_on, then creation).
# Search: on PostgreSQL a trigger keeps `search_vector` (title and tags weigh most, then the
# analysis' emotions, keywords and symbols, then the text) with a GIN index; on SQLite the
# column stays NULL (dreams/search.py falls back). Reversible: unapplying drops it all.

import django.contrib.postgres.search
from django.db.models.functions import TruncDate
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


TABLES = ("dreams", "demo_dreams")

# Every string in the analysis' emotions, keywords and symbol names, as one jsonb array.
SEARCH_FUNCTION = """
CREATE FUNCTION {table}_search_vector_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.tags, '[]'::jsonb)), 'A')
        || setweight(to_tsvector('english', jsonb_build_array(
               NEW.analysis -> 'emotions',
               NEW.analysis -> 'keywords',
               jsonb_path_query_array(NEW.analysis, 'lax $.symbols[*].name')
           )), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.content, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE OF title, content, analysis, tags
    ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_search_vector_update();
CREATE INDEX {table}_search_idx ON {table} USING gin (search_vector);
CREATE INDEX {table}_tags_idx ON {table} USING gin (tags jsonb_path_ops);
UPDATE {table} SET title = title;
"""
DROP_SEARCH = """
DROP INDEX IF EXISTS {table}_tags_idx;
DROP INDEX IF EXISTS {table}_search_idx;
DROP TRIGGER IF EXISTS {table}_search_vector ON {table};
DROP FUNCTION IF EXISTS {table}_search_vector_update();
"""


def dreamt_on_from_created_at(apps, schema_editor):
    for name in ("Dream", "DemoDream"):
        apps.get_model("dreams", name).objects.update(dreamt_on=TruncDate("created_at"))


def search_on_postgresql(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(SEARCH_FUNCTION.format(table=table))


def search_off_postgresql(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(DROP_SEARCH.format(table=table))


class Migration(migrations.Migration):

    dependencies = [
        ('dreams', '0003_dream_analysis_status'),
        ('videos', '0002_job_hints_one_source_enum'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='demodream',
            options={'ordering': ['-dreamt_on', '-created_at', '-id'], 'verbose_name': 'demo dream'},
        ),
        migrations.AlterModelOptions(
            name='dream',
            options={'ordering': ['-dreamt_on', '-created_at', '-id']},
        ),
        migrations.AddField(
            model_name='demodream',
            name='clarity',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='demodream',
            name='dreamt_on',
            field=models.DateField(default=django.utils.timezone.localdate),
        ),
        migrations.AddField(
            model_name='demodream',
            name='lucid',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='demodream',
            name='nightmare',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='demodream',
            name='recurring',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='demodream',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='demodream',
            name='sleep_quality',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='demodream',
            name='tags',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='dream',
            name='clarity',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='dream',
            name='dreamt_on',
            field=models.DateField(default=django.utils.timezone.localdate),
        ),
        migrations.AddField(
            model_name='dream',
            name='lucid',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='dream',
            name='nightmare',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='dream',
            name='recurring',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='dream',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='dream',
            name='sleep_quality',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='dream',
            name='tags',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(dreamt_on_from_created_at, migrations.RunPython.noop),
        migrations.RunPython(search_on_postgresql, search_off_postgresql),
        migrations.AddIndex(
            model_name='demodream',
            index=models.Index(fields=['session_key', '-dreamt_on', '-created_at', '-id'], name='demo_dreams_dreamt_idx'),
        ),
        migrations.AddIndex(
            model_name='dream',
            index=models.Index(fields=['owner', '-dreamt_on', '-created_at', '-id'], name='dreams_owner_dreamt_idx'),
        ),
        migrations.AddConstraint(
            model_name='demodream',
            constraint=models.CheckConstraint(condition=models.Q(('clarity__isnull', True), models.Q(('clarity__gte', 1), ('clarity__lte', 5)), _connector='OR'), name='demo_dreams_clarity_range'),
        ),
        migrations.AddConstraint(
            model_name='demodream',
            constraint=models.CheckConstraint(condition=models.Q(('sleep_quality__isnull', True), models.Q(('sleep_quality__gte', 1), ('sleep_quality__lte', 5)), _connector='OR'), name='demo_dreams_sleep_quality_range'),
        ),
        migrations.AddConstraint(
            model_name='dream',
            constraint=models.CheckConstraint(condition=models.Q(('clarity__isnull', True), models.Q(('clarity__gte', 1), ('clarity__lte', 5)), _connector='OR'), name='dreams_clarity_range'),
        ),
        migrations.AddConstraint(
            model_name='dream',
            constraint=models.CheckConstraint(condition=models.Q(('sleep_quality__isnull', True), models.Q(('sleep_quality__gte', 1), ('sleep_quality__lte', 5)), _connector='OR'), name='dreams_sleep_quality_range'),
        ),
    ]
