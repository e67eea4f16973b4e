"""A year of meetings for the demo county 示范县 (issue 17).

`load_meetings()` runs after the org demo (manage.py load_demo) and drives
every meeting through duban.meetings.services, each step told its business
moment (`at=`): registered, approved, notified, leave asked and decided,
signed in with the code of that minute, started, spoken, ended, minuted and
handed over. Nothing is written to the tables directly, nothing patches the
clock, and every registered meeting counts against 县人民政府's (or
县教育局's) annual plan through the plans hand-over.

Who: 县政府办公室 controls the county's meetings (a ControlOffice row over
县人民政府, seed 000 §二(四) 实施计划管理); its 秘书科 liaison zfb_lly
organises the county's meetings and its 主任 zfb_fzr approves plans beyond
the limits; both get the demo password. 县教育局's liaison (jiaoyu_lly)
organises one meeting of the bureau.

When: every meeting lies on a working day counted from the day of loading
(`_Days.day(n)`: the n-th working day before it; negative n: after it), on
the official calendar, provisional years included, so the year of meetings
is in the past and the two upcoming ones ahead whatever the date: the year's
end, 29 February, a year whose holidays are not published yet.

What the year shows: county-wide work meetings by video, monthly standing
meetings, a combined meeting (合并套开, 170 minutes), a meeting that ran
over (145 minutes for 120 planned, a speech of 8 minutes), a plan beyond the
limits approved and one refused, a cancelled meeting (withdrawn from the
plan), leave and substitutes (代会), late and absent attendees, minutes
with decisions, of which the three latest meetings' became supervised
matters (unless matters are left out); ahead, a planned standing meeting
with its notice issued and a leave request waiting, and a plan beyond the
limits waiting for 县政府办公室's approval.

Idempotent: nothing is done when the first demo meeting exists.
"""

import datetime as dt
import zlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from duban.core import demo_data
from duban.core.demo import give_demo_password
from duban.org.models import Unit
from duban.timelimits.calendar import get_calendar

from . import services as mt
from .models import ControlOffice, Meeting

User = get_user_model()

ORGANISER = "zfb_lly"
APPROVER = "zfb_fzr"
BUREAU_ORGANISER = "jiaoyu_lly"
CONTROL_BASIS = "种子000 §二(四)：实施计划管理、加强源头管控"

LEADERS = ["xianzhang", "changwu", "fuxianzhang1", "fuxianzhang2", "fuxianzhang3"]
DEPT = ["fagai", "jiaoyu", "gongan", "caizheng", "ziran", "zhujian", "jiaotong", "nongye", "weijian", "yingji",
        "shichang", "shenpi"]
TOWNS = ["chengguan", "dongcheng", "xicheng", "hekou", "qingshan"]


@dataclass
class Item:
    title: str
    kind: str
    speaker: str | None
    minutes: int
    actual: float | None = None  # minutes it took; None: as planned (less a little)


@dataclass
class Decision:
    title: str
    content: str
    lead: str  # unit slug: department or town prefix, or "office"
    coop: list = field(default_factory=list)
    due_days: int | None = None  # calendar days after the hand-over; None: 7 working days


@dataclass
class Spec:
    key: str
    type: str
    title: str
    day: int  # working days before the day of loading (negative: after)
    hh: int
    minutes: int
    agenda: list
    attendees: list  # usernames
    mode: str = "video"
    venue: str = "县政府三楼视频会议室"
    chair: str = "xianzhang"
    convener: str = "gov"  # or a department prefix
    organiser: str = ORGANISER
    combined_title: str = ""
    reason: str = ""  # beyond the limits
    approve: bool | None = True  # for a plan beyond the limits: approved, refused, or still waiting (None)
    leave: dict = field(default_factory=dict)  # username: reason
    substitutes: dict = field(default_factory=dict)  # username: (substitute, reason)
    late: dict = field(default_factory=dict)  # username: minutes after the start
    absent: list = field(default_factory=list)
    cancel: str = ""  # reason
    notice: bool = True
    run: bool = True
    summary: str = ""
    decisions: list = field(default_factory=list)
    hand_over: bool = False
    waiting_leave: dict = field(default_factory=dict)  # username: reason (upcoming, not decided)


def heads(*slugs):
    return [f"{s}_fzr" for s in slugs]


STANDING_ATTENDEES = ["changwu", "fuxianzhang1", "fuxianzhang2", "fuxianzhang3", "zfb_fzr"]

