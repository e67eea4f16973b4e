from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from duban.api.services import issue_token


class Command(BaseCommand):
    help = "为某个账号签发接口令牌（只显示一次）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="令牌用途，如“市督查系统对接”")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号“{username}”不存在或已停用")
        _, raw = issue_token(user, name)
        self.stdout.write(raw)
        self.stderr.write("请妥善保存该令牌，它不会再次显示。调用时使用请求头 Authorization: Bearer <令牌>")
