"""Matter.closed_at: when a matter left the loop (办结 or 撤销), for the lists' order of closed matters (SUP-4)."""

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Matter = apps.get_model("supervision", "Matter")
    Matter.objects.filter(state__in=["completed", "archived", "cancelled"], closed_at__isnull=True).update(
        closed_at=Coalesce("completed_at", "cancelled_at", "archived_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0003_clock_due_at_index'),
        ('org', '0001_initial'),
        ('supervision', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='matter',
            name='closed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='结束时间'),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(fields=['-closed_at', '-id'], name='supervision_closed_order'),
        ),
        # After the indexes: on PostgreSQL an index cannot be created in the
        # transaction that updated the table's rows (pending trigger events).
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
