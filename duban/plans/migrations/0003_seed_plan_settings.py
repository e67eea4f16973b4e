"""The numbers of plan management (MEET-4) as rows an administrator edits,
with where each comes from."""

from django.db import migrations

from duban.core.numbers import seeder

S000 = "种子000 §二(四)：实施计划管理、加强源头管控，实现精文减会少督"
S004 = "种子004 §17：深入治理“检查多”问题，切实解决过多过频"

SETTINGS = [
    # code, name, value, unit, seed section, description
    ("growth_over_baseline_pct", "年度计划比上年实际的增长上限", 0, "%", S000,
     "年度会议、发文、督查检查考核计划以上年实际数为基数，原则上不增长（0%）；计划高于此数须说明理由。"),
    ("warn_near_pct", "计划使用预警线", 80, "%", "议题17：达到计划80%时预警",
     "已计入数量达到年度计划的这一比例时，提醒本单位和督查室从严控制。"),
    ("warn_full_pct", "计划用尽预警线", 100, "%", "议题17：达到计划100%时预警",
     "已计入数量达到年度计划的这一比例时，提醒本单位和督查室；超出计划须书面说明并经督查室批准。"),
    ("inspections_month_max", "同一单位每月接受督查检查考核的上限", 2, "次", S004,
     "同一单位一个月内接受督查、检查、考核超过此数，在受检频次页面标为过频（平台默认，可调整）。"),
    ("inspections_quarter_max", "同一单位每季度接受督查检查考核的上限", 4, "次", S004,
     "同一单位一个季度内接受督查、检查、考核超过此数，标为过频（平台默认，可调整）。"),
    ("merge_window_days", "建议合并督查检查的时间窗口", 15, "天", S000,
     "不同督查检查考核计划在此天数内先后到同一单位的，建议合并开展（平台默认，可调整）。"),
]


seed, unseed = seeder("plans", "PlanSetting", SETTINGS)


class Migration(migrations.Migration):
    dependencies = [("plans", "0002_plans_quotas_inspections")]
    operations = [migrations.RunPython(seed, unseed)]
