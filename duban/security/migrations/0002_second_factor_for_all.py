from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("security", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="securitypolicy",
            name="second_factor_for_all",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="所有用户须使用第二因素",
                help_text="三员、督查室和会审签、核验销号的人始终须使用第二因素（身份验证器动态码）；选“是”则所有用户都须使用。留空表示否。",
            ),
        ),
    ]
