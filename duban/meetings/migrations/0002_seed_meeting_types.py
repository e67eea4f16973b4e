"""Seed 004 §9 and seed 000 §二(四): the meeting types and their limits
(MEET-1), as rows an administrator can edit."""

from django.db import migrations

S9 = "种子004 §9"
SEED_9 = ("会期一般不超过半天；以县政府名义召开的全县性工作会议，时间一般控制在2小时左右；合并召开或套开的会议，"
          "时间一般控制在3小时左右；一般性会议，时间控制在1小时左右。全县性会议发言时间一般控制在5分钟左右；"
          "其他会议发言时间一般控制在3分钟左右。全县性会议优先采用视频会议形式召开，能合并套开的会议尽量合并套开。")

TYPES = [
    # code, name, max, combined max, cap (half a day), speech, county-wide, video first, matter source, description
    ("county_work", "全县性工作会议", 120, 180, 240, 5, True, True, "special_meeting",
     "以县政府名义召开的全县性工作会议：时间一般控制在2小时左右，合并召开或套开的控制在3小时左右；"
     "发言一般控制在5分钟左右；优先采用视频会议形式。" + SEED_9),
    ("standing", "县政府常务会议", 240, 240, 240, 3, False, False, "standing_meeting",
     "县政府常务会议：会期一般不超过半天；发言一般控制在3分钟左右（其他会议）。" + SEED_9),
    ("general", "一般性会议（含专题会议）", 60, 180, 240, 3, False, False, "special_meeting",
     "一般性会议（专题会议、工作例会等）：时间控制在1小时左右，合并召开或套开的控制在3小时左右；"
     "发言一般控制在3分钟左右。" + SEED_9),
]


def seed(apps, schema_editor):
    MeetingType = apps.get_model("meetings", "MeetingType")
    for order, (code, name, mx, combined, cap, speech, county, video, source, text) in enumerate(TYPES, 1):
        MeetingType.objects.update_or_create(code=code, defaults=dict(
            name=name, max_minutes=mx, combined_max_minutes=combined, cap_minutes=cap, speech_minutes=speech,
            county_wide=county, video_first=video, matter_source=source, seed_section=S9, description=text,
            sort_order=order, is_active=True))


def unseed(apps, schema_editor):
    apps.get_model("meetings", "MeetingType").objects.filter(code__in=[t[0] for t in TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
