"""EVAL-1: errors recorded per unit by category with their deduction; the
unit objects once, within the window, and the office decides with
reasons (journaled); the quarter's 差错通报 waits for pending objections,
is numbered, lists what stands and opens as a GB/T 9704 Word file; the
pages and the API refuse the other side (another unit: 404; a unit that
is not the office: 403)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from docx import Document as Docx

from duban.assessment import services
from duban.assessment.models import ErrorCategory, ErrorState
from duban.journal.models import Event

from .conftest import local

pytestmark = pytest.mark.django_db

APRIL = local(2026, 4, 3, 10)


def record(c, unit, code="late_report", day=dt.date(2026, 2, 10), text="信息迟报。"):
    return services.record_error(c.supervisor, unit=unit, category=ErrorCategory.objects.get(code=code),
                                 occurred_on=day, description=text, at=local(day.year, day.month, day.day, 18))


def test_eval1_categories_are_rows_with_deductions_copied_onto_the_record(county):
    cats = {c.code: (c.name, c.deduction) for c in ErrorCategory.objects.all()}
    assert cats["late_report"][1] == 2 and cats["skip_level"][1] == 2 and cats["typo"][1] == 1
    e = record(county, county.edu)
    assert (e.deduction, e.area, e.state) == (2, "follow_through", ErrorState.RECORDED)
    ErrorCategory.objects.filter(code="late_report").update(deduction=3)
    e.refresh_from_db()
    assert e.deduction == 2  # what was recorded stays


def test_eval1_bad_input_names_the_field_and_only_the_office_records(county):
    with pytest.raises(ValidationError) as err:
        services.record_error(county.supervisor, unit=county.edu, category="", occurred_on="2026-13-01",
                              description="  ", at=APRIL)
    assert set(err.value.message_dict) == {"category", "occurred_on", "description"}
    with pytest.raises(PermissionDenied):
        services.record_error(county.edu_user, unit=county.fin, category="typo", occurred_on="2026-02-01",
                              description="x", at=APRIL)


def test_eval1_a_unit_objects_once_within_the_window_and_the_office_decides(county):
    c = county
    e = record(c, c.edu)
    with pytest.raises(PermissionDenied):
        services.object_to_error(e, c.fin_user, reason="不是我们", at=local(2026, 2, 12))
    with pytest.raises(ValidationError) as err:
        services.object_to_error(e, c.edu_user, reason=" ", at=local(2026, 2, 12))
    assert "reason" in err.value.message_dict
    services.object_to_error(e, c.edu_user, reason="当日已电话报告。", at=local(2026, 2, 12))
    assert e.state == ErrorState.OBJECTED
    with pytest.raises(ValidationError, match="只能提出一次异议"):
        services.object_to_error(e, c.edu_user, reason="再次异议", at=local(2026, 2, 13))
    with pytest.raises(PermissionDenied):
        services.decide_objection(e, c.edu_user, decision="revoked", reason="自己撤销", at=local(2026, 2, 14))
    with pytest.raises(ValidationError) as err:
        services.decide_objection(e, c.supervisor, decision="", reason="", at=local(2026, 2, 14))
    assert set(err.value.message_dict) == {"decision"} or set(err.value.message_dict) == {"decision", "reason"}
    services.decide_objection(e, c.supervisor, decision="upheld", reason="未见电话记录。", at=local(2026, 2, 14))
    assert e.state == ErrorState.UPHELD and e.decided_by == c.supervisor
    actions = list(Event.objects.filter(object_type="assessment.errorrecord", object_id=str(e.pk))
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["assessment.error.record", "assessment.error.object", "assessment.error.decide"]
    late = record(c, c.fin, day=dt.date(2026, 1, 5))
    with pytest.raises(ValidationError, match="异议期已过"):
        services.object_to_error(late, c.fin_user, reason="迟了", at=local(2026, 1, 20))


def test_eval1_the_quarterly_notice_waits_for_objections_and_opens_in_word(county):
    c = county
    kept = record(c, c.edu, text="校园安全排查情况迟报一天。")
    revoked = record(c, c.town, code="typo", text="材料数据错误。")
    record(c, c.fin, code="skip_level", day=dt.date(2026, 4, 2), text="下季度的差错。")
    services.object_to_error(revoked, c.town_user, reason="数据系他人口径。", at=local(2026, 2, 11))
    with pytest.raises(ValidationError, match="尚未结束"):
        services.issue_notice(c.supervisor, year=2026, quarter=1, at=local(2026, 3, 30))
    with pytest.raises(ValidationError, match="异议待处理"):
        services.issue_notice(c.supervisor, year=2026, quarter=1, at=APRIL)
    services.decide_objection(revoked, c.supervisor, decision="revoked", reason="经核实属实。", at=local(2026, 2, 20))
    with pytest.raises(PermissionDenied):
        services.issue_notice(c.edu_user, year=2026, quarter=1, at=APRIL)
    n = services.issue_notice(c.supervisor, year=2026, quarter=1, at=APRIL)
    assert n.number.endswith("〔2026〕1号") and "第一季度" in n.title
    assert list(n.errors.values_list("pk", flat=True)) == [kept.pk]
    with pytest.raises(ValidationError, match="已印发"):
        services.issue_notice(c.supervisor, year=2026, quarter=1, at=APRIL)
    # the Word file, read back
    from duban.assessment import documents

    doc = Docx(io.BytesIO(documents.notice_docx(n, list(n.errors.select_related("unit", "category")))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert n.title in text and n.number in text and "县教育局" in text and "合计扣2分" in text
    assert "城关镇" not in text.split("有关要求")[0].split("差错情况")[1]
    table = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    assert table[0] == ["单位", "环节", "类别", "日期", "扣分"] and table[1][0] == "县教育局" and table[1][4] == "2"


@pytest.mark.anydate  # recorded now, on the real clock, so that the objection window is open
def test_eval1_pages_and_api_refuse_the_other_side(county, client):
    c = county
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    e = services.record_error(c.supervisor, unit=c.edu, category="late_report", occurred_on=yesterday,
                              description="信息迟报。")
    client.force_login(c.fin_user)
    assert client.get(e.get_absolute_url()).status_code == 404
    assert client.post(f"/assessment/errors/{e.pk}/object/", {"reason": "x"}).status_code == 404
    assert client.get(f"/api/assessment/errors/{e.pk}").status_code == 404
    assert "县教育局" not in client.get("/assessment/errors/").content.decode()
    client.force_login(c.edu_user)
    page = client.get(e.get_absolute_url()).content.decode()
    assert "提出异议" in page and "处理异议" not in page
    r = client.post(f"/assessment/errors/{e.pk}/object/", {"reason": ""})
    assert r.status_code == 422 and "请写明异议理由" in r.content.decode()
    assert client.post(f"/assessment/errors/{e.pk}/object/", {"reason": "已按时报送。"}).status_code == 302
    assert client.post(f"/assessment/errors/{e.pk}/decide/", {"decision": "revoked", "reason": "x"}).status_code == 403
    assert client.post("/assessment/errors/", {"unit": c.fin.pk}).status_code == 404
    client.force_login(c.supervisor)
    r = client.post(f"/api/assessment/errors/{e.pk}/decision", {"decision": "revoked", "reason": "情况属实。"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    r = client.post("/api/assessment/errors", {"unit_id": c.town.pk, "category": "typo",
                                               "occurred_on": yesterday.isoformat(), "description": "错别字"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["deduction"] == "1.0"
    r = client.post("/api/assessment/errors", {"unit_id": c.town.pk, "category": "nope",
                                               "occurred_on": yesterday.isoformat(), "description": "x"},
                    content_type="application/json")
    assert r.status_code == 422 and "category" in r.json()["errors"]
