"""AUD-1: auditors browse, filter and export the journal; nobody else can
read it and nobody can change it."""

import io
import re

import pytest
from openpyxl import load_workbook

from duban.journal.models import Event


@pytest.fixture
def auditor_client(client, county):
    client.force_login(county.auditor)
    return client


def test_aud1_auditor_browses_the_journal_newest_first(auditor_client):
    page = auditor_client.get("/journal/").content.decode()
    assert "审计日志" in page
    last = Event.objects.order_by("-seq").first()
    assert f"/journal/{last.seq}/" in page
    assert page.index(f">{last.seq}<") < page.index(">1<")


def test_aud1_auditor_filters_by_action_actor_and_date(auditor_client, county):
    page = auditor_client.get("/journal/", {"action": "org.role.grant", "actor": ""}).content.decode()
    cells = re.findall(r'data-label="动作" class="mono">([^<]+)<', page)
    assert cells and set(cells) == {"org.role.grant"}
    bad = auditor_client.get("/journal/", {"date_from": "2026/13/40"}).content.decode()
    assert "开始日期格式应为" in bad


def test_aud1_event_detail_shows_before_after_and_checks_its_hash(auditor_client, county):
    from duban.org import services

    services.update_unit(county.edu, phone="0851-8888888")
    e = Event.objects.order_by("-seq").first()
    page = auditor_client.get(f"/journal/{e.seq}/").content.decode()
    assert "0851-8888888" in page and e.hash in page and "内容与哈希一致" in page


def test_aud1_auditor_verifies_the_chain_in_the_app(auditor_client):
    page = auditor_client.post("/journal/verify/").content.decode()
    assert "日志完好" in page


def test_aud1_export_is_a_real_xlsx_with_every_filtered_event_and_is_itself_journaled(auditor_client):
    expected = Event.objects.filter(action__startswith="org.person").count()
    response = auditor_client.get("/journal/export.xlsx", {"action": "org.person"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    # Both moments of an event (AUD-1): the server's and the business moment the service was told.
    assert rows[0][:7] == ("序号", "记录时间", "发生时间", "操作人", "账号", "来源地址", "动作")
    assert len(rows) - 1 == expected and all(r[6].startswith("org.person") for r in rows[1:])
    assert Event.objects.order_by("-seq").first().action == "journal.export"


@pytest.mark.parametrize("who", ["edu_user", "supervisor", "sysadmin", "secadmin", "leader"])
@pytest.mark.parametrize("url", ["/journal/", "/journal/1/", "/journal/export.xlsx"])
def test_aud1_only_the_auditor_reads_the_journal(client, county, who, url):
    client.force_login(getattr(county, who))
    assert client.get(url).status_code == 404


def test_aud1_journal_pages_offer_no_way_to_change_an_event(auditor_client):
    assert auditor_client.post("/journal/1/").status_code == 405
    assert auditor_client.post("/journal/").status_code == 405


def test_aud1_journal_list_query_count_does_not_grow_with_events(auditor_client, county):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from duban.journal import chain

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert auditor_client.get("/journal/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(60):
        with transaction.atomic():
            chain.record("test.more", actor=county.edu_user, after={"i": i})
    assert count() == few
