"""A year of supervised matters for the demo county 示范县 (issue 4, item 7).

`load_matters()` runs after the org demo (duban.core.management.commands.
load_demo) and drives about ninety matters and sub-tasks through the service
functions of duban.supervision.services, so that every row is journaled and
every clock, light, urge and message is the one the live system would have
produced. Nothing is written to the tables directly.

How time is handled
-------------------
* Every step of every matter is placed on a working day counted back from
  the *anchor day*, the day of loading (`_Year.day(n)`: the n-th working day
  before it, n ≥ 1), at a fixed time of day, so all history lies in the past
  and falls on working days of the calendar (official years as published,
  later ones provisional, computed from the statutory rule).
* The steps of all matters, and one sweep tick (duban.clocks.sweep.tick) at
  08:30 of every day, are run in the order of their moments, each step
  telling the services its moment (`at=`, the tick's `now=`). The services
  record it as the business moment: the journal's `occurred_at` (its
  `recorded_at` stays the server's, the moment of loading, as does an
  evidence file's `uploaded_at`), the report's time, and the breaches,
  messages and automatic urges of the sweep. Nothing patches the clock. A
  last tick runs at the moment of loading.
* The current lights are real at the moment of loading, whatever the date:
  open matters get explicit deadlines computed from that moment — green:
  some days ahead, yellow: within the next 12–24 hours (an explicit
  deadline warns one day before it is due), red: a past working day,
  breached by the sweep. Working-day rules (the 1-working-day
  acknowledgement, the 7-working-day report) and the periodic report
  cycles run on the same calendar, provisional years included.
* Texts that name a year say the year of the story: `{year}` in a spec's
  texts is the year of its assignment day, `{next}` the year after.

Idempotency: every demo matter carries DEMO_REF in `source_ref`; when one
exists, nothing is done. Deterministic: the data are fixed, small
variations come from a fixed seed (SEED) and CRC32 of the matter keys; the
dates move with the day of loading.
"""

import datetime as dt
import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass, field, replace

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from duban.clocks import sweep
from duban.clocks.services import annotate_light
from duban.core.officialdoc import chinese_date
from duban.journal.models import Event, EvidenceFile
from duban.timelimits.calendar import get_calendar

from . import services as sv
from .models import ExtensionRequest, ExtensionState, Matter, Report, ReportCycle, ReportKind, Urge, UrgeKind
from .transitions import OPEN_STATES, State

User = get_user_model()

SEED = 2026
DEMO_REF = "demo:示范县督办演示数据"
TICK_AT = dt.time(8, 30)

SUPERVISOR = "duchashi"
SUPERVISOR_DEPUTY = "duchashi_lly"

# 县政府领导分工（演示）：县长 xianzhang 主持全面工作；常务副县长 changwu 分管
# 发改、财政、行政审批、市场监管、信访；副县长 fuxianzhang1 分管教育、卫健、
# 人社；fuxianzhang2 分管住建、交通、自然资源和城区镇街；fuxianzhang3 分管
# 农业农村、水务、应急、生态环境。

# 单位代字 for the report documents the units attach (示教〔2026〕12号).
DOC_CODES = {
    "fagai": "示发改", "jiaoyu": "示教", "gongan": "示公", "caizheng": "示财", "ziran": "示自然资",
    "zhujian": "示住建", "jiaotong": "示交", "nongye": "示农", "weijian": "示卫健", "yingji": "示应急",
    "shichang": "示市监", "shenpi": "示审批", "renshe": "示人社", "huanjing": "示环", "shuiwu": "示水",
    "xinfang": "示信访", "chengguan": "城政", "dongcheng": "东街办", "xicheng": "西街办", "hekou": "河政",
    "qingshan": "青政", "liulin": "柳政", "shiqiao": "石政", "baiyun": "白政", "longquan": "龙政",
}


def _crc(*parts) -> int:
    """A small deterministic variation (minutes, counts, image colours) per matter."""
    return zlib.crc32("|".join(str(p) for p in (SEED, *parts)).encode())


# ------------------------------------------------------------------ specs --

@dataclass
class Spec:
    """One matter (or sub-task) and the story it goes through.

    Times are working days before the anchor day (`A`: assignment). `due`:
    an int (working days after assignment), "rule" (the 7-working-day rule),
    ("green", calendar days from now), "yellow", ("red", working days ago),
    a date, or None (long-term matters without a final deadline). `end`:
    the state it is left in: draft, assigned, acknowledged, in_progress,
    completion_requested, completed, archived, suspended, cancelled."""

    key: str
    source: object  # callable(year, spec) -> dict of source particulars
    title: str
    content: str
    standard: str
    lead: str  # username of the responsible person of the lead unit
    coop: tuple = ()  # ((username, duty), ...)
    leader: str = ""  # responsible leader (责任领导)
    urgency: str = "normal"
    short: str = ""  # short name for the generated report texts
    A: int = 0
    due: object = None
    end: str = "completed"
    late: int = 0  # closed: completion requested this many working days after the deadline
    early: int = 0  # closed: … this many working days before it (default from the key)
    late_ack: bool = False
    reports: object = 2  # a count, or [(text, progress), ...]
    returned: str = ""  # 退回重办 once, with this reason
    report_returned: str = ""  # the first report is sent back with this comment
    ext: tuple = ()  # ("approved" | "rejected" | "pending", reason, extra working days)
    urges: tuple = ()  # ((channel, note, by, working days after the deadline or None), ...)
    last: int = 1  # open matters: the last working day with activity
    done: str = ""  # what the completion request says was done
    reason: str = ""  # suspension or cancellation reason
    by: str = SUPERVISOR
    ledger: bool = False  # attach an .xlsx ledger to the completion request
    long_term: tuple = ()  # (cycle, day)

    @property
    def j(self) -> int:
        return _crc(self.key) % 40

    @property
    def name(self) -> str:
        return self.short or self.title


@dataclass
class Meeting:
    key: str
    kind: str  # standing_meeting / special_meeting
    name: str
    minutes: str  # with {year}
    A: int
    decisions: list = field(default_factory=list)
    by: str = SUPERVISOR


def _years(year) -> dict:
    """The values of `{year}` and `{next}` in the texts of a story set in `year`."""
    return {"year": year, "next": year + 1}


def instruction(leader, text):
    def make(y, sp):
        day = y.day(sp.A + 1)
        return {"source_kind": "leader_instruction", "instructing_leader": y.u(leader),
                "instruction_date": day, "instruction_text": text.format_map(_years(day.year))}
    return make


def assignment(leader, text):
    def make(y, sp):
        day = y.day(sp.A)
        return {"source_kind": "assignment", "instructing_leader": y.u(leader), "instruction_date": day,
                "instruction_text": text.format_map(_years(day.year))}
    return make


def deployment(doc):
    def make(y, sp):
        return {"source_kind": "higher_deployment", "document_number": doc.format(year=y.day(sp.A + 2).year)}
    return make


def hotline(serial):
    def make(y, sp):
        return {"source_kind": "hotline", "ticket_number": f"GD{y.day(sp.A + 1):%Y%m%d}{serial:04d}"}
    return make


def finding(text):
    def make(y, sp):
        return {"source_kind": "inspection", "finding": text}
    return make


# ------------------------------------------------------------- the county --
#
# Usernames are those of duban.core.demo_data: {slug}_lly is a unit's liaison
# (联络员), {slug}_fzr its head; offices of a department are {slug}_{suffix}
# (jiaoyu_jjg 基础教育股), a town's 党政办公室 is {slug}_dzb.

S = Spec

