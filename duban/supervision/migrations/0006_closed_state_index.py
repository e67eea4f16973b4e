# The closed matters of one state (已撤销: the stopped light) in the lists' order, for a list filtered to it.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0005_stopped'),
        ('org', '0001_initial'),
        ('supervision', '0005_cancelled_clocks_stopped'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('closed_at__isnull', False)), fields=['state', '-closed_at', '-id'], name='supervision_closed_state'),
        ),
    ]
