from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.CharField(default="read", help_text="read 只读；read,write 可读写", max_length=40,
                                   verbose_name="权限范围"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="rate_per_minute",
            field=models.PositiveIntegerField(blank=True, help_text="留空表示使用部署配置的默认值", null=True,
                                              verbose_name="每分钟请求上限"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="window_start",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="计数窗口开始"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="window_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="窗口内请求数"),
        ),
    ]