MEETINGS = [
    Meeting("m1", "standing_meeting", "县人民政府第26次常务会议", "示政常纪〔{year}〕26号", A=232, decisions=[
        S("m1a", None, "做好今冬明春城区集中供暖保障工作",
          "针对城区部分小区供暖温度不达标、管网老化漏损等问题，开展供暖设施全面排查，对老旧管网和换热站实施应急维修，"
          "畅通供暖投诉渠道，确保居民室内温度不低于18℃。",
          "12月20日前完成换热站和主管网排查检修；供暖投诉24小时内响应、48小时内办结；每周报送供暖运行情况。",
          "zhujian_lly", coop=(("chengguan_lly", "负责辖区小区供暖问题摸排和群众诉求收集"),
                               ("dongcheng_lly", "负责辖区小区供暖问题摸排和群众诉求收集")),
          leader="fuxianzhang2", urgency="urgent", short="城区冬季供暖保障", due=14, end="archived"),
        S("m1b", None, "开展根治欠薪冬季专项行动",
          "聚焦工程建设领域，全面排查在建项目农民工工资专用账户、实名制管理、工资保证金落实情况，"
          "春节前实现欠薪案件动态清零。",
          "建立欠薪问题台账，逐案明确责任人和化解时限；春节前欠薪案件动态清零；涉及政府投资项目的欠薪一律限期清偿。",
          "renshe_lly", coop=(("zhujian_lly", "负责房建市政项目工资支付监管"),
                              ("jiaotong_lly", "负责交通建设项目工资支付监管")),
          leader="fuxianzhang1", urgency="urgent", short="根治欠薪冬季专项行动", due=25, end="completed", late=4,
          ledger=True),
        S("m1c", None, "抓好{next}年重点项目谋划储备",
          "围绕产业发展、基础设施、社会民生等领域，谋划储备一批打基础、利长远的重大项目，做好用地、资金、环评等前期工作。",
          "谋划储备重点项目不少于60个、总投资不少于120亿元；形成项目库并逐个明确前期工作责任单位和时间表。",
          "fagai_lly", coop=(("caizheng_lly", "负责项目资金筹措和专项债券申报"),
                             ("ziran_lly", "负责项目用地预审和规划选址")),
          leader="changwu", short="{next}年重点项目谋划储备", due=22, end="archived",
          returned="项目库中有11个项目前期工作责任单位和时间节点不明确，请逐项补充完善后重新申请办结。", ledger=True),
        S("m1d", None, "开展岁末年初安全生产大检查",
          "对危险化学品、道路交通、建筑施工、消防、燃气等重点行业领域开展拉网式检查，严格落实企业主体责任和部门监管责任。",
          "检查覆盖全部重点行业领域；重大隐患挂牌督办、限期整改；1月15日前报送检查总结。",
          "yingji_lly", coop=(("gongan_lly", "负责道路交通和烟花爆竹安全检查"),
                              ("shichang_lly", "负责特种设备和燃气器具安全检查")),
          leader="fuxianzhang3", urgency="urgent", short="岁末年初安全生产大检查", due=12, end="completed"),
    ]),
    Meeting("m2", "standing_meeting", "县人民政府第3次常务会议", "示政常纪〔{year}〕3号", A=186, decisions=[
        S("m2a", None, "推进优化营商环境“一号改革工程”",
          "对标先进地区，推行企业开办、工程建设项目审批、不动产登记等高频事项“一件事一次办”，"
          "开展涉企检查“综合查一次”，治理“吃拿卡要”等作风问题。",
          "企业开办1个工作日内办结；工程建设项目审批全流程压缩至60个工作日以内；涉企检查频次同比下降30%以上。",
          "shenpi_lly", coop=(("shichang_lly", "负责企业开办和涉企检查“综合查一次”"),
                              ("fagai_lly", "负责营商环境评价和问题线索督办")),
          leader="changwu", short="优化营商环境“一号改革工程”", due=35, end="archived"),
        S("m2b", None, "开展城区违法用地和违法建设专项整治",
          "对城区违法用地、违法建设开展全面摸排，新增违建“零容忍”，存量违建分类处置、限期销号。",
          "建立“两违”台账，新增违建发现即拆除；存量违建处置率不低于80%；每月报送整治进展。",
          "ziran_lly", coop=(("chengguan_lly", "负责辖区违建巡查和拆除组织"),
                             ("zhujian_lly", "负责违法建设认定和规划核实")),
          leader="fuxianzhang2", short="城区“两违”专项整治", due=40, end="completed", late=6,
          ext=("rejected", "部分违建涉及历史遗留问题，需逐户做好群众工作，申请延期30日。", 0), ledger=True),
        S("m2c", None, "加快县域医共体建设",
          "以县人民医院为龙头，整合县乡村三级医疗卫生资源，推进人员、财务、药品、信息“四统一”管理，提升基层服务能力。",
          "年内实现医共体内检查检验结果互认、药品目录统一；乡镇卫生院门诊量同比提升10%以上。",
          "weijian_lly", coop=(("renshe_lly", "负责医共体人员编制和薪酬制度改革"),
                               ("caizheng_lly", "负责医共体运行经费保障")),
          leader="fuxianzhang1", short="县域医共体建设", due=45, end="completed",
          ext=("approved", "医共体信息平台需与市级平台对接，对接测试计划由市卫健委统一安排，申请延期15个工作日。", 15)),
    ]),
    Meeting("m3", "standing_meeting", "县人民政府第12次常务会议", "示政常纪〔{year}〕12号", A=88, decisions=[
        S("m3a", None, "补齐城区排水防涝设施短板",
          "对今年汛期城区积水点逐一分析成因，实施雨污分流改造、排水管网清淤和泵站扩容，消除严重积水隐患。",
          "一个月内完成城区主次干道管网清淤和17处易涝点整治；整治后经强降雨检验无严重积水。",
          "zhujian_lly", coop=(("shuiwu_lly", "负责排涝泵站运行和河道行洪"),
                               ("chengguan_lly", "负责背街小巷排水沟渠清淤")),
          leader="fuxianzhang2", urgency="urgent", short="城区排水防涝设施补短板", due=28, end="completed", late=3),
        S("m3b", None, "做好{year}年秋季学期开学准备工作",
          "全面排查校舍、消防、食堂和校车安全，做好教材、师资和学位保障，确保秋季学期平稳有序开学。",
          "开学前完成全部学校安全隐患排查整改；教材“课前到书”；城区学位供需平衡，无适龄儿童“入学难”。",
          "jiaoyu_lly", coop=(("weijian_lly", "负责学校传染病防控和食堂卫生指导"),
                              ("gongan_lly", "负责校园周边治安和校车交通安全"),
                              ("shichang_lly", "负责学校食堂食品安全检查")),
          leader="fuxianzhang1", urgency="urgent", short="秋季学期开学准备", due=20, end="archived"),
        S("m3c", None, "加快农村公路危桥改造",
          "对全县排查出的12座农村公路危桥实施改造，改造期间设置警示标志和便道，确保群众安全通行。",
          "12座危桥全部完成改造并通过交工验收；改造期间无安全责任事故。",
          "jiaotong_lly", coop=(("caizheng_lly", "负责改造资金拨付"),),
          leader="fuxianzhang2", short="农村公路危桥改造", due=("red", 12), end="in_progress", reports=3,
          ext=("rejected", "受汛期影响施工受阻，申请延期两个月。", 0),
          urges=(("written", "农村公路危桥改造已超期，请于3个工作日内书面报告滞后原因和倒排工期计划。", SUPERVISOR, 5),
                 ("phone", "已电话督促局主要负责同志，要求加派施工力量。", "fuxianzhang2", 8))),
        S("m3d", None, "推进城北片区土地征收和房屋征收工作",
          "按照城北片区控制性详细规划，依法依规推进土地征收和房屋征收，做好被征收群众安置补偿。",
          "依法完成征收公告、补偿登记和协议签订；安置补偿资金足额到位；不发生因征收引发的群体性事件。",
          "ziran_lly", coop=(("chengguan_lly", "负责入户调查和群众思想工作"),),
          leader="fuxianzhang2", short="城北片区土地征收", due=("green", 30), end="suspended", last=30,
          reason="城北片区用地报批材料已报省政府，待省政府批复后再开展征收补偿，事项暂停。"),
    ]),
    Meeting("m4", "standing_meeting", "县人民政府第18次常务会议", "示政常纪〔{year}〕18号", A=14, decisions=[
        S("m4a", None, "加快{year}年度财政资金支出进度",
          "对全县预算单位财政资金支出进度实行周调度、月通报，对支出进度滞后的项目资金按规定收回统筹使用。",
          "11月底前一般公共预算支出进度达到92%以上；专项债券资金12月中旬前全部支出。",
          "caizheng_lly", coop=(("fagai_lly", "负责专项债券项目建设进度调度"),),
          leader="changwu", urgency="urgent", short="财政资金支出进度攻坚", due=("green", 20),
          end="completion_requested", last=2, reports=1,
          done="截至11月中旬一般公共预算支出进度达到92.6%，专项债券资金已支出95%，剩余资金已明确支出计划。"),
        S("m4b", None, "开展冬季燃气安全专项整治",
          "对城镇燃气经营企业、餐饮场所和居民用户开展燃气安全隐患排查，重点整治瓶装液化气违规经营和老旧管道问题。",
          "排查覆盖全部燃气经营企业和餐饮场所；发现隐患当场整改或限期整改；12月底前完成老旧燃气管道更新。",
          "zhujian_lly", coop=(("shichang_lly", "负责燃气器具和瓶装气质量监管"),
                               ("yingji_lly", "负责燃气安全事故应急处置演练")),
          leader="fuxianzhang2", urgency="urgent", short="冬季燃气安全专项整治", due=("green", 25), end="in_progress",
          reports=1),
        S("m4c", None, "整治城区停车秩序",
          "针对城区主干道乱停乱放、停车泊位不足等问题，科学施划停车泊位，加强违停执法，引导社会停车场错时开放。",
          "新增停车泊位不少于500个；主干道违停现象明显减少；形成停车秩序长效管理机制。",
          "gongan_lly", coop=(("chengguan_lly", "负责辖区背街小巷停车秩序劝导"),
                              ("zhujian_lly", "负责公共停车场规划建设")),
          leader="fuxianzhang2", short="城区停车秩序整治", due="yellow", end="in_progress", reports=2),
        S("m4d", None, "做好冬春季农村劳动力转移就业",
          "摸清返乡农民工就业意愿，组织“春风行动”等专场招聘，开展订单式技能培训，促进农村劳动力稳定就业。",
          "举办专场招聘会不少于5场；完成技能培训800人次以上；脱贫劳动力务工规模不低于上年。",
          "renshe_lly", coop=(("nongye_lly", "负责脱贫劳动力就业帮扶"),),
          leader="fuxianzhang1", short="冬春季劳动力转移就业", due=("green", 35), end="acknowledged"),
    ]),
    Meeting("s1", "special_meeting", "全县{year}年防汛工作专题会议", "示政专纪〔{year}〕7号", A=125, decisions=[
        S("s1a", None, "补充储备防汛抢险物资",
          "对照防汛物资储备定额，补充编织袋、救生衣、冲锋舟、发电机等物资，落实物资储备点和调运预案。",
          "6月10日前物资储备达到定额标准；建立物资台账和调运联系人名单。",
          "yingji_lly", coop=(("caizheng_lly", "负责物资采购资金保障"),),
          leader="fuxianzhang3", urgency="urgent", short="防汛抢险物资储备", due=10, end="archived", ledger=True),
        S("s1b", None, "开展地质灾害隐患点汛期巡查",
          "对全县登记在册的地质灾害隐患点落实“群测群防”责任人，汛期实行每日巡查，强降雨期间加密巡查。",
          "隐患点监测责任人全覆盖；汛期巡查记录完整；发现险情第一时间组织群众转移。",
          "ziran_lly", coop=(("longquan_lly", "负责辖区隐患点群测群防"), ("baiyun_lly", "负责辖区隐患点群测群防")),
          leader="fuxianzhang3", short="地质灾害隐患点汛期巡查", due=15, end="completed"),
        S("s1c", None, "整治城区易涝点",
          "对城区17处易涝点逐一制定整治方案，落实抽排设备和值守人员，主汛期前完成应急整治。",
          "主汛期前完成全部易涝点应急整治；每处易涝点落实值守人员和抽排设备。",
          "zhujian_lly", coop=(("chengguan_lly", "负责易涝点值守和群众转移"),),
          leader="fuxianzhang2", urgency="urgent", short="城区易涝点整治", due=20, end="completed", late=2,
          returned="整治前后对比照片缺失，且未附易涝点值守人员名单，请补充后重新申请办结。"),
    ]),
    Meeting("s3", "special_meeting", "全县教育“双减”工作推进专题会议", "示政专纪〔{year}〕17号", A=36, decisions=[
        S("s3a", None, "推进课后服务提质扩面",
          "全县义务教育学校课后服务实现全覆盖，丰富托管、兴趣小组、社团活动等服务内容，引入优质校外资源进校园。",
          "义务教育学校课后服务覆盖率100%，学生自愿参与率达到90%以上；每校开设特色课程不少于5门。",
          "jiaoyu_lly", coop=(("caizheng_lly", "负责课后服务经费保障"),),
          leader="fuxianzhang1", short="课后服务提质扩面", due=("green", 28), end="in_progress",
          reports=[("已印发《全县义务教育学校课后服务提质扩面实施方案》，全县48所义务教育学校全部开展课后服务。", 30),
                   ("课后服务学生参与率达到87.5%，已引入体育、艺术、科技类校外资源12项，正在开展家长满意度调查。", 55)]),
        S("s3b", None, "开展校外培训机构专项治理",
          "联合开展校外培训机构“回头看”，严查隐形变异培训、超前超标培训和违规收费，规范预收费资金监管。",
          "无证办学机构全部取缔或规范；预收费资金全部纳入监管；群众举报线索100%核查处理。",
          "jiaoyu_lly", coop=(("shichang_lly", "负责培训机构收费和广告行为监管"),
                              ("gongan_lly", "负责配合查处无证办学")),
          leader="fuxianzhang1", short="校外培训机构专项治理", due=("green", 15), end="completion_requested", last=1,
          reports=2, done="共检查校外培训机构37家，取缔无证办学点4个，督促9家机构将预收费资金纳入监管，核查处理群众举报线索16条。"),
        S("s3c", None, "落实课后服务经费保障",
          "按照“财政补助、家长合理分担”原则落实课后服务经费，及时足额发放参与课后服务教师补助。",
          "课后服务财政补助资金12月10日前拨付到位；教师补助按月发放。",
          "caizheng_lly", coop=(("jiaoyu_lly", "负责核定课后服务人数和教师补助名单"),),
          leader="changwu", short="课后服务经费保障", due=("green", 18), end="in_progress", reports=1),
    ]),
    Meeting("s2", "special_meeting", "全县冬春季森林防火工作专题会议", "示政专纪〔{year}〕21号", A=6, decisions=[
        S("s2a", None, "设置森林防火检查卡口",
          "在进山入林主要路口设置森林防火检查卡口，落实“防火码”扫码登记，严防火种进山。",
          "11月底前全部卡口投入运行；卡口24小时值守，进山人员100%扫码登记。",
          "yingji_lly", coop=(("qingshan_lly", "负责辖区卡口设置和值守"), ("baiyun_lly", "负责辖区卡口设置和值守")),
          leader="fuxianzhang3", urgency="urgent", short="森林防火检查卡口设置", due=("green", 10), end="in_progress",
          reports=1),
        S("s2b", None, "开展野外违规用火专项巡查",
          "组织对林区、林缘地带开展野外违规用火专项巡查，严厉查处烧荒、祭祀用火等违规行为。",
          "重点时段每日巡查；违规用火行为发现一起、查处一起；每周报送巡查情况。",
          "gongan_lly", coop=(("liulin_lly", "负责辖区网格员巡查劝导"),),
          leader="fuxianzhang3", urgency="urgent", short="野外违规用火专项巡查", due=("green", 24), end="assigned",
          urges=(("phone", "森林防火事项已超过签收时限仍未签收，请立即签收并部署巡查。", SUPERVISOR_DEPUTY, None),)),
        S("s2c", None, "排查林区输电线路火灾隐患",
          "会同供电部门对穿越林区的输电线路开展隐患排查，及时清理线路通道内的树障和可燃物。",
          "12月15日前完成林区输电线路通道隐患排查和树障清理。",
          "ziran_lly", leader="fuxianzhang3", short="林区输电线路隐患排查", due=("green", 22), end="acknowledged"),
    ]),
]

