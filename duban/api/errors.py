"""The one shape of every error answer (ErrorOut) and the answers every
operation of the published schema may give."""

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator

ERROR_REF = "#/components/schemas/ErrorOut"


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def error_body(detail: str, errors: dict | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}


def django_errors(e) -> dict:
    """A Django ValidationError as ErrorOut: per field where it names fields."""
    if hasattr(e, "error_dict"):
        errors = e.message_dict
        detail = "；".join(m for msgs in errors.values() for m in msgs)
    else:
        errors, detail = {}, "；".join(e.messages)
    return error_body(detail, errors)


# pydantic's error types, in the words a clerk reads.
_MESSAGES = {
    "missing": "必填",
    "string_too_long": "过长（最多 {max_length} 个字符）",
    "string_too_short": "过短（至少 {min_length} 个字符）",
    "too_long": "条目过多（最多 {max_length} 个）",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为时间（ISO 8601）",
    "datetime_from_date_parsing": "应为时间（ISO 8601）",
    "enum": "取值无效，应为 {expected}",
    "literal_error": "取值无效，应为 {expected}",
    "string_type": "应为文字",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "格式不正确",
    "value_error": "{error}",
    "assertion_error": "{error}",
}


def _field(loc) -> str:
    parts = [str(p) for p in loc[1:] if not isinstance(p, int)] or [str(p) for p in loc]
    return ".".join(parts) or "请求"


def _message(err: dict) -> str:
    template = _MESSAGES.get(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if template:
        try:
            text = template.format(**ctx)
        except (KeyError, IndexError):
            text = template
        return text.removeprefix("Value error, ")
    return "取值无效"


def validation_errors(errors: list[dict]) -> dict:
    """ninja's list of pydantic errors as ErrorOut, naming each field."""
    by_field: dict[str, list[str]] = {}
    for err in errors:
        by_field.setdefault(_field(err.get("loc") or ()), []).append(_message(err))
    detail = "；".join(f"字段“{f}”{'；'.join(msgs)}" for f, msgs in by_field.items()) or "请求无效"
    return error_body(detail, by_field)


_COMMON = {
    "400": "请求体无法解析（不是有效的 JSON 或表单）",
    "401": "未认证：缺少令牌、令牌无效、已过期或已吊销，或未登录",
    "403": "无权执行此操作（含只读令牌写入、浏览器会话缺少 CSRF 令牌）",
    "422": "请求参数或内容无效，detail 说明原因，errors 按字段列出",
    "429": "令牌请求过于频繁，Retry-After 给出等待秒数",
}


def _error_response(description: str, *, retry_after=False) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}
    if retry_after:
        response["headers"] = {"Retry-After": {"description": "等待秒数", "schema": {"type": "integer"}}}
    return response


def common_responses(schema: dict) -> dict:
    """Every operation may answer 400, 401, 403, 404, 422 and 429; the
    schema says so, with the ErrorOut body."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.json_schema())
    for operations in schema.get("paths", {}).values():
        for method, op in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = op.setdefault("responses", {})
            # ninja keys its responses by int; JSON keys are text, and 401
            # beside "401" would be a duplicate key, which Swagger UI's YAML
            # parser refuses (the docs page stayed empty).
            for key in [k for k in responses if not isinstance(k, str)]:
                responses[str(key)] = responses.pop(key)
            codes = dict(_COMMON)
            # A path or query parameter may name an object the caller cannot see.
            codes["404"] = "对象不存在或不在您的可见范围内"
            for code, description in codes.items():
                if code not in responses:
                    responses[code] = _error_response(description, retry_after=code == "429")
                elif code == "429":
                    responses[code].setdefault("headers", _error_response("", retry_after=True)["headers"])
    return schema


# Dates and times as the schema publishes them (ISO 8601 text): pydantic
# would also take a number as a Unix timestamp (date_to=0 → 1970-01-01),
# which the schema does not allow and no caller means.
def _iso_text(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("应为 ISO 8601 格式的文字，如 2026-09-16 或 2026-09-16T18:00:00+08:00")
    if isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        raise ValueError("应为 ISO 8601 格式的文字，如 2026-09-16 或 2026-09-16T18:00:00+08:00")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_text)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_text)]
