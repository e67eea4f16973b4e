"""The acknowledgement limits of urgent matters (TL-3): an extra-urgent
(特急) matter is signed for within 1 hour, as seed 004 §4 asks of 特急
documents; an urgent (加急) one within 4 hours (the product's default)."""

from django.db import migrations

RULES = [
    ("matter_ack_extra_urgent_1h", "特急督办事项签收", "1h", "", True, "种子004 §4",
     "特急事项比照上级特急文件，承办单位1小时之内签收批办。"),
    ("matter_ack_urgent_4h", "加急督办事项签收", "4h", "", True, "产品默认",
     "加急事项承办单位4小时内签收（平台默认时限，可调整）。"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("timelimits", "TimeLimitRule")
    for code, name, limit, warn, roll, section, description in RULES:
        Rule.objects.update_or_create(code=code, defaults=dict(
            name=name, limit=limit, warn_before=warn, roll_forward=roll, seed_section=section,
            description=description, is_active=True))


def unseed(apps, schema_editor):
    apps.get_model("timelimits", "TimeLimitRule").objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("timelimits", "0003_seed_rules")]
    operations = [migrations.RunPython(seed, unseed)]
