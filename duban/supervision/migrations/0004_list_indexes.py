# Indexes for the lists (SUP-4 at a province's size): one open state in the lists' order, and a
# unit's cooperations with their matters (replacing the unit's own index). On PostgreSQL, the
# supervising unit gets statistics of every value: a matter's supervising unit is one of the few
# supervision offices (a province: about 120); with the default 100 most common values, the
# planner took each unit of a county's jurisdiction that supervises nothing for one of the rest,
# judged the county a quarter of the province and counted its list by scanning every matter
# (0.7 s; with the statistics, 25 ms).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


STATISTICS = "ALTER TABLE supervision_matter ALTER COLUMN supervising_unit_id SET STATISTICS {}"


def full_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATISTICS.format(1000))
        schema_editor.execute("ANALYZE supervision_matter (supervising_unit_id)")


def default_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATISTICS.format(-1))


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0004_drop_list_walk_indexes'),
        ('org', '0001_initial'),
        ('supervision', '0003_matter_open_due_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='mattercooperation',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='配合单位'),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('open_due_at__isnull', False)), fields=['state', 'open_due_at', 'id'], name='supervision_open_state_due'),
        ),
        migrations.AddIndex(
            model_name='mattercooperation',
            index=models.Index(fields=['unit', 'matter'], name='supervision_coop_unit_matter'),
        ),
        migrations.RunPython(full_statistics, default_statistics),
    ]
