"""A generic HTTP SMS gateway. Each province's 政务短信平台 differs, so the
endpoint row describes the request: URL, method (JSON, form or query),
a parameter template with placeholders, the text signed and how, and which
field of the answer says success or "try again later".

Placeholders: {mobile} {content} {app_key} {timestamp} (seconds) {timestamp_ms}
{nonce} {sign}; the sign template may also use {secret}. Values are put
into the parsed JSON template, so a content with quotes or line breaks
stays valid JSON."""

import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes

from .base import Answer, Outgoing, Transport, fit_chars, http_failure, json_answer, network_failure, request

PLACEHOLDER = re.compile(r"\{(\w+)\}")
TEMPLATE_NAMES = frozenset({"mobile", "content", "app_key", "timestamp", "timestamp_ms", "nonce", "sign"})
SIGN_NAMES = TEMPLATE_NAMES - {"sign"} | {"secret"}


def fill(template: str, values: dict) -> str:
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def unknown_placeholders(template: str, allowed=TEMPLATE_NAMES) -> list:
    return sorted({name for name in PLACEHOLDER.findall(template or "") if name not in allowed})


def digest(algorithm: str, text: str, secret: str) -> str:
    data = text.encode("utf-8")
    if algorithm == "md5":
        return hashlib.md5(data).hexdigest()  # noqa: S324 - the gateway's choice, not ours
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "hmac_sha256":
        return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()
    if algorithm == "sm3":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    return ""


def parse_template(template: str) -> dict:
    data = json.loads(template or "{}")
    if not isinstance(data, dict):
        raise ValueError("参数模板应为 JSON 对象")
    return data


def _fill_params(node, values):
    if isinstance(node, str):
        return fill(node, values)
    if isinstance(node, dict):
        return {k: _fill_params(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill_params(v, values) for v in node]
    return node


def text_of(out: Outgoing, endpoint) -> str:
    text = out.subject if not out.body else f"{out.subject}：{out.body}"
    text = " ".join(text.split())
    if endpoint.keyword and not text.startswith(f"【{endpoint.keyword}】"):
        text = f"【{endpoint.keyword}】{text}"
    return fit_chars(text, endpoint.size_limit)


def build(endpoint, mobile: str, content: str, *, now_s: float | None = None, nonce: str | None = None) -> tuple:
    """(method, url, body, content type) of the gateway request."""
    now_s = time.time() if now_s is None else now_s
    values = {"mobile": mobile, "content": content, "app_key": endpoint.app_key, "timestamp": int(now_s),
              "timestamp_ms": int(now_s * 1000), "nonce": nonce or secrets.token_hex(8)}
    if endpoint.sign_algorithm and endpoint.sign_algorithm != "none":
        values["sign"] = digest(endpoint.sign_algorithm, fill(endpoint.sign_template, {**values,
                                                                                      "secret": endpoint.secret}),
                                endpoint.secret)
    else:
        values["sign"] = ""
    params = _fill_params(parse_template(endpoint.params_template), values)
    if endpoint.http_method == "get":
        query = urllib.parse.urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()})
        return "GET", endpoint.url + ("&" if "?" in endpoint.url else "?") + query, None, ""
    if endpoint.http_method == "post_form":
        body = urllib.parse.urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()})
        return "POST", endpoint.url, body.encode("utf-8"), "application/x-www-form-urlencoded; charset=utf-8"
    return "POST", endpoint.url, json.dumps(params, ensure_ascii=False).encode("utf-8"), \
        "application/json; charset=utf-8"


def _lookup(data, path: str):
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _values(text: str) -> set:
    return {v.strip() for v in (text or "").split(",") if v.strip()}


def interpret(endpoint, status: int, text: str) -> Answer:
    failure = http_failure(status, text)
    if failure is not None:
        return failure
    if not endpoint.success_field:
        ok = 200 <= status < 300
        return Answer(ok=ok, code=str(status), text=text[:500], http_status=status)
    data = json_answer(text)
    value = _lookup(data, endpoint.success_field) if data is not None else None
    code = "" if value is None else str(value)
    message = ""
    if data is not None:
        message = str(data.get("msg") or data.get("message") or data.get("errmsg") or "")
    if code in _values(endpoint.success_values):
        return Answer(ok=True, code=code, text=message or text[:200], http_status=status)
    if code in _values(endpoint.retry_values):
        return Answer(ok=False, code=code, text=message or text[:500], http_status=status, retry=True)
    return Answer(ok=False, code=code or f"http{status}", text=message or text[:500], http_status=status)


def send(endpoint, out: Outgoing) -> Answer:
    method, url, body, content_type = build(endpoint, out.address, text_of(out, endpoint))
    try:
        status, text = request(method, url, body, content_type)
    except Transport as e:
        return network_failure(e)
    return interpret(endpoint, status, text)
