"""A local stand-in for the work-chat robots and an SMS gateway, for the demo
(`manage.py robot_receiver`, which `make run` starts) and for the tests,
which start it on a free port: a real HTTP server that speaks each
channel's protocol as the vendors document it and shows what it received.

- 企业微信   POST /cgi-bin/webhook/send?key=K        text ≤ 2048 bytes, markdown ≤ 4096;
                                                     20 a minute per robot, else 45009
- 钉钉       POST /robot/send?access_token=T&timestamp=…&sign=…
                                                     加签 checked (HMAC-SHA256 of "timestamp\\nsecret",
                                                     base64, URL-encoded; timestamp within an hour),
                                                     else 310000; 20 a minute, the 21st blocks the
                                                     robot for ten minutes: 130101
- 飞书       POST /open-apis/bot/v2/hook/H           签名校验 (HMAC-SHA256 keyed "timestamp\\nsecret"
                                                     over nothing), else 19021; 100 a minute and 5 a
                                                     second, else 9499 "too many request"; a body over
                                                     20 KB: 9499
- 短信网关   POST/GET /sms/send                      {"code": "0", "msg": "ok"}

GET / shows the received messages (newest first, refreshing itself);
GET /messages.json gives them to scripts. `script(kind, *answers)` makes
the next requests of a kind answer as given (a busy gateway, a robot that
refuses), for tests of retries."""

import base64
import collections
import datetime as dt
import hashlib
import hmac
import html
import json
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KIND_NAMES = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "sms": "短信"}
WECOM_TEXT_BYTES, WECOM_MARKDOWN_BYTES = 2048, 4096
FEISHU_BODY_BYTES = 20 * 1024
SIGN_WINDOW = 3600  # seconds: 钉钉 and 飞书 accept a timestamp within an hour


@dataclass
class Received:
    at: str
    kind: str
    robot: str
    name: str
    text: str
    mentions: list = field(default_factory=list)
    mobile: str = ""
    ok: bool = True
    answer: str = ""
    query: dict = field(default_factory=dict)
    path: str = ""
    payload: object = None
    monotonic: float = 0.0
    wall: float = 0.0


