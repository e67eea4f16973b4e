"""The document demo (DOC-1, DOC-2, TL-3): received and issued documents of
the demo county, relative to the moment of loading (any date), through
duban.documents.services; idempotent (it runs once: its first document
marks it).

Received (收文), 县政府办公室 and 县教育局:
- a 特急 document approved 75 minutes after receipt (late by 15 minutes),
  another approved within 40 minutes, and one received 20 minutes ago and
  not yet approved (its hour running);
- a higher document requiring a supporting document of 县教育局 with no
  limit of its own, received 80 days ago, with nothing submitted: the
  2-month review clock is red (late), the 3-month issue clock still runs;
- one requiring a supporting document of 县农业农村局 by limits the higher
  document states, met by the supporting document's submission and issue.
Issued (发文):
- 县政府办公室: a document approved by a standing meeting 25 days ago and
  issued 2 days ago (met late: 5 working days), and a draft whose leader's
  revision comments 12 days ago are still unanswered (red);
- 县教育局 issues five documents this year (a note-form and a white-
  letterhead one among them: they count like any other) against a plan of
  six: the 80% warning; one assigns work with its arrangements (DOC-2) and
  one, a 专项 document over 4,000 characters, gives its reason;
- 县财政局 issues three against a plan of three (the 100% warning), one of
  them flagged by the 督查室 as 以文件落实文件;
- 县教育局's documents of last year (for the comparison with last year).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from duban.core import demo_data
from duban.core.demo import year_moment
from duban.org.models import Unit

from . import services
from .models import Document

User = get_user_model()

FIRST = "关于做好全省防汛抗旱工作的紧急通知"


@dataclass
class DocumentsDemoResult:
    received: int = 0
    issued: int = 0
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return f"公文演示数据未载入：{self.skipped}"
        if not (self.received or self.issued):
            return "公文演示数据已存在，未做改动。"
        return (f"公文演示数据已载入：收文 {self.received} 件、发文 {self.issued} 件"
                "（含逾期批办、超期未送审的配套文件、会后逾期印发、以文件落实文件各一）。")


def _users(*names):
    users = {u.username: u for u in User.objects.filter(username__in=names).select_related("person__unit")}
    return users if len(users) == len(names) else None


def _issue(by, at, number, **data):
    """Register, submit and issue one document: registered a day before
    `at`, submitted half a day before."""
    d = services.register_issued(by, at=at - dt.timedelta(days=1), **data)
    d = services.submit(d, by, at=at - dt.timedelta(hours=12))
    return services.issue(d, by, number=number, at=at)


def load_documents(now=None) -> DocumentsDemoResult:
    result = DocumentsDemoResult()
    now = now or timezone.now()
    if Document.objects.filter(title=FIRST).exists():
        return result
    names = ("zfb_lly", "jiaoyu_lly", "jiaoyu_fzr", "caizheng_lly", "nongye_lly", "duchashi", "xianzhang",
             "changwu")
    u = _users(*names)
    gov = Unit.objects.filter(name=demo_data.GOVERNMENT, parent=None).first()
    if u is None or gov is None:
        result.skipped = "示范县的单位或人员不全"
        return result
    units = {x.name: x for x in Unit.objects.filter(parent=gov)}
    office, edu, fin, agri = (units[demo_data.GOV_OFFICE], units["县教育局"], units["县财政局"],
                              units["县农业农村局"])
    day = dt.timedelta(days=1)
    hour = dt.timedelta(hours=1)
    minute = dt.timedelta(minutes=1)
    with transaction.atomic():
        # --- received ---
        t = now - 3 * day
        d = services.register_received(u["zfb_lly"], at=t + 5 * minute, number=f"省政办明电〔{timezone.localtime(t).year}〕6号", issuer_name="省人民政府办公厅", title=FIRST, urgency="extra_urgent",
            unit=office, received_at=t)
        services.approve(d, u["changwu"], note="请县应急管理局牵头，各镇街落实。", at=t + 75 * minute)
        t = now - 10 * day
        d = services.register_received(u["zfb_lly"], at=t + 3 * minute, number=f"市政明电〔{timezone.localtime(t).year}〕12号",
                                       issuer_name="市人民政府办公室", title="关于立即开展自建房安全隐患排查的紧急通知",
                                       urgency="extra_urgent", unit=office, received_at=t)
        services.approve(d, u["changwu"], note="请县住房和城乡建设局牵头办理。", at=t + 40 * minute)
        t = now - 20 * minute
        services.register_received(u["zfb_lly"], at=t + 2 * minute, number=f"市安办〔{timezone.localtime(t).year}〕9号",
                                   issuer_name="市安全生产委员会办公室", title="关于近期一起燃气爆炸事故的情况通报",
                                   urgency="extra_urgent", unit=office, received_at=t)
        t = now - 80 * day
        services.register_received(
            u["jiaoyu_lly"], at=t + hour, number=f"市教发〔{timezone.localtime(t).year}〕21号",
            issuer_name="市教育局", title="关于加强中小学生课后服务工作的实施意见", unit=edu, received_at=t,
            implements_text="省教育厅关于加强课后服务的指导意见", needs_supporting=True, supporting_unit=edu,
            supporting_person=u["jiaoyu_lly"])
        t = now - 40 * day
        stated = services.register_received(
            u["zfb_lly"], at=t + hour, number=f"市农发〔{timezone.localtime(t).year}〕15号", issuer_name="市农业农村局",
            title="关于推进高标准农田建设的通知", unit=office, received_at=t, needs_supporting=True,
            supporting_unit=agri, supporting_person=u["nongye_lly"], supporting_review_due=t + 20 * day,
            supporting_issue_due=t + 30 * day)
        result.received += 5
        _issue(u["nongye_lly"], t + 25 * day, f"县农发〔{timezone.localtime(t).year}〕3号", unit=agri,
               title="县农业农村局高标准农田建设实施方案", char_count=3600, implements=stated.pk)
        result.issued += 1

        # --- issued, 县政府办公室 ---
        meeting = now - 25 * day
        d = services.register_issued(u["zfb_lly"], at=meeting + 2 * hour, unit=office,
                                     title="县人民政府关于进一步优化营商环境的若干措施", char_count=4200,
                                     meeting_name="县政府常务会议", meeting_at=meeting)
        d = services.submit(d, u["zfb_lly"], at=now - 4 * day)
        services.issue(d, u["zfb_lly"], number=f"县政发〔{timezone.localtime(now).year}〕8号", at=now - 2 * day)
        t = now - 14 * day
        d = services.register_issued(u["zfb_lly"], at=t, unit=office, title="县人民政府办公室关于做好春季农业生产工作的通知",
                                     char_count=2600)
        d = services.submit(d, u["zfb_lly"], at=t + 2 * hour)
        services.request_revision(d, u["xianzhang"], comments="措施部分过于原则，请逐项明确责任单位和完成时限。",
                                  at=now - 12 * day)
        result.issued += 2

        # --- issued this year, 县教育局 (plan 6) and 县财政局 (plan 3) ---
        year = timezone.localtime(now).year
        edu_docs = [
            dict(title="关于开展校园安全隐患排查整治的通知", char_count=1800, tasks=[
                {"content": "各学校开展校园安全隐患自查", "unit": edu.children.filter(name="学校安全股").first(),
                 "person": User.objects.filter(username="jiaoyu_aqg").first(),
                 "due_on": timezone.localtime(now).date() + 10 * day},
                {"content": "汇总自查情况报县政府", "unit": edu, "person": u["jiaoyu_lly"],
                 "due_on": timezone.localtime(now).date() + 20 * day}]),
            dict(title="县教育局关于课后服务收费有关事项的函", char_count=900, layout="note"),
            dict(title="关于做好学生资助工作的通知", char_count=2100, layout="white_head"),
            dict(title="县教育系统安全生产专项整治三年行动实施方案", char_count=4300, is_special=True,
                 length_reason="涉及全县42所学校、12项整治任务的分工和进度安排，已压缩至最短。"),
            dict(title="关于开展教师队伍作风建设专项行动的通知", char_count=2500),
        ]
        for i, data in enumerate(edu_docs, 1):
            _issue(u["jiaoyu_lly"], year_moment(now, 0.15 + 0.16 * i), f"县教发〔{year}〕{i}号", unit=edu, **data)
        fin_docs = [
            ("关于转发《市财政局关于加强预算绩效管理的通知》的通知", 600),
            ("关于做好年度部门预算编制工作的通知", 3100),
            ("关于规范财政专户管理的通知", 1700),
        ]
        for i, (title, n) in enumerate(fin_docs, 1):
            d = _issue(u["caizheng_lly"], year_moment(now, 0.2 + 0.2 * i), f"县财发〔{year}〕{i}号", unit=fin,
                       title=title, char_count=n)
            if i == 1:
                services.flag_forwarding(d, u["duchashi"], note="照转市财政局文件，没有结合本县实际提出具体措施。",
                                         at=year_moment(now, 0.95))
        result.issued += len(edu_docs) + len(fin_docs)

        # --- 县教育局's documents of last year ---
        for i, title in enumerate(("关于做好秋季开学工作的通知", "关于加强校外培训机构监管的通知",
                                   "关于开展学校食堂食品安全检查的通知", "关于做好寒假安全教育工作的通知"), 1):
            at = now - dt.timedelta(days=365 + 25 * i)
            _issue(u["jiaoyu_lly"], at, f"县教发〔{timezone.localtime(at).year}〕{30 + i}号", unit=edu, title=title,
                   char_count=1500 + 100 * i)
            result.issued += 1
    return result