SPECS = [
    Spec("economy", "county_work", "全县经济工作会议", 235, 9, 150, mode="both", venue="县行政中心一楼大会议室",
         reason="年度经济工作总结部署，同时签订目标责任书，议程较多", agenda=[
             Item("县发展和改革局通报全年经济运行情况", "speech", "fagai_fzr", 5, 5),
             Item("县财政局通报财政收支情况", "speech", "caizheng_fzr", 5, 4.5),
             Item("城关镇交流发言", "speech", "chengguan_fzr", 5, 5),
             Item("签订年度目标责任书", "topic", None, 20, 18),
             Item("常务副县长部署重点工作", "address", "changwu", 35, 33),
             Item("县长讲话", "address", "xianzhang", 60, 62)],
         attendees=heads(*DEPT[:8], *TOWNS[:3]) + ["changwu"], leave={"ziran_fzr": "参加市自然资源局专题培训"},
         late={"xicheng_fzr": 6}, summary="会议总结全年经济工作，部署来年重点任务，签订年度目标责任书。",
         decisions=[Decision("分解落实年度经济目标任务", "各单位按目标责任书分解任务，建立月调度台账。", "fagai",
                             ["caizheng"], 30)]),
    Spec("standing1", "standing", "县政府第1次常务会议", 205, 15, 150, chair="xianzhang", venue="县政府三楼常务会议室",
         mode="onsite", agenda=[
             Item("审议《县政府工作规则》", "topic", "zfb_fzr", 40), Item("研究春耕备耕工作", "topic", "nongye_fzr", 40),
             Item("研究政府投资项目计划", "topic", "fagai_fzr", 50)],
         attendees=STANDING_ATTENDEES + heads("nongye", "fagai", "caizheng"),
         substitutes={"caizheng_fzr": ("caizheng_bgs", "陪同市财政局检查组")},
         summary="会议审议通过《县政府工作规则》，研究春耕备耕和政府投资项目计划。", decisions=[
             Decision("做好春耕备耕农资保障", "3月底前完成农资储备和价格巡查。", "nongye", ["shichang"], 25)]),
    Spec("rejected", "county_work", "全县城市管理工作大会", 190, 9, 210, mode="onsite",
         venue="县行政中心一楼大会议室", reason="拟邀请全部镇街和部门分管领导参加，现场观摩", approve=False,
         agenda=[Item("现场观摩", "topic", None, 90), Item("县长讲话", "address", "xianzhang", 60)],
         attendees=heads("zhujian", "chengguan", "dongcheng", "xicheng"), run=False, notice=False),
    Spec("safety", "county_work", "全县安全生产暨防汛工作会议", 150, 9, 170, combined_title="全县防汛抗旱工作会议",
         agenda=[
             Item("县应急管理局通报安全生产形势", "speech", "yingji_fzr", 5, 5),
             Item("县水务局部署防汛工作", "speech", "shuiwu_fzr", 5, 5),
             Item("县交通运输局交流发言", "speech", "jiaotong_fzr", 5, 4),
             Item("河口镇交流发言", "speech", "hekou_fzr", 5, 5),
             Item("分管副县长部署", "address", "fuxianzhang3", 40, 38),
             Item("县长讲话", "address", "xianzhang", 60, 58)],
         attendees=heads("yingji", "shuiwu", "jiaotong", "zhujian", "ziran", "nongye", "hekou", "qingshan",
                         "chengguan") + ["fuxianzhang3"],
         leave={"ziran_fzr": "参加省自然资源厅会议"}, substitutes={"qingshan_fzr": ("qingshan_lly", "处置山体滑坡险情")},
         late={"jiaotong_fzr": 9}, summary="会议合并召开安全生产和防汛工作会议，部署汛期安全防范工作。",
         decisions=[Decision("开展汛前隐患排查", "对山洪地质灾害点、水库、在建工地开展汛前排查。", "yingji",
                             ["shuiwu", "ziran"], 20)]),
    Spec("business", "county_work", "全县优化营商环境工作推进会", 100, 9, 120, agenda=[
        Item("县行政审批服务局汇报", "speech", "shenpi_fzr", 5, 8.2),
        Item("县市场监督管理局汇报", "speech", "shichang_fzr", 5, 5),
        Item("东城街道交流发言", "speech", "dongcheng_fzr", 5, 6.5),
        Item("常务副县长部署", "address", "changwu", 40, 52),
        Item("县长讲话", "address", "xianzhang", 50, 68)],
        attendees=heads("shenpi", "shichang", "fagai", "caizheng", "renshe", "dongcheng", "xicheng") + ["changwu"],
        leave={"renshe_fzr": "赴省人社厅汇报工作"}, absent=["xicheng_fzr"], late={"caizheng_fzr": 11},
        summary="会议通报营商环境评价情况，部署“吃拿卡要”专项整治。",
        decisions=[Decision("整治涉企检查“吃拿卡要”", "开展涉企检查备案，公布投诉电话。", "shichang", ["shenpi"], 30)]),
    Spec("standing2", "standing", "县政府第2次常务会议", 80, 15, 120, venue="县政府三楼常务会议室", mode="onsite",
         agenda=[Item("研究教育“双减”工作", "topic", "jiaoyu_fzr", 40),
                 Item("研究老旧小区改造项目", "topic", "zhujian_fzr", 40)],
         attendees=STANDING_ATTENDEES + heads("jiaoyu", "zhujian", "caizheng"),
         summary="会议研究教育“双减”和老旧小区改造工作。", decisions=[
             Decision("推进老旧小区改造", "年内开工小区全部完成招标。", "zhujian", ["caizheng"], 60)]),
    Spec("education", "general", "全县教育系统安全工作会议", 60, 15, 60, convener="jiaoyu", organiser=BUREAU_ORGANISER,
         chair="jiaoyu_fzr", venue="县教育局三楼会议室", mode="onsite", agenda=[
             Item("基础教育股通报校园安全检查情况", "speech", "jiaoyu_jjg", 3, 3),
             Item("学校安全股部署暑期安全工作", "speech", "jiaoyu_aqg", 3, 3),
             Item("局长讲话", "address", "jiaoyu_fzr", 30, 28)],
         attendees=["jiaoyu_jjg", "jiaoyu_aqg", "jiaoyu_bgs", "jiaoyu_lly"], summary="会议部署暑期校园安全工作。"),
    Spec("cancelled", "county_work", "全县文明城市创建推进会", 22, 9, 90, agenda=[
        Item("县住房和城乡建设局汇报", "speech", "zhujian_fzr", 5), Item("县长讲话", "address", "xianzhang", 40)],
        attendees=heads("zhujian", "chengguan", "dongcheng", "xicheng"), cancel="与市文明城市创建现场会冲突，改为书面部署",
        run=False),
    Spec("forest", "county_work", "全县冬春季森林防火工作会议", 30, 9, 90, agenda=[
        Item("县应急管理局部署森林防火工作", "speech", "yingji_fzr", 5, 5),
        Item("青山镇交流发言", "speech", "qingshan_fzr", 5, 4),
        Item("分管副县长讲话", "address", "fuxianzhang3", 40, 37)],
        attendees=heads("yingji", "nongye", "gongan", "qingshan", "hekou", "baiyun") + ["fuxianzhang3"],
        substitutes={"baiyun_fzr": ("baiyun_lly", "带队处置林区火情")},
        summary="会议部署冬春季森林防火工作，压实镇村两级责任。", hand_over=True, decisions=[
            Decision("落实森林防火网格化责任", "明确镇村网格责任人，建立巡山护林台账。", "qingshan", ["hekou"]),
            Decision("开展野外用火专项整治", "开展野外违规用火巡查，发现一起查处一起。", "gongan", [], 30)]),
    Spec("standing3", "standing", "县政府第3次常务会议", 12, 15, 120, venue="县政府三楼常务会议室", mode="onsite",
         agenda=[Item("研究冬季供暖保障工作", "topic", "zhujian_fzr", 40),
                 Item("研究惠企政策兑现工作", "topic", "caizheng_fzr", 40)],
         attendees=STANDING_ATTENDEES + heads("zhujian", "caizheng", "shenpi"), late={"shenpi_fzr": 5},
         summary="会议研究冬季供暖保障和惠企政策兑现工作。", hand_over=True, decisions=[
             Decision("保障冬季供暖", "供暖企业落实燃料储备，开通投诉热线。", "zhujian", ["shichang"]),
             Decision("兑现惠企政策资金", "梳理应兑未兑资金清单，限期拨付。", "caizheng", ["shenpi"], 20)]),
    Spec("jobs", "general", "稳就业专题会议", 3, 15, 60, chair="fuxianzhang1", venue="县政府五楼会议室", mode="onsite",
         agenda=[Item("县人力资源和社会保障局汇报就业形势", "speech", "renshe_fzr", 3, 3),
                 Item("县教育局汇报高校毕业生返乡就业", "speech", "jiaoyu_fzr", 3, 3),
                 Item("分管副县长讲话", "address", "fuxianzhang1", 30, 29)],
         attendees=heads("renshe", "jiaoyu", "caizheng", "shenpi") + ["fuxianzhang1"],
         summary="会议研究高校毕业生和农民工就业工作。", hand_over=True, decisions=[
             Decision("举办返乡毕业生专场招聘会", "组织县内企业举办专场招聘会，岗位不少于500个。", "renshe", ["jiaoyu"]),
             Decision("落实就业补贴政策", "梳理补贴发放情况，按时足额发放。", "caizheng", ["renshe"], 25)]),
    # Ahead.
    Spec("cadres", "county_work", "全县三级干部大会", -4, 9, 150, mode="both", venue="县行政中心一楼大会议室",
         reason="县乡村三级干部集中部署全年工作，需现场签订责任状", approve=None, agenda=[
             Item("县发展和改革局发言", "speech", "fagai_fzr", 5), Item("城关镇发言", "speech", "chengguan_fzr", 5),
             Item("签订责任状", "topic", None, 20), Item("县长讲话", "address", "xianzhang", 90)],
         attendees=heads(*DEPT, *TOWNS), run=False, notice=False),
    Spec("standing4", "standing", "县政府第4次常务会议", -5, 15, 120, venue="县政府三楼常务会议室", mode="onsite",
         agenda=[Item("研究年度预算草案", "topic", "caizheng_fzr", 60), Item("研究项目用地保障", "topic", "ziran_fzr", 40)],
         attendees=STANDING_ATTENDEES + heads("caizheng", "ziran", "fagai"), run=False,
         waiting_leave={"ziran_fzr": "参加市自然资源和规划局专题会议"}),
]


