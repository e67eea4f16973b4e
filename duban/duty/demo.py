"""The duty demo (issue 6): 县政府办公室's 总值班室 and 城关镇 on duty, and
one finished sample incident.

`load_duty()` runs after the org demo (manage.py load_demo), through
duban.duty.services, and is idempotent:
- roles: the 总值班室's 值班员 (zhiban, zhiban2) and the 带班领导 (daiban)
  get the county (县人民政府) as their duty scope, so they watch every
  incident of the county; in 城关镇 the liaison (chengguan_lly) and the
  clerk (chengguan_b) become 值班员 and the party secretary (chengguan_sj)
  带班领导; the town's 带班领导 (chengguan_sj, chengguan_fzr) and
  县应急管理局's head (yingji_fzr) get the demo password so that they can
  sign (审签 re-enters the password);
- the roster of the current and the next month (and of the sample
  incident's, when it lies in the month before), where none exists yet:
  县政府办公室 zhiban / zhiban2 on alternate days with daiban; 城关镇
  chengguan_lly / chengguan_b with chengguan_fzr on odd days and
  chengguan_sj on even days (`town_leader_username`);
- the sample incident (two days ago, reported by 城关镇 with 县应急管理局
  involved): phone report on time, the first written report signed 34
  minutes after learning (逾期4分钟 on the 30-minute clock, on time on the
  2-hour one), a follow-up, 县应急管理局's own report with a different
  injury count (a figure conflict), and the final report;
- the 值班要情 on it, compiled and issued by the 总值班室 that afternoon, and
  the county head's instruction on it at 01:20 the night after, which the
  duty officer on duty records and relays at 01:50 (within the 1-hour
  relay clock), as a supervised matter of the 督查室 (DUTY-5, TL-3).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from duban.core import demo_data
from duban.core.demo import give_demo_password
from duban.org import services as org
from duban.org.models import Role, RoleAssignment, Unit

from . import services
from .models import Bulletin, DutyShift, Incident

User = get_user_model()

SAMPLE_TITLE = "城关镇老街民房火灾（演示）"
COUNTY_OFFICERS = ("zhiban", "zhiban2")
COUNTY_LEADER = "daiban"
TOWN_OFFICERS = ("chengguan_lly", "chengguan_b")
TOWN_LEADERS = ("chengguan_fzr", "chengguan_sj")  # odd days, even days
EMERGENCY = "县应急管理局"


def town_leader_username(day: dt.date) -> str:
    """Who leads 城关镇's duty on `day` in the demo roster."""
    return TOWN_LEADERS[(day.day + 1) % 2]


@dataclass
class DutyDemoResult:
    roles: int = 0
    passwords: int = 0
    months: list = field(default_factory=list)
    incident: bool = False
    bulletin: str = ""
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return f"值班演示数据未载入：{self.skipped}"
        parts = []
        if self.roles:
            parts.append(f"值班角色 {self.roles} 项")
        if self.months:
            parts.append("值班表 " + "、".join(self.months))
        if self.incident:
            parts.append(f"示例事件“{SAMPLE_TITLE}”")
        if self.bulletin:
            parts.append(self.bulletin)
        if not parts:
            return "值班演示数据已存在，未做改动。"
        return "值班演示数据已载入：" + "；".join(parts) + "。"


def _scope_role(user, role, scope) -> bool:
    """Give `user` the duty `role` with `scope` (re-granting an unscoped one)."""
    ra = RoleAssignment.objects.filter(user=user, role=role).first()
    if ra is not None and ra.scope_id == scope.pk:
        return False
    if ra is not None:
        org.revoke_role(user, role)
    org.assign_role(user, role, scope=scope)
    return True


def _grant(user, role) -> bool:
    if RoleAssignment.objects.filter(user=user, role=role).exists():
        return False
    org.assign_role(user, role)
    return True


