"""接口令牌: the system administrator issues and revokes the tokens other
government systems call the API with (OUT-4). The raw token is shown once."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.org.models import Role
from duban.security.permissions import require_role

from . import services
from .models import ApiToken, TokenScope

User = get_user_model()
MAX_DAYS = 3660


def _form_errors(data) -> tuple[dict, dict]:
    errors, clean = {}, {}
    username = (data.get("username") or "").strip()
    user = User.objects.filter(username=username, is_active=True).first() if username else None
    if user is None:
        errors["username"] = f"账号“{username}”不存在或已停用" if username else "请填写账号"
    clean["user"] = user
    clean["name"] = (data.get("name") or "").strip()
    clean["scopes"] = data.getlist("scopes") or [TokenScope.READ]
    try:
        days = int(data.get("days") or 0)
        if not 1 <= days <= MAX_DAYS:
            raise ValueError
        clean["days"] = days
    except ValueError:
        errors["days"] = f"有效天数应为 1 至 {MAX_DAYS} 之间的整数"
    rate = (data.get("rate") or "").strip()
    clean["rate"] = None
    if rate:
        try:
            clean["rate"] = int(rate)
        except ValueError:
            errors["rate"] = "每分钟请求上限应为整数"
    return clean, errors


@require_role(Role.SYSTEM_ADMIN)
def tokens(request):
    now = timezone.now()
    issued, errors, values = None, {}, {"days": "365"}
    if request.method == "POST":
        values = request.POST
        clean, errors = _form_errors(request.POST)
        if not errors:
            try:
                token, raw = services.issue_token(
                    clean["user"], clean["name"], scopes=clean["scopes"], rate_per_minute=clean["rate"],
                    expires_at=now + dt.timedelta(days=clean["days"]), by=request.user)
                issued = {"token": token, "raw": raw}
                values = {"days": "365"}
            except ValidationError as e:
                errors = {k: "；".join(v) for k, v in e.message_dict.items()}
    qs = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "api/tokens.html", {
        "page": page, "now": now, "issued": issued, "errors": errors, "values": values,
        "scopes": TokenScope.choices, "default_rate": services.rate_of(ApiToken()),
    })


@require_POST
@require_role(Role.SYSTEM_ADMIN)
def revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    services.revoke_token(token, by=request.user)
    return redirect("api_tokens")
