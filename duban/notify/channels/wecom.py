"""企业微信 group robot: POST JSON to the webhook (…/cgi-bin/webhook/send?key=…).

Text may @ people by mobile (`mentioned_mobile_list`) and holds at most
2,048 bytes; markdown holds 4,096 and cannot @ by mobile. A robot takes
20 messages a minute; beyond that it answers 45009 (接口调用超过限制)."""

from .base import Answer, Outgoing, coded, fit_bytes, plain_text, send_json

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
    read = coded(status, text)
    if isinstance(read, Answer):
        return read
    code, message = read
    if code == 0:
        return Answer(ok=True, code="0", text=message, http_status=status)
    if code in RATE_LIMITED:
        return Answer(ok=False, code=str(code), text=message, http_status=status, retry=True, wait=60.0)
    return Answer(ok=False, code=str(code), text=message, http_status=status, retry=code in BUSY)


def send(endpoint, out: Outgoing) -> Answer:
    return send_json(endpoint.url, payload(endpoint, out), interpret)
