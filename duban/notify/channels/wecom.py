"""企业微信 group robot: POST JSON to the webhook (…/cgi-bin/webhook/send?key=…).

Text may @ people by mobile (`mentioned_mobile_list`) and holds at most
2,048 bytes; markdown holds 4,096 and cannot @ by mobile. A robot takes
20 messages a minute; beyond that it answers 45009 (接口调用超过限制)."""

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
)

RATE_LIMITED = {45009}
BUSY = {-1}


def payload(endpoint, out: Outgoing) -> dict:
    limit = endpoint.size_limit
    if endpoint.msg_format == "markdown":
        text = plain_text(out, endpoint.keyword, mention_style="name")
        first, _, rest = text.partition("\n")
        return {"msgtype": "markdown", "markdown": {"content": fit_bytes(f"**{first}**\n{rest}", limit)}}
    text = plain_text(out, endpoint.keyword)
    body = {"msgtype": "text", "text": {"content": fit_bytes(text, limit)}}
    if out.mobiles:
        body["text"]["mentioned_mobile_list"] = out.mobiles
    return body


def interpret(status: int, text: str) -> Answer:
    data = json_answer(text)
    if data is None or "errcode" not in data:
        return http_failure(status, text) or Answer(ok=False, code=f"http{status}", text=text[:500],
                                                    http_status=status)
    code = int(data.get("errcode") or 0)
    message = str(data.get("errmsg", ""))
    if code == 0:
        return Answer(ok=True, code="0", text=message, http_status=status)
    if code in RATE_LIMITED:
        return Answer(ok=False, code=str(code), text=message, http_status=status, retry=True, wait=60.0)
    if code in BUSY:
        return Answer(ok=False, code=str(code), text=message, http_status=status, retry=True)
    return Answer(ok=False, code=str(code), text=message, http_status=status)


def send(endpoint, out: Outgoing) -> Answer:
    try:
        status, text = post_json(endpoint.url, payload(endpoint, out))
    except Transport as e:
        return network_failure(e)
    return interpret(status, text)
