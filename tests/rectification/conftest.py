"""A running campaign in the test county: 县教育局, 县财政局 and 城关镇 take
part; the task force has a member in 县财政局 and one in 县教育局; the
督查室 organises. Fixed moments in 2026 (Beijing time)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from duban.org import services as org
from duban.org.models import GroupKind, Role
from duban.rectification import services as rs

TZ = timezone.get_default_timezone()


def T(month, day, hour=10, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def D(month, day):
    return dt.date(2026, month, day)


def upload(name="整改佐证.pdf", content=b"%PDF-1.4 evidence"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def xlsx(rows, *, merges=(), title=None):
    """An .xlsx file (BytesIO) with the given rows; `merges` are ranges such
    as "A1:H1"."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.title = title
    for r in rows:
        ws.append(list(r))
    for m in merges:
        ws.merge_cells(m)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "台账.xlsx"
    return out


JUNE_10 = D(6, 10)


@pytest.fixture
def camp(county):
    c = county
    c.tf_fin = c.person("tf_fin", "钱专班", c.fin, Role.UNIT_HEAD)
    c.tf_edu = c.person("tf_edu", "孙专班", c.edu)
    c.edu_leader = c.person("edu_fj", "刘副局长", c.edu, is_leader=True, position="副局长")
    c.task_force = org.create_group("改进作风狠抓落实年工作专班", GroupKind.TASK_FORCE)
    org.add_member(c.task_force, c.tf_fin, "成员")
    org.add_member(c.task_force, c.tf_edu, "成员")
    c.campaign = rs.create_campaign(
        code="ZF-2026", name="改进作风、狠抓落实年", basis="县政府系统“改进作风、狠抓落实”年工作实施方案",
        start_date=D(2, 24), end_date=D(12, 10), organizer=c.duchashi, units=[c.edu, c.fin, c.town],
        task_force=c.task_force, phases=rs.seed000_phases(2026), by=c.supervisor, at=T(2, 20))
    c.cat = {x.name: x for x in c.campaign.categories.all()}
    return c


def make_problem(c, *, unit=None, description="重点项目审批拖延，群众反映办事慢", deadline=JUNE_10, at=None,
                 by=None, **kw):
    data = dict(unit=unit or c.edu, category=kw.pop("category", "慢作为"), source=kw.pop("source", "自己找"),
                description=description, measures=kw.pop("measures", "建立台账，限期办结"), deadline=deadline, **kw)
    if data.get("long_term"):
        data["deadline"] = None
    return rs.create_problem(c.campaign, by=by if by is not None else c.edu_user, at=at or T(3, 5), **data)