def _month_roster(unit, year, month, by, rows_for):
    import calendar

    if DutyShift.objects.filter(unit=unit, date__year=year, date__month=month).exists():
        return False
    rows = [rows_for(dt.date(year, month, d)) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    services.set_month_roster(unit, year, month, rows, by)
    return True


def load_duty(now=None, *, relay=True) -> DutyDemoResult:
    """The duty demo (see the module docstring); without `relay`, no
    bulletin and no instruction (it would make a supervised matter)."""
    result = DutyDemoResult()
    now = now or timezone.now()
    gov = Unit.objects.filter(name=demo_data.GOVERNMENT, parent=None).first()
    office = Unit.objects.filter(name=demo_data.GOV_OFFICE, parent=gov).first() if gov else None
    town = Unit.objects.filter(name="城关镇", parent=gov).first() if gov else None
    emergency = Unit.objects.filter(name=EMERGENCY, parent=gov).first() if gov else None
    names = [*COUNTY_OFFICERS, COUNTY_LEADER, *TOWN_OFFICERS, *TOWN_LEADERS, "yingji_lly", "yingji_fzr",
             COUNTY_HEAD]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    if None in (gov, office, town, emergency) or set(names) - set(users):
        result.skipped = "示范县的单位或人员不全"
        return result
    with transaction.atomic():
        for username in COUNTY_OFFICERS:
            result.roles += _scope_role(users[username], Role.DUTY_OFFICER, gov)
        result.roles += _scope_role(users[COUNTY_LEADER], Role.DUTY_LEADER, gov)
        for username in TOWN_OFFICERS:
            result.roles += _grant(users[username], Role.DUTY_OFFICER)
        result.roles += _grant(users["chengguan_sj"], Role.DUTY_LEADER)
        # Signing re-enters the password: the signers of the demo need one.
        for username in (*TOWN_LEADERS, "yingji_fzr"):
            result.passwords += give_demo_password(users[username])
    # Fresh objects: roles are cached on the user objects.
    users = {u.username: u for u in User.objects.filter(username__in=names).select_related("person__unit")}
    clerk = users[COUNTY_OFFICERS[0]]
    today = timezone.localtime(now).date()
    base = _incident_base(now)
    months = sorted({(base.year, base.month), (today.year, today.month), services_shift(today.year, today.month)})
    with transaction.atomic():
        for year, month in months:
            if _month_roster(office, year, month, clerk, lambda d: {
                    "date": d, "officer": users[COUNTY_OFFICERS[d.day % 2]], "leader": users[COUNTY_LEADER],
                    "note": "总值班室"}):
                result.months.append(f"{office.name}{year}年{month}月")
            if _month_roster(town, year, month, clerk, lambda d: {
                    "date": d, "officer": users[TOWN_OFFICERS[d.day % 2]],
                    "leader": users[town_leader_username(d)], "note": ""}):
                result.months.append(f"{town.name}{year}年{month}月")
    if not Incident.objects.filter(title=SAMPLE_TITLE).exists():
        with transaction.atomic():
            _sample_incident(now, town, office, emergency, users)
        result.incident = True
    inc = Incident.objects.filter(title=SAMPLE_TITLE).first()
    if relay and inc is not None and not Bulletin.objects.filter(title=BULLETIN_TITLE).exists():
        with transaction.atomic():
            ins = _bulletin_and_night_relay(now, inc, office, town, emergency, users)
        result.bulletin = (f"值班要情“{BULLETIN_TITLE}”及{ins.leader.get_full_name()}批示（夜间由值班员传达，"
                           f"形成督办事项{ins.matter.number}）")
    return result


COUNTY_HEAD = "xianzhang"
BULLETIN_TITLE = "城关镇老街民房火灾情况（演示）"


def _bulletin_and_night_relay(now, inc, office, town, emergency, users):
    """The afternoon's 值班要情 on the sample incident and the county head's
    instruction on it at 01:20 the next night, relayed by the duty officer
    on duty at 01:50."""
    base = _incident_base(now)
    clerk = users[COUNTY_OFFICERS[0]]
    sent = inc.written_reports.filter(unit=town, kind="final").first() or inc.written_reports.filter(
        unit=town).order_by("-id").first()
    compiled = base.replace(hour=16, minute=30)
    b = services.create_bulletin(clerk, title=BULLETIN_TITLE, at=compiled,
                                 items=[{"report": sent, "heading": "城关镇老街民房火灾"}])
    services.issue_bulletin(b, clerk, at=compiled + dt.timedelta(minutes=30))
    night = (base + dt.timedelta(days=1)).replace(hour=1, minute=20)
    relay = night + dt.timedelta(minutes=30)
    shift = services.on_duty(office, relay)
    officer = shift.officer if shift is not None else clerk
    return services.record_instruction(
        b.items.get(), users[COUNTY_HEAD],
        "请城关镇会同县应急管理局举一反三，立即在全镇开展老旧民房用电安全隐患排查，排查整改情况按期报县政府。",
        [town, emergency], officer, at=relay, instructed_at=night)


def services_shift(year, month):
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _incident_base(now):
    """When 城关镇 learned of the sample incident: two days ago at 10:20."""
    return timezone.localtime(now - dt.timedelta(days=2)).replace(hour=10, minute=20, second=0, microsecond=0)


def _sample_incident(now, town, office, emergency, users):
    base = _incident_base(now)

    def at(minutes):
        return base + dt.timedelta(minutes=minutes)

    reporter, em_user, em_head = users["chengguan_lly"], users["yingji_lly"], users["yingji_fzr"]
    shift = services.on_duty(town, base)
    signer = shift.leader if shift is not None else users["chengguan_fzr"]
    inc = services.report_incident(
        reporter, title=SAMPLE_TITLE, kind="accident", level="general", occurred_at=at(-25), learned_at=base,
        place="城关镇老街12号", reporting_unit=town, involved_units=[emergency],
        description="老街一处砖木结构民房起火，镇村干部和消防救援队伍已到场处置，周边群众已疏散。", at=at(3))
    services.record_phone_report(
        inc, reporter, called_at=at(9), caller_name=reporter.get_full_name(), caller_phone="0851-2210301",
        callee_name=users[COUNTY_OFFICERS[0]].get_full_name(), callee_unit=office,
        summary="老街民房起火，消防已到场，初步了解有2人轻伤，已送医。", at=at(10))
    first = services.create_written_report(
        inc, reporter, kind="first", at=at(22),
        text="10时许，城关镇老街12号一砖木结构民房起火。镇党委、政府接报后立即启动应急预案，镇村干部赶赴现场，"
             "配合消防救援队伍灭火并疏散周边群众。初步核实2人轻伤，已送县人民医院救治。",
        figures={"deaths": 0, "injuries": 2, "missing": 0, "affected": 30})
    services.sign_report(first, signer, demo_data.DEMO_PASSWORD, at=at(34))
    follow = services.create_written_report(
        inc, reporter, kind="follow_up", at=at(70),
        text="明火已于10时55分扑灭。经核实，受伤人员为2人，均无生命危险；过火面积约80平方米，受影响群众11户30人，"
             "已全部妥善安置。",
        figures={"affected": 30, "economic_loss": "12.5"})
    services.sign_report(follow, signer, demo_data.DEMO_PASSWORD, at=at(78))
    em = services.create_written_report(
        inc, em_user, kind="first", unit=emergency, at=at(60),
        text="县应急管理局接报后派员赶赴现场指导处置。据现场统计，受伤3人（其中1人为参与扑救的群众，轻微烧伤）。",
        figures={"deaths": 0, "injuries": 3, "missing": 0})
    services.sign_report(em, em_head, demo_data.DEMO_PASSWORD, at=at(66))
    final = services.create_written_report(
        inc, reporter, kind="final", at=at(300),
        text="火灾原因初步认定为电线老化短路引发。受伤2人已出院，受灾群众已返回或投亲靠友安置，镇政府发放临时救助金。"
             "下一步将在全镇开展老旧民房用电安全排查。",
        figures={"economic_loss": "13.2"})
    services.sign_report(final, signer, demo_data.DEMO_PASSWORD, at=at(310))
    return inc
