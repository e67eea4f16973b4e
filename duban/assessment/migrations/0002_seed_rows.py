"""The assessment's rows from the seeds, which an administrator edits
afterwards: the indicators (seed 001 §三.6 差异化考核), the tiers with wider
gaps between them (拉大不同档次间差距), the error categories of the 差错通报
(seed 004 §11), and the numbers (lead and cooperating weights, field work's
targets of seed 004 §14, the objection window, the dashboards' refresh)."""

from decimal import Decimal

from django.db import migrations

from duban.core.numbers import seeder

BOTH = ["department", "town"]
S001 = "种子001 三.6（14）差异化考核"
S004_11 = "种子004 三.11 差错通报制度"

# (code, name, source, direction, weight, kinds, normalise, section, description)
INDICATORS = [
    ("on_time_rate", "按期办结率", "supervision.on_time", "higher", "25", BOTH, False, S001,
     "本期到期的督办事项中按期办结的比例；牵头单位按1、配合单位按0.5计"),
    ("overdue", "超期事项", "supervision.overdue", "lower", "12", BOTH, True, S001,
     "本期到期而超期的督办事项数，按工作量折算"),
    ("report_breaches", "定期报告超期", "supervision.report_breaches", "lower", "6", BOTH, True, S001,
     "长期事项应报未报、逾期报送的定期报告次数，按工作量折算"),
    ("returns", "退回重办", "supervision.returns", "lower", "6", BOTH, True, S001,
     "办结申请被退回重办的次数，按工作量折算"),
    ("urges", "被催办", "supervision.urges", "lower", "4", BOTH, True, S001, "收到的催办次数，按工作量折算"),
    ("closure_rate", "整改销号率", "rectification.closure", "higher", "12", BOTH, False, S001,
     "本期到期的问题中按期核验销号的比例"),
    ("reopened", "重新整改", "rectification.reopened", "lower", "6", BOTH, True, S001,
     "销号后重新打开、回头看整改不到位而再整改的次数，按工作量折算"),
    ("late_ledgers", "台账逾期报送", "rectification.late_ledgers", "lower", "4", BOTH, False, S001,
     "问题清单台账逾期报送或未报送的次数"),
    ("duty_late", "值班信息迟报", "duty.late_minutes", "lower", "6", BOTH, False, "种子004 二.6 规范值班信息报送",
     "电话报告（15分钟）、书面报告（30分钟）迟报或未报的分钟数"),
    ("over_plan", "超计划会议发文检查", "plans.over_plan", "lower", "3", BOTH, False, "种子004 三.9、五.17",
     "超出年度计划召开的会议、印发的文件和开展的督查检查考核"),
    ("forwarding", "以文件落实文件", "plans.forwarding", "lower", "3", BOTH, False, "种子004 三.8",
     "被标记为以文件落实文件的发文"),
    ("errors", "差错扣分", "assessment.errors", "lower", "8", BOTH, False, S004_11,
     "差错通报登记的扣分（异议成立撤销的不计）"),
    ("public_rating", "群众和企业好差评", "portal.ratings", "higher", "5", BOTH, False, "种子004 五.16 好差评",
     "好评占全部评价的比例；数据由门户的好差评模块提供，接入前本指标不计分"),
]

# (name, cumulative share %, points): gaps 8, 12, 20.
TIERS = [("好", 20, "100"), ("较好", 50, "92"), ("一般", 85, "80"), ("较差", 100, "60")]

# (code, name, area, deduction)
CATEGORIES = [
    ("late_report", "迟报", "follow_through", "2"),
    ("skip_level", "越级报送", "follow_through", "2"),
    ("typo", "文字错误", "drafting", "1"),
    ("format", "格式不规范", "drafting", "1"),
    ("meeting_notice", "会议通知错漏", "meeting", "1"),
    ("meeting_proxy", "代会人员准备不足", "meeting", "1"),
    ("follow_lax", "推动落实不力", "follow_through", "2"),
]

NUMBERS = [
    ("lead_weight_pct", "牵头单位系数", 100, "%", S001, "督办事项计入牵头单位的系数（100% = 1.0）"),
    ("coop_weight_pct", "配合单位系数", 50, "%", S001, "督办事项计入配合单位的系数（50% = 0.5）"),
    ("field_days_per_year", "一线工作天数（每年）", 60, "天", "种子004 四.14 推行一线工作法",
     "领导班子成员每年至少到基层调查研究、协调解决问题的天数"),
    ("research_reports_per_year", "调研报告（每年）", 1, "篇", "种子004 四.14 推行一线工作法",
     "领导班子成员每年至少亲自撰写的调研报告篇数"),
    ("field_pace_tolerance_days", "一线工作进度容差", 5, "天", "", "按全年均匀进度计，落后超过此天数即提示进度滞后"),
    ("research_report_warn_month", "调研报告提示月份", 10, "月", "", "自该月起仍未完成调研报告的，提示进度滞后"),
    ("objection_days", "差错异议期", 10, "天", S004_11, "登记差错（或印发差错通报）后，单位可在此天数内提出一次异议"),
    ("dashboard_refresh_seconds", "驾驶舱统计刷新间隔", 60, "秒", "",
     "期限巡检每隔此秒数（且有新的业务记录时）重新统计驾驶舱数据"),
]

seed_numbers, unseed_numbers = seeder("assessment", "AssessmentSetting", NUMBERS)


def seed(apps, schema_editor):
    Indicator = apps.get_model("assessment", "Indicator")
    for order, (code, name, source, direction, weight, kinds, normalise, section, desc) in enumerate(INDICATORS, 1):
        Indicator.objects.update_or_create(code=code, defaults=dict(
            name=name, source=source, direction=direction, weight=Decimal(weight), unit_kinds=kinds,
            normalise=normalise, sort_order=order, seed_section=section, description=desc))
    Tier = apps.get_model("assessment", "Tier")
    for order, (name, share, points) in enumerate(TIERS, 1):
        Tier.objects.update_or_create(name=name, defaults=dict(share_pct=share, points=Decimal(points),
                                                               sort_order=order, seed_section=S001))
    Category = apps.get_model("assessment", "ErrorCategory")
    for order, (code, name, area, deduction) in enumerate(CATEGORIES, 1):
        Category.objects.update_or_create(code=code, defaults=dict(name=name, area=area, deduction=Decimal(deduction),
                                                                   sort_order=order, seed_section=S004_11))
    seed_numbers(apps, schema_editor)


def unseed(apps, schema_editor):
    apps.get_model("assessment", "Indicator").objects.filter(code__in=[r[0] for r in INDICATORS]).delete()
    apps.get_model("assessment", "Tier").objects.filter(name__in=[r[0] for r in TIERS]).delete()
    apps.get_model("assessment", "ErrorCategory").objects.filter(code__in=[r[0] for r in CATEGORIES]).delete()
    unseed_numbers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
