import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from duban.api.services import issue_token


class Command(BaseCommand):
    help = "为某个账号签发接口令牌（只显示一次）。也可在平台的“接口令牌”页面签发和吊销。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="令牌用途，如“市督查系统对接”")
        parser.add_argument("--write", action="store_true", help="可写入（默认只读）")
        parser.add_argument("--days", type=int, default=None, help="有效天数（默认 DUBAN_API_TOKEN_DAYS）")
        parser.add_argument("--rate", type=int, default=None, help="每分钟请求上限（默认 DUBAN_API_TOKEN_RATE）")

    def handle(self, *args, username, name, write, days, rate, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号“{username}”不存在或已停用")
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            _, raw = issue_token(user, name, scopes=["read", "write"] if write else ["read"], expires_at=expires,
                                 rate_per_minute=rate)
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from e
        self.stdout.write(raw)
        self.stderr.write("请妥善保存该令牌，它不会再次显示。调用时使用请求头 Authorization: Bearer <令牌>")
