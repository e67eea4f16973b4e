"""What every channel adapter shares: the message to send, the channel's
answer, one HTTP request with a timeout, and fitting text into a size
limit counted in UTF-8 bytes (the robots count bytes, not characters)."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings

TRUNCATED = "……（内容过长，详见平台）"


@dataclass
class Outgoing:
    """One message as a channel sends it."""

    subject: str
    body: str
    link: str = ""
    # [{"name": "张三", "mobile": "13800000000"}]: whom a group robot @s.
    mentions: list = field(default_factory=list)
    address: str = ""  # a mobile number or an e-mail address

    @property
    def mobiles(self) -> list:
        return [m["mobile"] for m in self.mentions if m.get("mobile")]


@dataclass
class Answer:
    """What the channel said. `retry`: worth trying again later (busy, rate
    limited, unreachable); `wait`: seconds the channel asks us to wait at
    least; `block`: seconds the channel has stopped taking our messages
    (钉钉 130101: ten minutes)."""

    ok: bool
    code: str = ""
    text: str = ""
    http_status: int | None = None
    retry: bool = False
    wait: float = 0.0
    block: float = 0.0

    @property
    def summary(self) -> str:
        parts = []
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.code:
            parts.append(f"返回码 {self.code}")
        if self.text:
            parts.append(self.text[:500])
        return "，".join(parts)


class Transport(Exception):
    """The request did not get an answer (refused, timed out, reset)."""


def timeout() -> float:
    return float(getattr(settings, "DUBAN_NOTIFY_HTTP_TIMEOUT", 10))


def request(method: str, url: str, body: bytes | None = None, content_type: str = "") -> tuple:
    """(HTTP status, answer text) of one request; Transport when there is
    no answer at all. HTTP errors are answers too: their bodies carry the
    channel's own code."""
    req = urllib.request.Request(url, data=body, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    req.add_header("User-Agent", "duban-notify/1")
    try:
        with urllib.request.urlopen(req, timeout=timeout()) as resp:  # noqa: S310 - configured http(s) URLs
            return resp.status, resp.read(1_000_000).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        try:
            text = e.read(1_000_000).decode("utf-8", "replace")
        except Exception:  # a broken error body
            text = ""
        return e.code, text
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise Transport(f"{type(reason).__name__}: {reason}") from None


def post_json(url: str, payload: dict) -> tuple:
    return request("POST", url, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                   "application/json; charset=utf-8")


def json_answer(text: str):
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def fit_bytes(text: str, limit: int, suffix: str = TRUNCATED) -> str:
    """`text`, cut so that it takes at most `limit` UTF-8 bytes, ending with
    `suffix` when cut (never in the middle of a character)."""
    if utf8_len(text) <= limit:
        return text
    room = max(0, limit - utf8_len(suffix))
    cut = text.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + suffix if utf8_len(cut + suffix) <= limit else cut


def fit_chars(text: str, limit: int, suffix: str = "……") -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(suffix))] + suffix


def full_link(link: str) -> str:
    if not link:
        return ""
    if link.startswith(("http://", "https://")):
        return link
    base = getattr(settings, "DUBAN_BASE_URL", "").rstrip("/")
    return base + link if base else link


def plain_text(out: Outgoing, keyword: str = "", mention_style: str = "") -> str:
    """The text a robot or a phone shows: the keyword the robot requires,
    subject, body, the people @-mentioned and the link."""
    lines = []
    head = out.subject
    if keyword and keyword not in head and keyword not in out.body:
        head = f"【{keyword}】{head}"
    lines.append(head)
    if out.body:
        lines.append(out.body)
    if mention_style == "mobile" and out.mobiles:
        lines.append(" ".join(f"@{m}" for m in out.mobiles))
    elif mention_style == "name" and out.mentions:
        lines.append(" ".join(f"@{m.get('name') or m.get('mobile')}" for m in out.mentions))
    link = full_link(out.link)
    if link:
        lines.append(f"详情：{link}")
    return "\n".join(lines)


def network_failure(error: Exception) -> Answer:
    return Answer(ok=False, code="network", text=str(error), retry=True)


def http_failure(status: int, text: str) -> Answer | None:
    """An answer that says nothing in the channel's own words: a server
    error or 429 is worth retrying, any other status without a body is not."""
    if status >= 500 or status == 429:
        return Answer(ok=False, code=f"http{status}", text=text[:500], http_status=status, retry=True,
                      wait=60.0 if status == 429 else 0.0)
    return None


def coded(status: int, text: str, code_keys=("errcode",), message_keys=("errmsg",)):
    """(code, message) of a channel's JSON answer, or an Answer when the
    answer does not say anything in the channel's own words (not JSON, no
    code): a server error or 429 is worth retrying, anything else not."""
    data = json_answer(text)
    key = next((k for k in code_keys if data is not None and k in data), None)
    if key is None:
        return http_failure(status, text) or Answer(ok=False, code=f"http{status}", text=text[:500],
                                                    http_status=status)
    message = next((str(data[k]) for k in message_keys if data.get(k) not in (None, "")), "")
    return int(data.get(key) or 0), message


def send_json(url: str, payload: dict, interpret) -> Answer:
    """POST the payload; the channel's answer as `interpret(status, text)`
    reads it, or a retryable network failure."""
    try:
        status, text = post_json(url, payload)
    except Transport as e:
        return network_failure(e)
    return interpret(status, text)
