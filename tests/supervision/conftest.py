"""Helpers for the supervision tests: a matter from a leader's instruction
in the test county, brought to any state of the closed loop, at fixed
moments of 2026 (the official calendar knows that year)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.supervision import services as sv
from duban.supervision.transitions import State

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=0, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


# Monday 2 March 2026, an ordinary working week.
T0 = local(2026, 3, 2, 9, 0)


def later(hours=0, days=0, minutes=0):
    return T0 + dt.timedelta(days=days, hours=hours, minutes=minutes)


def upload(name="佐证材料.pdf", content=b"%PDF-1.4 evidence"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def instruction_data(county, **kw):
    data = dict(
        source_kind="leader_instruction",
        instructing_leader=county.leader,
        instruction_date=dt.date(2026, 3, 1),
        instruction_text="请教育局牵头抓好校园安全隐患排查整治，限期报结果。",
        title="校园安全隐患排查整治",
        content="对全县中小学校舍、消防、食堂开展隐患排查，建立台账，限期整改。",
        standard="排查全覆盖，隐患整改率100%，形成整改台账。",
        urgency="urgent",
        lead_unit=county.edu,
        lead_person=county.edu_user,
        responsible_leader=county.leader,
        due_at=local(2026, 3, 31, 18, 0),
    )
    data.update(kw)
    return data


class Loop:
    """Bring a matter to a state through the services, at increasing moments."""

    def __init__(self, county):
        self.c = county
        self.t = T0

    def tick(self, minutes=10):
        self.t = self.t + dt.timedelta(minutes=minutes)
        return self.t

    def draft(self, **kw):
        return sv.create_matter(self.c.supervisor, at=self.tick(), **instruction_data(self.c, **kw))

    def assigned(self, **kw):
        return sv.assign_matter(self.draft(**kw), self.c.supervisor, at=self.tick())

    def acknowledged(self, **kw):
        return sv.acknowledge(self.assigned(**kw), self.c.edu_user, at=self.tick())

    def in_progress(self, **kw):
        m = self.acknowledged(**kw)
        sv.submit_report(m, self.c.edu_user, text="已完成排查部署。", progress=30, at=self.tick())
        m.refresh_from_db()
        return m

    def completion_requested(self, **kw):
        m = self.in_progress(**kw)
        sv.request_completion(m, self.c.edu_user, text="隐患已全部整改。", files=[upload()], at=self.tick())
        m.refresh_from_db()
        return m

    def completed(self, **kw):
        return sv.complete_matter(self.completion_requested(**kw), self.c.supervisor, at=self.tick())

    def archived(self, **kw):
        return sv.archive_matter(self.completed(**kw), self.c.supervisor, at=self.tick())

    def suspended(self, **kw):
        return sv.suspend_matter(self.in_progress(**kw), self.c.supervisor, reason="等待上级政策明确", at=self.tick())

    def cancelled(self, **kw):
        return sv.cancel_matter(self.assigned(**kw), self.c.supervisor, reason="上级已另行部署", at=self.tick())

    def to(self, state, **kw):
        return getattr(self, {
            State.DRAFT: "draft", State.ASSIGNED: "assigned", State.ACKNOWLEDGED: "acknowledged",
            State.IN_PROGRESS: "in_progress", State.COMPLETION_REQUESTED: "completion_requested",
            State.COMPLETED: "completed", State.ARCHIVED: "archived", State.SUSPENDED: "suspended",
            State.CANCELLED: "cancelled",
        }[state])(**kw)


@pytest.fixture
def loop(county):
    return Loop(county)
