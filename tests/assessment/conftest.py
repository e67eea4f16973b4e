"""A first quarter of 2026 in the test county, through the services of the
apps the assessment reads, at fixed moments (the official calendar knows
2026):

- matter A: led by 县教育局, 县财政局 cooperating, completed on time; its
  sub-task for 县教育局's 基础教育股 completed two days after its deadline;
- matter B: led by 县财政局, never completed (breached), urged by hand;
- 城关镇 reports an incident's phone call 5 minutes late and never sends the
  written report;
- 城关镇 has a 文字错误 recorded;
then the sweep runs on 1 April. `q1.period` is the quarter's period,
created on 2 April; `AFTER` is a moment after the quarter."""

import datetime as dt
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.assessment import services
from duban.assessment.models import ErrorCategory
from duban.clocks import sweep
from duban.duty import services as duty
from duban.org.models import Role
from duban.supervision import services as sv

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


AFTER = local(2026, 4, 10, 10)


def upload():
    return SimpleUploadedFile("整改佐证.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")


def matter(c, at, **kw):
    data = dict(source_kind="assignment", instructing_leader=c.leader, instruction_date=at.date(), title="校园安全隐患排查整治", content="对全县中小学校开展隐患排查。",
                standard="隐患整改率100%", urgency="normal", lead_unit=c.edu, lead_person=c.edu_user,
                due_at=local(2026, 3, 31, 18))
    data.update(kw)
    return sv.create_matter(c.supervisor, assign=True, at=at, **data)


@pytest.fixture
def q1(county):
    c = county
    c.edu_office_user = c.person("eduoffice", "孙股长", c.edu_office, Role.LIAISON)
    c.town_head = c.person("townhead", "褚镇长", c.town, Role.UNIT_HEAD, is_leader=True, position="镇长")
    c.town_duty = c.person("townduty", "冯值班", c.town, Role.DUTY_OFFICER)
    c.a = matter(c, local(2026, 3, 2, 9), cooperating=[{"unit": c.fin, "person": c.fin_user, "duty": "资金保障"}])
    sv.acknowledge(c.a, c.edu_user, at=local(2026, 3, 2, 10))
    c.sub = sv.split_matter(c.a, c.edu_user, at=local(2026, 3, 2, 11), title="中小学校舍排查",
                            content="排查校舍安全。", standard="全覆盖", lead_unit=c.edu_office,
                            lead_person=c.edu_office_user, due_at=local(2026, 3, 20, 18))
    sv.start_work(c.a, c.edu_user, at=local(2026, 3, 2, 12))
    sv.acknowledge(c.sub, c.edu_office_user, at=local(2026, 3, 2, 14))
    sv.start_work(c.sub, c.edu_office_user, at=local(2026, 3, 2, 15))
    sv.request_completion(c.sub, c.edu_office_user, text="排查完毕。", files=[upload()], at=local(2026, 3, 22, 10))
    sv.complete_matter(c.sub, c.supervisor, at=local(2026, 3, 23, 10))
    sv.request_completion(c.a, c.edu_user, text="已全部整改。", files=[upload()], at=local(2026, 3, 25, 10))
    sv.complete_matter(c.a, c.supervisor, at=local(2026, 3, 26, 10))
    c.b = matter(c, local(2026, 3, 3, 9), title="财政资金拨付进度督办", lead_unit=c.fin, lead_person=c.fin_user,
                 due_at=local(2026, 3, 10, 18))
    c.urge = sv.urge_matter(c.b, c.supervisor, channel="phone", note="请加快进度", at=local(2026, 3, 12, 9))
    c.incident = duty.report_incident(
        c.town_duty, title="城关镇老街民房火灾", kind="accident", level="larger", occurred_at=local(2026, 3, 5, 8, 50),
        learned_at=local(2026, 3, 5, 9), place="城关镇老街", reporting_unit=c.town, description="民房起火。",
        at=local(2026, 3, 5, 9, 1))
    duty.record_phone_report(c.incident, c.town_duty, called_at=local(2026, 3, 5, 9, 20), caller_name="冯值班",
                             callee_name="孙值班", summary="民房起火，已扑灭。", at=local(2026, 3, 5, 9, 21))
    c.typo = services.record_error(c.supervisor, unit=c.town, category=ErrorCategory.objects.get(code="typo"),
                                   occurred_on=dt.date(2026, 3, 15), description="报送材料数据错误。",
                                   at=local(2026, 3, 16, 10))
    sweep.tick(now=local(2026, 4, 1, 9), deliver=False)
    c.period = services.create_period(c.supervisor, kind="quarter", year=2026, number=1, at=local(2026, 4, 2, 9))
    return c
