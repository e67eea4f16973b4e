"""The public's tickets in the test county: a running campaign (for
complaints that become problems), fixed moments in 2026 (Beijing time), and
helpers that file and move tickets through the services."""

import io

import pytest
from openpyxl import Workbook

from duban.portal import services as ps
from tests.rectification.conftest import D, T, camp  # noqa: F401  (fixture)

PHONE = "13912345678"
NAME = "王小明"
EMAIL = "wxm@example.com"
ADDRESS = "城关镇幸福路8号"


def complaint(**kw):
    data = dict(kind="complaint", title="行政审批窗口办事推诿", content="3月2日到审批大厅办营业执照，窗口人员让我跑了三趟还没办成。",
                name=NAME, phone=PHONE, email=EMAIL, address=ADDRESS, place="县政务服务中心", wants_reply=True)
    data.update(kw)
    return data


@pytest.fixture
def filed(county):
    """A complaint filed on the public page on 2 March 2026."""
    return ps.submit_public(complaint(subject_unit=county.edu), at=T(3, 2, 9), ip="203.0.113.7")


@pytest.fixture
def referred(county, filed):
    """The complaint referred to 县教育局 at 10:00 on 2 March."""
    return ps.refer(filed, county.supervisor, unit=county.edu, reason="属教育局窗口服务问题", at=T(3, 2, 10))


def hotline_xlsx(rows, header=("工单编号", "受理时间", "诉求标题", "诉求内容", "诉求人", "联系电话", "诉求地址",
                               "诉求类型", "企业诉求", "反映单位")):
    wb = Workbook()
    ws = wb.active
    ws.append(["12345政务服务便民热线工单导出"])
    ws.merge_cells("A1:J1")
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "12345工单.xlsx"
    return out