SPECS = [
    # --- history: done, on time or late, archived, cancelled ---------------
    S("h_shichang_newyear", deployment("市市场监管发〔{year}〕2号"), "做好元旦春节期间食品安全保障工作",
      "按照市市场监管局部署，对节日市场食品生产经营单位开展专项检查，重点检查肉类、冷链食品、酒类和节日礼品。",
      "检查覆盖全部大型商超和农贸市场；抽检节日食品不少于200批次；春节前报送专项检查总结。",
      "shichang_lly", leader="changwu", short="两节期间食品安全保障", A=222, due=20, end="completed", late=3),
    S("h_nongye_spring", instruction("fuxianzhang3", "春耕在即，农资保供关系全年粮食生产。请县农业农村局牵头，会同县市场监管局，"
                                     "抓好化肥、种子、农药储备调运和质量监管，确保不误农时。"),
      "抓好春耕生产农资保供稳价", "组织农资经营企业做好化肥、种子、农药储备，开展农资打假专项行动，保障春耕生产需要。",
      "3月15日前主要农资储备满足春耕需要；开展农资质量抽检不少于50批次；农资价格保持基本稳定。",
      "nongye_lly", coop=(("shichang_lly", "负责农资市场价格和质量监管"),), leader="fuxianzhang3",
      short="春耕农资保供稳价", A=192, due=18, end="completed"),
    S("h_shenpi_yiwang", deployment("市府办发〔{year}〕15号"), "提升政务服务“一网通办”水平",
      "落实市政府办公室《关于进一步提升政务服务“一网通办”水平的通知》，推动高频政务服务事项网上可办、掌上可办。",
      "依申请政务服务事项网上可办率达到95%以上；高频事项“掌上办”不少于100项。",
      "shenpi_lly", leader="changwu", short="政务服务“一网通办”提质", A=170, due=30, end="archived", ledger=True),
    S("h_shenpi_window", finding("县政府督查室4月明察暗访发现：部分镇街便民服务中心工作日上午存在窗口人员脱岗、"
                                 "一次性告知不到位、群众反复跑腿等问题。"),
      "整改便民服务中心窗口人员脱岗等问题", "针对明察暗访发现的问题，全面整改便民服务中心作风问题，建立窗口考勤和群众评价机制。",
      "立行立改，7个工作日内报送整改报告；建立窗口人员考勤通报制度；群众“好差评”差评整改率100%。",
      "shenpi_lly", leader="changwu", urgency="urgent", short="便民服务中心作风问题整改", A=150, due="rule",
      end="completed"),
    S("h_chengguan_noise", hotline(872), "处理滨河花园小区夜间施工噪音扰民问题",
      "12345热线工单：市民反映滨河花园小区旁建筑工地夜间施工至凌晨，噪音严重影响休息，要求尽快处理。",
      "3个工作日内联系诉求人并现场核查；依法处理违规夜间施工；办结后回访诉求人满意度。",
      "chengguan_lly", coop=(("huanjing_lly", "负责噪音监测和执法"),), leader="fuxianzhang2",
      short="滨河花园夜间施工噪音投诉", A=146, due=5, end="completed",
      done="已联合县生态环境局现场核查，责令施工单位停止夜间施工，对其违规行为立案处理，诉求人回访满意。"),
    S("h_weijian_emergency", instruction("fuxianzhang1", "急诊急救关系群众生命安全。请县卫健局对照三级医院标准，"
                                         "查找县医院急诊急救短板，拿出提升方案，限期见效。"),
      "提升县人民医院急诊急救能力", "优化县人民医院急诊流程，完善胸痛、卒中、创伤中心建设，加强院前急救与院内救治衔接。",
      "急诊分诊、抢救、留观流程全面优化；院前急救平均反应时间缩短至15分钟以内；形成整改报告。",
      "weijian_lly", leader="fuxianzhang1", short="县医院急诊急救能力提升", A=165, due=30, end="completed",
      returned="办理情况报告未体现院前急救反应时间的前后对比数据，请补充后再报。"),
    S("h_caizheng_huiqi", instruction("changwu", "惠企政策兑现要快、要准、要实。请县财政局牵头，会同相关部门，"
                                      "逐项梳理今年惠企资金兑现情况，6月底前全部兑现到位，并报我。"),
      "加快惠企政策资金兑现", "全面梳理各类惠企政策资金，简化兑现流程，推行“免申即享”，确保政策红利直达市场主体。",
      "惠企资金兑现率100%；“免申即享”事项不少于10项；兑现情况向社会公开。",
      "caizheng_lly", coop=(("shenpi_lly", "负责“免申即享”事项梳理"), ("fagai_lly", "负责涉企政策清单梳理")),
      leader="changwu", short="惠企政策资金兑现", A=128, due=22, end="completed",
      ext=("approved", "部分惠企资金需待省级资金下达后兑现，省级资金预计6月下旬到位，申请延期10个工作日。", 10)),
    S("h_jiaoyu_refund", hotline(1536), "处理学大教育培训中心退费纠纷",
      "12345热线工单：多名家长反映某校外培训机构停业后拒不退还预收培训费，涉及学员30余人，金额约15万元。",
      "5个工作日内约谈机构负责人；督促退费或依法处置；涉及预收费监管问题一并整改。",
      "jiaoyu_lly", coop=(("shichang_lly", "负责预收费监管和消费者权益保护"),), leader="fuxianzhang1",
      short="校外培训机构退费纠纷", A=132, due=8, end="archived",
      done="已约谈机构负责人，督促其分期退还全部预收费用，30名家长已全部签收退费，纳入预收费资金监管。"),
    S("h_zhujian_waterlog", instruction("xianzhang", "近期城区部分路段雨后积水严重，群众反映强烈。请县住建局牵头，会同城关镇，"
                                        "于本月底前拿出整改方案并报我。"),
      "解决城区部分路段雨后积水问题", "对人民路、建设路等路段雨后积水问题进行排查，分析成因，制定整改方案并组织实施。",
      "本月底前报送整改方案；一个月内完成管网疏通和雨水口改造；整改后经强降雨检验无明显积水。",
      "zhujian_lly", coop=(("chengguan_lly", "负责沿街商户和居民协调"),), leader="fuxianzhang2", urgency="urgent",
      short="城区路段雨后积水整治", A=112, due=25, end="archived"),
    S("h_jiaoyu_drowning", deployment("市教发〔{year}〕31号"), "落实暑期学生防溺水工作",
      "落实市教育局暑期防溺水工作部署，开展防溺水安全教育，排查危险水域，设置警示标志，落实重点水域巡查。",
      "防溺水安全教育覆盖全部中小学生；危险水域警示标志设置率100%；暑期不发生学生溺亡事件。",
      "jiaoyu_lly", coop=(("longquan_lly", "负责辖区危险水域巡查"), ("hekou_lly", "负责辖区危险水域巡查")),
      leader="fuxianzhang1", urgency="urgent", short="暑期学生防溺水", A=106, due=35, end="archived"),
    S("h_longquan_sign", finding("6月防汛督查发现：龙泉镇龙泉河沿岸3处危险水域未设置防溺水警示标志，救生设施缺失。"),
      "补设龙泉河沿岸防溺水警示标志和救生设施", "对龙泉河沿岸危险水域补设警示标志，配备救生圈、救生绳等设施，落实巡查责任人。",
      "按规定时限（7个工作日）完成补设并报送照片；每处危险水域明确巡查责任人。",
      "longquan_lly", leader="fuxianzhang3", urgency="urgent", short="龙泉河防溺水设施补设", A=110, due="rule",
      end="archived"),
    S("h_xicheng_light", hotline(2208), "修复西城街道锦绣路路灯",
      "12345热线工单：市民反映锦绣路约500米路段路灯长期不亮，夜间出行存在安全隐患。",
      "5个工作日内完成修复；修复后回访诉求人。",
      "xicheng_lly", coop=(("zhujian_lly", "负责路灯维修技术支持"),), leader="fuxianzhang2",
      short="锦绣路路灯修复", A=66, due=5, end="completed", late=3, late_ack=True),
    S("h_hekou_garbage", finding("8月督查发现：河口镇集镇垃圾清运不及时，部分垃圾收集点满溢，群众反映强烈。"),
      "整改河口镇集镇垃圾清运不及时问题", "优化集镇垃圾清运线路和频次，增设垃圾收集点，落实保洁人员责任。",
      "集镇垃圾日产日清；收集点无满溢；10个工作日内报送整改报告。",
      "hekou_lly", leader="fuxianzhang3", short="河口镇集镇垃圾清运整改", A=60, due=10, end="completed", late=5,
      urges=(("phone", "河口镇垃圾清运整改已超期，请镇主要负责同志亲自过问，今日报送进展。", SUPERVISOR, 1),
             ("written", "请于2个工作日内书面报告整改滞后原因。", SUPERVISOR, 3))),
    S("h_renshe_wage", hotline(3051), "处理农民工反映城南安置房项目欠薪问题",
      "12345热线工单：18名农民工反映城南安置房项目劳务分包单位拖欠工资约26万元。",
      "3个工作日内核实；督促总包单位先行垫付；国庆节前欠薪全部清偿。",
      "renshe_lly", coop=(("zhujian_lly", "负责督促总包单位履行工资支付责任"),), leader="fuxianzhang1", urgency="urgent",
      short="城南安置房项目欠薪投诉", A=50, due=8, end="completed",
      done="已督促总包单位从工资保证金中先行垫付，18名农民工26.3万元工资已全部发放到位，对分包单位立案查处。"),
    S("h_huanjing_air", assignment("xianzhang", "秋冬季大气污染防治任务重，请县生态环境局牵头抓好扬尘、散煤、秸秆焚烧管控。"),
      "抓好秋冬季大气污染防治", "落实秋冬季大气污染防治攻坚方案，加强工地扬尘、散煤燃烧、秸秆焚烧和机动车尾气管控。",
      "PM2.5平均浓度同比下降；重污染天气应急减排措施落实到位；秸秆焚烧火点“零发生”。",
      "huanjing_lly", coop=(("zhujian_lly", "负责建筑工地扬尘管控"), ("nongye_lly", "负责秸秆禁烧和综合利用")),
      leader="fuxianzhang3", short="秋冬季大气污染防治", A=30, due=20, end="completed", early=2),
    S("h_cancel_hotline", hotline(2617), "处理美食街餐饮油烟扰民问题",
      "12345热线工单：市民反映美食街多家餐饮店油烟直排，影响周边居民生活。",
      "5个工作日内现场核查并督促整改。", "shichang_lly", leader="changwu", short="美食街油烟扰民投诉",
      A=78, due=5, end="cancelled", last=77,
      reason="经核实，餐饮油烟污染属县生态环境局职责，市12345热线已重新派发县生态环境局办理，本事项撤销。"),
    S("h_cancel_audit", instruction("changwu", "请县财政局牵头，抓紧整改政府投资项目审计发现的问题。"),
      "整改政府投资项目审计发现问题", "对审计发现的政府投资项目超概算、结算不及时等问题逐项整改。",
      "建立问题清单，逐项销号。", "caizheng_lly", leader="changwu", short="政府投资项目审计问题整改",
      A=44, due=20, end="cancelled", last=40,
      reason="该事项已纳入县委审计委员会统一部署的审计整改“清单化”管理，由县审计局统筹督办，本事项撤销，避免重复督办。"),

    # --- long-term matters with periodic reports ---------------------------
    S("lt_safety", deployment("市安委办〔{year}〕9号"), "推进安全生产治本攻坚三年行动{year}年度任务",
      "落实市安委会安全生产治本攻坚三年行动部署，常态化开展重点行业领域安全生产大排查大整治，每月报送工作进展。",
      "每月25日前报送当月排查整治情况；重大事故隐患动态清零；全年不发生较大及以上生产安全事故。",
      "yingji_lly", coop=(("gongan_lly", "负责道路交通安全整治"), ("shichang_lly", "负责特种设备安全整治")),
      leader="fuxianzhang3", urgency="urgent", short="安全生产治本攻坚", A=214, due=None, end="in_progress",
      long_term=(ReportCycle.MONTHLY, 25)),
    S("lt_projects", assignment("changwu", "请县发改局牵头建立重点项目季度调度机制，每季度向县政府报告项目推进情况，年底前完成年度投资目标。"),
      "建立重点项目季度调度机制，完成年度投资目标",
      "对全县68个重点项目实行季度调度，逐项目跟踪开工、投资和形象进度，协调解决用地、资金、审批等问题。",
      "每季度末月20日前报送调度情况；全年完成重点项目投资85亿元以上；新开工项目不少于25个。",
      "fagai_lly", coop=(("caizheng_lly", "负责项目资金保障"), ("ziran_lly", "负责项目用地保障")),
      leader="changwu", short="重点项目季度调度", A=236, due="year_end", end="in_progress",
      long_term=(ReportCycle.QUARTERLY, 20)),

    # --- 县教育局: open matters in every light -------------------------------
    S("j_canteen", instruction("fuxianzhang1", "学校食堂食品安全容不得半点闪失。请县教育局会同县市场监管局，"
                               "对全县学校食堂来一次全面体检，问题整改要见底，整改结果报我。"),
      "开展学校食堂食品安全专项检查整改",
      "对全县中小学、幼儿园食堂开展食品安全专项检查，重点检查食材采购索证索票、留样、从业人员健康证和“明厨亮灶”。",
      "检查覆盖全部学校食堂；发现问题当场整改或限期整改；“明厨亮灶”覆盖率100%。",
      "jiaoyu_lly", coop=(("shichang_lly", "负责食堂食品安全抽检和执法"),), leader="fuxianzhang1", urgency="urgent",
      short="学校食堂食品安全专项检查", A=24, due="yellow", end="in_progress",
      reports=[("已完成全县62所学校食堂检查，发现问题41个。", 40),
               ("按督查室意见补充报送：41个问题中已整改33个，其中索证索票不全12个、留样不规范9个、健康证过期5人、"
                "设施设备问题7个；剩余8个问题为设施改造类，正在采购设备，附整改台账。", 75)],
      report_returned="反馈内容过于笼统，请逐项说明发现问题的类别、已整改数量、未整改原因及下步措施，并附整改台账。"),
    S("j_school", finding("10月督查发现：城关第一小学教学楼外墙瓷砖脱落、楼梯扶手松动，存在安全隐患，已用围挡临时封闭。"),
      "维修加固城关第一小学教学楼", "对城关第一小学教学楼外墙、楼梯扶手等部位实施维修加固，消除安全隐患，确保师生安全。",
      "完成外墙瓷砖铲除翻新和楼梯扶手加固；经第三方安全鉴定合格后解除围挡。",
      "jiaoyu_lly", coop=(("zhujian_lly", "负责维修工程质量安全监管"),), leader="fuxianzhang1", urgency="urgent",
      short="城关一小教学楼维修加固", A=30, due=("red", 6), end="in_progress",
      reports=[("已委托设计单位出具维修方案，施工单位已进场搭设脚手架。", 35),
               ("外墙瓷砖铲除已完成，受连续阴雨影响外墙涂料施工滞后，正在加快推进。", 60)],
      urges=(("phone", "城关一小教学楼维修已超期，请立即报告进展和预计完成时间。", SUPERVISOR, 1),
             ("written", "请县教育局于本周内完成维修并组织安全鉴定，逾期将在全县通报。", SUPERVISOR, 3))),
    S("j_dorm", assignment("changwu", "请县教育局加快教师周转宿舍建设前期手续办理，年底前具备开工条件。"),
      "办理教师周转宿舍建设项目前期手续",
      "加快青山镇、柳林镇教师周转宿舍建设项目立项、用地、规划、环评等前期手续办理，确保年底前具备开工条件。",
      "年底前取得立项批复、用地预审和规划许可；完成施工图设计审查。",
      "jiaoyu_lly", coop=(("ziran_lly", "负责用地预审和规划许可办理"),), leader="fuxianzhang1",
      short="教师周转宿舍前期手续", A=40, due=("green", 12), end="in_progress",
      reports=[("立项批复已取得，用地预审材料已报县自然资源局。", 40)],
      ext=("pending", "项目用地涉及林地占用，需报市林业主管部门审批，预计审批时间约30天，申请延期至{target}。", 30)),
    S("j_fire", deployment("市消安委〔{year}〕6号"), "开展冬季校园消防安全隐患排查",
      "落实市消防安全委员会冬季消防安全部署，对全县学校宿舍、食堂、实验室等重点部位开展消防安全隐患排查。",
      "排查覆盖全部学校；消防设施完好率100%；组织一次全员疏散演练。",
      "jiaoyu_lly", coop=(("yingji_lly", "负责消防安全业务指导"),), leader="fuxianzhang1", urgency="urgent",
      short="冬季校园消防安全排查", A=4, due=("green", 20), end="assigned",
      urges=(("phone", "冬季校园消防安全排查事项已超过签收时限，请立即签收。", SUPERVISOR, None),)),
    S("j_draft", instruction("fuxianzhang1", "寒假将至，请县教育局提前部署寒假学生安全教育。"),
      "部署寒假期间学生安全教育", "寒假前组织开展防溺水、防火、交通、防欺凌等专题安全教育，发放《致家长的一封信》。",
      "放假前完成全覆盖安全教育；《致家长的一封信》回执率100%。",
      "jiaoyu_lly", leader="fuxianzhang1", short="寒假学生安全教育", A=1, due=None, end="draft"),

    # --- 城关镇 ------------------------------------------------------------
    S("c_sewer", hotline(4427), "疏通城关镇建设路下水道堵塞返臭问题",
      "12345热线工单：市民反映建设路与解放街交叉口下水道堵塞，污水外溢返臭，影响沿街商户经营。",
      "2日内完成疏通；查明堵塞原因，防止反复；回访诉求人。",
      "chengguan_lly", coop=(("zhujian_lly", "负责市政管网疏通技术支持"),), leader="fuxianzhang2", urgency="urgent",
      short="建设路下水道堵塞返臭", A=3, due="yellow", end="in_progress",
      reports=[("已联系诉求人并现场查看，堵塞点位于市政主管网接口，已联系管网维护单位明日进场疏通。", 30)]),
    S("c_market", finding("10月明察暗访发现：城关镇农贸市场周边占道经营、乱搭乱建现象突出，早晚高峰交通拥堵。"),
      "整治城关镇农贸市场周边占道经营", "对农贸市场周边占道经营、乱搭乱建开展集中整治，规划设置临时疏导点，建立长效管理机制。",
      "市场周边占道经营“清零”；拆除违规搭建；设置临时疏导点并落实专人管理。",
      "chengguan_lly", coop=(("shichang_lly", "负责市场内部经营秩序管理"),), leader="fuxianzhang2",
      short="农贸市场周边占道经营整治", A=26, due=("red", 4), end="in_progress",
      reports=[("已组织集中整治3次，清理占道摊点46处，拆除违规雨棚12处。", 50)],
      urges=(("written", "农贸市场周边占道经营整治已超期，请于2个工作日内书面说明原因并明确完成时间。", SUPERVISOR, 2),)),
    S("c_lane", instruction("changwu", "老街消防通道被占用问题要下决心解决，请城关镇牵头，会同县应急管理局抓紧清理。"),
      "清理城关镇老街消防通道", "对老街片区被占用、堵塞的消防通道进行全面清理，施划消防通道标识，落实日常巡查。",
      "消防通道全部清理畅通；施划标识标线；建立巡查台账。",
      "chengguan_lly", coop=(("yingji_lly", "负责消防通道认定和执法指导"),), leader="changwu",
      short="老街消防通道清理", A=5, due=("green", 16), end="acknowledged"),
    S("c_alley", assignment("fuxianzhang2", "请城关镇对背街小巷环境卫生开展一次集中整治。"),
      "开展城关镇背街小巷环境集中整治", "对背街小巷垃圾乱堆、污水乱排、线缆乱拉等问题开展集中整治，补齐路面和照明设施短板。",
      "整治背街小巷不少于20条；垃圾日产日清；破损路面和照明设施修复到位。",
      "chengguan_lly", leader="fuxianzhang2", short="背街小巷环境集中整治", A=28, due=("green", 9),
      end="completion_requested", last=2, reports=2,
      done="共整治背街小巷23条，清理垃圾杂物160余吨，修复破损路面1,200平方米，更换路灯86盏，规整线缆3.2公里。"),
    S("c_toilet", deployment("市城管发〔{year}〕12号"), "改造城关镇集贸市场公厕",
      "按照市城市管理局公厕提升改造部署，对城关镇集贸市场2座旱厕实施水冲式改造，配套无障碍设施。",
      "完成2座公厕改造并投入使用；达到二类公厕标准；落实专人保洁管理。",
      "chengguan_lly", leader="fuxianzhang2", short="集贸市场公厕改造", A=45, due=("green", 20), end="in_progress",
      returned="现场核查发现1座公厕无障碍设施未安装、保洁管理制度未上墙，不符合二类公厕标准，请整改后重新申请办结。",
      last=2, reports=2),
    S("c_draft", finding("11月督查发现：城关镇夜市摊点无序扩张，油烟和噪音扰民投诉增多。"),
      "规范城关镇夜市经营管理", "对夜市经营区域、时段、摊位数量进行规范，落实油烟净化和垃圾收集措施。",
      "划定夜市经营范围和时段；摊位统一编号管理；油烟和噪音投诉明显下降。",
      "chengguan_lly", coop=(("huanjing_lly", "负责油烟和噪音监测"),), leader="fuxianzhang2",
      short="夜市经营管理规范", A=2, due=("green", 30), end="draft"),

    # --- other units: open matters -----------------------------------------
    S("o_petition", instruction("xianzhang", "这3件信访积案时间跨度长、群众反映强烈。请县信访局牵头，责任单位主要负责同志包案，"
                                "逐案拿出化解方案，限期化解，化解情况报我。"),
      "化解3件重复信访积案", "对涉及征地补偿、劳动争议、房屋质量的3件重复信访积案实行县级领导包案，逐案制定化解方案。",
      "逐案明确包案领导和责任人；逐案制定化解方案；限期化解并做好息访息诉工作。",
      "xinfang_lly", coop=(("ziran_lly", "负责征地补偿类积案化解"), ("renshe_lly", "负责劳动争议类积案化解")),
      leader="xianzhang", urgency="extra_urgent", short="重复信访积案化解", A=58, due=("red", 9), end="in_progress",
      reports=[("已召开积案化解推进会，3件积案均已明确包案领导和化解方案。", 30),
               ("征地补偿类积案已达成和解协议，其余2件正在协调中。", 55),
               ("劳动争议类积案已进入司法确认程序，房屋质量类积案鉴定报告尚未出具。", 70)],
      urges=(("phone", "县长电话督促：剩余积案要倒排时间，本月内必须见到实效。", "xianzhang", 2),
             ("written", "请于3个工作日内书面报告剩余积案化解进展。", SUPERVISOR, 5))),
    S("o_inspection", deployment("市环督办〔{year}〕11号"), "整改中央生态环境保护督察反馈问题",
      "按照市级整改方案，对中央生态环境保护督察反馈涉及我县的5个问题逐项整改，确保按期销号。",
      "5个问题全部按期整改到位；整改资料规范完整；通过市级验收销号。",
      "huanjing_lly", coop=(("shuiwu_lly", "负责河道水质问题整改"), ("nongye_lly", "负责畜禽养殖污染问题整改")),
      leader="fuxianzhang3", urgency="extra_urgent", short="中央环保督察反馈问题整改", A=55, due="yellow",
      end="in_progress", reports=3),
    S("o_farmland", deployment("市农发〔{year}〕19号"), "推进{year}年高标准农田建设",
      "完成年度高标准农田建设任务3.2万亩，同步实施灌溉排水、田间道路和农田防护工程。",
      "12月底前完成3.2万亩建设任务并通过县级初验；工程质量合格率100%。",
      "nongye_lly", coop=(("caizheng_lly", "负责项目资金拨付"), ("shuiwu_lly", "负责灌溉工程技术指导")),
      leader="fuxianzhang3", short="高标准农田建设", A=98, due=("green", 34), end="in_progress", reports=3,
      report_returned="请补充各项目区工程进度和资金支付进度数据，并附现场照片。"),
    S("o_water", instruction("fuxianzhang3", "农村饮水安全是底线任务，请县水务局抓紧完成供水工程巩固提升。"),
      "巩固提升农村饮水安全", "实施农村供水工程巩固提升，更新老化管网，完善水质净化消毒设施，健全工程管护机制。",
      "完成管网更新85公里；水质检测达标率100%；工程管护责任全部落实。",
      "shuiwu_lly", leader="fuxianzhang3", short="农村饮水安全巩固提升", A=70, due=("green", 14),
      end="completion_requested", last=1, reports=3, ledger=True,
      done="已完成管网更新87.6公里，新建和改造净化消毒设施23处，水质检测达标率100%，落实工程管护员126名。"),
    S("o_bus", deployment("市交发〔{year}〕27号"), "推进城乡公交一体化",
      "优化城乡公交线路，推动镇村公交全覆盖，改造候车亭，推行城乡公交一卡通。",
      "新开通镇村公交线路4条；具备条件的建制村通公交率100%；改造候车亭50个。",
      "jiaotong_lly", leader="fuxianzhang2", short="城乡公交一体化", A=48, due=("green", 8), end="in_progress",
      reports=2, ext=("pending", "新增线路车辆采购需履行政府采购程序，车辆交付尚需约20天，申请延期至{target}。", 20)),
    S("o_sewage", deployment("市环发〔{year}〕33号"), "建设河口镇集镇污水管网",
      "建设河口镇集镇污水收集管网，实现集镇生活污水应收尽收，提升污水处理厂进水浓度。",
      "完成污水管网建设6.5公里；集镇污水收集率达到85%以上。",
      "hekou_lly", coop=(("huanjing_lly", "负责项目环评和技术指导"),), leader="fuxianzhang3",
      short="河口镇集镇污水管网建设", A=80, due=("green", 32), end="suspended", last=12, reports=2,
      reason="管网线路与省道改扩建工程冲突，需待省道改线方案确定后重新设计，事项暂停。"),
    S("o_elevator", instruction("fuxianzhang2", "老旧小区加装电梯是民生实事，请东城街道加快推进。"),
      "推进东城街道老旧住宅加装电梯", "对有加装意愿的老旧住宅做好协调、审批和施工组织，完成年度加装电梯任务。",
      "完成年度加装电梯15部；做好低层住户协调，不引发矛盾纠纷。",
      "dongcheng_lly", coop=(("zhujian_lly", "负责加装电梯审批和质量监管"),), leader="fuxianzhang2",
      short="老旧住宅加装电梯", A=52, due=("green", 11), end="in_progress", reports=2,
      ext=("pending", "已有11部完成加装，其余4部因低层住户意见未统一仍在协调，申请延期至{target}。", 25)),
    S("o_ebike", deployment("市安委办〔{year}〕14号"), "开展电动自行车充电安全专项整治",
      "对住宅小区、城中村电动自行车违规充电、“飞线充电”开展专项整治，建设集中充电设施。",
      "新建集中充电桩不少于2,000个；“飞线充电”动态清零。",
      "shichang_lly", coop=(("yingji_lly", "负责消防安全检查"), ("xicheng_lly", "负责辖区小区充电设施建设协调")),
      leader="changwu", short="电动自行车充电安全整治", A=3, due=("green", 26), end="acknowledged"),
    S("o_startup", instruction("changwu", "企业开办要再提速，请县行政审批服务局对标先进，年底前实现企业开办“一日办结”。"),
      "推行企业开办“一日办结”", "整合企业登记、印章刻制、申领发票、社保登记等环节，推行一窗受理、并联办理。",
      "企业开办全流程1个工作日内办结；免费刻制首套印章；群众满意度95%以上。",
      "shenpi_lly", coop=(("shichang_lly", "负责企业登记环节优化"),), leader="changwu",
      short="企业开办“一日办结”", A=35, due=("green", 21), end="in_progress", reports=2),
    S("o_chest", deployment("市卫健发〔{year}〕42号"), "建设县人民医院胸痛中心",
      "按照国家胸痛中心建设标准，完善县人民医院胸痛中心流程和设施设备，年底前通过市级验收。",
      "完善胸痛急救流程；院内D-to-B时间控制在90分钟以内；通过市级验收。",
      "weijian_lly", leader="fuxianzhang1", short="县医院胸痛中心建设", A=75, due=("green", 27), end="in_progress",
      reports=2, report_returned="请补充近3个月D-to-B时间统计数据。"),
    S("o_graduates", deployment("市人社发〔{year}〕38号"), "做好离校未就业高校毕业生就业服务",
      "对离校未就业高校毕业生实名登记、跟踪服务，提供岗位推荐、职业指导和技能培训。",
      "实名服务率100%；年底前帮扶就业率达到90%以上。",
      "renshe_lly", leader="fuxianzhang1", short="离校未就业高校毕业生就业服务", A=1, due=("green", 28),
      end="assigned"),
    S("o_cancel_assigned", hotline(5102), "处理幸福里小区物业服务纠纷",
      "12345热线工单：幸福里小区业主反映物业公司服务不到位、擅自提高停车费。",
      "5个工作日内调查处理并回复诉求人。", "dongcheng_lly", leader="fuxianzhang2", short="幸福里小区物业纠纷",
      A=9, due=("green", 5), end="cancelled", last=8,
      reason="诉求人已通过人民调解与物业公司达成协议，市12345热线已办结该工单，本事项撤销。"),
    S("o_cancel_draft", instruction("fuxianzhang2", "请县交通运输局研究城区出租车运力调整方案。"),
      "研究城区出租车运力调整方案", "结合城区人口和出行需求，研究出租车运力调整和网约车规范管理方案。",
      "形成运力调整方案报县政府研究。", "jiaotong_lly", leader="fuxianzhang2", short="出租车运力调整方案",
      A=8, due=("green", 20), end="cancelled_draft",
      reason="该事项已列入县政府{next}年工作要点统筹研究，草稿作废。"),
    S("o_draft_people", assignment("xianzhang", "请督查室会同县发改局征集{next}年民生实事项目。"),
      "征集{next}年县政府民生实事项目", "面向社会公开征集{next}年民生实事项目建议，组织部门论证，形成候选项目清单。",
      "征集建议不少于200条；形成候选项目清单不少于20项。",
      "fagai_lly", leader="xianzhang", short="{next}年民生实事项目征集", A=1, due=("green", 25), end="draft"),
]

