# The lists no longer walk the clocks by due moment: an open matter keeps its
# sort key itself (supervision.Matter.open_due_at and its index). The two
# indexes that served that walk only cost writes now.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0003_clock_due_at_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='clock',
            name='clocks_due_at',
        ),
        migrations.RemoveIndex(
            model_name='clock',
            name='clocks_open_due',
        ),
    ]
