"""ORG-4: who an event's actor acted for (B代A), added as an empty column
(ALTER TABLE ADD COLUMN on SQLite and PostgreSQL: the table and its
append-only triggers stay; old events keep their hashes, which cover the
column only when it is set)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('journal', '0005_canonical_form_and_checkpoints'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='on_behalf_of',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='代谁办理'),
        ),
    ]
