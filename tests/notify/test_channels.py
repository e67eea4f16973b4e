"""OUT-1: the work-chat robots and the SMS gateway, each against a real
local HTTP server the test starts (duban.notify.receiver speaks each
vendor's protocol); signatures are checked here again, computed from the
vendors' documented recipes, not with the adapters' own functions."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse

import pytest
from django.contrib.auth import get_user_model

from duban.clocks import sweep
from duban.notify import services as notify
from duban.notify.models import Attempt, AttemptOutcome, Channel, Endpoint, Message, MessageState
from duban.org import services as org

from .conftest import Moment, local

pytestmark = [pytest.mark.django_db, pytest.mark.anydate]  # signatures and test sends use the real clock
User = get_user_model()

T0 = local(2026, 3, 2, 9)
EDU_MOBILE = "13900000001"
FIN_MOBILE = "13900000002"


@pytest.fixture
def mobiles(county):
    org.update_person(county.edu_user.person, mobile=EDU_MOBILE)
    org.update_person(county.fin_user.person, mobile=FIN_MOBILE)


def robot_messages(kind=None):
    qs = Message.objects.filter(endpoint__isnull=False).exclude(channel=Channel.SMS)
    return qs.filter(channel=kind) if kind else qs


def say(unit, text, at, key, people=(), sender=None, body=""):
    return notify.notify_unit(unit, text, body or "请及时办理。", key=key, at=at, people=people,
                              sender=sender)


# --- 企业微信 -------------------------------------------------------------------------------------

def test_out1_wecom_breach_reaches_the_unit_group_with_at_mobile(county, robot, receiver, make_clock, mobiles):
    robot("wecom", "K-edu")
    make_clock(started_at=T0)  # 1 h: due 10:00
    sweep.tick(T0 + dt.timedelta(hours=1), deliver=False)
    m = robot_messages().get()
    assert (m.channel, m.unit, m.state) == (Channel.WECOM, county.edu, MessageState.PENDING)
    assert notify.deliver_pending(now=T0 + dt.timedelta(hours=1)) >= 1
    got = receiver.wait_for(1, kind="wecom")[0]
    assert got.robot == "K-edu" and got.payload["msgtype"] == "text"
    assert got.payload["text"]["mentioned_mobile_list"] == [EDU_MOBILE]
    assert got.text.startswith("【超期】") and "责任单位：县教育局" in got.text
    m.refresh_from_db()
    assert m.state == MessageState.SENT
    attempt = m.attempt_rows.get()
    assert (attempt.outcome, attempt.code, attempt.http_status, attempt.answer) == (AttemptOutcome.OK, "0", 200, "ok")


def test_out1_wecom_text_is_cut_to_2048_bytes_markdown_to_4096(county, robot, receiver):
    text_robot = robot("wecom", "K-text")
    md_robot = robot("wecom", "K-md", unit=county.fin, msg_format="markdown")
    long_body = "县教育局学生资助资金审核发放情况。" * 400  # far over 4096 bytes
    say(county.edu, "【督办】资助资金", T0, "long:1", body=long_body)
    say(county.fin, "【督办】财政资金", T0, "long:2", body=long_body)
    assert notify.deliver_pending(now=T0) == 2
    text = receiver.messages(robot="K-text")[0]
    md = receiver.messages(robot="K-md")[0]
    # The receiver refuses anything longer (40058), so being received proves the fit.
    assert 2000 < len(text.text.encode()) <= 2048 and text.text.endswith("详见平台）")
    assert md.payload["msgtype"] == "markdown" and 4000 < len(md.text.encode()) <= 4096
    assert text_robot.size_limit == 2048 and md_robot.size_limit == 4096


# --- 钉钉 -----------------------------------------------------------------------------------------

DING_SECRET = "SECf3a1c0ffee0123456789abcdef0123456789abcdef0123456789abcdef01"


def test_out1_dingtalk_signs_each_request_with_hmac_sha256(county, robot, receiver, mobiles):
    ep = robot("dingtalk", "T-town", unit=county.town, secret=DING_SECRET)
    # The webhook's token and the signing secret are SM4-encrypted at rest.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT url, secret FROM notify_endpoint WHERE id = %s", [ep.pk])
        url, secret = cur.fetchone()
    assert url.startswith("sm4:") and "T-town" not in url and secret.startswith("sm4:") and DING_SECRET not in secret
    say(county.town, "【督办】城关镇事项", T0, "ding:1", people=[county.edu_user])
    assert notify.deliver_pending(now=T0) == 1
    got = receiver.messages(kind="dingtalk")[0]
    ts, sign = got.query["timestamp"], got.query["sign"]
    # The documented recipe: HMAC-SHA256 keyed with the secret over
    # "timestamp\nsecret", base64, then URL-encoded in the query.
    expected = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected
    assert "sign=" + urllib.parse.quote_plus(expected) in got.path
    assert abs(int(ts) - got.wall * 1000) < 3_600_000  # within the hour DingTalk allows
    assert got.payload["at"]["atMobiles"] == [EDU_MOBILE] and f"@{EDU_MOBILE}" in got.text


def test_out1_dingtalk_wrong_secret_fails_at_once_and_the_sender_is_told(county, robot, receiver):
    robot("dingtalk", "T-bad", unit=county.town, secret="SECwrong")
    receiver.secrets[("dingtalk", "T-bad")] = "SECright"
    say(county.town, "【催办】城关镇事项", T0, "ding:bad", sender=county.supervisor)
    notify.deliver_pending(now=T0)
    m = robot_messages().get()
    # 310000 (签名不匹配) is a configuration error: not retried.
    assert (m.state, m.attempts, m.next_attempt_at) == (MessageState.DEAD, 1, None)
    attempt = m.attempt_rows.get()
    assert attempt.code == "310000" and "sign not match" in attempt.answer
    told = Message.objects.get(recipient=county.supervisor, channel=Channel.INAPP, subject__startswith="【未送达】")
    assert "钉钉群机器人" in told.body and "310000" in told.body
    assert receiver.messages() == []  # the receiver took nothing


def test_out1_dingtalk_never_sends_a_21st_message_within_a_minute(county, robot, receiver, settings):
    clock = Moment(T0)
    receiver.clock = clock
    robot("dingtalk", "T-busy", unit=county.town, secret=DING_SECRET)
    for i in range(25):
        at = clock.at(T0 + dt.timedelta(seconds=i))
        say(county.town, f"【督办】第{i + 1}件", at, f"burst:{i}")
        notify.deliver_pending(now=at)
    assert len(receiver.messages(kind="dingtalk")) == 20
    waiting = robot_messages().filter(state=MessageState.PENDING)
    assert waiting.count() == 5
    # Each waits for the first of the minute's twenty to age out, without an attempt.
    assert all(m.next_attempt_at >= T0 + dt.timedelta(seconds=60) and m.attempts == 0 for m in waiting)
    assert "每分钟最多20条" in waiting.first().last_error
    at = clock.at(T0 + dt.timedelta(seconds=61))
    notify.deliver_pending(now=at)
    received = receiver.messages(kind="dingtalk")
    assert len(received) == 21 and "共5条" in received[-1].text  # the five waiting go as one
    assert all(r.ok for r in received)  # never 130101
    assert not Attempt.objects.filter(code="130101").exists()


def test_out1_dingtalk_130101_blocks_the_robot_for_ten_minutes(county, robot, receiver):
    ep = robot("dingtalk", "T-blocked", unit=county.town, secret=DING_SECRET)
    receiver.script("dingtalk", (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}))
    say(county.town, "【督办】一", T0, "blk:1")
    notify.deliver_pending(now=T0)
    first = robot_messages().get()
    assert first.state == MessageState.FAILED and first.next_attempt_at >= T0 + dt.timedelta(minutes=10)
    ep.refresh_from_db()
    assert ep.blocked_until == T0 + dt.timedelta(minutes=10)
    say(county.town, "【督办】二", T0 + dt.timedelta(minutes=1), "blk:2")
    notify.deliver_pending(now=T0 + dt.timedelta(minutes=1))
    second = robot_messages().exclude(pk=first.pk).get()
    assert second.state == MessageState.PENDING and second.next_attempt_at == ep.blocked_until
    assert second.attempt_rows.count() == 0
    assert [r.ok for r in receiver.messages()] == [False]  # only the first request reached DingTalk


# --- 飞书 -----------------------------------------------------------------------------------------

FEISHU_SECRET = "fs-secret-0123456789"


def test_out1_feishu_signature_key_is_timestamp_and_secret(county, robot, receiver, mobiles):
    robot("feishu", "H-office", unit=county.office, secret=FEISHU_SECRET)
    say(county.office, "【督办】办公室事项", T0, "fs:1", people=[county.edu_user])
    assert notify.deliver_pending(now=T0) == 1
    got = receiver.messages(kind="feishu")[0]
    ts = got.payload["timestamp"]
    expected = base64.b64encode(hmac.new(f"{ts}\n{FEISHU_SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
    assert got.payload["sign"] == expected and abs(int(ts) - got.wall) < 3600
    assert got.payload["msg_type"] == "text" and "@张教育" in got.text


def test_out1_feishu_five_a_second_and_a_body_of_at_most_20kb(county, robot, receiver):
    clock = Moment(T0)
    receiver.clock = clock
    robot("feishu", "H-fast", unit=county.office, secret=FEISHU_SECRET)
    for i in range(7):
        say(county.office, f"【督办】第{i}件", T0, f"fast:{i}", body="材料" * 8000 if i == 0 else "")
    for _ in range(7):  # one message per claim, as seven separate workers would
        notify.deliver_pending(now=T0, limit=1)
    assert len(receiver.messages(kind="feishu")) == 5
    assert robot_messages().filter(state=MessageState.PENDING, next_attempt_at__gt=T0).count() == 2
    first = receiver.messages(kind="feishu")[0]
    # The receiver refuses a body over 20 KB (9499); the long one was cut to fit.
    assert len(json.dumps(first.payload, ensure_ascii=False).encode()) <= 20 * 1024
    assert first.text.endswith("详见平台）")
    notify.deliver_pending(now=clock.at(T0 + dt.timedelta(seconds=2)))
    assert len(receiver.messages(kind="feishu")) == 6  # the two waiting went as one digest


def test_out1_feishu_too_many_request_is_retried_after_a_minute(county, robot, receiver):
    robot("feishu", "H-429", unit=county.office, secret=FEISHU_SECRET)
    receiver.script("feishu", (400, {"code": 9499, "msg": "too many request", "data": {}}))
    say(county.office, "【督办】限流", T0, "fs:429")
    notify.deliver_pending(now=T0)
    m = robot_messages().get()
    assert m.state == MessageState.FAILED and m.next_attempt_at >= T0 + dt.timedelta(seconds=60)
    assert m.attempt_rows.get().code == "9499"
    notify.deliver_pending(now=T0 + dt.timedelta(seconds=61))
    m.refresh_from_db()
    assert m.state == MessageState.SENT and m.attempt_rows.count() == 2


# --- SMS --------------------------------------------------------------------------------------------

def sms_messages():
    return Message.objects.filter(channel=Channel.SMS)


def test_out1_sms_gateway_request_follows_the_configured_template(county, sms_gateway, receiver, make_clock,
                                                                    mobiles):
    sms_gateway()
    make_clock(started_at=T0)
    sweep.tick(T0 + dt.timedelta(hours=1), deliver=False)  # a breach: red, SMS by default
    m = sms_messages().get()
    assert (m.address, m.recipient, m.state) == (EDU_MOBILE, county.edu_user, MessageState.PENDING)
    notify.deliver_pending(now=T0 + dt.timedelta(hours=1))
    got = receiver.messages(kind="sms")[0]
    params = got.payload
    assert params["mobile"] == EDU_MOBILE and params["account"] == "duban-test"
    assert params["content"].startswith("【超期】")
    expected = hashlib.md5(f"duban-test{EDU_MOBILE}{params['timestamp']}gw-secret".encode()).hexdigest()  # noqa: S324
    assert params["sign"] == expected
    m.refresh_from_db()
    assert m.state == MessageState.SENT and m.attempt_rows.get().code == "0"


def text_to(user, text, at, key, **kw):
    return notify.notify_user(user, text, "", key=key, at=at, level="red", **kw)


def test_out1_sms_same_text_to_a_number_within_30s_is_dropped(county, sms_gateway, receiver, mobiles):
    sms_gateway()
    for i, seconds in enumerate((0, 10, 40)):
        at = T0 + dt.timedelta(seconds=seconds)
        text_to(county.edu_user, "【催办】请今日报送", at, f"dup:{i}")
        notify.deliver_pending(now=at)
    states = list(sms_messages().order_by("id").values_list("state", flat=True))
    assert states == [MessageState.SENT, MessageState.SKIPPED, MessageState.SENT]
    assert "30秒内已向该号码发送相同内容" in sms_messages().order_by("id")[1].last_error
    assert len(receiver.messages(kind="sms")) == 2


def test_out1_sms_daily_cap_per_number(county, sms_gateway, receiver, mobiles):
    sms_gateway(daily_cap=3)
    for i in range(4):
        at = T0 + dt.timedelta(minutes=i)
        text_to(county.edu_user, f"【超期】第{i}件", at, f"cap:{i}")
        text_to(county.fin_user, f"【超期】第{i}件", at, f"capfin:{i}")
        notify.deliver_pending(now=at)
    mine = sms_messages().filter(address=EDU_MOBILE).order_by("id")
    assert [m.state for m in mine] == [MessageState.SENT] * 3 + [MessageState.SKIPPED]
    assert "今日短信已达上限（3条）" in mine.last().last_error
    assert sms_messages().filter(address=FIN_MOBILE, state=MessageState.SENT).count() == 3
    # The next day the number may be texted again.
    tomorrow = T0 + dt.timedelta(days=1)
    text_to(county.edu_user, "【超期】次日", tomorrow, "cap:next")
    notify.deliver_pending(now=tomorrow)
    assert sms_messages().filter(address=EDU_MOBILE, state=MessageState.SENT).count() == 4


def test_out1_no_sms_in_quiet_hours_except_duty_and_extra_urgent(county, sms_gateway, receiver, mobiles):
    sms_gateway()
    night = local(2026, 3, 2, 23, 10)
    text_to(county.edu_user, "【超期】夜间一般事项", night, "night:1")
    text_to(county.edu_user, "【特急】夜间特急事项", night, "night:2", urgent=True)
    notify.deliver_pending(now=night)
    normal, urgent = sms_messages().order_by("id")
    assert urgent.state == MessageState.SENT
    assert normal.state == MessageState.PENDING and normal.next_attempt_at == local(2026, 3, 3, 7)
    assert [r.payload["content"] for r in receiver.messages(kind="sms")] == ["【特急】夜间特急事项"]
    notify.deliver_pending(now=local(2026, 3, 3, 7))
    normal.refresh_from_db()
    assert normal.state == MessageState.SENT


def test_out1_sms_gateway_retry_codes_and_permanent_refusals(county, sms_gateway, receiver, mobiles):
    sms_gateway(retry_values="BUSY")
    receiver.script("sms", (200, {"code": "BUSY", "msg": "网关忙"}), (200, {"code": "40003", "msg": "号码无效"}))
    text_to(county.edu_user, "【超期】一", T0, "gw:1")
    notify.deliver_pending(now=T0)
    m = sms_messages().get()
    assert m.state == MessageState.FAILED and "网关忙" in m.last_error
    notify.deliver_pending(now=T0 + dt.timedelta(minutes=1))
    m.refresh_from_db()
    assert (m.state, m.attempts) == (MessageState.DEAD, 2) and "号码无效" in m.last_error
    assert list(m.attempt_rows.values_list("code", flat=True)) == ["BUSY", "40003"]


# --- who gets what -----------------------------------------------------------------------------------

def test_out1_fifty_yellow_lights_at_0830_are_one_message_per_channel(county, robot, sms_gateway, receiver,
                                                                       make_clock, mobiles):
    robot("wecom", "K-edu")
    sms_gateway()
    User.objects.filter(pk=county.edu_user.pk).update(email="edu@example.gov.cn")
    notify.set_preferences(county.edu_user, sms_level="yellow")
    start = local(2026, 3, 2, 8, 0)
    for i in range(50):  # each 45 min from 08:00 with its warning at 08:30
        make_clock(limit="45min", started_at=start, warn_at=local(2026, 3, 2, 8, 30), label=f"事项{i + 1}签收")
    sweep.tick(local(2026, 3, 2, 8, 30), deliver=False)
    assert robot_messages().count() == 50 and sms_messages().count() == 50
    notify.deliver_pending(now=local(2026, 3, 2, 8, 30))
    chat, texts = receiver.messages(kind="wecom"), receiver.messages(kind="sms")
    assert len(chat) == 1 and len(texts) == 1
    assert "共50条：临期预警50条" in chat[0].text and "……另有20条" in chat[0].text
    assert Message.objects.filter(channel=Channel.EMAIL, state=MessageState.MERGED).count() == 50
    assert Message.objects.filter(channel=Channel.EMAIL, state=MessageState.SENT).count() == 1  # the digest


def test_out1_daily_digest_instead_of_single_messages_for_green_and_yellow(county, sms_gateway, receiver,
                                                                           make_clock, mobiles):
    sms_gateway()
    notify.set_preferences(county.edu_user, sms_level="green", daily_digest=True)
    make_clock(started_at=T0)
    sweep.tick(local(2026, 3, 2, 9, 40), deliver=False)  # the warning: yellow
    warning = sms_messages().get()
    assert warning.next_attempt_at == local(2026, 3, 3, 8, 30)
    sweep.tick(local(2026, 3, 2, 10), deliver=False)  # the breach: red, at once
    breach = sms_messages().exclude(pk=warning.pk).get()
    assert breach.next_attempt_at == local(2026, 3, 2, 10)


def test_org4_robot_mentions_b_while_a_is_away(county, robot, receiver, make_clock, mobiles):
    robot("wecom", "K-edu")
    org.set_backup(county.edu_user.person, county.fin_user)
    org.set_away(county.edu_user.person, local(2026, 3, 1), local(2026, 3, 5), "外出学习")
    make_clock(started_at=T0)
    sweep.tick(local(2026, 3, 2, 9, 40))
    notify.deliver_pending(now=local(2026, 3, 2, 9, 40))
    got = receiver.wait_for(1, kind="wecom")[0]
    assert got.payload["text"]["mentioned_mobile_list"] == [EDU_MOBILE, FIN_MOBILE]
    assert "外出期间由B角李财政代为接收" in got.text


def test_out1_an_office_without_a_robot_uses_its_departments(county, robot, receiver):
    robot("wecom", "K-edu")
    say(county.edu_office, "【督办】基础教育股事项", T0, "office:1")
    assert robot_messages().get().endpoint.name == "wecom-K-edu"
    assert say(county.town, "【督办】城关镇", T0, "office:2") == 0  # no robot, no message


def test_out1_outbox_shows_each_attempt_with_the_channels_answer(client, county, robot, receiver):
    robot("feishu", "H-out", unit=county.office, secret=FEISHU_SECRET)
    receiver.script("feishu", (400, {"code": 9499, "msg": "too many request", "data": {}}))
    say(county.office, "【督办】队列", T0, "out:1")
    notify.deliver_pending(now=T0)
    client.force_login(county.sysadmin)
    page = client.get("/notify/outbox/", {"channel": "feishu"}).content.decode()
    assert "飞书群机器人" in page and "返回码 9499" in page and "too many request" in page and "HTTP 400" in page


# --- configuration -------------------------------------------------------------------------------------

def test_out1_administrator_configures_a_robot_and_sends_a_test_message(client, county, receiver):
    client.force_login(county.sysadmin)
    receiver.secrets[("dingtalk", "T-new")] = DING_SECRET
    form = {"kind": "dingtalk", "name": "城关镇工作群", "unit": str(county.town.pk),
            "url": receiver.url + "/robot/send?access_token=T-new", "secret": DING_SECRET, "msg_format": "text",
            "per_minute": "25", "http_method": "post_json", "sign_algorithm": "none", "is_active": "on"}
    page = client.post("/notify/channels/new/", form).content.decode()
    assert "钉钉群机器人每分钟最多 20 条" in page  # more would block the robot for ten minutes
    form["per_minute"] = "20"
    response = client.post("/notify/channels/new/", form)
    ep = Endpoint.objects.get(name="城关镇工作群")
    assert response.status_code == 302 and (ep.per_minute, ep.max_bytes) == (20, 20000)
    page = client.post(f"/notify/channels/{ep.pk}/", {"action": "test", "text": "配置测试"}).content.decode()
    assert "测试结果：成功" in page and "渠道返回码" in page and "ok" in page
    assert "配置测试" in receiver.messages(robot="T-new")[0].text
    from duban.journal.models import Event

    events = Event.objects.filter(action__startswith="notify.endpoint").order_by("seq")
    assert [e.action for e in events] == ["notify.endpoint.create", "notify.endpoint.test"]
    assert DING_SECRET not in json.dumps([e.after for e in events], ensure_ascii=False)


@pytest.mark.parametrize("who", ["supervisor", "edu_head", "secadmin", "leader"])
def test_out1_only_the_system_administrator_configures_channels(client, county, who):
    client.force_login(getattr(county, who))
    assert client.get("/notify/channels/").status_code == 404
    assert client.post("/notify/channels/new/", {"kind": "wecom"}).status_code == 404


def test_out1_a_person_chooses_channels_quiet_hours_and_digest(client, county):
    client.force_login(county.edu_user)
    response = client.post("/notify/preferences/", {
        "email_level": "yellow", "sms_level": "off", "robot_mention": "", "quiet_start": "21:30",
        "quiet_end": "07:30", "daily_digest": "on", "digest_time": "08:00"})
    assert response.status_code == 302
    pref = notify.preference_for(county.edu_user)
    assert (pref.email_level, pref.sms_level, pref.robot_mention, pref.daily_digest) == ("yellow", "off", False, True)
    assert (pref.quiet_start, pref.digest_time) == (dt.time(21, 30), dt.time(8, 0))
