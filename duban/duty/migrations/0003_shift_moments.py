"""A duty shift runs from a moment to a moment (it may cross midnight).
The shifts kept so far were dated days; they become 08:30 that day to
08:30 the next, the county duty office's usual 24-hour duty."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import migrations, models

START = dt.time(8, 30)


def fill(apps, schema_editor):
    DutyShift = apps.get_model("duty", "DutyShift")
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    for s in DutyShift.objects.all().iterator():
        start = dt.datetime.combine(s.date, START, tz)
        DutyShift.objects.filter(pk=s.pk).update(starts_at=start, ends_at=start + dt.timedelta(days=1))


class Migration(migrations.Migration):
    dependencies = [("duty", "0002_serials_to_core")]

    operations = [
        migrations.AddField("dutyshift", "starts_at", models.DateTimeField("开始时间", null=True)),
        migrations.AddField("dutyshift", "ends_at", models.DateTimeField("结束时间", null=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField("dutyshift", "starts_at", models.DateTimeField(verbose_name="开始时间")),
        migrations.AlterField("dutyshift", "ends_at", models.DateTimeField(verbose_name="结束时间")),
        migrations.AlterField("dutyshift", "date",
                              models.DateField(help_text="值班开始的日期", verbose_name="日期")),
        migrations.AddConstraint("dutyshift", models.CheckConstraint(
            condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_ends_after_start")),
        migrations.AddIndex("dutyshift", models.Index(fields=["unit", "starts_at", "ends_at"],
                                                      name="duty_shift_on_duty")),
        migrations.AddIndex("dutyshift", models.Index(fields=["starts_at", "ends_at"], name="duty_shift_now")),
    ]
