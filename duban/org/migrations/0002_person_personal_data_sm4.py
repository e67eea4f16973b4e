"""People's mobile numbers SM4-encrypted at rest, and a place for their ID
numbers (issue 21 item 3). Existing numbers are encrypted here."""

from django.db import migrations

import duban.core.fields


def encrypt_existing(apps, schema_editor):
    Person = apps.get_model("org", "Person")
    for person in Person.objects.exclude(mobile="").only("pk", "mobile").iterator(chunk_size=500):
        # Read as stored (plain text before this migration); saving encrypts.
        Person.objects.filter(pk=person.pk).update(mobile=person.mobile)


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="mobile",
            field=duban.core.fields.EncryptedTextField(blank=True, max_length=20, verbose_name="手机"),
        ),
        migrations.AddField(
            model_name="person",
            name="id_number",
            field=duban.core.fields.EncryptedTextField(blank=True, max_length=18, verbose_name="身份证号"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
