"""The HTTP API (OUT-4): django-ninja under /api/, OpenAPI at
/api/openapi.json. Callers authenticate with a bearer token (another
government system) or the browser session; every endpoint reads through
duban.org.visibility.

Bearer-token requests carry no cookie, so no cross-site forgery is possible:
they are exempt from CSRF. Session requests keep Django's CSRF check. Every
error answer has the one published shape `{"detail": "中文说明", "errors":
{"字段": ["说明"]}}` (ErrorOut), 422 included, and the published schema
lists the answers every operation may give (400, 401, 403, 404, 422,
429)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from duban.core.context import Actor, _current, client_ip

from . import services
from .errors import common_responses, django_errors, error_body, validation_errors


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        user = services.use_token(token, method=request.method, path=request.path)
        if user is None:
            return None
        request.user = user
        request.duban_token_auth = True
        _current.set(Actor(user=user, ip=client_ip(request)))
        return user


class ActiveSessionAuth(SessionAuth):
    """The browser session, with Django's CSRF check. A request without the
    session cookie is no session request: it is left to the token check
    (and cannot be forged, having no cookie to ride on)."""

    def _get_key(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        if key is None:
            return None
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        from duban.security.otp import session_verified

        return user if session_verified(request) else None


class DubanAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return common_responses(schema)


api = DubanAPI(
    title="督办平台接口",
    version="1",
    description=(
        "示范县督查督办平台对外接口。认证：`Authorization: Bearer <令牌>`（其他政务系统；令牌分只读、读写两种权限，"
        "有有效期，每个令牌每分钟请求数有上限，超过时返回 429 并在 Retry-After 中给出等待秒数；每次使用都记入审计日志），"
        "或浏览器会话（需 CSRF）。所有错误的响应体都是 `{\"detail\": \"说明\", \"errors\": {\"字段\": [\"说明\"]}}`。"
    ),
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(services.RateLimited)
def _rate_limited(request, exc):
    response = api.create_response(request, error_body(str(exc)), status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(services.ScopeDenied)
def _scope_denied(request, exc):
    return api.create_response(request, error_body(str(exc)), status=403)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    return api.create_response(request, validation_errors(exc.errors), status=422)


@api.exception_handler(DjangoValidationError)
def _refused(request, exc):
    return api.create_response(request, django_errors(exc), status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, error_body(str(exc) or "无权执行此操作"), status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, error_body("未认证：请提供有效的令牌或登录"), status=401)


@api.exception_handler(OverflowError)
def _overflow(request, exc):
    return api.create_response(request, error_body("数值超出范围"), status=422)


@api.exception_handler(DataError)
def _data_error(request, exc):
    # The database refused a value the checks let through (a number past
    # its column's range): bad input, not a server fault.
    return api.create_response(request, error_body("数值或文字超出范围"), status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "请求体无法解析：应为有效的 JSON 或表单"
    if exc.status_code == 403 and "CSRF" in message:
        message = "CSRF 校验失败：浏览器会话的写操作需要 CSRF 令牌；其他系统请使用 Bearer 令牌"
    return api.create_response(request, error_body(message), status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, error_body("对象不存在"), status=404)


from . import org_routes  # noqa: E402

api.add_router("/", org_routes.router)
api.add_router("/", "duban.api.timelimits.router")
api.add_router("/supervision/", "duban.api.supervision.router")
api.add_router("/duty/", "duban.api.duty.router")
api.add_router("/meetings/", "duban.api.meetings.router")
api.add_router("/rectification/", "duban.api.rectification.router")
api.add_router("/portal/", "duban.api.portal.router")
api.add_router("/documents/", "duban.api.documents.router")
api.add_router("/plans/", "duban.api.plans.router")
api.add_router("/assessment/", "duban.api.assessment.router")
api.add_router("/accountability/", "duban.api.accountability.router")
