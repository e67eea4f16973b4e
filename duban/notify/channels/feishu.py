"""飞书 robot: POST JSON to the webhook (…/open-apis/bot/v2/hook/…).

With 签名校验 the body carries `timestamp` (seconds, within an hour) and
`sign`: HMAC-SHA256 whose *key* is "timestamp\\nsecret" over an empty
message, base64. A robot takes 100 messages a minute and 5 a second
(beyond: 9499 "too many request", or 11232 frequency limited); a request
body holds at most 20 KB. Custom robots cannot @ by mobile: names are
written out."""

import base64
import hashlib
import hmac
import json
import time

from .base import Answer, Outgoing, coded, fit_bytes, plain_text, send_json, utf8_len

RATE_LIMITED = {11232}
BAD_REQUEST = 9499  # also the code of "too many request"


def sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key="timestamp\\nsecret", message=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _escaped_len(text: str) -> int:
    return utf8_len(json.dumps(text, ensure_ascii=False)) - 2


def payload(endpoint, out: Outgoing, timestamp_s: int | None = None) -> dict:
    body = {"msg_type": "text", "content": {"text": ""}}
    if endpoint.secret:
        ts = int(time.time()) if timestamp_s is None else timestamp_s
        body = {"timestamp": str(ts), "sign": sign(endpoint.secret, ts), **body}
    text = plain_text(out, endpoint.keyword, mention_style="name")
    # The limit is the whole body's: the text gets what the envelope leaves,
    # counted as JSON writes it (quotes and line breaks are escaped).
    overhead = utf8_len(json.dumps(body, ensure_ascii=False))
    room = endpoint.size_limit - overhead
    budget = room
    fitted = fit_bytes(text, budget)
    while _escaped_len(fitted) > room and budget > 0:
        budget -= _escaped_len(fitted) - room
        fitted = fit_bytes(text, max(0, budget))
    body["content"]["text"] = fitted
    return body


def interpret(status: int, text: str) -> Answer:
    read = coded(status, text, code_keys=("code", "StatusCode"), message_keys=("msg", "StatusMessage"))
    if isinstance(read, Answer):
        return read
    code, message = read
    if code == 0:
        return Answer(ok=True, code="0", text=message, http_status=status)
    if code in RATE_LIMITED or (code == BAD_REQUEST and "too many" in message.lower()):
        return Answer(ok=False, code=str(code), text=message, http_status=status, retry=True, wait=60.0)
    # 19021 签名校验失败或时间戳过期, 19024 关键词不符, 19022 IP 不允许 …
    return Answer(ok=False, code=str(code), text=message, http_status=status, retry=status >= 500)


def send(endpoint, out: Outgoing) -> Answer:
    return send_json(endpoint.url, payload(endpoint, out), interpret)
