"""The demo campaign DEMO-<year> (issue 5): 县政府系统“改进作风、狠抓落实”年,
phases as in seed 000 §三 (自查自纠 2/24–3/10, 整改落实 3/10–6/10, 巩固提升
6/10–12/10), every department and town taking part, and ledgers in every
state: submitted on time, late and not at all; problems rectifying, overdue,
waiting for verification, returned, closed (some after an on-site check),
re-rectified after a look-back, long-term with monthly reports, repeated,
found by a spot check and by an unannounced visit, some published.

`load_campaign()` runs after the org demo (manage.py load_demo) and writes
everything through duban.rectification.services at fixed days of the
campaign's year (`at=`, recorded as the business moment), so every row is
journaled and every clock is the one the live system would have. The
campaign's year is the year of loading once the story (to 20 July) lies in
the past, else the year before (`campaign_year`): loaded after 10 December,
or early in the next year, every open problem is overdue, which is what the
county would then see. Idempotent: nothing is done when a demo campaign
(DEMO-<year>) exists.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from duban.core import demo_data
from duban.org.models import Unit, WorkGroup

from . import services as rs
from .models import Campaign, LedgerSubmission

User = get_user_model()

CODE_PREFIX = "DEMO-"
CODE_PATTERN = re.compile(r"^DEMO-\d{4}$")
LAST_STEP = (7, 20)  # (month, day) of the story's last step: the publication
TZ = timezone.get_default_timezone()


def campaign_year(now) -> int:
    """The year of the demo campaign loaded at `now`: this year when the
    story's last step (LAST_STEP) is past, else the year before."""
    today = timezone.localtime(now).date()
    return today.year if (today.month, today.day) > LAST_STEP else today.year - 1


def demo_campaign():
    """The demo campaign in the database, if any (the code DEMO-<year>)."""
    for campaign in Campaign.objects.filter(code__startswith=CODE_PREFIX).order_by("id"):
        if CODE_PATTERN.match(campaign.code):
            return campaign
    return None


@dataclass
class DemoResult:
    created: bool = False
    counts: dict = field(default_factory=dict)
    code: str = ""

    def summary(self) -> str:
        if not self.created:
            return f"作风整治演示专项行动 {self.code} 已存在，未做改动。" if self.code else "作风整治演示专项行动未载入。"
        c = self.counts
        return (f"作风整治演示专项行动 {self.code} 已载入：参加单位 {c['units']} 个、问题 {c['problems']} 个、"
                f"台账报送 {c['submitted']} 份（逾期 {c['late']} 份、未报 {c['pending']} 份）、随机抽查 1 次、回头看 1 次。")


# (unit slug, category, source, description, cause, measures, deadline or "长期", story)
# story: open · overdue · submitted · returned · closed · closed_onsite · rerect · longterm · repeat
PROBLEMS = [
    ("jiaoyu", "慢作为", "自己找", "校舍维修项目审批流转慢，部分学校暑期前未能开工",
     "审批环节多，责任股室之间衔接不紧", "梳理审批流程，实行限时办结，每周调度项目进度", (6, 10), "closed"),
    ("jiaoyu", "文山会海", "自己找", "以会议落实会议，一项工作多次开会部署",
     "计划管理不严，会前统筹不够", "建立会议计划管理制度，能合并的合并，能视频的视频", "长期", "longterm"),
    ("jiaoyu", "官僚作风", "群众提", "家长反映学位申请窗口答复推诿，多次往返仍未办结",
     "首问负责制落实不到位", "落实首问负责和一次性告知，设立咨询专线", (12, 10), "open"),
    ("ziran", "慢作为", "上级点", "不动产登记办理超时，群众反映排队时间长",
     "窗口人员不足，流程未优化", "增设窗口，推行预约办理，压缩办理时限至3个工作日", (6, 10), "overdue"),
    ("ziran", "不作为", "巡视巡察反馈", "耕地保护巡查流于形式，问题发现后未及时处置",
     "巡查责任未压实", "建立网格化巡查台账，发现问题24小时内处置", (9, 30), "closed_onsite"),
    ("zhujian", "乱作为", "督查反馈", "老旧小区改造项目未经论证擅自变更设计",
     "决策程序执行不严", "严格执行重大事项集体决策，开展专项清理", (9, 30), "rerect"),
    ("zhujian", "弄虚作假", "考核反馈", "重点项目进度报表与现场不符",
     "数据审核把关不严", "建立现场核验和报表双签制度", (12, 10), "submitted"),
    ("shenpi", "官僚作风", "群众提", "企业开办材料要求反复补正，存在“吃拿卡要”苗头",
     "一次性告知执行不到位", "公开办事清单，推行容缺受理，设立投诉监督电话", (6, 10), "closed"),
    ("shenpi", "慢作为", "自己找", "工程建设项目审批平均用时超过承诺时限",
     "并联审批未全面推行", "全面推行并联审批和告知承诺制", (12, 10), "returned"),
    ("shichang", "文山会海", "组织查", "涉企检查频次过高，同一企业一月内被多次检查",
     "检查计划统筹不够", "推行“双随机、一公开”联合检查，建立检查计划备案", (9, 30), "overdue"),
    ("weijian", "不作为", "群众提", "乡镇卫生院夜间值班无人接诊",
     "值班制度落实不严", "落实院领导带班和24小时值班，开展明察暗访", (6, 10), "closed"),
    ("chengguan", "慢作为", "群众提", "背街小巷路灯损坏长期无人维修",
     "维修责任主体不清", "明确维修责任单位，建立报修快速响应机制", (6, 10), "repeat"),
    ("chengguan", "慢作为", "群众提", "背街小巷路灯损坏，长期无人维修！",
     "维修责任主体不清，反映后未跟踪", "建立路灯巡查台账，报修48小时内修复", (12, 10), "repeat_again"),
    ("hekou", "官僚作风", "上级点", "便民服务中心工作时间脱岗，群众办事找不到人",
     "考勤管理松懈", "实行窗口AB岗和考勤公示，纳入月度考核", (9, 30), "submitted"),
    ("caizheng", "慢作为", "自己找", "惠企资金拨付周期长，企业反映兑现慢",
     "审核环节重复", "精简审核环节，资金到位后5个工作日内拨付", (6, 10), "closed_onsite"),
]


