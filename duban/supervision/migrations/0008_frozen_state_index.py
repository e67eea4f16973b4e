# The paused open matters of one state by their frozen light, in the lists' order, for a list filtered to a state and a light.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clocks', '0005_stopped'),
        ('org', '0001_initial'),
        ('supervision', '0007_matter_open_warn_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('open_frozen_light__isnull', False)), fields=['state', 'open_frozen_light', 'open_due_at', 'id'], name='supervision_frozen_state'),
        ),
    ]
