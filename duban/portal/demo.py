"""The demo county's public at the door (issue 19): 12345 work orders in
every state (received, a repeat flagged and one merged, referred with its
clock, a pending extension, returned as misrouted, answered and waiting for
review, closed and rated, dismissed, turned into a supervised matter),
complaints from the web page and the phone (one turned into a rectification
problem), ratings with a handled 差评 (verified, rectified, called back) and
an appeal upheld, service ratings by the public and enterprises, phone
follow-ups, and typical cases (published, and one waiting for review).

Written through duban.portal.services at moments before the moment of
loading (any date), once: a second run changes nothing."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from duban.core import demo_data
from duban.org.models import Unit
from duban.rectification import services as rectification

from . import services as ps
from .models import (
    BadRatingStep,
    CaseKind,
    Dispatch,
    DispatchState,
    IntakeChannel,
    RaterKind,
    Rating,
    Solved,
    Ticket,
    TypicalCase,
    Verdict,
)

User = get_user_model()
FIRST = "DEMO12345-0001"


@dataclass
class PortalDemoResult:
    created: bool = False
    counts: dict = field(default_factory=dict)

    def summary(self) -> str:
        if not self.created:
            return "投诉和12345工单演示数据已存在，未做改动。"
        c = self.counts
        return (f"投诉和12345工单演示数据已载入：工单和投诉 {c['tickets']} 件（各种状态），评价 {c['ratings']} 条"
                f"（差评 {c['bad']} 条，已处理 {c['bad_done']} 条，申诉 1 件），典型案例 {c['cases']} 个。")


def _complaint(title, content, **kw):
    data = dict(kind="complaint", title=title, content=content, wants_reply=True)
    data.update(kw)
    return data


def load_portal(now=None, *, matters=True) -> PortalDemoResult:
    """Write the portal's demo (once). Without `matters` (load_demo
    --no-matters) no ticket becomes a supervised matter."""
    now = now or timezone.now()
    if Ticket.objects.filter(hotline_number=FIRST).exists():
        return PortalDemoResult(False)
    users = {u.username: u for u in User.objects.filter(username__in=[
        "duchashi", "duchashi_lly", "jiaoyu_lly", "caizheng_lly", "zhujian_lly", "jiaotong_lly", "shuiwu_lly",
        "renshe_lly", "shenpi_lly", "shichang_lly", "chengguan_lly"]).select_related("person")}
    if "duchashi" not in users:
        return PortalDemoResult(False)
    gov = Unit.objects.filter(name=demo_data.GOVERNMENT, parent=None).first()
    units = {u.name: u for u in Unit.objects.filter(parent=gov)}
    with transaction.atomic():
        return _load(now, users, units, matters)


def _load(now, users, units, matters):
    sup, sup2 = users["duchashi"], users["duchashi_lly"]

    def ago(days=0, hours=0, minutes=0):
        return now - dt.timedelta(days=days, hours=hours, minutes=minutes)

    def liaison(unit_name):
        return next(u for u in users.values() if u.person.unit.name == unit_name and u.username.endswith("_lly"))

    def handle(ticket, unit_name, *, answered=None, result="", answer="", closed=None):
        d = Dispatch.objects.filter(ticket=ticket, state=DispatchState.HANDLING).latest("id")
        who = liaison(unit_name)
        if answered is not None:
            ps.answer_dispatch(d, who, result=result, public_answer=answer, at=answered)
        if closed is not None:
            ps.review_answer(d, sup, accept=True, at=closed)
        ticket.refresh_from_db()
        return ticket

    def rate(ticket, level, comment, at):
        ticket.refresh_from_db()
        return ps.rate(ticket.invitation, level=level, comment=comment, at=at)

    # --- 12345 work orders received three weeks ago ---------------------------------------------
    old = [
        (FIRST, ago(22, 3), "小区楼道灯长期不亮", "城关镇幸福小区3栋楼道灯坏了一个多月，老人晚上上下楼很危险，多次反映无人维修。",
         "投诉", "否", "城关镇"),
        ("DEMO12345-0002", ago(22, 2), "企业增值税留抵退税迟迟未到账",
         "我公司3个月前申请增值税留抵退税，材料齐全，至今未到账，影响企业资金周转，请督促办理。", "求助", "是", "县财政局"),
        ("DEMO12345-0003", ago(22, 1), "学校周边道路施工长期占道",
         "实验小学门口道路施工围挡占道两个多月，上下学时段拥堵严重，存在安全隐患。", "投诉", "否", "县教育局"),
        ("DEMO12345-0004", ago(21, 6), "个体户营业执照办理要求重复提交材料",
         "办理个体工商户营业执照，窗口要求把已提交过的材料重新复印提交，来回跑了三次。", "投诉", "否", "县行政审批服务局"),
        ("DEMO12345-0005", ago(21, 5), "农贸市场周边占道经营无人管",
         "城东农贸市场周边长期占道经营，早晚高峰车辆无法通行，反映多次未解决。", "投诉", "否", "县市场监督管理局"),
        ("DEMO12345-0006", ago(21, 4), "农贸市场周边占道经营长期无人管理",
         "城东农贸市场周边占道经营，早晚高峰车辆无法通行，已经反映多次没有解决。", "投诉", "否", "县市场监督管理局"),
        ("DEMO12345-0007", ago(21, 3), "邻居宅基地边界纠纷", "与邻居因宅基地边界发生纠纷，希望政府出面解决。",
         "求助", "否", "白云乡"),
    ]
    rows = [(f"第{i}行", {"hotline_number": n, "received_at": at, "title": title, "content": content,
                         "name": f"市民{i}", "phone": f"1380000{1000 + i}", "kind": kind, "is_enterprise": ent,
                         "subject_unit": unit, "company": "示范县演示科技有限公司" if ent == "是" else ""})
            for i, (n, at, title, content, kind, ent, unit) in enumerate(old, 1)]
    created = {x.hotline_number: x for x in ps.import_hotline(sup, rows, at=ago(21, 1)).created}
    h1, h2, h3, h4, h5, h6, h7 = (created[n] for n, *_ in old)

    ps.refer(h1, sup, unit=units["城关镇"], reason="属城关镇辖区公共设施维护", at=ago(20, 20))
    handle(h1, "城关镇", answered=ago(17), result="已组织社区更换3栋楼道灯12盏，并建立每月巡查制度。",
           answer="已更换幸福小区3栋全部楼道灯，并建立每月巡查制度，感谢您的监督。", closed=ago(16, 20))
    ps.record_follow_up(h1, sup, contacted_at=ago(16, 2), reached=True, solved=Solved.SOLVED,
                        note="投诉人确认楼道灯已修好", at=ago(16, 2))
    rate(h1, 4, "修好了，希望以后及时一些", ago(16))

    ps.refer(h2, sup, unit=units["县财政局"], reason="涉企资金兑现", at=ago(20, 20))
    handle(h2, "县财政局", answered=ago(18), result="经查材料已审核完毕，因国库调度延迟，已加急拨付。",
           answer="您公司的留抵退税已于近日拨付到账，因调度延迟给企业带来不便，深表歉意。", closed=ago(17, 20))
    rate(h2, 5, "到账了，效率很高", ago(17))

    ps.refer(h3, sup, unit=units["县教育局"], reason="涉及学校周边安全", at=ago(20, 20))
    d = Dispatch.objects.get(ticket=h3, state=DispatchState.HANDLING)
    ps.return_dispatch(d, liaison("县教育局"), reason="道路施工占道属县住房和城乡建设局职责，学校已配合疏导", at=ago(20, 2))
    ps.refer(h3, sup, unit=units["县住房和城乡建设局"], reason="教育局退回：道路施工管理属住建局职责", at=ago(19, 22))
    handle(h3, "县住房和城乡建设局", answered=ago(15), result="已约谈施工单位，调整围挡，上下学时段安排人员疏导。",
           answer="已责令施工单位收窄围挡、上下学时段停止施工并安排人员疏导交通。", closed=ago(14, 20))
    bad = rate(h3, 2, "围挡收窄了，但早上仍然堵", ago(14))
    ps.verify_rating(bad, sup, verdict=Verdict.TRUE, note="经现场查看，早高峰仍有施工车辆进出", at=ago(13, 20))
    ps.handle_rating(bad, liaison("县住房和城乡建设局"), text="要求施工车辆早7点至8点半禁止进出，安排两名协管员值守。",
                     at=ago(10))
    ps.call_back(bad, sup, note="电话回访，评价人表示早高峰已通畅", satisfied=True, at=ago(9, 3))
    ps.record_follow_up(h3, sup, contacted_at=ago(9, 3), reached=True, solved=Solved.SOLVED, note="回访确认已解决",
                        at=ago(9, 3))

    ps.refer(h4, sup, unit=units["县行政审批服务局"], reason="窗口服务问题", at=ago(20, 20))
    handle(h4, "县行政审批服务局", answered=ago(19), result="经查，该市民办理的是食品经营许可，属市场监管窗口业务。",
           answer="经核实，您办理的食品经营许可由市场监管窗口受理，已协调一次性告知所需材料。", closed=ago(18, 20))
    bad2 = rate(h4, 1, "态度恶劣，来回跑", ago(18))
    appeal = ps.appeal_rating(bad2, liaison("县行政审批服务局"),
                              reason="评价人所办业务由县市场监督管理局窗口受理，与本局无关，属误评", at=ago(17))
    ps.decide_appeal(appeal, sup, uphold=True, note="调取办件记录核实，业务确属市场监管窗口，差评剔除", at=ago(15))

    if matters:
        ps.triage_matter(h5, sup, lead_unit=units["县市场监督管理局"], lead_person=liaison("县市场监督管理局"),
                         urgency="urgent", note="多次反映，列入督办", at=ago(20, 20))
    ps.merge_repeat(h6, sup, into=h5, at=ago(20, 19))
    ps.dismiss(h7, sup, reason="属民事纠纷，不属作风问题受理范围",
               public_answer="您反映的宅基地边界纠纷属民事纠纷，建议向白云乡人民调解委员会申请调解。", at=ago(20, 18))

    # --- 12345 work orders of the last days --------------------------------------------------------
    recent = [
        ("DEMO12345-0008", ago(1, 8), "乡村公路坑洼多年未修", "龙泉镇至青山镇的乡村公路坑洼不平，雨天积水，车辆通行困难。",
         "投诉", "否", "县交通运输局"),
        ("DEMO12345-0009", ago(1, 7), "小区供水水压低", "东城街道和平小区高层住户水压低，每天晚上用水困难。", "求助", "否",
         "县水务局"),
        ("DEMO12345-0010", ago(1, 6), "便民服务中心午休时间无人值守",
         "中午12点到县便民服务中心办社保业务，窗口无人值守，等了一个多小时。", "投诉", "否", "县人力资源和社会保障局"),
        ("DEMO12345-0011", ago(1, 5), "夜间施工噪音扰民", "西城街道某工地每天夜里施工到凌晨，噪音很大，影响休息。", "投诉", "否",
         "西城街道"),
        ("DEMO12345-0012", ago(0, 20), "工地夜间施工噪音扰民", "西城街道工地每天夜里施工到凌晨，噪音非常大，严重影响休息。",
         "投诉", "否", "西城街道"),
    ]
    rows = [(f"第{i}行", {"hotline_number": n, "received_at": at, "title": title, "content": content,
                         "name": f"市民{i + 10}", "phone": f"1390000{2000 + i}", "kind": kind, "is_enterprise": ent,
                         "subject_unit": unit}) for i, (n, at, title, content, kind, ent, unit) in enumerate(recent, 1)]
    created = {x.hotline_number: x for x in ps.import_hotline(sup, rows, at=ago(0, 19)).created}
    h8, h9, h10 = (created[n] for n, *_ in recent[:3])
    ps.refer(h8, sup, unit=units["县交通运输局"], reason="农村公路养护", at=ago(0, 18))
    ps.request_dispatch_extension(Dispatch.objects.get(ticket=h8), liaison("县交通运输局"), days=5,
                                  reason="需列入养护计划并招标，预计需延长5个工作日", at=ago(0, 3))
    ps.refer(h9, sup, unit=units["县水务局"], reason="供水设施", at=ago(0, 18))
    handle(h9, "县水务局", answered=ago(0, 2), result="已对和平小区二次供水泵房检修，更换增压泵。",
           answer="已检修小区二次供水设备，更换增压泵，高层水压已恢复正常。")
    ps.refer(h10, sup, unit=units["县人力资源和社会保障局"], reason="窗口服务", at=ago(0, 18))
    ps.return_dispatch(Dispatch.objects.get(ticket=h10), liaison("县人力资源和社会保障局"),
                       reason="便民服务中心窗口由县行政审批服务局统一管理，请改派", at=ago(0, 5))

    # --- complaints from the web page and the phone ----------------------------------------------------
    w1 = ps.submit_public(_complaint("窗口人员上班时间玩手机", "县政务服务中心二楼窗口工作人员上班时间玩手机，群众排队无人理会。",
                                     subject_unit=units["县行政审批服务局"], name="刘先生", phone="13700001111"),
                          at=ago(3, 6), ip="198.51.100.23")
    ps.refer(w1, sup, unit=units["县行政审批服务局"], reason="窗口作风问题", at=ago(3, 4))
    handle(w1, "县行政审批服务局", answered=ago(2), result="调取监控属实，已对当事人批评教育并通报。",
           answer="经调取监控核实，情况属实，已对相关工作人员批评教育并在全局通报。", closed=ago(1, 22))
    rate(w1, 5, "处理及时", ago(1, 20))
    w2 = ps.record_ticket(sup, channel=IntakeChannel.PHONE, received_at=ago(1, 2), at=ago(1, 1),
                          **_complaint("便民服务中心推诿扯皮", "到城关镇便民服务中心办理低保，工作人员说不归他们管，让去民政局。",
                                       subject_unit=units["城关镇"], name="赵女士", phone="13600002222"))
    ps.refer(w2, sup, unit=units["城关镇"], reason="镇便民服务中心服务态度", at=ago(1))
    ps.submit_public(_complaint("审批窗口一次性告知不到位", "办理建设工程规划许可，窗口三次补材料，每次只说一部分。",
                                subject_unit=units["县自然资源局"], email="citizen@example.com"), at=ago(0, 1),
                     ip="198.51.100.24")

    # A complaint about work style that became a problem of the (latest) campaign.
    campaigns = rectification.campaigns_taking_complaints(sup)
    if campaigns:
        campaign, categories = campaigns[0]
        start = timezone.make_aware(dt.datetime.combine(campaign.end_date - dt.timedelta(days=40), dt.time(9)))
        if start < now:
            w3 = ps.submit_public(_complaint("乡镇干部到企业检查吃拿卡要",
                                             "某乡镇干部到企业检查时暗示企业请吃饭，企业不堪其扰。", name="某企业负责人",
                                             phone="13500003333", is_enterprise=True, company="示范县演示食品厂"),
                                  at=start, ip="198.51.100.25")
            if "官僚作风" in categories:
                ps.triage_problem(w3, sup, campaign=campaign, unit=units["县市场监督管理局"], category="官僚作风",
                                  measures="开展涉企检查作风专项整改，公开检查事项清单",
                                  deadline=campaign.end_date - dt.timedelta(days=10), note="涉企作风问题，列入整改台账",
                                  at=start + dt.timedelta(hours=3))

    # --- service ratings (好差评) ---------------------------------------------------------------------------
    def service(unit_name, name, levels, kind=RaterKind.PUBLIC, day=6):
        codes = ps.issue_codes(sup, unit=units[unit_name], service=name, count=len(levels) + 1, rater_kind=kind,
                               at=ago(day + 1))
        out = []
        for i, (code, level) in enumerate(zip(codes, levels, strict=False)):
            comment = "材料不全被退回，没有一次性告知" if level <= 2 else ""
            out.append(ps.rate(code, level=level, comment=comment, at=ago(day, minutes=i * 7)))
        return out

    approvals = service("县行政审批服务局", "企业开办", [5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 3, 2])
    explained = approvals[-1]
    ps.verify_rating(explained, sup, verdict=Verdict.FALSE, note="经查办事人材料缺项，窗口已一次性告知", at=ago(5, 20))
    ps.handle_rating(explained, liaison("县行政审批服务局"), text="向评价人说明所缺材料及依据，并提供帮办服务", at=ago(4))
    ps.call_back(explained, sup, note="评价人表示理解", satisfied=True, at=ago(3, 5))
    service("县人力资源和社会保障局", "社保卡补办", [5, 5, 5, 4, 4, 1], day=4)
    service("县市场监督管理局", "食品经营许可", [5, 5, 4, 4], kind=RaterKind.ENTERPRISE, day=5)

    # --- typical cases ---------------------------------------------------------------------------------------
    good = ps.draft_case(sup, kind=CaseKind.POSITIVE, title="企业开办“一窗受理、一日办结”",
                         summary="县行政审批服务局推行企业开办“一窗受理、集成服务”，营业执照、公章刻制、税务登记一次办结，"
                                 "企业开办时间由5个工作日压缩至1个工作日，企业满意率明显提升。",
                         unit=units["县行政审批服务局"], at=ago(12))
    ps.submit_case(good, sup, at=ago(12))
    ps.review_case(good, sup2, approve=True, note="同意发布", at=ago(11))
    bad_case = ps.draft_case(sup, kind=CaseKind.NEGATIVE, title="便民服务窗口推诿扯皮被通报",
                             summary="某镇便民服务中心工作人员对群众办理事项推诿扯皮、不一次性告知，经查属实，"
                                     "责令整改，对相关人员批评教育并在全县通报。",
                             unit=units["城关镇"], at=ago(10))
    ps.submit_case(bad_case, sup, at=ago(10))
    ps.review_case(bad_case, sup2, approve=True, note="隐去个人信息后发布", at=ago(9))
    waiting = ps.draft_case(sup2, kind=CaseKind.POSITIVE, title="住建局上下学时段交通疏导",
                            summary="县住房和城乡建设局接到群众差评后立行立改，施工车辆避开上下学时段，并安排协管员值守，"
                                    "回访群众满意。", unit=units["县住房和城乡建设局"], at=ago(2))
    ps.submit_case(waiting, sup2, at=ago(2))

    ratings = Rating.objects.all()
    counts = {"tickets": Ticket.objects.count(), "ratings": ratings.count(),
              "bad": ratings.filter(level__lte=2).count(),
              "bad_done": ratings.filter(level__lte=2, step=BadRatingStep.DONE).count(),
              "cases": TypicalCase.objects.count()}
    return PortalDemoResult(True, counts)