class _Days:
    """Working days around the day of loading, on the product's calendar."""

    def __init__(self, now):
        self.now = now
        self.tz = timezone.get_default_timezone()
        self.today = timezone.localtime(now).date()
        self.cal = get_calendar()

    def day(self, n) -> dt.date:
        """The n-th working day before today (n < 0: after it)."""
        return self.cal.add_workdays(self.today, -n)

    def at(self, n, hh, mm=0) -> dt.datetime:
        return dt.datetime.combine(self.day(n), dt.time(hh), self.tz) + dt.timedelta(minutes=mm)


@dataclass
class MeetingDemoResult:
    meetings: int = 0
    held: int = 0
    matters: int = 0
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return f"会议演示数据未载入：{self.skipped}"
        if not self.meetings:
            return "会议演示数据已存在，未做改动。"
        return (f"会议演示数据已载入：会议 {self.meetings} 个（已召开 {self.held} 个），"
                f"议定事项转为督办事项 {self.matters} 项。")


def _jitter(key, spread) -> int:
    """A fixed small variation per key (0 … spread-1)."""
    return zlib.crc32(key.encode()) % spread


def load_meetings(now=None, *, matters=True) -> MeetingDemoResult:
    result = MeetingDemoResult()
    now = now or timezone.now()
    gov = Unit.objects.filter(name=demo_data.GOVERNMENT, parent=None).first()
    office = Unit.objects.filter(name=demo_data.GOV_OFFICE, parent=gov).first() if gov else None
    if gov is None or office is None:
        result.skipped = "示范县的单位不全"
        return result
    if Meeting.objects.filter(title=SPECS[0].title).exists():
        return result
    names = {ORGANISER, APPROVER, BUREAU_ORGANISER}
    for s in SPECS:
        names |= {s.chair, *s.attendees, *(i.speaker for i in s.agenda if i.speaker)}
        names |= {sub for sub, _ in s.substitutes.values()}
    users = {u.username: u for u in User.objects.filter(username__in=names).select_related("person__unit")}
    if names - set(users):
        result.skipped = "示范县的人员不全：" + "、".join(sorted(names - set(users)))
        return result
    units = {u.name: u for u in Unit.objects.filter(parent=gov)}
    days = _Days(now)
    with transaction.atomic():
        ControlOffice.objects.get_or_create(jurisdiction=gov, defaults={"unit": office,
                                                                        "seed_section": CONTROL_BASIS})
        for username in (ORGANISER, APPROVER):
            give_demo_password(users[username])
        for spec in SPECS:
            _one(spec, days, users, units, gov, matters, result)
    return result


