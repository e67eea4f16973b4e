"""Matter.open_due_at: the lists' sort key of an open matter (its current
clock's due moment), with a partial index of the open matters in that order;
Matter.open_frozen_light: the light of that clock while it is paused, with
a partial index of those matters by light in the same order (SUP-4)."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, F, OuterRef, Q, Subquery

OPEN_STATES = ["assigned", "acknowledged", "in_progress", "completion_requested", "suspended"]


def backfill(apps, schema_editor):
    Matter = apps.get_model("supervision", "Matter")
    Clock = apps.get_model("clocks", "Clock")
    Matter.objects.filter(state__in=OPEN_STATES, current_clock__isnull=False).update(
        open_due_at=Subquery(Clock.objects.filter(pk=OuterRef("current_clock_id")).values("due_at")[:1]),
    )
    # A paused clock's light, frozen at its pause (duban.clocks.services.light).
    paused = Clock.objects.filter(pk=OuterRef("current_clock_id"), state="paused", paused_at__isnull=False)
    for light, cond in (("red", Q(due_at__lte=F("paused_at"))),
                        ("yellow", Q(due_at__gt=F("paused_at"), warn_at__lte=F("paused_at"))),
                        ("green", Q(due_at__gt=F("paused_at"), warn_at__gt=F("paused_at")))):
        Matter.objects.filter(state__in=OPEN_STATES, current_clock__isnull=False).filter(
            Exists(paused.filter(cond))).update(open_frozen_light=light)


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0003_clock_due_at_index'),
        ('org', '0001_initial'),
        ('supervision', '0002_matter_closed_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='matter',
            name='open_due_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='在办事项排序期限'),
        ),
        migrations.AddField(
            model_name='matter',
            name='open_frozen_light',
            field=models.CharField(blank=True, editable=False, max_length=10, null=True, verbose_name='在办事项暂停时的灯'),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('open_due_at__isnull', False)), fields=['open_due_at', 'id'], name='supervision_open_due'),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('open_frozen_light__isnull', False)), fields=['open_frozen_light', 'open_due_at', 'id'], name='supervision_open_frozen'),
        ),
        # After the indexes: on PostgreSQL an index cannot be created in the
        # transaction that updated the table's rows (pending trigger events).
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
