# Indexes on the clocks' due moment alone, and on the open clocks' due
# moment: lists sorted by what is due first (duban.supervision.queries.by_due)
# walk them through a matter's `current_clock` instead of sorting every row
# of the list (issue 4, SUP scale: bench/bench_lists.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0002_flags_as_moments'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='clock',
            index=models.Index(fields=['due_at'], name='clocks_due_at'),
        ),
        migrations.AddIndex(
            model_name='clock',
            index=models.Index(condition=models.Q(('state__in', ['running', 'paused', 'breached'])), fields=['due_at'], name='clocks_open_due'),
        ),
    ]
