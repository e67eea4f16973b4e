"""The HTTP API (OUT-4): django-ninja under /api/, OpenAPI at
/api/openapi.json. Callers authenticate with the browser session or a bearer
token; every endpoint reads through duban.org.visibility."""

from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from duban.core.context import Actor, _current, client_ip

from . import services


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is None:
            return None
        request.user = user
        _current.set(Actor(user=user, ip=client_ip(request)))
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api = NinjaAPI(
    title="督办平台接口",
    version="1",
    description="示范县督查督办平台对外接口。认证：浏览器会话（需 CSRF）或 `Authorization: Bearer <令牌>`。",
    auth=[ActiveSessionAuth(), TokenAuth()],
    urls_namespace="api",
)

from . import org_routes  # noqa: E402

api.add_router("/", org_routes.router)
api.add_router("/", "duban.api.timelimits.router")
api.add_router("/supervision/", "duban.api.supervision.router")
api.add_router("/duty/", "duban.api.duty.router")
api.add_router("/rectification/", "duban.api.rectification.router")
api.add_router("/portal/", "duban.api.portal.router")
