"""Matter.open_warn_at: the warning moment of an open matter's current clock
(next to its due moment, open_due_at), filled from that clock; and a partial
index of the running ones in the lists' order with it, so that a yellow or
green filter reads them from the matters' own columns (SUP-4)."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Matter = apps.get_model("supervision", "Matter")
    Clock = apps.get_model("clocks", "Clock")
    Matter.objects.filter(open_due_at__isnull=False).update(
        open_warn_at=Subquery(Clock.objects.filter(pk=OuterRef("current_clock_id")).values("warn_at")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0005_stopped'),
        ('org', '0001_initial'),
        ('supervision', '0006_closed_state_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='matter',
            name='open_warn_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='在办事项预警时间'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('open_due_at__isnull', False), ('open_frozen_light__isnull', True)), fields=['open_due_at', 'id', 'open_warn_at'], name='supervision_open_running'),
        ),
    ]