def _unit_of_slug(slug, users, units):
    if slug == "office":
        return users[ORGANISER].person.unit
    return users[f"{slug}_fzr"].person.unit


def _one(spec, days, users, units, gov, matters, result):
    u = users.__getitem__
    organiser = u(spec.organiser)
    starts = days.at(spec.day, spec.hh)
    # Registered a week (5 working days) before, or the working day before an upcoming one.
    reg_day = spec.day + 5 if spec.day > 0 else 1
    registered = days.at(reg_day, 10, _jitter(spec.key, 50))
    convener = gov if spec.convener == "gov" else u(f"{spec.convener}_fzr").person.unit
    m = mt.register_meeting(
        organiser, type=spec.type, title=spec.title, convener=convener, chair=u(spec.chair), starts_at=starts,
        planned_minutes=spec.minutes, mode=spec.mode, venue=spec.venue, combined_title=spec.combined_title,
        attendees=[u(n) for n in spec.attendees], over_limit_reason=spec.reason,
        agenda=[{"title": i.title, "kind": i.kind, "speaker": u(i.speaker) if i.speaker else None,
                 "minutes": i.minutes} for i in spec.agenda], at=registered)
    result.meetings += 1
    step = registered
    if spec.reason and spec.approve is not None:
        step = registered + dt.timedelta(hours=3)
        mt.decide_plan(m, u(APPROVER), approve=spec.approve, at=step,
                       comment="同意，请严格控制发言时间" if spec.approve else "请压缩议程，控制在2小时以内，观摩改为视频")
    m.refresh_from_db()
    if m.state != "planned":  # refused, or still waiting for approval
        return
    if spec.notice:
        step = step + dt.timedelta(hours=1)
        mt.issue_notice(m, organiser, at=step)
    for i, (name, reason) in enumerate({**spec.leave, **spec.waiting_leave}.items()):
        att = m.attendances.get(attendee=u(name))
        asked = step + dt.timedelta(hours=2, minutes=10 * i)
        mt.request_leave(att, u(name), reason=reason, at=asked)
        if name in spec.leave:
            mt.decide_leave(att, organiser, approve=True, at=asked + dt.timedelta(minutes=40))
    for i, (name, (sub, reason)) in enumerate(spec.substitutes.items()):
        att = m.attendances.get(attendee=u(name))
        asked = step + dt.timedelta(hours=3, minutes=10 * i)
        mt.request_leave(att, u(name), reason=reason, substitute=u(sub), authorised_by=u(name), at=asked)
        mt.decide_leave(att, organiser, approve=True, at=asked + dt.timedelta(minutes=30))
    if spec.cancel:
        mt.cancel_meeting(m, organiser, reason=spec.cancel, at=days.at(spec.day + 2, 16))
        return
    if not spec.run:
        return
    _hold(spec, m, starts, organiser, users)
    result.held += 1
    if not spec.summary:
        return
    written = starts + dt.timedelta(days=1)
    decisions = []
    for d in spec.decisions:
        lead = _unit_of_slug(d.lead, users, units)
        decisions.append({"title": d.title, "content": d.content, "lead_unit": lead,
                          "cooperating_units": [_unit_of_slug(c, users, units) for c in d.coop],
                          "responsible_leader": u(spec.chair) if spec.chair in LEADERS else None,
                          "due_at": (written + dt.timedelta(days=d.due_days + 1)).date() if d.due_days else None})
    minutes = mt.write_minutes(m, organiser, summary=spec.summary, decisions=decisions, at=written)
    issued = written + dt.timedelta(hours=3)
    minutes = mt.issue_minutes(minutes, organiser, at=issued)
    if spec.hand_over and matters and decisions:
        result.matters += len(mt.hand_over_decisions(minutes, organiser, at=issued + dt.timedelta(minutes=30)))


