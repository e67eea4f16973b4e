"""The accountability ladder (ACC-1), the suggestion rules (ACC-2), the
time limits of the answers they ask for and the thresholds of the
integrity review (AUD-3), as rows an administrator edits, with where each
comes from."""

from django.db import migrations

from duban.core.numbers import seeder

S002 = "种子002 §三.4：实行交办单制度，对整改不认真的，及时进行提醒、函询、诫勉"
S001 = "种子001 §三.7(19)：对工作慢、落实不力、发生问题的，视情况进行约谈、通报甚至组织处理"
DEFAULT = "产品默认（可调整）"

TIME_LIMITS = [
    # code, name, limit, warn_before, roll_forward, seed section, description
    ("acc_statement_5wd", "问责建议陈述申辩", "5wd", "", True, DEFAULT,
     "问责建议提出后，当事单位（人）可在5个工作日内陈述申辩；期满或已申辩后方可作出问责决定。"),
    ("acc_reminder_reply_5wd", "提醒后书面说明整改情况", "5wd", "", True, S002,
     "被提醒的单位（人）在5个工作日内书面说明整改情况。"),
    ("acc_inquiry_reply_15wd", "函询书面说明", "15wd", "", True,
     "《中国共产党纪律检查机关监督执纪工作规则》：被函询人15个工作日内写出说明材料",
     "被函询的单位（人）在收到函询后15个工作日内书面说明情况。"),
    ("acc_admonition_reply_5wd", "诫勉后提交书面检查", "5wd", "", True, S002,
     "被诫勉的人员在5个工作日内提交书面检查。"),
    ("acc_talk_measures_10wd", "约谈后报送整改措施", "10wd", "", True, S001,
     "被约谈的单位在10个工作日内报送整改措施。"),
    ("acc_sheet_10wd", "交办单整改反馈", "10wd", "", True, S002,
     "收到交办单的单位在10个工作日内反馈整改情况（交办时可另定期限）。"),
]

MEASURES = [
    # code, name, rung, duty, rule, seed section, description
    ("reminder", "提醒", 1, "书面说明整改情况", "acc_reminder_reply_5wd", S002, "对苗头性问题及时提醒，督促整改。"),
    ("inquiry", "函询", 2, "书面说明情况", "acc_inquiry_reply_15wd", S002, "以函件询问，当事单位（人）书面说明情况。"),
    ("admonition", "诫勉", 3, "提交书面检查", "acc_admonition_reply_5wd", S002, "诫勉谈话或书面诫勉。"),
    ("talk", "约谈", 4, "报送整改措施", "acc_talk_measures_10wd", S001, "约谈单位主要负责人，明确整改要求。"),
    ("circulate", "通报", 5, "", None, S001, "在一定范围内通报批评。"),
    ("organisational", "组织处理", 6, "", None, S001, "调整职务、责令辞职、免职、降职等组织处理。"),
]

RULES = [
    # code, name, kind, period, threshold, after measure, window days, measure, seed section, description
    ("breaches_quarter_reminder", "一个季度内超期3次，建议提醒", "breaches", "quarter", 3, None, 180, "reminder",
     S002, "单位在一个季度内有3个及以上时限超期（督办、整改、值班等各类计时器），建议予以提醒。"),
    ("repeat_after_reminder", "提醒后再次超期，建议函询", "repeat", "quarter", 1, "reminder", 180, "inquiry",
     S002, "决定提醒后180天内再次发生超期的，建议函询。"),
    ("repeat_after_inquiry", "函询后再次超期，建议诫勉", "repeat", "quarter", 1, "inquiry", 180, "admonition",
     S002, "决定函询后180天内再次发生超期的，建议诫勉。"),
    ("repeat_after_admonition", "诫勉后再次超期，建议约谈", "repeat", "quarter", 1, "admonition", 180, "talk",
     S001, "决定诫勉后180天内再次发生超期的，建议约谈单位主要负责人。"),
]

NUMBERS = [
    ("backdate_hours", "声称时间早于系统记录时间的容忍时长", 24, "小时", "AUD-3：倒填日期",
     "办结申请、整改结果等声称的时间早于系统实际记录时间超过此时长的，列为倒填日期疑点。"),
    ("photo_tolerance_hours", "照片拍摄时间与声称时间的容忍时长", 24, "小时", "AUD-3：倒填日期",
     "佐证照片内嵌的拍摄时间（EXIF）晚于声称完成时间、或早于事项交办时间超过此时长的，列为疑点。"),
    ("typed_gap_minutes", "值班报送时间与系统记录时间的容忍时长", 30, "分钟", "种子004 §6：15分钟电话报告",
     "填报的通话时间比系统记录时间早出此时长以上、且电话报告时限按填报时间判定为按时的，列为疑点。"),
    ("copied_ratio_pct", "反馈内容雷同的相似度", 85, "%", "AUD-3：反馈内容相互抄袭",
     "不同单位的进展反馈、办结说明，或本单位前后两次反馈的相似度达到此值的，列为雷同疑点。"),
    ("copied_min_chars", "判定雷同的最短字数", 20, "字", "AUD-3：反馈内容相互抄袭",
     "短于此字数的反馈（如“已完成”）不参与雷同比对。"),
    ("scan_days", "疑点检测的回溯天数", 400, "天", DEFAULT, "每次检测回看此天数内的记录。"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("timelimits", "TimeLimitRule")
    rules = {}
    for code, name, limit, warn, roll, section, description in TIME_LIMITS:
        rules[code], _ = Rule.objects.update_or_create(code=code, defaults=dict(
            name=name, limit=limit, warn_before=warn, roll_forward=roll, seed_section=section,
            description=description, is_active=True))
    Measure = apps.get_model("accountability", "Measure")
    measures = {}
    for code, name, rung, duty, rule, section, description in MEASURES:
        measures[code], _ = Measure.objects.update_or_create(code=code, defaults=dict(
            name=name, rung=rung, duty=duty, rule=rules.get(rule), seed_section=section, description=description))
    SuggestionRule = apps.get_model("accountability", "SuggestionRule")
    for code, name, kind, period, threshold, after, window, measure, section, description in RULES:
        SuggestionRule.objects.update_or_create(code=code, defaults=dict(
            name=name, kind=kind, period=period, threshold=threshold, after_measure=measures.get(after),
            window_days=window, measure=measures[measure], seed_section=section, description=description))
    seeder("accountability", "AccountabilityNumber", NUMBERS)[0](apps, schema_editor)


def unseed(apps, schema_editor):
    apps.get_model("accountability", "SuggestionRule").objects.filter(code__in=[r[0] for r in RULES]).delete()
    apps.get_model("accountability", "Measure").objects.filter(code__in=[m[0] for m in MEASURES]).delete()
    # The time-limit rows stay: they are timelimits' table, other records may
    # run on them, and seeding again updates them in place. (Deleting them
    # here made Django collect related rows across historical model states
    # and fail when migrating back.)
    seeder("accountability", "AccountabilityNumber", NUMBERS)[1](apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("accountability", "0001_initial"), ("timelimits", "0004_seed_urgency_rules")]
    operations = [migrations.RunPython(seed, unseed)]
