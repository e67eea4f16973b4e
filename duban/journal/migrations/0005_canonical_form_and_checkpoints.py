"""The journal's canonical forms are numbered (old events keep form 1, an
empty column: no row is touched, no hash recomputed) and verification runs
leave signed checkpoints."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('journal', '0004_signing_keys'),
    ]

    operations = [
        migrations.CreateModel(
            name='Checkpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(unique=True, verbose_name='序号')),
                ('hash', models.CharField(max_length=64, verbose_name='哈希')),
                ('created_at', models.DateTimeField(verbose_name='校验时间')),
                ('signature', models.CharField(max_length=64, verbose_name='签名')),
            ],
            options={
                'verbose_name': '校验检查点',
                'verbose_name_plural': '校验检查点',
                'ordering': ['-seq'],
            },
        ),
        migrations.AddField(
            model_name='event',
            name='form',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='规范形式'),
        ),
    ]
