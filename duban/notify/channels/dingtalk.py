"""钉钉 group robot: POST JSON to the webhook (…/robot/send?access_token=…).

With 加签 each request carries `timestamp` (milliseconds, within an hour of
DingTalk's clock) and `sign`: HMAC-SHA256 keyed with the secret over
"timestamp\\nsecret", base64, URL-encoded. People are @-mentioned by mobile
(`at.atMobiles`, and "@mobile" in the text). A robot takes 20 messages a
minute; the 21st blocks it for ten minutes (130101), so the outbox never
sends it (the endpoint's per-minute limit) and, should DingTalk say so
anyway, waits out the block."""

import base64
import hashlib
import hmac
import time
import urllib.parse

from .base import Answer, Outgoing, coded, fit_bytes, plain_text, send_json

BLOCKED = {130101}  # send too fast, exceed 20 times per minute
BLOCK_SECONDS = 600.0
BUSY = {-1}


def sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), not yet URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    query = urllib.parse.urlencode({"timestamp": ts, "sign": sign(secret, ts)})
    return url + ("&" if "?" in url else "?") + query


def payload(endpoint, out: Outgoing) -> dict:
    at = {"atMobiles": out.mobiles, "isAtAll": False}
    if endpoint.msg_format == "markdown":
        text = plain_text(out, endpoint.keyword, mention_style="mobile")
        return {"msgtype": "markdown", "markdown": {"title": out.subject[:60], "text": fit_bytes(text, endpoint.size_limit)},
                "at": at}
    text = plain_text(out, endpoint.keyword, mention_style="mobile")
    return {"msgtype": "text", "text": {"content": fit_bytes(text, endpoint.size_limit)}, "at": at}


def interpret(status: int, text: str) -> Answer:
    read = coded(status, text)
    if isinstance(read, Answer):
        return read
    code, message = read
    if code == 0:
        return Answer(ok=True, code="0", text=message, http_status=status)
    if code in BLOCKED:
        return Answer(ok=False, code=str(code), text=message, http_status=status, retry=True,
                      wait=BLOCK_SECONDS, block=BLOCK_SECONDS)
    # 310000 (签名不匹配、关键词不符、IP 不在白名单), 300001 (token 不存在) …:
    # the configuration is wrong; retrying cannot help. -1: busy, retry.
    return Answer(ok=False, code=str(code), text=message, http_status=status, retry=code in BUSY)


def send(endpoint, out: Outgoing) -> Answer:
    return send_json(signed_url(endpoint.url, endpoint.secret), payload(endpoint, out), interpret)