# Sub-task trees (SUP-2): written out as their own scripts below.
TREES = {
    "t_renovation": S("t_renovation", deployment("市政办发〔{year}〕28号"), "推进{year}年城镇老旧小区改造",
                      "落实市政府办公室{year}年城镇老旧小区改造工作方案，完成城关镇、东城街道、西城街道12个小区1,860户改造，"
                      "同步实施管网更新、加装电梯、停车设施和适老化改造。",
                      "12个小区全部开工并完成改造；居民满意度90%以上；改造资金使用规范。",
                      "zhujian_lly", coop=(("caizheng_lly", "负责改造资金拨付和绩效评价"),), leader="fuxianzhang2",
                      short="城镇老旧小区改造", A=140, due=("green", 33)),
    "t_campus": S("t_campus", instruction("xianzhang", "校园安全无小事。请县教育局牵头，会同公安、市场监管和各镇街，"
                                           "立即开展一次拉网式排查，发现问题立行立改，限期报结果。"),
                  "开展中小学“护校安园”专项行动",
                  "对全县中小学、幼儿园开展“护校安园”专项行动，排查校舍、消防、食堂和校园周边安全隐患，防范校园欺凌。",
                  "排查覆盖全部学校；隐患整改率100%；校园周边“护学岗”全部落实。",
                  "jiaoyu_lly", coop=(("gongan_lly", "负责校园周边治安和“护学岗”"),), leader="xianzhang",
                  urgency="extra_urgent", short="“护校安园”专项行动", A=45, due=("green", 12)),
    "t_village": S("t_village", deployment("市农发〔{year}〕8号"), "开展春季农村人居环境整治",
                   "落实市农业农村局春季村庄清洁行动部署，集中整治农村生活垃圾、生活污水、厕所粪污和村容村貌。",
                   "村庄清洁行动覆盖全部行政村；“三堆”清理率100%；4月底前完成并报送总结。",
                   "nongye_lly", leader="fuxianzhang3", short="春季农村人居环境整治", A=178, due=48),
    "t_flood": S("t_flood", deployment("市防指〔{year}〕3号"), "开展汛前水库山塘安全隐患排查整治",
                 "落实市防汛抗旱指挥部部署，对全县小型水库、山塘开展汛前安全隐患排查，落实“三个责任人”和“三个重点环节”。",
                 "主汛期前完成全部水库山塘排查；病险水库汛期空库运行；隐患整改到位。",
                 "shuiwu_lly", leader="fuxianzhang3", urgency="urgent", short="汛前水库山塘隐患排查整治", A=118,
                 due=23),
}