def _hold(spec, m, starts, organiser, users):
    """Sign-ins with the code of their minute, the start, every item with its
    actual minutes, the end."""
    u = users.__getitem__
    leave = set(spec.leave)
    for a in m.attendances.select_related("attendee", "substitute").order_by("sort_order"):
        name = a.attendee.username
        if name in leave or name in spec.absent or name in spec.late:
            continue
        who = a.substitute if name in spec.substitutes else a.attendee
        moment = starts - dt.timedelta(minutes=3 + _jitter(name + spec.key, 15), seconds=_jitter(spec.key, 50))
        mt.sign_in(who, mt.sign_code(m, moment), at=moment)
    began = starts + dt.timedelta(minutes=1 + _jitter(spec.key, 3))
    mt.start_meeting(m, organiser, at=began)
    for name, minutes in spec.late.items():
        moment = starts + dt.timedelta(minutes=minutes)
        mt.sign_in(u(name), mt.sign_code(m, moment), at=moment)
    moment = began + dt.timedelta(minutes=1)
    for item, it in zip(m.items.order_by("seq"), spec.agenda, strict=True):
        mt.start_item(item, organiser, at=moment)
        took = it.actual if it.actual is not None else max(1, it.minutes - _jitter(item.title, 3))
        moment = moment + dt.timedelta(seconds=round(took * 60))
        mt.end_item(item, organiser, at=moment)
        moment += dt.timedelta(seconds=30)
    mt.end_meeting(m, organiser, at=moment + dt.timedelta(minutes=2))
