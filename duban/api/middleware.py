"""NUL characters in an API request's query or JSON body are refused before
any view sees them (issue 21 item 6): 422 in the published error shape,
naming the field."""

import json

from django.http import JsonResponse

from duban.core.textguard import NUL

from .errors import error_body


def _nul_fields(value, path=""):
    if isinstance(value, str):
        if NUL in value:
            yield path or "请求"
    elif isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            if NUL in key:
                yield f"{path}.{key}".strip(".")
            yield from _nul_fields(v, f"{path}.{key}".strip("."))
    elif isinstance(value, list):
        for v in value:
            yield from _nul_fields(v, path)


def refuse_nul(fields):
    fields = list(dict.fromkeys(fields))
    message = "含有空字符（\\x00），请删除后重试"
    return JsonResponse(error_body("；".join(f"字段“{f}”{message}" for f in fields),
                                   {f: [message] for f in fields}), status=422,
                        json_dumps_params={"ensure_ascii": False})


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            fields = [k for k, values in request.GET.lists() for v in [k, *values] if NUL in v]
            if request.content_type == "application/json" and request.body:
                try:
                    fields += list(_nul_fields(json.loads(request.body)))
                except ValueError:
                    pass  # ninja answers an unreadable body itself
            if fields:
                return refuse_nul(fields)
        return self.get_response(request)
