"""值班信息 issue numbers are counted by the shared counter
(duban.core.models.SerialCounter): the counts so far move there."""

from django.db import migrations

SERIES = ("bulletin",)


def forward(apps, schema_editor):
    old = apps.get_model("duty", "DutySerial")
    new = apps.get_model("core", "SerialCounter")
    for row in old.objects.filter(series__in=SERIES):
        new.objects.update_or_create(series=row.series, year=row.year, defaults={"last": row.last})


def backward(apps, schema_editor):
    old = apps.get_model("duty", "DutySerial")
    new = apps.get_model("core", "SerialCounter")
    for row in new.objects.filter(series__in=SERIES):
        old.objects.update_or_create(series=row.series, year=row.year, defaults={"last": row.last})
    new.objects.filter(series__in=SERIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("duty", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="DutySerial"),
    ]