def dingtalk_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Receiver:
    """The server. `secret_for(kind, robot)` gives a robot's signing secret
    (None: the robot does not sign); `name_for(kind, robot)` its display
    name."""

    def __init__(self, host="127.0.0.1", port=0, secret_for=None, name_for=None, keep=2000, clock=None):
        # The clock of the rate limits (seconds): a test that injects
        # business moments passes one that follows them.
        self.clock = clock or time.monotonic
        self.secret_for = secret_for or (lambda kind, robot: None)
        self.name_for = name_for or (lambda kind, robot: robot)
        self.received = collections.deque(maxlen=keep)
        self.lock = threading.Lock()
        self._sent = collections.defaultdict(collections.deque)  # (kind, robot) -> monotonic moments
        self._blocked = {}
        self._script = collections.defaultdict(collections.deque)
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "duban-receiver/1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                receiver._get(self)

            def do_POST(self):
                receiver._post(self)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = None

    # -- control ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name="duban-receiver", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def serve_forever(self):
        self.server.serve_forever()

    def script(self, kind, *answers):
        """The next requests of `kind` get these answers: (HTTP status, dict)."""
        with self.lock:
            self._script[kind].extend(answers)

    def messages(self, kind=None, robot=None) -> list:
        with self.lock:
            rows = list(self.received)
        return [r for r in rows if (kind is None or r.kind == kind) and (robot is None or r.robot == robot)]

    def wait_for(self, count=1, timeout=10.0, **filters) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.messages(**filters)
            if len(rows) >= count:
                return rows
            time.sleep(0.02)
        return self.messages(**filters)

    # -- the protocols -------------------------------------------------------------------------

    def _rate(self, key, per_minute, per_second=None) -> bool:
        """Count one request for `key`; False when it is over a limit."""
        now = self.clock()
        sent = self._sent[key]
        while sent and now - sent[0] > 60:
            sent.popleft()
        if len(sent) >= per_minute:
            return False
        if per_second is not None and sum(1 for t in sent if now - t < 1) >= per_second:
            return False
        sent.append(now)
        return True

    def _answer(self, handler, status, data):
        raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)

    def _post(self, handler):
        url = urllib.parse.urlsplit(handler.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        path = url.path.rstrip("/")
        with self.lock:
            self.requests += 1
        if path == "/cgi-bin/webhook/send":
            status, data, rec = self._wecom(query, raw)
        elif path == "/robot/send":
            status, data, rec = self._dingtalk(query, raw)
        elif path.startswith("/open-apis/bot/v2/hook/"):
            status, data, rec = self._feishu(path.rsplit("/", 1)[-1], raw)
        elif path == "/sms/send":
            status, data, rec = self._sms(query, raw, handler.headers.get("Content-Type", ""))
        else:
            self._answer(handler, 404, {"errcode": 404, "errmsg": "not found"})
            return
        if rec is not None:
            with self.lock:
                scripted = self._script[rec.kind].popleft() if self._script[rec.kind] else None
            if scripted is not None:
                status, data = scripted
            rec.ok = self._is_ok(rec.kind, data)
            rec.answer = json.dumps(data, ensure_ascii=False)
            rec.query = query
            rec.path = handler.path
            with self.lock:
                self.received.append(rec)
        self._answer(handler, status, data)

    @staticmethod
    def _is_ok(kind, data):
        if kind in ("wecom", "dingtalk"):
            return data.get("errcode") == 0
        return str(data.get("code")) == "0"

    def _record(self, kind, robot, text, payload, mentions=(), mobile=""):
        now = dt.datetime.now(dt.UTC)
        return Received(at=now.isoformat(timespec="milliseconds"), kind=kind, robot=robot,
                        name=str(self.name_for(kind, robot) or robot), text=text, mentions=list(mentions),
                        mobile=mobile, payload=payload, monotonic=time.monotonic(), wall=time.time())

    def _json(self, raw):
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _wecom(self, query, raw):
        key = query.get("key", "")
        data = self._json(raw)
        if not key:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, None
        if data is None:
            return 200, {"errcode": 40058, "errmsg": "invalid json"}, None
        kind = data.get("msgtype")
        if kind == "text":
            text = str((data.get("text") or {}).get("content", ""))
            limit = WECOM_TEXT_BYTES
            mentions = (data.get("text") or {}).get("mentioned_mobile_list") or []
        elif kind == "markdown":
            text = str((data.get("markdown") or {}).get("content", ""))
            limit, mentions = WECOM_MARKDOWN_BYTES, []
        else:
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}, None
        if not text:
            return 200, {"errcode": 44004, "errmsg": "empty content"}, None
        if len(text.encode("utf-8")) > limit:
            return 200, {"errcode": 40058, "errmsg": f"content exceed max length {limit}"}, None
        with self.lock:
            allowed = self._rate(("wecom", key), 20)
        if not allowed:
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, None
        return 200, {"errcode": 0, "errmsg": "ok"}, self._record("wecom", key, text, data, mentions)

    def _dingtalk(self, query, raw):
        token = query.get("access_token", "")
        secret = self.secret_for("dingtalk", token)
        if secret:
            ts, sign = query.get("timestamp", ""), query.get("sign", "")
            try:
                fresh = abs(time.time() * 1000 - int(ts)) <= SIGN_WINDOW * 1000
            except ValueError:
                fresh = False
            if not fresh or not hmac.compare_digest(sign, dingtalk_sign(secret, ts)):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}, None
        data = self._json(raw)
        if data is None or data.get("msgtype") not in ("text", "markdown"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 json"}, None
        text = str((data.get("text") or {}).get("content") or (data.get("markdown") or {}).get("text") or "")
        mentions = (data.get("at") or {}).get("atMobiles") or []
        now = self.clock()
        with self.lock:
            if self._blocked.get(("dingtalk", token), 0) > now:
                allowed = False
            else:
                allowed = self._rate(("dingtalk", token), 20)
                if not allowed:
                    self._blocked[("dingtalk", token)] = now + 600
        if not allowed:
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, None
        return 200, {"errcode": 0, "errmsg": "ok"}, self._record("dingtalk", token, text, data, mentions)

    def _feishu(self, hook, raw):
        if len(raw) > FEISHU_BODY_BYTES:
            return 400, {"code": 9499, "msg": "Bad Request: request body too large", "data": {}}, None
        data = self._json(raw)
        if data is None:
            return 400, {"code": 9499, "msg": "Bad Request", "data": {}}, None
        secret = self.secret_for("feishu", hook)
        if secret:
            ts, sign = str(data.get("timestamp", "")), str(data.get("sign", ""))
            try:
                fresh = abs(time.time() - int(ts)) <= SIGN_WINDOW
            except ValueError:
                fresh = False
            if not fresh or not hmac.compare_digest(sign, feishu_sign(secret, ts)):
                return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour "
                                                   "from current time", "data": {}}, None
        text = str((data.get("content") or {}).get("text", ""))
        with self.lock:
            allowed = self._rate(("feishu", hook), 100, per_second=5)
        if not allowed:
            return 400, {"code": 9499, "msg": "too many request", "data": {}}, None
        return 200, {"code": 0, "msg": "success", "data": {}}, self._record("feishu", hook, text, data)

    def _sms(self, query, raw, content_type):
        params = dict(query)
        if raw:
            if "json" in content_type:
                params.update(self._json(raw) or {})
            else:
                params.update({k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode("utf-8", "replace")).items()})
        mobile = str(params.get("mobile") or params.get("phone") or params.get("to") or "")
        text = str(params.get("content") or params.get("text") or params.get("msg") or "")
        if not mobile or not text:
            return 200, {"code": "40001", "msg": "缺少号码或内容"}, None
        account = str(params.get("account") or params.get("appkey") or params.get("app_key") or "sms")
        return 200, {"code": "0", "msg": "ok"}, self._record("sms", account, text, params, mobile=mobile)

    # -- the page --------------------------------------------------------------------------

    def _get(self, handler):
        url = urllib.parse.urlsplit(handler.path)
        if url.path == "/messages.json":
            rows = [asdict(r) for r in self.messages()]
            self._answer(handler, 200, {"count": len(rows), "messages": rows})
            return
        if url.path not in ("", "/"):
            self._answer(handler, 404, {"errcode": 404, "errmsg": "not found"})
            return
        raw = self._page().encode("utf-8")
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)

    def _page(self) -> str:
        rows = list(reversed(self.messages()))
        body = []
        for r in rows[:300]:
            at = dt.datetime.fromisoformat(r.at).astimezone(dt.timezone(dt.timedelta(hours=8)))
            who = r.mobile or ("@" + "、".join(r.mentions) if r.mentions else "")
            body.append(
                f"<tr><td>{at:%Y-%m-%d %H:%M:%S}</td><td>{KIND_NAMES.get(r.kind, r.kind)}</td>"
                f"<td>{html.escape(r.name)}</td><td>{html.escape(who)}</td>"
                f"<td class='text'>{html.escape(r.text)}</td></tr>")
        table = "".join(body) or "<tr><td colspan='5'>还没有收到消息。</td></tr>"
        return (
            "<!doctype html><html lang='zh-Hans'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<meta http-equiv='refresh' content='3'><title>演示接收端 · 群机器人与短信</title>"
            "<style>body{font-family:sans-serif;margin:1rem}table{border-collapse:collapse;width:100%}"
            "td,th{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;text-align:left}"
            ".text{white-space:pre-wrap}</style></head><body>"
            "<h1>演示接收端：群机器人与短信</h1>"
            f"<p>模拟企业微信、钉钉、飞书群机器人和短信网关，已收到 {len(rows)} 条（每 3 秒刷新）。</p>"
            "<table><thead><tr><th>收到时间</th><th>渠道</th><th>群/账号</th><th>@/号码</th><th>内容</th></tr></thead>"
            f"<tbody>{table}</tbody></table></body></html>")