GENERIC_REPORTS = [
    "已召开专题会议研究部署，制定《{name}工作方案》，明确责任股室、完成时限和工作标准，正在按方案推进。",
    "{name}工作有序推进：已完成摸底排查，梳理问题清单{a}项，已完成{b}项，剩余问题正在加快推进。",
    "{name}主体工作已基本完成，正在组织开展自查验收，对发现的{c}个问题立行立改，同步整理佐证材料。",
    "{name}进入收尾阶段，已完成全部任务量的九成以上，正在开展群众满意度回访。",
]
ACCEPT_COMMENTS = ["进展情况已阅，请按时间节点继续推进。", "已阅，请继续做好佐证材料收集。", "认可，请抓好收尾工作。"]


# ---------------------------------------------------------------- files --

def _png(seed: int, width=192, height=128) -> bytes:
    """A small, valid PNG: a sky, a building with windows, the ground."""
    rng = random.Random(seed)
    sky = (rng.randrange(90, 150), rng.randrange(150, 200), rng.randrange(200, 250))
    wall = bytes((rng.randrange(150, 220), rng.randrange(120, 190), rng.randrange(90, 160)))
    ground = bytes((rng.randrange(80, 130), rng.randrange(110, 150), rng.randrange(60, 100)))
    glass = bytes((60, 90, 130))
    bx0, bx1 = rng.randrange(20, 60), rng.randrange(120, 170)
    by0 = rng.randrange(25, 50)
    gy = height - rng.randrange(22, 34)
    plain = wall * (bx1 - bx0)
    windows = b"".join(glass if (x - bx0) % 16 in range(5, 11) else wall for x in range(bx0, bx1))
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        if y >= gy:
            rows += ground * width
            continue
        fade = y * 40 // height
        air = bytes((min(255, sky[0] + fade), min(255, sky[1] + fade), min(255, sky[2] + fade // 2)))
        if y < by0:
            rows += air * width
        else:
            rows += air * bx0 + (windows if (y - by0) % 18 in range(5, 12) else plain) + air * (width - bx1)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def _fixed_zip(data: bytes, day: dt.date) -> bytes:
    """Rewrite an Office file's zip entries with the timestamp of its day, so
    that the same document of the same day always has the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename), compresslevel=1)
    return out.getvalue()


def _issuer(unit) -> str:
    """示范县教育局 / 示范县城关镇人民政府 / 示范县东城街道办事处."""
    top = unit
    while top.parent_id and top.parent.parent_id:  # up to the department or town below the government
        top = top.parent
    name = top.name.removeprefix("县")
    if name.endswith("街道"):
        return f"示范县{name}办事处"
    if name.endswith(("镇", "乡")):
        return f"示范县{name}人民政府"
    return f"示范县{name}"


def _report_docx(unit, slug, name, text, day, serial) -> bytes:
    from duban.core.officialdoc import OfficialDocument, Section, format_doc_number, render_docx

    issuer = _issuer(unit)
    doc = OfficialDocument(
        issuer_mark=issuer,
        doc_number=format_doc_number(DOC_CODES.get(slug.split("_")[0], "示"), day.year, serial),
        title=f"关于{name}办理情况的报告",
        recipients="县人民政府督查室",
        sections=[
            Section(paragraphs=[f"按照县政府督办要求，我单位高度重视{name}工作，主要负责同志亲自部署，分管负责同志具体抓，"
                                "现将办理情况报告如下。"]),
            Section(heading="一、办理情况", paragraphs=[text]),
            Section(heading="二、主要做法", paragraphs=[
                "一是压实责任。成立工作专班，明确责任人和时间节点，实行周调度、旬通报。",
                "二是聚焦问题。建立问题清单、责任清单、整改清单，逐项对账销号。",
                "三是注重长效。总结形成可复制的工作机制，防止问题反弹。"]),
            Section(heading="三、下步打算", paragraphs=["持续巩固办理成果，加强日常监管，确保群众满意。"]),
        ],
        attachments=["现场照片"],
        signer=issuer,
        date=day,
    )
    return _fixed_zip(render_docx(doc), day)


def _ledger_xlsx(name, seed, day) -> bytes:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    rng = random.Random(seed)
    wb = Workbook()
    ws = wb.active
    ws.title = "整改台账"
    ws.append([f"{name}问题整改台账"])
    ws.append(["序号", "问题描述", "整改措施", "责任人", "完成时限", "整改状态"])
    problems = ["台账资料不完整", "现场管理不规范", "设施设备老化", "责任落实不到位", "宣传告知不到位", "日常巡查记录缺失"]
    for i in range(1, 9):
        ws.append([i, rng.choice(problems), "立行立改，落实专人负责", rng.choice(["张", "李", "王", "刘"]) + "股长",
                   f"{rng.randrange(1, 12)}月{rng.randrange(1, 28)}日", "已完成" if rng.random() < 0.85 else "推进中"])
    wb.properties.creator = "示范县"
    wb.properties.created = wb.properties.modified = dt.datetime.combine(day, dt.time(9))
    out = io.BytesIO()
    # ExcelWriter keeps `modified` (Workbook.save would stamp the wall clock).
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return _fixed_zip(out.getvalue(), day)


PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------- driver --

@dataclass
class MattersResult:
    skipped: bool = False
    matters: int = 0
    subtasks: int = 0
    reports: int = 0
    extensions: int = 0
    urges_manual: int = 0
    urges_auto: int = 0
    files: int = 0
    events: int = 0
    lights: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)

    def summary(self) -> str:
        if self.skipped:
            return "督办事项演示数据已存在，未做改动。"
        lights = self.lights
        return (f"督办事项演示数据已载入：事项 {self.matters} 项（含子任务 {self.subtasks} 项）、反馈 {self.reports} 条、"
                f"延期申请 {self.extensions} 份、催办 {self.urges_manual + self.urges_auto} 次（人工 "
                f"{self.urges_manual}、自动 {self.urges_auto}）、佐证材料 {self.files} 个；在办事项红灯 "
                f"{lights.get('red', 0)} 项、黄灯 {lights.get('yellow', 0)} 项、绿灯 {lights.get('green', 0)} 项。")


class DemoError(RuntimeError):
    pass


@dataclass(order=True)
class _Op:
    moment: dt.datetime
    seq: int
    fn: object = field(compare=False)
    what: str = field(compare=False, default="")


class _Script:
    """The steps of one story. Each step has its moment: a datetime, or
    (working days before the anchor day, hour, minute). All steps of all
    stories run in the order of their moments (steps at the same moment in
    the order they were added), so a story may be written in any order."""

    def __init__(self, year, name):
        self.y, self.name = year, name

    def at(self, when, fn, what=""):
        moment = when if isinstance(when, dt.datetime) else self.y.moment(*when)
        self.y.add(moment, fn, f"{self.name}：{what}")
        return moment


class _Year:
    def __init__(self, now):
        self.now = now
        self.cal = get_calendar()
        self.tz = timezone.get_default_timezone()
        self.today = timezone.localtime(now).date()
        self.anchor = self.today
        self.ops: list[_Op] = []
        self.M: dict[str, Matter] = {}
        self.reports: dict[str, list] = {}
        usernames = {SUPERVISOR, SUPERVISOR_DEPUTY}
        users = User.objects.filter(is_active=True).select_related("person__unit__parent")
        self.users = {u.username: u for u in users if hasattr(u, "person")}
        missing = sorted(usernames - set(self.users))
        if missing:
            raise DemoError("示范县组织机构演示数据未载入（缺少账号 " + "、".join(missing) + "），请先载入示范县。")

    # --- time -----------------------------------------------------------

    def day(self, n) -> dt.date:
        """The n-th working day before the anchor day (n ≥ 1); 0: the anchor day."""
        return self.cal.add_workdays(self.anchor, -int(n)) if n else self.anchor

    def moment(self, n, hh, mm=0) -> dt.datetime:
        if n < 1:
            raise DemoError(f"演示数据的步骤须在过去的工作日：{n}")
        return dt.datetime.combine(self.day(n), dt.time(hh, mm % 60), self.tz)

    def green_due(self, days) -> dt.date:
        return self.today + dt.timedelta(days=days)

    def year_end(self) -> dt.date:
        """The end of the year, or of the next one when this year's is less
        than a week away."""
        end = dt.date(self.today.year, 12, 31)
        return end if (end - self.today).days >= 7 else dt.date(self.today.year + 1, 12, 31)

    def yellow_due(self) -> dt.datetime:
        """The first deadline of the usual kind (noon, 18:00, the end of a
        day) at least 12 hours away: less than 24 hours away, so past its
        warning point (an explicit deadline warns a day before)."""
        local = timezone.localtime(self.now)
        for k in range(4):
            d = local.date() + dt.timedelta(days=k)
            for t in (dt.time(12), dt.time(18), dt.time(23, 59, 59)):
                c = dt.datetime.combine(d, t, self.tz)
                if c - local >= dt.timedelta(hours=12):
                    return c
        raise AssertionError("unreachable")

    def resolve_due(self, sp):
        """(due_at for the services or None, working-day index of the due day or None)."""
        due = sp.due
        if due is None:
            return None, None
        if due == "rule":
            return None, sp.A - 7
        if due == "yellow":
            return self.yellow_due(), None
        if due == "year_end":
            return self.year_end(), None
        if isinstance(due, int):
            return self.day(sp.A - due), sp.A - due
        if isinstance(due, dt.date):
            return due, None
        kind, value = due
        if kind == "green":
            return self.green_due(value), None
        if kind == "red":
            return self.day(value), value
        raise DemoError(f"未知的期限写法：{due!r}")

    def add(self, moment, fn, what):
        if moment > self.now:
            raise DemoError(f"演示数据步骤晚于当前时间：{what} {moment}")
        self.ops.append(_Op(moment, len(self.ops), fn, what))

    # --- people -----------------------------------------------------------

    def u(self, username):
        try:
            return self.users[username]
        except KeyError:
            raise DemoError(f"示范县没有账号 {username}，请先载入示范县组织机构演示数据") from None

    def unit(self, username):
        return self.u(username).person.unit

    # --- files ------------------------------------------------------------

    def photo(self, key, label="现场照片"):
        return SimpleUploadedFile(f"{label}.png", _png(_crc(key, label)), content_type=PNG)

    def report_doc(self, sp, text, t):
        day = timezone.localtime(t).date()
        data = _report_docx(self.unit(sp.lead), sp.lead, sp.name, text, day, _crc(sp.key) % 90 + 10)
        return SimpleUploadedFile(f"关于{sp.name}办理情况的报告.docx", data, content_type=DOCX)

    def ledger(self, sp, t):
        data = _ledger_xlsx(sp.name, _crc(sp.key), timezone.localtime(t).date())
        return SimpleUploadedFile(f"{sp.name}整改台账.xlsx", data, content_type=XLSX)

    def completion_files(self, sp, text, t):
        files = [self.report_doc(sp, text, t), self.photo(sp.key, "整改后现场照片")]
        if sp.ledger:
            files.append(self.ledger(sp, t))
        return files

    # --- the matter's data --------------------------------------------------

    def data(self, sp, *, with_source=True, parent=None):
        data = dict(title=sp.title, content=sp.content, standard=sp.standard, urgency=sp.urgency,
                    lead_unit=self.unit(sp.lead), lead_person=self.u(sp.lead))
        if parent is None:
            data["cooperating"] = [(self.unit(c), self.u(c), duty) for c, duty in sp.coop]
            data["responsible_leader"] = self.u(sp.leader) if sp.leader else None
        due, _ = self.resolve_due(sp)
        if due is not None:
            data["due_at"] = due
        if sp.long_term:
            data.update(is_long_term=True, report_cycle=sp.long_term[0], report_day=sp.long_term[1])
        if with_source and parent is None:
            data.update(sp.source(self, sp))
            data["source_ref"] = DEMO_REF
        return data

    # --- operations (each returns fn(t)) -----------------------------------------

    def op_create(self, sp, assign=True):
        by = sp.by
        if by == SUPERVISOR and _crc(sp.key, "by") % 3 == 0:
            by = SUPERVISOR_DEPUTY  # the deputy enters a third of them

        def fn(t):
            self.M[sp.key] = sv.create_matter(self.u(by), assign=assign, at=t, **self.data(sp))
        return fn

    def op_meeting(self, mt):
        def fn(t):
            meeting_day = self.day(mt.A + 1)
            info = {"kind": mt.kind, "name": mt.name, "date": meeting_day,
                    "minutes_number": mt.minutes.format(year=meeting_day.year), "source_ref": DEMO_REF}
            rows = [self.data(sp, with_source=False) for sp in mt.decisions]
            for sp, m in zip(mt.decisions, sv.create_matters_from_meeting(info, rows, self.u(mt.by), at=t),
                             strict=True):
                self.M[sp.key] = m
        return fn

    def op_split(self, parent_key, sp, by):
        def fn(t):
            parent = Matter.objects.select_related("completion_clock").get(pk=self.M[parent_key].pk)
            data = self.data(sp, parent=parent)
            if data.get("due_at") is not None and parent.deadline is not None:
                due = sv.as_moment(data["due_at"])
                data["due_at"] = min(due, parent.deadline)
            self.M[sp.key] = sv.split_matter(parent, self.u(by), at=t, **data)
        return fn

    def op_ack(self, key, by):
        return lambda t: sv.acknowledge(self.M[key], self.u(by), at=t)

    def op_report(self, key, by, text, progress=None, files=(), kind=ReportKind.PROGRESS):
        def fn(t):
            made = [f(t) if callable(f) else f for f in files]
            r = sv.submit_report(self.M[key], self.u(by), text=text, progress=progress, files=made, kind=kind, at=t)
            self.reports.setdefault(key, []).append(r)
        return fn

    def op_review(self, key, index, by, accept, comment):
        return lambda t: sv.review_report(self.reports[key][index], self.u(by), accept=accept, comment=comment, at=t)

    def op_request(self, key, by, text, files):
        """`files`: uploads, or callables of the moment returning one upload or a list."""
        def fn(t):
            made = []
            for f in files:
                f = f(t) if callable(f) else f
                made.extend(f if isinstance(f, list) else [f])
            sv.request_completion(self.M[key], self.u(by), text=text, files=made, at=t)
        return fn

    def op_complete(self, key, by, comment=""):
        return lambda t: sv.complete_matter(self.M[key], self.u(by), comment=comment, at=t)

    def op_return(self, key, by, reason):
        return lambda t: sv.return_matter(self.M[key], self.u(by), reason=reason, at=t)

    def op_archive(self, key, by):
        return lambda t: sv.archive_matter(self.M[key], self.u(by), at=t)

    def op_suspend(self, key, by, reason):
        return lambda t: sv.suspend_matter(self.M[key], self.u(by), reason=reason, at=t)

    def op_cancel(self, key, by, reason):
        return lambda t: sv.cancel_matter(self.M[key], self.u(by), reason=reason, at=t)

    def op_urge(self, key, by, channel, note):
        def fn(t):
            u = sv.urge_matter(self.M[key], self.u(by), channel=channel, note=note, at=t)
            if channel == "written":
                sv.allocate_urge_number(u, by=self.u(by), at=t)
        return fn

    def op_extend(self, key, by, reason, proposed):
        """`proposed`: a date or moment, or a callable of the matter returning
        one; `{target}` in the reason names it."""
        def fn(t):
            target = proposed
            if callable(proposed):
                target = proposed(Matter.objects.select_related("completion_clock").get(pk=self.M[key].pk))
            text = reason.replace("{target}", chinese_date(timezone.localtime(sv.as_moment(target)).date()))
            sv.request_extension(self.M[key], self.u(by), reason=text, proposed_due=target, at=t)
        return fn

    def op_decide(self, key, by, approve, reason=""):
        def fn(t):
            ext = ExtensionRequest.objects.get(matter_id=self.M[key].pk, state=ExtensionState.PENDING)
            sv.decide_extension(ext, self.u(by), approve=approve, reason=reason, at=t)
        return fn

    def tick(self, t):
        sweep.tick(now=t, deliver=False)

    # --- plan -----------------------------------------------------------------------

    def dated(self, sp):
        """The spec with `{year}` and `{next}` in its texts filled in from the
        year of its assignment day."""
        values = _years(self.day(sp.A).year)
        return replace(sp, **{name: getattr(sp, name).format_map(values)
                              for name in ("title", "content", "standard", "short", "done", "reason", "returned")})

    def plan(self):
        for mt in MEETINGS:
            mt = replace(mt, name=mt.name.format_map(_years(self.day(mt.A + 1).year)),
                         decisions=[self.dated(replace(sp, A=mt.A)) for sp in mt.decisions])
            s = _Script(self, mt.key)
            s.at((mt.A, 10, 30), self.op_meeting(mt), f"{mt.name}议定事项")
            for sp in mt.decisions:
                self.story(sp, created=True)
        for sp in map(self.dated, SPECS):
            if sp.long_term:
                self.long_term(sp)
            else:
                self.story(sp)
        tree_renovation(self, self.dated(TREES["t_renovation"]))
        tree_campus(self, self.dated(TREES["t_campus"]))
        tree_village(self, self.dated(TREES["t_village"]))
        tree_flood(self, self.dated(TREES["t_flood"]))
        # The sweep: every morning, and once at the moment of loading.
        first = min(op.moment for op in self.ops)
        d = timezone.localtime(first).date()
        while True:
            t = dt.datetime.combine(d, TICK_AT, self.tz)
            if t >= self.now:
                break
            self.add(t, self.tick, "每日巡检")
            d += dt.timedelta(days=1)
        self.add(self.now, self.tick, "载入时巡检")

    def story(self, sp, created=False):
        """The generic life of one matter, from its spec."""
        s = _Script(self, sp.key)
        A, j, key, lead, sup = sp.A, sp.j, sp.key, sp.lead, SUPERVISOR
        _, dn = self.resolve_due(sp)
        end = sp.end

        if not created:
            assign = end not in ("draft", "cancelled_draft")
            s.at((A, 9, 10 + j), self.op_create(sp, assign=assign), "录入" + ("并交办" if assign else "草稿"))
        if end == "draft":
            return
        if end == "cancelled_draft":
            s.at((A - 1, 11, j), self.op_cancel(key, sup, sp.reason), "撤销草稿")
            return

        k_day = A - 2 if sp.late_ack else A
        if end != "assigned":
            s.at((k_day, 10 if sp.late_ack else 15, 5 + j), self.op_ack(key, lead), "签收")

        closed = end in ("completed", "archived")
        if sp.ext and sp.ext[0] != "pending":
            outcome, reason, extra = sp.ext
            approve = outcome == "approved"
            proposal = self.day(dn - (extra or 10))
            s.at((dn + 3, 10, 20 + j), self.op_extend(key, lead, reason, proposal), "申请延期")
            s.at((dn + 2, 15, 10 + j), self.op_decide(key, sup, approve, "同意延期，请严格按新期限完成。" if approve else
                                                      "该事项为县政府年度重点任务，时间节点不能后延，请倒排工期、加派力量，"
                                                      "按原期限完成。"), "审批延期")
            if approve:
                dn -= extra
        if closed:
            end_at = dn - sp.late if sp.late else dn + (sp.early or 1 + _crc(key, "early") % 3)
            if end_at < 2:
                raise DemoError(f"演示数据“{key}”的办结时间太近")
        else:
            end_at = sp.last
        first_request = end_at + 3 if sp.returned else end_at

        # Progress reports, spread between the acknowledgement and the end.
        reports = self._report_texts(sp)
        if end in ("assigned", "acknowledged", "cancelled") and not isinstance(sp.reports, list):
            reports = []
        open_end = end == "in_progress" and not sp.returned
        positions = _spread(k_day, first_request, len(reports), include_low=open_end)
        for i, (n, (text, progress)) in enumerate(zip(positions, reports[:len(positions)], strict=True)):
            files = ()
            if i == 1 or (len(positions) == 1 and _crc(key, "photo") % 2):
                files = (lambda t, i=i: self.photo(f"{key}{i}", "工作推进现场照片"),)
            s.at((n, 16, 5 + j), self.op_report(key, lead, text, progress, files), f"报送进展{i + 1}")
            if i == 0 and sp.report_returned:
                s.at((n - 1, 9, 40), self.op_review(key, 0, sup, False, sp.report_returned), "退回反馈")
            elif i < len(positions) - 1 and n - 1 >= 1 and _crc(key, "accept", i) % 3 == 0:
                s.at((n - 1, 9, 40), self.op_review(key, i, sup, True, ACCEPT_COMMENTS[i % 3]), "审阅反馈")

        done = sp.done or f"{sp.name}已按工作标准全面完成，经单位自查验收达到工作标准要求，现申请办结。"
        if sp.returned:
            s.at((end_at + 3, 15, j), self.op_request(key, lead, done, [lambda t: self.report_doc(sp, done, t)]),
                 "申请办结")
            s.at((end_at + 2, 10, j), self.op_return(key, sup, sp.returned), "退回重办")
            follow = f"按退回意见整改完毕：{sp.returned.split('，')[0]}的问题已整改到位，相关材料已补充完善。"
            s.at((end_at + 1, 16, 30), self.op_report(key, lead, follow, 95,
                                                      (lambda t: self.photo(key + "r", "补充现场照片"),)), "补充报送")
        if closed or end == "completion_requested":
            s.at((end_at, 15, 20 + j), self.op_request(key, lead, done, [lambda t: self.completion_files(sp, done, t)]),
                 "申请办结")
        if closed:
            s.at((end_at - 1, 10, 30 + j % 20), self.op_complete(key, sup, "经审核，办理情况属实，佐证材料齐全，同意办结。"),
                 "审核办结")
            if end == "archived":
                s.at((max(end_at - 4, 1), 16, 30), self.op_archive(key, sup), "归档")
        elif end == "suspended":
            s.at((end_at, 11, j), self.op_suspend(key, sup, sp.reason), "暂停")
        elif end == "cancelled":
            s.at((end_at, 11, j), self.op_cancel(key, sup, sp.reason), "撤销")
        if sp.ext and sp.ext[0] == "pending":
            s.at((end_at, 17, 10), self.op_extend(key, lead, sp.ext[1], _extension_target(sp.ext[2])), "申请延期")

        # Manual urges: after the deadline (or the acknowledgement deadline).
        for channel, note, by, after in sp.urges:
            if after is not None and dn is not None:
                n = max(dn - after, 1)
            elif end == "assigned":
                n = max(A - 2, 1)
            else:
                n = max(end_at, 1)
            s.at((n, 9, 50), self.op_urge(key, by, channel, note), "催办")

    def _report_texts(self, sp):
        if isinstance(sp.reports, list):
            return list(sp.reports)
        a = 8 + _crc(sp.key, "a") % 30
        b = a - 2 - _crc(sp.key, "b") % 5
        c = 2 + _crc(sp.key, "c") % 6
        texts = [t.format(name=sp.name, a=a, b=b, c=c) for t in GENERIC_REPORTS]
        steps = [25, 55, 80, 90]
        return [(texts[i], steps[i]) for i in range(min(sp.reports, len(texts)))]

    def long_term(self, sp):
        """A long-term matter: a periodic report on every cycle's report day
        (three working days before it, or on the day of assignment when the
        first period is shorter), except one missed period of the monthly
        one (the fifth last), which the sweep turns into a breach and an
        automatic urge; the office urges by phone the day after, and the
        next report makes up for it."""
        s = _Script(self, sp.key)
        lead = sp.lead
        s.at((sp.A, 9, 20), self.op_create(sp), "录入并交办")
        s.at((sp.A, 15, 0), self.op_ack(sp.key, lead), "签收")
        cycle, report_day = sp.long_term
        start = self.day(sp.A)
        periods = []  # (report day of the period, day its report is sent)
        for due_day in _report_days(cycle, report_day, start):
            report_on = max(self.cal.add_workdays(due_day, -3), start)
            if report_on > self.day(1):
                break
            periods.append((due_day, report_on))
        missed = periods[-5][0] if cycle == ReportCycle.MONTHLY and len(periods) >= 6 else None
        late = False
        for n, (due_day, report_on) in enumerate(periods, start=1):
            if due_day == missed:
                after = self.cal.add_workdays(due_day, 1)
                s.at(dt.datetime.combine(after, dt.time(9, 45), self.tz), self.op_urge(
                    sp.key, SUPERVISOR, "phone",
                    f"{due_day.month}月份定期报告未按时报送，请立即补报，并说明未按时报送的原因。"), "催办")
                late = True
                continue
            text = _periodic_text(sp, due_day, missed if late else None)
            late = False
            files = (lambda t: self.ledger(sp, t),) if n % 3 == 0 else ()
            s.at(dt.datetime.combine(report_on, dt.time(16, 20), self.tz),
                 self.op_report(sp.key, lead, text, min(95, 8 * n), files, kind=ReportKind.PERIODIC),
                 f"{due_day.month}月定期报告")


def _report_days(cycle, day, after):
    """The report days (monthly: day `day` of every month, quarterly: of the
    quarters' last months) after the date `after`, for ever."""
    months = range(1, 13) if cycle == ReportCycle.MONTHLY else (3, 6, 9, 12)
    year = after.year
    while True:
        for month in months:
            d = dt.date(year, month, day)
            if d > after:
                yield d
        year += 1


def _extension_target(days):
    """A pending request asks for `days` more than the matter's deadline."""
    return lambda matter: matter.deadline + dt.timedelta(days=days)


# Why a monthly report came late, by the month it was missed.
_LATE_REASONS = {
    **dict.fromkeys((12, 1, 2), "岁末年初安全生产大检查和春节期间值班值守任务集中"),
    **dict.fromkeys((3, 4, 5), "春季安全生产大检查和清明、“五一”假期安全防范任务集中"),
    **dict.fromkeys((6, 7, 8), "主汛期防汛抢险任务集中"),
    **dict.fromkeys((9, 10, 11), "国庆假期安全防范和秋冬季安全生产大检查任务集中"),
}


def _periodic_text(sp, due_day, missed=None):
    """The periodic report for the period ending on `due_day`; `missed`: the
    report day of the period before, which went unreported."""
    year, month = due_day.year, due_day.month
    rng = random.Random(_crc(sp.key, year, month))
    if sp.long_term[0] == ReportCycle.MONTHLY:
        checked, found = rng.randrange(120, 260), rng.randrange(30, 90)
        fixed = found - rng.randrange(0, 6)
        text = (f"{month}月份安全生产大排查大整治情况：共检查生产经营单位{checked}家，发现一般隐患{found}项，已整改{fixed}项，"
                f"其余隐患已落实整改责任和时限；本月未发生较大及以上生产安全事故。")
        if missed:
            text = (f"补报{missed.month}月份并报送{month}月份情况。{missed.month}月份因{_LATE_REASONS[missed.month]}，"
                    f"定期报告未按时报送，已作深刻检查。") + text
        return text
    quarter = (month - 1) // 3 + 1
    started, invest = rng.randrange(4, 9), 12 + quarter * 18 + rng.randrange(0, 6)
    return (f"{year}年第{quarter}季度重点项目调度情况：本季度新开工项目{started}个，累计完成投资{invest}.{rng.randrange(10)}亿元，"
            f"协调解决用地、审批等问题{rng.randrange(5, 15)}个；下季度将重点推进续建项目形象进度。")


def _spread(high, low, n, include_low=False):
    """n distinct working-day indices between `high` (exclusive) and `low`
    (exclusive, or inclusive with include_low), evenly spaced, latest last."""
    if n <= 0:
        return []
    top = high - 1
    bottom = low if include_low else low + 1
    room = top - bottom + 1
    if room <= 0:
        return []
    n = min(n, room)
    if n == 1:
        return [bottom if include_low else (top + bottom) // 2]
    out = [round(top - (top - bottom) * i / (n - 1)) for i in range(n)]
    return sorted(set(out), reverse=True)


# ----------------------------------------------------------------- trees --

def _child(key, parent, title, content, standard, lead, due):
    return Spec(key, None, title, content, standard, lead, due=due, urgency=parent.urgency,
                short=title.removeprefix("开展").removeprefix("推进"))


def _done(y, s, sp, n, by_lead, reviewer, text, hour=15):
    """Request completion at working day n, accepted the next working day."""
    s.at((n, hour, 10), y.op_request(sp.key, by_lead, text, [lambda t: y.report_doc(sp, text, t),
                                                             lambda t: y.photo(sp.key, "现场照片")]), "申请办结")
    s.at((n - 1, 10, 20), y.op_complete(sp.key, reviewer, "经审核，同意办结。"), "审核办结")


def tree_renovation(y, sp):
    """老旧小区改造: the 住建局 splits it to three towns; 城关镇 splits its
    part to its 党政办公室 (two levels). Open: 城关镇 green, 西城街道 red."""
    s = _Script(y, sp.key)
    lead = sp.lead
    s.at((sp.A, 9, 20), y.op_create(sp), "录入并交办")
    s.at((sp.A, 14, 40), y.op_ack(sp.key, lead), "签收")
    s.at((sp.A - 3, 16, 0), y.op_report(sp.key, lead, f"已制定《{y.day(sp.A).year}年城镇老旧小区改造实施方案》，涉及城关镇、东城街道、"
                                        "西城街道12个小区1,860户，已完成施工图设计和招标工作。", 15), "报送进展")
    cg = _child("t_reno_cg", sp, "推进城关镇城南片区5个老旧小区改造", "完成城南片区5个老旧小区管网更新、外墙保温和停车设施改造。",
                "5个小区全部完工；改造过程中不发生安全事故；居民满意度90%以上。", "chengguan_lly", ("green", 26))
    dc = _child("t_reno_dc", sp, "推进东城街道4个老旧小区改造", "完成东城街道4个老旧小区改造，同步加装电梯3部。",
                "9月底前完成改造并通过竣工验收。", "dongcheng_lly", 100)
    xc = _child("t_reno_xc", sp, "推进西城街道3个老旧小区改造", "完成西城街道3个老旧小区雨污分流和道路改造。",
                "按期完成改造并通过竣工验收；施工期间做好居民出行保障。", "xicheng_lly", ("red", 6))
    dc.due = y.day(40)
    for child, minute in ((cg, 0), (dc, 20), (xc, 40)):
        s.at((sp.A - 4, 10, minute), y.op_split(sp.key, child, lead), f"分解给{child.lead}")
    for child, minute in ((cg, 0), (dc, 20), (xc, 40)):
        s.at((sp.A - 4, 15, minute), y.op_ack(child.key, child.lead), "子任务签收")
    office = _child("t_reno_cg_office", cg, "做好城南片区改造居民意见征集和矛盾调处",
                    "逐户征集改造意见，做好低层住户与加装电梯、停车位施划等方面的矛盾调处。",
                    "意见征集入户率100%；改造相关矛盾纠纷化解率100%。", "chengguan_dzb", None)
    office.due = y.day(100)
    s.at((sp.A - 10, 9, 30), y.op_split(cg.key, office, "chengguan_lly"), "城关镇再分解给党政办公室")
    s.at((sp.A - 10, 14, 0), y.op_ack(office.key, "chengguan_dzb"), "子任务签收")
    s.at((sp.A - 25, 16, 0), y.op_report(office.key, "chengguan_dzb", "已入户征集意见1,020户，收集意见建议236条，"
                                         "已调处停车位、晾晒场地等矛盾纠纷17起。", 70), "报送进展")
    _done(y, s, office, sp.A - 38, "chengguan_dzb", "chengguan_lly",
          "城南片区5个小区入户征集意见实现全覆盖，收集意见建议312条全部反馈，调处矛盾纠纷23起，未发生越级上访。")
    site = _child("t_reno_cg_site", cg, "开展城南片区改造施工安全和文明施工巡查",
                  "每日巡查城南片区改造工地施工安全、扬尘防治和夜间施工情况，及时处置居民投诉。",
                  "工地巡查每日不少于1次；居民投诉24小时内处置；不发生安全事故。", "chengguan_dzb", ("green", 20))
    s.at((60, 9, 30), y.op_split(cg.key, site, "chengguan_lly"), "城关镇再分解给党政办公室")
    s.at((60, 14, 0), y.op_ack(site.key, "chengguan_dzb"), "子任务签收")
    s.at((35, 16, 20), y.op_report(site.key, "chengguan_dzb", "已开展工地巡查48次，处置扬尘、噪音投诉9件，督促整改安全隐患6处。",
                                   45), "报送进展")
    s.at((6, 16, 20), y.op_report(site.key, "chengguan_dzb", "累计巡查工地79次，处置居民投诉14件，未发生安全事故。", 70),
         "报送进展")
    # 东城街道: done on time.
    s.at((sp.A - 30, 16, 10), y.op_report(dc.key, "dongcheng_lly", "4个小区已全部开工，管网改造完成60%。", 45), "报送进展")
    s.at((70, 16, 10), y.op_report(dc.key, "dongcheng_lly", "4个小区主体改造完成，电梯加装已完成2部。", 85,
                                   (lambda t: y.photo("dc70", "施工现场照片"),)), "报送进展")
    _done(y, s, dc, 45, "dongcheng_lly", "zhujian_lly",
          "东城街道4个小区改造全部完工并通过竣工验收，加装电梯3部已投入使用，居民满意度测评92.6%。")
    # 城关镇: in progress, green.
    for n, text, p in ((sp.A - 30, "城南片区5个小区已开工3个，完成管网更新2.1公里。", 25),
                       (60, "5个小区全部开工，外墙保温完成40%，停车位施划完成。", 55),
                       (20, "3个小区主体完工，剩余2个小区正在进行外墙保温和道路铺装。", 75),
                       (3, "进入收尾阶段，正在组织分户验收和居民满意度测评。", 85)):
        s.at((n, 16, 30), y.op_report(cg.key, "chengguan_lly", text, p,
                                      (lambda t, n=n: y.photo(f"cg{n}", "施工现场照片"),) if n in (60, 3) else ()),
             "报送进展")
    # 西城街道: overdue, urged.
    s.at((90, 16, 40), y.op_report(xc.key, "xicheng_lly", "3个小区已开工，雨污分流管网完成30%。", 30), "报送进展")
    s.at((40, 16, 40), y.op_report(xc.key, "xicheng_lly", "受燃气管道迁改交叉施工影响，道路改造滞后。", 50), "报送进展")
    s.at((4, 9, 50), y.op_urge(xc.key, lead, "phone", "西城街道老旧小区改造已超期，请街道主要负责同志亲自调度，本周内报送完工计划。"),
         "催办")
    s.at((3, 16, 40), y.op_report(xc.key, "xicheng_lly", "已与燃气公司协调交叉施工，加派2个施工班组，预计12月上旬完工。", 65),
         "报送进展")
    s.at((2, 10, 0), y.op_urge(xc.key, SUPERVISOR, "written", "请西城街道于3个工作日内书面说明超期原因，倒排工期确保完工。"), "催办")
    # The parent's own reports.
    for n, text in ((80, "东城街道已完成4个小区主体改造；城关镇、西城街道正在加快推进。"),
                    (30, "东城街道4个小区已通过竣工验收；城关镇进度75%；西城街道受交叉施工影响滞后，已约谈督促。"),
                    (2, "全县12个小区改造总体进度约80%，西城街道进度滞后，已加派施工力量。")):
        s.at((n, 17, 0), y.op_report(sp.key, lead, text, None), "报送进展")


def tree_campus(y, sp):
    """护校安园: the 教育局 splits it to two of its offices and to 城关镇,
    which splits its part to its 党政办公室. Open: 学校安全股 green, 城关镇
    yellow."""
    s = _Script(y, sp.key)
    lead = sp.lead
    s.at((sp.A, 9, 15), y.op_create(sp), "录入并交办")
    s.at((sp.A, 11, 0), y.op_ack(sp.key, lead), "签收")
    bully = _child("t_campus_jjg", sp, "开展校园欺凌防治和心理健康排查", "对全县中小学开展校园欺凌专项排查和学生心理健康筛查。",
                   "排查覆盖全部中小学；建立重点学生关爱台账；发现问题及时干预。", "jiaoyu_jjg", None)
    safety = _child("t_campus_aqg", sp, "排查整治校舍、消防和食堂安全隐患", "对全县学校校舍、消防设施、食堂开展隐患排查整治。",
                    "排查覆盖全部学校；隐患整改率100%。", "jiaoyu_aqg", ("green", 8))
    town = _child("t_campus_cg", sp, "整治城关镇辖区校园周边环境", "整治辖区学校周边流动摊点、占道经营和交通秩序，落实“护学岗”。",
                  "校园周边200米范围内无流动摊点；上下学时段“护学岗”全部到岗。", "chengguan_lly", "yellow")
    bully.due = y.day(15)
    for child, (n, minute) in ((bully, (sp.A - 1, 10)), (safety, (sp.A - 1, 30)), (town, (sp.A - 2, 40))):
        s.at((n, 9, minute), y.op_split(sp.key, child, lead), f"分解给{child.lead}")
        s.at((n, 15, minute), y.op_ack(child.key, child.lead), "子任务签收")
    stalls = _child("t_campus_cg_office", town, "排查校园周边流动摊点和网吧", "对辖区学校周边流动摊点、网吧和娱乐场所开展排查登记。",
                    "建立排查台账；发现违规接纳未成年人的场所移交执法部门。", "chengguan_dzb", None)
    stalls.due = y.day(20)
    s.at((sp.A - 4, 9, 30), y.op_split(town.key, stalls, "chengguan_lly"), "城关镇再分解给党政办公室")
    s.at((sp.A - 4, 14, 0), y.op_ack(stalls.key, "chengguan_dzb"), "子任务签收")
    s.at((sp.A - 3, 16, 0), y.op_report(sp.key, lead, "已印发《全县中小学“护校安园”专项行动工作方案》，召开全县校长会议部署。", 10),
         "报送进展")
    s.at((30, 16, 10), y.op_report(bully.key, "jiaoyu_jjg", "已完成全县62所学校欺凌专项排查，筛查学生心理健康2.3万人次。", 60),
         "报送进展")
    _done(y, s, bully, 17, "jiaoyu_jjg", "jiaoyu_lly",
          "全县62所中小学欺凌排查全覆盖，建立重点学生关爱台账87人，开展心理辅导312人次，未发现严重欺凌事件。")
    guard = _child("t_campus_cg_guard", town, "落实城关镇辖区学校“护学岗”值守",
                   "协调派出所、网格员和志愿者，在辖区8所学校上下学时段设立“护学岗”。",
                   "上下学时段“护学岗”全部到岗；建立值守排班表。", "chengguan_dzb", "yellow")
    s.at((sp.A - 4, 9, 50), y.op_split(town.key, guard, "chengguan_lly"), "城关镇再分解给党政办公室")
    s.at((sp.A - 4, 14, 10), y.op_ack(guard.key, "chengguan_dzb"), "子任务签收")
    s.at((9, 16, 20), y.op_report(guard.key, "chengguan_dzb", "8所学校“护学岗”已设立，排班表已建立，志愿者队伍正在扩充。", 60),
         "报送进展")
    s.at((30, 16, 20), y.op_report(stalls.key, "chengguan_dzb", "已排查辖区8所学校周边摊点32个、网吧5家，建立台账。", 60),
         "报送进展")
    _done(y, s, stalls, 22, "chengguan_dzb", "chengguan_lly",
          "辖区8所学校周边排查全覆盖，劝离流动摊点32个，移交违规接纳未成年人网吧1家，台账已建立。")
    s.at((25, 16, 30), y.op_report(safety.key, "jiaoyu_aqg", "已排查学校62所，发现隐患54处，已整改41处。", 55,
                                   (lambda t: y.photo("aqg25", "隐患整改现场照片"),)), "报送进展")
    s.at((4, 16, 30), y.op_report(safety.key, "jiaoyu_aqg", "隐患已整改50处，剩余4处消防管网改造正在施工。", 85), "报送进展")
    s.at((28, 16, 40), y.op_report(town.key, "chengguan_lly", "已在8所学校门口设置“护学岗”，清理占道经营14处。", 40),
         "报送进展")
    s.at((5, 16, 40), y.op_report(town.key, "chengguan_lly", "校园周边流动摊点已基本清零，正在完善长效管理制度。", 70),
         "报送进展")
    s.at((12, 17, 0), y.op_report(sp.key, lead, "各项排查工作全面推进，欺凌排查已完成，校舍安全隐患整改率76%。", None), "报送进展")
    s.at((11, 9, 40), y.op_review(sp.key, 1, SUPERVISOR, True, "已阅，请加快剩余隐患整改。"), "审阅反馈")


def tree_village(y, sp):
    """春季农村人居环境整治 (closed and archived): three towns, one late."""
    s = _Script(y, sp.key)
    lead = sp.lead
    s.at((sp.A, 9, 25), y.op_create(sp), "录入并交办")
    s.at((sp.A, 14, 30), y.op_ack(sp.key, lead), "签收")
    towns = [("t_village_hk", "hekou_lly", "河口镇", 140 + 4), ("t_village_qs", "qingshan_lly", "青山镇", 140 + 2),
             ("t_village_ll", "liulin_lly", "柳林镇", 140 - 3)]
    children = []
    for i, (key, who, name, _) in enumerate(towns):
        child = _child(key, sp, f"开展{name}春季村庄清洁行动", f"组织{name}各村开展村庄清洁行动，清理“三堆”，整治房前屋后环境。",
                       "各村“三堆”清理率100%；村内道路、沟渠无垃圾堆积；建立村庄保洁长效机制。", who, None)
        child.due = y.day(140)
        children.append(child)
        s.at((sp.A - 1, 9, 10 * i), y.op_split(sp.key, child, lead), f"分解给{name}")
        s.at((sp.A - 1, 15, 10 * i), y.op_ack(key, who), "子任务签收")
    for child, (_, who, name, request_at) in zip(children, towns, strict=True):
        s.at((155, 16, 0), y.op_report(child.key, who, f"{name}已发动群众投工投劳，清理“三堆”{_crc(name) % 300 + 200}处。", 50),
             "报送进展")
        if request_at < 140:
            s.at((139, 9, 45), y.op_urge(child.key, lead, "phone", f"{name}村庄清洁行动已超期，请加快收尾并报送总结。"), "催办")
        _done(y, s, child, request_at, who, lead,
              f"{name}村庄清洁行动已完成，清理“三堆”{_crc(name, 'x') % 300 + 400}处，清理沟渠{_crc(name) % 40 + 20}公里，"
              "建立村庄保洁员队伍。")
    s.at((160, 17, 0), y.op_report(sp.key, lead, "已召开全县村庄清洁行动推进会，3个镇已全部动员部署，各村清洁行动全面铺开。",
                                   None), "报送进展")
    s.at((138, 17, 0), y.op_report(sp.key, lead, "河口镇、青山镇已完成并通过验收，柳林镇进度滞后，已电话督促。", None),
         "报送进展")
    text = "全县春季村庄清洁行动全面完成，河口镇、青山镇、柳林镇均已通过验收，建立了村庄保洁长效机制。"
    _done(y, s, sp, 133, lead, SUPERVISOR, text)
    s.at((125, 16, 30), y.op_archive(sp.key, SUPERVISOR), "归档")


def tree_flood(y, sp):
    """汛前水库山塘隐患排查整治 (closed): two towns, one with an approved
    extension."""
    s = _Script(y, sp.key)
    lead = sp.lead
    s.at((sp.A, 9, 30), y.op_create(sp), "录入并交办")
    s.at((sp.A, 14, 50), y.op_ack(sp.key, lead), "签收")
    lq = _child("t_flood_lq", sp, "排查整治龙泉镇水库山塘隐患", "对龙泉镇境内小型水库和山塘开展汛前排查，整治溢洪道堵塞等隐患。",
                "排查全覆盖；隐患整改到位；“三个责任人”全部落实。", "longquan_lly", None)
    sq = _child("t_flood_sq", sp, "排查整治石桥镇水库山塘隐患", "对石桥镇境内小型水库和山塘开展汛前排查，整治坝体渗漏等隐患。",
                "排查全覆盖；隐患整改到位；“三个责任人”全部落实。", "shiqiao_lly", None)
    lq.due = sq.due = y.day(105)
    for i, child in enumerate((lq, sq)):
        s.at((sp.A - 1, 9, 20 * i), y.op_split(sp.key, child, lead), f"分解给{child.lead}")
        s.at((sp.A - 1, 15, 20 * i), y.op_ack(child.key, child.lead), "子任务签收")
    s.at((112, 16, 0), y.op_report(lq.key, "longquan_lly", "已排查水库3座、山塘11口，发现隐患6处。", 50), "报送进展")
    _done(y, s, lq, 107, "longquan_lly", lead, "龙泉镇3座水库、11口山塘排查全覆盖，6处隐患全部整改，责任人已公示。")
    s.at((112, 16, 10), y.op_report(sq.key, "shiqiao_lly", "已排查水库2座、山塘9口，发现1座水库坝体渗漏。", 40), "报送进展")
    s.at((108, 10, 0), y.op_extend(sq.key, "shiqiao_lly", "石桥水库坝体渗漏处理需专业队伍施工，近期连续降雨无法施工，申请延期。",
                                   y.day(98)), "申请延期")
    s.at((107, 15, 0), y.op_decide(sq.key, lead, True, "同意延期，渗漏处理期间水库空库运行，落实24小时值守。"), "审批延期")
    _done(y, s, sq, 100, "shiqiao_lly", lead, "石桥镇水库山塘排查全覆盖，石桥水库坝体渗漏已完成帷幕灌浆处理并通过验收。")
    s.at((110, 17, 0), y.op_report(sp.key, lead, "全县小型水库、山塘排查已完成80%，发现隐患23处，已整改17处；"
                                   "石桥水库坝体渗漏正在组织专业队伍处理。", None), "报送进展")
    _done(y, s, sp, sp.A - sp.due + 2, lead, SUPERVISOR,
          "全县小型水库、山塘汛前排查全覆盖，发现隐患23处全部整改到位，病险水库汛期空库运行，“三个责任人”全部公示。")


# ------------------------------------------------------------------ load --

def demo_matters():
    return Matter.objects.filter(source_ref=DEMO_REF)


def load_matters(now=None) -> MattersResult:
    """Write the year of demo matters (see the module's docstring); nothing
    when they exist already."""
    now = now or timezone.now()
    if demo_matters().exists():
        return MattersResult(skipped=True)
    events_before = Event.objects.count()
    files_before = EvidenceFile.objects.count()
    year = _Year(now)
    year.plan()
    with transaction.atomic():
        for op in sorted(year.ops):
            try:
                op.fn(op.moment)
            except Exception as e:
                raise DemoError(f"演示数据步骤失败：{op.what}（{timezone.localtime(op.moment):%Y-%m-%d %H:%M}）：{e}") from e
    return _result(now, events_before, files_before)


def _result(now, events_before, files_before) -> MattersResult:
    matters = demo_matters()
    r = MattersResult(
        matters=matters.count(),
        subtasks=matters.filter(parent__isnull=False).count(),
        reports=Report.objects.filter(matter__in=matters).count(),
        extensions=ExtensionRequest.objects.filter(matter__in=matters).count(),
        urges_manual=Urge.objects.filter(matter__in=matters, kind=UrgeKind.MANUAL).count(),
        urges_auto=Urge.objects.filter(matter__in=matters, kind=UrgeKind.AUTO).count(),
        files=EvidenceFile.objects.count() - files_before,
        events=Event.objects.count() - events_before,
    )
    r.states = {s: matters.filter(state=s).count() for s in State.values}
    lit = annotate_light(matters.filter(state__in=list(OPEN_STATES), current_clock__isnull=False), now,
                         prefix="current_clock__")
    for light in lit.values_list("light", flat=True):
        r.lights[light] = r.lights.get(light, 0) + 1
    return r
