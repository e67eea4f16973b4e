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

from .base import (
    Answer,
    Outgoing,
    Transport,
    fit_bytes,
    http_failure,
    json_answer,
    network_failure,
    plain_text,
    post_json,
    utf8_len,
)

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
    data = json_answer(text)
    if data is None or ("code" not in data and "StatusCode" not in data):
        return http_failure(status, text) or Answer(ok=False, code=f"http{status}", text=text[:500],
                                                    http_status=status)
    code = int(data.get("code", data.get("StatusCode")) or 0)
    message = str(data.get("msg", data.get("StatusMessage", "")))
    if code == 0:
        return Answer(ok=True, code="0", text=message, http_status=status)
    if code in RATE_LIMITED or (code == BAD_REQUEST and "too many" in message.lower()):
        return Answer(ok=False, code=str(code), text=message, http_status=status, retry=True, wait=60.0)
    if status >= 500:
        return Answer(ok=False, code=str(code), text=message, http_status=status, retry=True)
    # 19021 签名校验失败或时间戳过期, 19024 关键词不符, 19022 IP 不允许 …
    return Answer(ok=False, code=str(code), text=message, http_status=status)


def send(endpoint, out: Outgoing) -> Answer:
    try:
        status, text = post_json(endpoint.url, payload(endpoint, out))
    except Transport as e:
        return network_failure(e)
    return interpret(status, text)
