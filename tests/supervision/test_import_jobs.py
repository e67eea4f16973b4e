"""SUP-1, OUT-2 at scale (issue 20): a batch of matters is assigned per
batch behind the service, its messages merged per recipient; a large upload
runs in the background worker with a progress bar and a result page; a
failure still names the row and writes nothing."""

import pytest
from django.urls import reverse

from duban.clocks.models import Clock
from duban.core.models import ImportJob
from duban.journal import chain
from duban.notify.models import Channel, Message
from duban.supervision.models import Matter

from .test_ledger import filled, good_row
from .test_pages import as_user

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]


def rows(county, n, **kw):
    return [good_row(county, 事项名称=f"第{i}项督办事项", 配合单位="", 配合单位责任人="", **kw) for i in range(1, n + 1)]


def test_sup1_a_batch_tells_each_person_once_how_many_matters_are_theirs(client, county):
    c = as_user(client, county.supervisor)
    page = c.post("/matters/import/", {"file": filled(c, rows(county, 3)), "assign": "on"}).content.decode()
    assert "已导入 3 项督办事项" in page
    matters = list(Matter.objects.order_by("id"))
    assert [m.state for m in matters] == ["assigned"] * 3 and len({m.number for m in matters}) == 3
    # Each matter has its ack and completion clocks; the list's sort key is the one due first.
    for m in matters:
        kinds = sorted(Clock.objects.filter(owner_id=str(m.pk), owner_type__model="matter").values_list("kind",
                                                                                                       flat=True))
        assert kinds == ["ack", "completion"]
        assert m.current_clock.kind == "ack" and m.open_due_at == m.current_clock.due_at
    inbox = Message.objects.filter(recipient=county.edu_user, channel=Channel.INAPP)
    assert inbox.count() == 1
    merged = inbox.get()
    assert merged.subject == "【督办】3项督办事项已交办给您"
    assert all(m.number in merged.body for m in matters) and "您单位为牵头单位" in merged.body
    # One matter alone: the message as it always was.
    c.post("/matters/import/", {"file": filled(c, rows(county, 1)), "assign": "on"})
    single = Message.objects.filter(recipient=county.edu_user, channel=Channel.INAPP).order_by("-id").first()
    assert single.subject.startswith("【督办】") and "已交办" in single.body and "项督办事项已交办给您" not in single.subject
    assert chain.verify(full=True).ok


def test_sup1_a_large_upload_runs_in_the_background_with_progress(client, county, settings):
    settings.DUBAN_IMPORT_BACKGROUND_ROWS = 3
    c = as_user(client, county.supervisor)
    response = c.post("/matters/import/", {"file": filled(c, rows(county, 5)), "assign": "on"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import_job", args=[job.pk])
    assert job.state == ImportJob.DONE and job.written == 5 and job.kind == "supervision.matters"
    page = c.get(response["Location"]).content.decode()
    assert "已导入 5 项督办事项" in page and "查看督办总表" in page
    assert Matter.objects.count() == 5


def test_sup1_a_background_upload_with_a_bad_row_names_it_and_writes_nothing(client, county, settings):
    settings.DUBAN_IMPORT_BACKGROUND_ROWS = 3
    c = as_user(client, county.supervisor)
    bad = rows(county, 5)
    bad[3]["牵头单位"] = "不存在的局"
    response = c.post("/matters/import/", {"file": filled(c, bad), "assign": "on"})
    page = c.get(response["Location"]).content.decode()
    assert "第6行“牵头单位”列：找不到单位“不存在的局”" in page and "未导入任何数据" in page
    assert ImportJob.objects.get().state == ImportJob.FAILED and not Matter.objects.exists()
    # Someone else does not see the job.
    as_user(client, county.edu_user)
    assert client.get(response["Location"]).status_code == 404


def test_sup1_the_row_cap_is_a_setting(client, county, settings):
    settings.DUBAN_IMPORT_MAX_ROWS = 2
    c = as_user(client, county.supervisor)
    page = c.post("/matters/import/", {"file": filled(c, rows(county, 3)), "assign": "on"}).content.decode()
    assert "表格行数过多：一次最多导入2行，请分批导入" in page and not Matter.objects.exists()
