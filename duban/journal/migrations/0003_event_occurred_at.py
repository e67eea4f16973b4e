"""The journal's two moments: the server's `recorded_at` (the column `at`,
renamed in the model only: no row is touched) and the business moment
`occurred_at`, added as an empty column (old events keep their hashes: the
hash covers `occurred_at` only when it is set)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_append_only")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField("event", "at", "recorded_at"),
                migrations.AlterField(
                    "event", "recorded_at",
                    models.DateTimeField(db_column="at", db_index=True, verbose_name="记录时间"),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            "event", "occurred_at",
            models.DateTimeField(blank=True, null=True, verbose_name="发生时间"),
        ),
    ]