def _person_name(username):
    user = User.objects.filter(username=username).first()
    return (user.get_full_name(), user) if user else ("", None)


def _ledger_file(name, unit_name):
    """A real workbook: uploads are checked by content (duban.core.uploads)."""
    import io

    from duban.core.exports import XLSX, write_xlsx

    out = io.BytesIO()
    write_xlsx(out, "问题清单", ["序号", "单位", "问题描述"], [[1, unit_name, "见问题清单"]])
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)


def _file(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def load_campaign(now=None) -> DemoResult:
    """Write the demo campaign of `campaign_year(now)` (once)."""
    existing = demo_campaign()
    if existing is not None:
        return DemoResult(False, code=existing.code)
    gov = Unit.objects.filter(name=demo_data.GOVERNMENT, parent=None).first()
    dcs = Unit.objects.filter(name=demo_data.DUCHASHI, parent__name=demo_data.GOV_OFFICE).first()
    group = WorkGroup.objects.filter(name=demo_data.TASK_FORCE).first()
    if gov is None or dcs is None or group is None:
        return DemoResult(False)
    users = {u.username: u for u in User.objects.filter(username__in=[
        "duchashi", "changwu", "dbdcj_fzr", "caizheng_fzr", "zhuanban_fzr", "shenpi_fzr", "fagai_fzr", "renshe_fzr",
        "shichang_fzr", "xinfang_fzr", "zfb_fzr"])}
    supervisor = users["duchashi"]
    year = campaign_year(now or timezone.now())
    with transaction.atomic():
        return _load(gov, dcs, group, users, supervisor, year)


def _load(gov, dcs, group, users, supervisor, year):
    def _t(month, day, hour=10, minute=0):
        return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)

    def _d(month, day):
        return dt.date(year, month, day)

    code = f"{CODE_PREFIX}{year}"
    names = [n for n, _, _ in demo_data.DEPARTMENTS] + [n for n, _ in demo_data.TOWNS]
    units = list(Unit.objects.filter(parent=gov, name__in=names).order_by("sort_order", "id"))
    by_slug = {}
    for name, slug, _ in demo_data.DEPARTMENTS:
        by_slug[slug] = next(u for u in units if u.name == name)
    for name, slug in demo_data.TOWNS:
        by_slug[slug] = next(u for u in units if u.name == name)
    campaign = rs.create_campaign(
        code=code, name="县政府系统“改进作风、狠抓落实”年", basis="县政府系统“改进作风、狠抓落实”年工作实施方案",
        start_date=_d(2, 24), end_date=_d(12, 10), organizer=dcs, units=units, task_force=group,
        phases=rs.seed000_phases(year), by=supervisor, at=_t(2, 20, 9))

    def liaison(slug):
        return User.objects.get(username=f"{slug}_lly")

    # Problems of the self-inspection (3/2–3/9), with their stories.
    made = {}
    for k, (slug, cat, source, desc, cause, measures, deadline, story) in enumerate(PROBLEMS):
        unit = by_slug[slug]
        leader_name, _ = _person_name(f"{slug}_fzr")
        person_name, _ = _person_name(f"{slug}_lly")
        at = _t(4, 15) if story == "repeat_again" else _t(3, 2 + k % 7, 15)
        p = rs.create_problem(
            campaign, by=liaison(slug), at=at, unit=unit, category=cat, source=source, description=desc, cause=cause,
            measures=measures, long_term=deadline == "长期", deadline=None if deadline == "长期" else _d(*deadline),
            responsible_leader_name=leader_name,
            responsible_person_name=person_name if k % 5 else "王建国",  # one name without an account
        )
        made[k] = (p, story, slug)

    # The ledgers: most on time, two late, two never submitted.
    late = {"shuiwu": _t(3, 12, 17), "longquan": _t(3, 13, 9)}
    missing = {"baiyun", "xinfang"}
    counts = {"submitted": 0, "late": 0, "pending": len(missing)}
    slugs = {u.pk: s for s, u in by_slug.items()}
    for i, s in enumerate(LedgerSubmission.objects.filter(campaign=campaign).select_related("unit")):
        slug = slugs[s.unit_id]
        if slug in missing:
            continue
        at = late.get(slug) or _t(3, 5 + i % 5, 16)
        n = campaign.problems.filter(unit=s.unit).count()
        rs.submit_ledger(s, liaison(slug), situation_report=(
            f"{s.unit.name}对照“六大整治”开展自查自纠，查找问题{n}个，已逐项明确整改措施、责任人和整改时限。"),
            files=[_ledger_file(f"{s.unit.name}问题清单台账.xlsx", s.unit.name)], at=at)
        counts["late" if slug in late else "submitted"] += 1

    verifiers = [supervisor, users["dbdcj_fzr"], users["changwu"]]
    for k, (p, story, slug) in made.items():
        owner = liaison(slug)
        if story in ("open", "overdue", "repeat"):
            rs.add_progress(p, owner, "已制定整改方案，明确责任股室，正在推进。", at=_t(4, 10))
        elif story == "longterm":
            for month, day in ((3, 28), (4, 27), (5, 29), (6, 29), (7, 30), (8, 28), (9, 29), (10, 30)):
                rs.add_progress(p, owner, f"{month}月召开会议数量同比减少，合并会议{day % 4 + 1}个。",
                                at=_t(month, day, 16))
        elif story in ("submitted", "returned"):
            rs.add_progress(p, owner, "整改措施已基本落实。", at=_t(5, 10))
            rs.submit_result(p, owner, "整改已完成，相关制度已印发。",
                             files=[_file("整改完成情况.txt", "整改佐证")], at=_t(6, 1) if story == "returned"
                             else _t(11, 10))
            if story == "returned":
                rs.verify_result(p, verifiers[k % 3], passed=False, note="佐证材料不足，未见制度执行记录，请补充。",
                                 at=_t(6, 5))
                rs.add_progress(p, owner, "已补充执行记录，继续整改。", at=_t(7, 1))
        elif story in ("closed", "closed_onsite", "rerect"):
            rs.submit_result(p, owner, "整改已完成，已建立长效机制。",
                             files=[_file("整改报告.txt", "整改报告及照片")], at=_t(5, 20))
            rs.verify_result(p, verifiers[k % 3], passed=True, note="资料齐全，整改到位，同意销号。",
                             onsite_check=story == "closed_onsite",
                             onsite_note="到现场查看台账和办理记录，群众回访满意。", at=_t(5, 28))

    # A spot check in June and an unannounced visit, with their findings.
    inspectors = [m.user for m in group.memberships.select_related("user")]
    sc = rs.draw_spot_check(campaign, supervisor, title=f"{year}年6月作风整治随机抽查", target_count=3,
                            inspector_count=2, inspectors=inspectors, seed=f"{year}0615", at=_t(6, 15, 9))
    first = sc.assignments.select_related("unit").first()
    rs.record_finding(campaign, first.inspectors.first(), spot_check=sc, unit=first.unit, category="不作为",
                      description="抽查发现问题整改台账更新不及时，部分问题无整改进展记录",
                      measures="每周更新台账，逐项记录整改进展", deadline=_d(12, 10), at=_t(6, 20))
    rs.record_finding(campaign, users["dbdcj_fzr"], unit=by_slug["hekou"], category="官僚作风",
                      description="暗访发现便民服务中心午间无人值守", measures="实行午间轮班值守并公示值班电话",
                      deadline=_d(9, 30), at=_t(6, 25), source="明察暗访")

    # The look-back in July over every closed problem: one has rebounded.
    lb = rs.start_look_back(campaign, supervisor, title="整改落实“回头看”", at=_t(7, 10, 9))
    for item in lb.items.select_related("problem"):
        p = item.problem
        story = next(s for q, s, _ in made.values() if q.pk == p.pk)
        checker = next(v for v in verifiers if rs.verifier_refusal(v, p) is None)
        if story == "rerect":
            rs.record_look_back(item, checker, effective=False, note="回访发现问题反弹，变更设计情况仍有发生",
                                new_deadline=_d(12, 20), at=_t(7, 15))
        else:
            rs.record_look_back(item, checker, effective=True, note="整改成效巩固，未发现反弹", at=_t(7, 15))

    # The supervision office publishes the ledger of the closed and the overdue.
    public = [p for p, story, _ in made.values() if story in ("closed", "closed_onsite", "overdue", "rerect",
                                                              "longterm", "open")]
    rs.publish(public, supervisor, at=_t(7, 20))
    counts["units"] = len(units)
    counts["problems"] = campaign.problems.count()
    return DemoResult(True, counts, code)
