"""PUB-2 intake: the public files a complaint without an account and gets a
tracking code, the contact data kept private; the office records calls and
letters; 12345 work orders come in from Excel (a real file) or the API with
their ticket numbers, all or nothing; repeats are flagged, merged and
counted (RECT-6)."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from duban.journal.models import Event
from duban.notify.models import Message
from duban.portal import services as ps
from duban.portal.models import ComplainantContact, IntakeChannel, Ticket, TicketKind, TicketState

from .conftest import NAME, PHONE, T, complaint, hotline_xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # web requests run on the real clock


def test_pub2_a_citizen_complains_without_login_and_gets_a_tracking_code(client, county):
    page = client.get("/p/complain/")
    assert page.status_code == 200 and 'name="viewport"' in page.content.decode()
    form = {"kind": "complaint", "title": "窗口办事推诿", "content": "到县教育局办理教师资格认定，窗口让我跑了三趟。",
            "subject_unit": str(county.edu.pk), "name": NAME, "phone": PHONE, "email": "", "wants_reply": "on"}
    response = client.post("/p/complain/", form)
    assert response.status_code == 302 and response["Location"] == "/p/complain/received/"
    t = Ticket.objects.get()
    assert t.channel == IntakeChannel.WEB and t.state == TicketState.RECEIVED and t.office == county.duchashi
    assert t.number.startswith("诉〔") and len(t.tracking_code) == 12
    received = client.get("/p/complain/received/").content.decode()
    assert t.tracking_code in received and t.number in received
    # Shown once: the code is not kept in the session afterwards.
    assert client.get("/p/complain/received/").status_code == 302
    assert (t.contact.name, t.contact.phone) == (NAME, PHONE)
    # The journal records the ticket, never the contact data.
    e = Event.objects.get(action="portal.ticket.receive")
    assert e.actor is None and e.actor_name == "匿名用户" and e.after["contact_recorded"] is True
    assert PHONE not in json.dumps(e.after, ensure_ascii=False) and NAME not in json.dumps(e.after,
                                                                                           ensure_ascii=False)
    # The supervision office is told.
    assert Message.objects.filter(recipient=county.supervisor, subject__startswith="【投诉受理】").exists()


def test_pub2_bad_input_is_named_and_nothing_is_written(client, county):
    page = client.post("/p/complain/", {"kind": "complaint", "title": "", "content": "太短", "phone": "abc",
                                         "wants_reply": "on"}).content.decode()
    assert "请填写标题" in page and "至少10个字" in page and "联系电话格式不对" in page
    with pytest.raises(ValidationError) as e:
        ps.submit_public(complaint(phone="", email=""), at=T(3, 2))
    assert "需要答复时请留下联系电话或电子邮箱" in e.value.message_dict["phone"][0]
    assert not Ticket.objects.exists() and not ComplainantContact.objects.exists()


def test_pub2_the_office_records_a_call_and_others_cannot(county):
    t = ps.record_ticket(county.supervisor, channel=IntakeChannel.PHONE, at=T(3, 2, 11), received_at=T(3, 2, 10),
                         **complaint(kind="clue", title="某局干部上班时间打游戏"))
    assert (t.channel, t.kind, t.created_by, t.received_at) == ("phone", TicketKind.CLUE, county.supervisor,
                                                                T(3, 2, 10))
    with pytest.raises(PermissionDenied):
        ps.record_ticket(county.edu_user, channel=IntakeChannel.PHONE, at=T(3, 2, 11), **complaint())


ROWS = [
    ("HX202603020001", "2026-03-02 08:15", "小区路灯不亮", "幸福小区路灯坏了半个月，多次反映没人修。", "李四", "13800000001",
     "城关镇幸福小区", "投诉", "否", "城关镇"),
    ("HX202603020002", "2026/3/2 9:40", "企业退税办理慢", "我公司申请留抵退税一个多月还没到账，请督促。", "赵总", "0851-2345678",
     "工业园区", "求助", "是", "县财政局"),
    ("HX202603020003", "2026年3月2日", "", "学校门口早高峰拥堵，希望安排交警疏导。", "孙五", "13800000003", "", "建议", "", ""),
]


def test_pub2_12345_work_orders_from_a_real_excel_file(client, county):
    client.force_login(county.supervisor)
    response = client.post("/portal/import/", {"file": hotline_xlsx(ROWS)})
    assert response.status_code == 302
    tickets = {t.hotline_number: t for t in Ticket.objects.all()}
    assert set(tickets) == {"HX202603020001", "HX202603020002", "HX202603020003"}
    first, second, third = (tickets[r[0]] for r in ROWS)
    assert first.channel == IntakeChannel.HOTLINE and first.subject_unit == county.town
    local = timezone.localtime(first.received_at)
    assert (local.hour, local.minute) == (8, 15)
    assert second.is_enterprise and second.kind == TicketKind.REQUEST and second.contact.phone == "0851-2345678"
    assert third.title.startswith("学校门口早高峰拥堵")  # no title: the content's beginning
    # Imported again: nothing twice.
    client.post("/portal/import/", {"file": hotline_xlsx(ROWS)})
    assert Ticket.objects.count() == 3


def test_pub2_a_bad_row_names_itself_and_nothing_is_imported(client, county):
    rows = [ROWS[0], ("", "2026-03-02 10:00", "无编号", "这一行缺少工单编号，不能导入。", "", "", "", "", "", ""),
            ("HX9", "明天上午", "时间不对", "受理时间写成了文字，无法识别。", "", "", "", "", "", "县不存在局")]
    client.force_login(county.supervisor)
    page = client.post("/portal/import/", {"file": hotline_xlsx(rows)}).content.decode()
    assert "第4行：缺少工单编号" in page
    assert "第5行：受理时间" in page and "第5行：单位“县不存在局”不存在" in page
    assert not Ticket.objects.exists()


def test_pub2_an_upload_is_checked_by_its_content_before_it_is_read(client, county):
    """The 12345 import reads through duban.core.xlsx_import (issue 21's
    checks): a program renamed .xlsx is refused with the one message, and
    nothing is imported."""
    import io

    fake = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200)
    fake.name = "12345工单.xlsx"
    client.force_login(county.supervisor)
    page = client.post("/portal/import/", {"file": fake}).content.decode()
    assert "文件不是有效的 Excel（.xlsx）文件" in page
    assert not Ticket.objects.exists()


def test_pub2_12345_work_orders_through_the_api(client, county):
    client.force_login(county.supervisor)
    body = {"tickets": [{"hotline_number": "HX-API-1", "received_at": "2026-03-02T08:00:00+08:00",
                         "title": "噪音扰民", "content": "工地夜间施工噪音扰民，影响休息。", "phone": "13800000009",
                         "subject_unit": "城关镇"}]}
    r = client.post("/api/portal/tickets/import", json.dumps(body), content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["created"][0]["hotline_number"] == "HX-API-1"
    t = Ticket.objects.get(hotline_number="HX-API-1")
    bad = client.post("/api/portal/tickets/import", json.dumps({"tickets": [{"hotline_number": "X"}]}),
                      content_type="application/json")
    assert bad.status_code == 422 and "第1条" in bad.json()["detail"]
    client.force_login(county.edu_user)
    assert client.post("/api/portal/tickets/import", json.dumps(body), content_type="application/json").status_code == 403
    assert client.get(f"/api/portal/tickets/{t.pk}").status_code == 404


def test_rect6_a_repeat_is_flagged_merged_and_counted(client, county):
    first = ps.submit_public(complaint(), at=T(3, 2, 9))
    again = ps.submit_public(complaint(title="审批窗口推诿扯皮", name="张三", phone="13900000000"), at=T(3, 4, 9))
    other = ps.submit_public(complaint(title="学校食堂卫生差", content="学校食堂卫生很差，饭菜里有虫子，请查处。"),
                             at=T(3, 4, 10))
    assert again.possible_repeat_of == first and other.possible_repeat_of is None
    client.force_login(county.supervisor)
    assert "疑似重复" in client.get("/portal/?scope=repeats").content.decode()
    client.post(f"/portal/tickets/{again.pk}/", {"action": "merge", "into": first.number})
    again.refresh_from_db()
    first.refresh_from_db()
    assert again.state == TicketState.MERGED and again.repeat_of == first and first.repeat_count == 2
    # The second complainant follows the first ticket on the tracking page.
    page = client.post("/p/track/", {"code": again.tracking_code}).content.decode()
    assert first.number in page and "合并办理" in page


def test_pub2_the_complainants_personal_data_is_sm4_encrypted_at_rest(county):
    """The contact's name, phone, ID number, e-mail and address are stored
    as the people's numbers are (duban.core.fields.EncryptedTextField) and
    read back in plain text; a bad ID number is refused by name."""
    from django.db import connection

    from duban.core import crypto

    id_number = "52262619800101123X"
    t = ps.submit_public(complaint(id_number=id_number.lower()), at=T(3, 2, 9))
    with connection.cursor() as cur:
        cur.execute("SELECT name, phone, id_number, email, address, company FROM portal_complainantcontact"
                    " WHERE ticket_id = %s", [t.pk])
        name, phone, number, email, address, company = cur.fetchone()
    for raw, plain in ((name, NAME), (phone, PHONE), (number, id_number)):
        assert raw.startswith("sm4:") and plain not in raw and crypto.decrypt(raw) == plain
    assert email.startswith("sm4:") and address.startswith("sm4:") and company == ""
    contact = ComplainantContact.objects.get(ticket=t)
    assert (contact.name, contact.phone, contact.id_number) == (NAME, PHONE, id_number)
    with pytest.raises(ValidationError) as e:
        ps.submit_public(complaint(id_number="12345"), at=T(3, 2, 10))
    assert "身份证号应为18位" in e.value.message_dict["id_number"][0]


def test_rect6_repeats_are_found_through_the_near_duplicate_index(county):
    """portal.duplicates asks duban.neardup (every ticket is fed to its
    index); the portal's rules still apply: an earlier ticket beyond the
    window, or about another unit, is no repeat."""
    from duban.neardup.models import IndexedText
    from duban.portal import duplicates

    old = ps.submit_public(complaint(subject_unit=county.edu), at=T(1, 5, 9))
    assert IndexedText.objects.filter(namespace=duplicates.NAMESPACE, key=str(old.pk)).exists()
    late = old.received_at + dt.timedelta(days=duplicates.WINDOW_DAYS + 1)
    beyond = ps.submit_public(complaint(subject_unit=county.edu), at=late)
    assert beyond.possible_repeat_of is None
    elsewhere = ps.submit_public(complaint(subject_unit=county.fin), at=late + dt.timedelta(days=1))
    assert elsewhere.possible_repeat_of is None
    again = ps.submit_public(complaint(title="行政审批窗口办事推诿！", subject_unit=county.edu),
                             at=late + dt.timedelta(days=2))
    assert again.possible_repeat_of == beyond
