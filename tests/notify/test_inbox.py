"""OUT-1: the in-app inbox, its unread count in the navigation, marking
read with htmx."""

import pytest
from django.utils import timezone

from duban.notify.models import Channel, Message, MessageState

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # runs on the real clock: CI fakes the date


def put(user, n, *, start=0, read=False):
    now = timezone.now()
    return Message.objects.bulk_create([
        Message(recipient=user, channel=Channel.INAPP, subject=f"【超期】事项{i}", body=f"第{i}条\n责任单位：县教育局",
                source="breach", dedupe_key=f"{user.pk}:test:{i}", state=MessageState.SENT, sent_at=now,
                created_at=now, read_at=now if read else None)
        for i in range(start, start + n)
    ])


@pytest.fixture
def edu_client(client, county):
    client.force_login(county.edu_user)
    return client


def test_out1_inbox_lists_only_my_messages_with_unread_count_in_nav(edu_client, county):
    put(county.edu_user, 3)
    put(county.edu_user, 2, start=3, read=True)
    put(county.fin_user, 4, start=10)
    page = edu_client.get("/notify/inbox/").content.decode()
    assert '消息<span class="badge">3</span>' in page
    assert page.count("【超期】事项") == 5
    assert "事项10" not in page
    unread = edu_client.get("/notify/inbox/", {"unread": "1"}).content.decode()
    assert unread.count("【超期】事项") == 3


def test_out1_no_badge_without_unread_messages(edu_client, county):
    put(county.edu_user, 2, read=True)
    page = edu_client.get("/notify/inbox/").content.decode()
    assert 'class="badge"' not in page and "暂无消息" not in page


def test_out1_mark_read_with_htmx_returns_the_row(edu_client, county):
    (m,) = put(county.edu_user, 1)
    m = Message.objects.get(recipient=county.edu_user)
    response = edu_client.post(f"/notify/inbox/{m.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<li") and "已读" in html and f'id="msg-{m.pk}"' in html
    m.refresh_from_db()
    assert m.read_at is not None
    assert 'class="badge"' not in edu_client.get("/notify/inbox/").content.decode()


def test_out1_mark_read_without_htmx_redirects(edu_client, county):
    put(county.edu_user, 1)
    m = Message.objects.get(recipient=county.edu_user)
    response = edu_client.post(f"/notify/inbox/{m.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/notify/inbox/"


def test_out1_cannot_mark_someone_elses_message(edu_client, county):
    put(county.fin_user, 1)
    m = Message.objects.get(recipient=county.fin_user)
    assert edu_client.post(f"/notify/inbox/{m.pk}/read/").status_code == 404
    m.refresh_from_db()
    assert m.read_at is None


def test_out1_mark_read_needs_post(edu_client, county):
    put(county.edu_user, 1)
    m = Message.objects.get(recipient=county.edu_user)
    assert edu_client.get(f"/notify/inbox/{m.pk}/read/").status_code == 405


def test_out1_mark_all_read(edu_client, county):
    put(county.edu_user, 4)
    put(county.fin_user, 1, start=9)
    edu_client.post("/notify/inbox/read-all/")
    assert not Message.objects.filter(recipient=county.edu_user, read_at__isnull=True).exists()
    assert Message.objects.filter(recipient=county.fin_user, read_at__isnull=True).count() == 1


def test_out1_inbox_needs_login(client, db):
    assert client.get("/notify/inbox/").status_code == 302


def test_out1_email_copies_are_not_in_the_inbox(edu_client, county):
    now = timezone.now()
    Message.objects.create(recipient=county.edu_user, channel=Channel.EMAIL, address="e@example.gov.cn",
                           subject="邮件副本", body="-", source="breach", dedupe_key="mail:1", created_at=now)
    assert "邮件副本" not in edu_client.get("/notify/inbox/").content.decode()


def test_out1_inbox_query_count_does_not_grow_with_messages(edu_client, county, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    put(county.edu_user, 3)
    edu_client.get("/notify/inbox/")
    with CaptureQueriesContext(connection) as few:
        edu_client.get("/notify/inbox/")
    put(county.edu_user, 60, start=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = edu_client.get("/notify/inbox/").content.decode()
    assert page.count("【超期】事项") == 20 and "第 1 / 4 页" in page
    with django_assert_max_num_queries(len(few.captured_queries)):
        edu_client.get("/notify/inbox/", {"page": "2"})
    # What the page costs: session, user, security policy and password age,
    # roles, person, unread count, page count, page rows, session save.
    assert len(few.captured_queries) <= 13
