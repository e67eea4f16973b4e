# A clock can be stopped: its obligation was withdrawn (the owner cancelled), neither met nor late.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0004_drop_list_walk_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='clock',
            name='stopped_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='终止时间'),
        ),
        migrations.AlterField(
            model_name='clock',
            name='state',
            field=models.CharField(choices=[('running', '计时中'), ('paused', '已暂停'), ('met', '按期完成'), ('met_late', '逾期完成'), ('breached', '已超期'), ('stopped', '已终止')], default='running', max_length=10, verbose_name='状态'),
        ),
    ]
