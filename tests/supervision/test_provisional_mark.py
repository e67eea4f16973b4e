"""TL-1: a deadline whose span touches a provisional (暂定) year -- one whose
holiday notice the State Council has not published, counted from the
statutory rule -- carries the mark wherever it appears: the matter page and
the lists (a 暂定 tag beside the light), the API (`provisional`,
`provisional_note`), the 督办通知单 and the 催办单 (a line beside the
deadline) and the Excel 台账. A deadline a person set, or one that lies in
official years only, carries none; once the official schedule is entered
the mark is gone.

The clock is frozen at Monday 28 December 2026 10:00: the default rule of a
matter (7 working days to report) then ends on Thursday 7 January 2027,
2027 being provisional in the product's calendar."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from duban.supervision import services as sv
from duban.timelimits import services as tl
from duban.timelimits.services import HolidayRange

from .conftest import instruction_data, local

pytestmark = pytest.mark.django_db

NOTE = "（暂定：待国务院公布2027年节假日安排后自动校正）"
TAG = re.compile(r'<span class="tag provisional" title="' + re.escape(NOTE) + r'">暂定</span>')
YEAR_END = local(2026, 12, 28, 10, 0)
LISTS = ("/matters/", "/matters/all/", "/matters/leader/")

# An official 2027 schedule as an administrator would enter it.
OFFICIAL_2027 = dict(
    holidays=[
        HolidayRange("元旦", dt.date(2027, 1, 1), dt.date(2027, 1, 3)),
        HolidayRange("春节", dt.date(2027, 2, 5), dt.date(2027, 2, 12)),
        HolidayRange("清明节", dt.date(2027, 4, 3), dt.date(2027, 4, 5)),
        HolidayRange("劳动节", dt.date(2027, 5, 1), dt.date(2027, 5, 5)),
        HolidayRange("端午节", dt.date(2027, 6, 9), dt.date(2027, 6, 11)),
        HolidayRange("中秋节", dt.date(2027, 9, 15), dt.date(2027, 9, 17)),
        HolidayRange("国庆节", dt.date(2027, 10, 1), dt.date(2027, 10, 7)),
    ],
    adjusted_workdays=[dt.date(2027, 2, 13), dt.date(2027, 10, 9)],
)


@pytest.fixture
def year_end():
    with time_machine.travel(YEAR_END, tick=False):
        yield YEAR_END


def matter(county, *, acknowledge=True, **kw):
    """A matter assigned now, its deadline by the default rule (7 working
    days) unless `due_at` is given; signed for, so that its deadline is the
    clock the lists show."""
    kw.setdefault("due_at", None)
    m = sv.create_matter(county.supervisor, assign=True, **instruction_data(county, **kw))
    if acknowledge:
        sv.acknowledge(m, county.edu_user)
    m.refresh_from_db()
    return m


def localdate(moment):
    return timezone.localtime(moment).date()


def login(client, user):
    client.force_login(user)
    return client


def page_of(client, user, url, **params):
    response = login(client, user).get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def row_of(page, title):
    """The list row (<tr>…</tr>) of the matter titled `title`."""
    rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if f">{title}</a>" in r]
    assert len(rows) == 1, f"no single row of {title!r}"
    return rows[0]


def docx_texts(response):
    """Every paragraph of the Word file, in its tables too."""
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                out += [p.text for p in cell.paragraphs]
    return out


def ledger_rows(client, user, url="/matters/all/export/"):
    response = login(client, user).get(url)
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def api(client, user, path, **params):
    response = login(client, user).get("/api/supervision" + path, params)
    assert response.status_code == 200, response.content
    return response.json()


# --- a provisional deadline ---------------------------------------------------------------


def test_tl1_provisional_deadline_is_marked_on_the_matter_page(client, county, year_end):
    m = matter(county, title="年末安全检查", acknowledge=False)
    assert localdate(m.deadline) == dt.date(2027, 1, 7)
    assert m.completion_clock.provisional and m.completion_clock.provisional_note == NOTE
    page = page_of(client, county.edu_user, f"/matters/{m.pk}/")
    # The deadline line and the 办结期限 field say so, in words.
    head = re.search(r'<span id="matter-deadline">([^<]*)</span>', page).group(1)
    assert head.startswith("办结期限 2027-01-07") and head.endswith(NOTE)
    assert re.search(r"<dt>办结期限</dt><dd>2027年1月7日 [0-9:]+<span class=\"provisional-note\">"
                     + re.escape(NOTE) + "</span>", page)
    # In the clocks table, the completion clock's light has the tag; the
    # acknowledgement (due 29 December 2026) has none.
    clocks = re.search(r'<section class="card" id="clocks">.*?</section>', page, re.S).group(0)
    rows = re.findall(r"<tr>.*?</tr>", clocks, re.S)[1:]
    marked = {re.search(r'data-label="时限">([^<]*)<', r).group(1): bool(TAG.search(r)) for r in rows}
    assert marked == {"签收": False, "办结": True}
    # The header's light is the current clock's (the acknowledgement): no tag there yet.
    header = re.search(r'<p class="matter-tags">.*?</p>', page, re.S).group(0)
    assert not TAG.search(header)
    sv.acknowledge(m, county.edu_user)
    header = re.search(r'<p class="matter-tags">.*?</p>', page_of(client, county.edu_user, f"/matters/{m.pk}/"),
                       re.S).group(0)
    assert TAG.search(header)


def test_tl1_provisional_current_deadline_is_marked_in_every_list(client, county, year_end):
    signed = matter(county, title="已签收的事项")
    waiting = matter(county, title="待签收的事项", acknowledge=False)
    for url in LISTS:
        user = county.leader if "leader" in url else county.supervisor if "all" in url else county.edu_user
        page = page_of(client, user, url)
        # The row shows its current clock: the signed-for matter's deadline
        # (7 January 2027, provisional) ...
        row = row_of(page, signed.title)
        assert TAG.search(row), url
        assert re.search(r'data-label="灯" class="light-cell">.*?绿灯 <span class="tag provisional"', row, re.S)
        # ... the other's acknowledgement, due on 29 December 2026: none.
        assert not TAG.search(row_of(page, waiting.title)), url


def test_tl1_provisional_deadline_in_the_api(client, county, year_end):
    m = matter(county, title="年末安全检查", acknowledge=False)
    detail = api(client, county.edu_user, f"/matters/{m.pk}")
    assert detail["provisional"] is True and detail["provisional_note"] == NOTE
    clocks = {c["kind"]: c for c in detail["clocks"]}
    assert clocks["completion"]["provisional"] is True and clocks["completion"]["provisional_note"] == NOTE
    assert clocks["ack"]["provisional"] is False and clocks["ack"]["provisional_note"] == ""
    for view in ("unit", "all", "supervision", "leader"):
        user = county.leader if view == "leader" else county.supervisor if view == "supervision" else \
            county.edu_user
        (item,) = [i for i in api(client, user, "/matters", view=view)["items"] if i["id"] == m.pk]
        assert item["provisional"] is True and item["provisional_note"] == NOTE, view
    # Documented in the OpenAPI schema.
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("MatterClockOut", "MatterOut", "MatterDetail"):
        props = schemas[name]["properties"]
        assert props["provisional"]["type"] == "boolean" and "暂定" in props["provisional"]["description"], name
        assert props["provisional_note"]["type"] == "string", name
        assert {"provisional", "provisional_note"} <= set(schemas[name]["required"]), name


def test_tl1_provisional_deadline_in_the_notice_and_the_urge_sheet(client, county, year_end):
    m = matter(county, title="年末安全检查")
    notice = docx_texts(login(client, county.edu_user).get(f"/matters/{m.pk}/notice.docx"))
    at = notice.index(NOTE)
    assert notice[at - 1].startswith("2027年1月7日") and notice[at - 1].endswith("前办结")
    urge = sv.urge_matter(m, county.supervisor, channel="phone")
    sheet = docx_texts(login(client, county.supervisor).get(f"/matters/urges/{urge.pk}/sheet.docx"))
    # 办理时限, with the line beneath it; 时限情况 names it beside the moment.
    at = sheet.index(NOTE)
    assert sheet[at - 1].startswith("2027年1月7日") and sheet[at - 1].endswith("前办结")
    assert any(t.startswith("办结期限为2027年1月7日") and NOTE + "，催办时距到期还有" in t for t in sheet)
    # The reply is due on 29 December 2026: not provisional.
    assert "2026年12月29日 23:59前" in sheet


def test_tl1_urge_reply_due_in_a_provisional_year_is_marked(client, county):
    with time_machine.travel(local(2026, 12, 31, 10, 0), tick=False):
        m = matter(county, title="跨年事项")
        urge = sv.urge_matter(m, county.supervisor, channel="phone")
        sheet = docx_texts(login(client, county.supervisor).get(f"/matters/urges/{urge.pk}/sheet.docx"))
    # 1 January 2027 is 元旦, 2 and 3 January a weekend: Monday 4 January, provisional.
    at = sheet.index("2027年1月4日 23:59前")
    assert sheet[at + 1] == NOTE
    assert any(f"2027年1月4日 23:59{NOTE}前将办理情况书面反馈" in t for t in sheet)


def test_tl1_provisional_deadline_in_the_ledger(client, county, year_end):
    m = matter(county, title="年末安全检查")
    (row,) = [r for r in ledger_rows(client, county.supervisor) if r["编号"] == m.number]
    assert row["办理时限"].startswith("2027-01-07") and row["办理时限"].endswith(NOTE)
    (row,) = [r for r in ledger_rows(client, county.edu_user, "/matters/export/") if r["编号"] == m.number]
    assert row["办理时限"].endswith(NOTE)


# --- no mark ----------------------------------------------------------------------------


def assert_unmarked(client, county, m):
    page = page_of(client, county.edu_user, f"/matters/{m.pk}/")
    assert "暂定" not in page
    for url in LISTS:
        user = county.leader if "leader" in url else county.supervisor if "all" in url else county.edu_user
        assert "暂定" not in row_of(page_of(client, user, url), m.title), url
    detail = api(client, county.edu_user, f"/matters/{m.pk}")
    assert detail["provisional"] is False and detail["provisional_note"] == ""
    assert not any(c["provisional"] for c in detail["clocks"])
    (item,) = [i for i in api(client, county.edu_user, "/matters", view="unit")["items"] if i["id"] == m.pk]
    assert item["provisional"] is False
    notice = docx_texts(login(client, county.edu_user).get(f"/matters/{m.pk}/notice.docx"))
    assert not any("暂定" in t for t in notice)
    urge = sv.urge_matter(m, county.supervisor, channel="phone")
    sheet = docx_texts(login(client, county.supervisor).get(f"/matters/urges/{urge.pk}/sheet.docx"))
    assert not any("暂定" in t for t in sheet)
    (row,) = [r for r in ledger_rows(client, county.supervisor) if r["编号"] == m.number]
    assert "暂定" not in row["办理时限"]


def test_tl1_deadlines_within_official_years_carry_no_mark(client, county):
    with time_machine.travel(local(2026, 12, 1, 10, 0), tick=False):
        m = matter(county, title="年内事项")
        assert localdate(m.deadline) == dt.date(2026, 12, 10)
        assert_unmarked(client, county, m)


def test_tl1_a_deadline_a_person_set_in_2027_carries_no_mark(client, county, year_end):
    m = matter(county, title="人工期限事项", due_at=local(2027, 1, 15, 18, 0))
    assert m.completion_clock.explicit and not m.completion_clock.provisional
    assert_unmarked(client, county, m)


def test_tl1_the_mark_is_gone_once_the_official_schedule_is_entered(client, county, year_end,
                                                                     django_capture_on_commit_callbacks):
    m = matter(county, title="年末安全检查")
    assert TAG.search(row_of(page_of(client, county.edu_user, "/matters/"), m.title))
    with django_capture_on_commit_callbacks(execute=True):
        tl.enter_year(2027, by=county.sysadmin, **OFFICIAL_2027)
    m.refresh_from_db()
    assert localdate(m.deadline) == dt.date(2027, 1, 7)  # the official schedule keeps it
    assert not m.completion_clock.provisional
    assert_unmarked(client, county, m)


# --- the lists' cost ----------------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
def test_tl1_the_mark_costs_the_lists_no_query(client, county, year_end, url):
    """Marked rows are read with the page (queries.PAGE_FIELDS): as many
    queries for one marked row as for six, as for rows without a mark."""
    user = county.leader if "leader" in url else county.supervisor if "all" in url else county.edu_user

    def count():
        c = login(client, user)
        with CaptureQueriesContext(connection) as ctx:
            page = c.get(url).content.decode()
        return len(ctx.captured_queries), len(TAG.findall(page))

    matter(county, title="人工期限事项", due_at=local(2027, 1, 15, 18, 0))
    plain, none = count()
    assert none == 0
    matter(county, title="事项0")
    one, marked = count()
    assert marked == 1
    for i in range(1, 6):
        matter(county, title=f"事项{i}")
    many, marked = count()
    assert marked == 6
    assert plain == one == many
