"""Seed 004's time limits (TL-3) as rules an administrator can edit."""

from django.db import migrations

S4 = "种子004 §4"
S5 = "种子004 §5"
S6 = "种子004 §6"

RULES = [
    # code, name, limit, warn_before, roll_forward, seed_section, description
    ("city_instruction_1h", "市委、市政府主要领导指示批示送达县政府主要领导", "1h", "", True, S4,
     "接到市委、市政府主要领导指示批示，要随接随办、高效运转，1小时内送达县政府主要领导。"),
    ("urgent_document_1h", "上级特急文件批办", "1h", "", True, S4,
     "上级下发的特急文件，1小时之内批办完毕。"),
    ("incident_info_to_leaders_1h", "安全稳定突发事件信息书面报送县政府领导", "1h", "", True, S4,
     "涉及安全稳定的突发事件信息，1小时之内书面报送县政府领导。"),
    ("county_instruction_relay_1h", "县政府领导指示批示传达到镇街、部门", "1h", "", True, S4,
     "县政府领导的指示批示，1小时之内传达到镇街、部门。"),
    ("supporting_document_review_2mo", "配套文件送审（上级未明确时限）", "2mo", "", True, S4,
     "上级文件要求制定配套文件、没有明确时限的，2个月内送审。"),
    ("supporting_document_issue_3mo", "配套文件制定出台（上级未明确时限）", "3mo", "", True, S4,
     "上级文件要求制定配套文件、没有明确时限的，3个月内制定出台。"),
    ("meeting_document_issue_5wd", "常务会议审定的代拟文件修改、送审和印发", "5wd", "", True, S4,
     "经县政府常务会议审定的县政府、县政府办公室代拟文件，原则上主办单位在会后5个工作日内完成修改、送审和印发程序。"),
    ("revision_resubmit_1wd", "按领导修改意见修改完善送审", "1wd", "", True, S4,
     "县政府领导提出修改意见的，送审时附修改标注和修改说明，并在1个工作日内修改完善送审。"),
    ("major_revision_resubmit_3wd", "重大修改后修改送审", "3wd", "", True, S4,
     "需作重大修改的，主办单位在3个工作日内修改送审。"),
    ("matter_report_7wd", "无时限要求事项报告落实情况", "7wd", "", True, S5,
     "常务会、专题会确定的事项及领导批示件、交办事项没有时限要求的，自收到之日起7个工作日内报告落实情况。"),
    ("matter_ack_1wd", "督办事项签收", "1wd", "", True, "产品默认",
     "承办单位收到督办事项后1个工作日内签收（平台默认时限，可调整）。"),
    ("duty_phone_15min", "较大突发事件电话报告县政府总值班室", "15min", "", True, S6,
     "较大突发事件发生后，15分钟内向县政府总值班室电话报告。"),
    ("duty_written_30min", "较大突发事件书面报告", "30min", "", True, S6,
     "较大突发事件发生后，30分钟内书面报告。"),
    ("duty_final_2h", "较大突发事件书面报告最迟时限", "2h", "", True, S6,
     "书面报告最迟不超过2小时。"),
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
    dependencies = [("timelimits", "0002_seed_calendar")]
    operations = [migrations.RunPython(seed, unseed)]
