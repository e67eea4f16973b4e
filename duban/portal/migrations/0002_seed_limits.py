"""The limits of the public's tickets and ratings as rows an administrator
edits (PUB-2, EVAL-5): time limits as TimeLimitRule rows, the cap on
returns as a portal Limit row. 12345 practice (转办件5个工作日办结, 延期不超过
10个工作日, 错转件2个工作日内退回) and 国办发〔2019〕51号 (差评整改) give the
defaults."""

from django.db import migrations

HOTLINE = "12345热线工单办理通行做法（产品默认）"
RATING = "国办发〔2019〕51号（整改时限为产品默认）"

RULES = [
    # code, name, limit, warn_before, roll_forward, seed_section, description
    ("ticket_handle_5wd", "投诉、12345工单转办办理", "5wd", "1wd", True, HOTLINE,
     "转交承办单位的投诉和12345工单，自转办之日起5个工作日内办结并答复。"),
    ("ticket_return_2wd", "错转工单退回", "2wd", "", True, HOTLINE,
     "承办单位认为不属于本单位职责的，应在转办后2个工作日内说明理由退回，逾期不得退回。"),
    ("ticket_extension_max_10wd", "工单延期上限", "10wd", "", True, HOTLINE,
     "确需延期的，经督查室同意可延期，合计不超过10个工作日。"),
    ("rating_rectify_5wd", "差评核实后整改或说明", "5wd", "1wd", True, RATING,
     "差评经核实属实的，被评价单位5个工作日内整改；不属实的，5个工作日内作出说明；督查室随后回访评价人。"),
]
LIMITS = [
    ("ticket_max_returns", "工单最多被退回次数", 2, HOTLINE,
     "同一工单被退回达到此次数后不能再退回，由督查室协调确定承办单位，防止来回推诿。"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("timelimits", "TimeLimitRule")
    for code, name, limit, warn, roll, section, description in RULES:
        Rule.objects.update_or_create(code=code, defaults=dict(
            name=name, limit=limit, warn_before=warn, roll_forward=roll, seed_section=section,
            description=description, is_active=True))
    Limit = apps.get_model("portal", "Limit")
    for code, name, value, section, description in LIMITS:
        Limit.objects.update_or_create(code=code, defaults=dict(name=name, value=value, seed_section=section,
                                                                description=description))


def unseed(apps, schema_editor):
    # The time-limit rows stay: they are timelimits' table, other records may
    # run on them, and seeding again updates them in place. (Deleting them
    # here made Django collect related rows across historical model states
    # and fail when migrating back.)
    apps.get_model("portal", "Limit").objects.filter(code__in=[r[0] for r in LIMITS]).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial"), ("timelimits", "0003_seed_rules")]
    operations = [migrations.RunPython(seed, unseed)]
