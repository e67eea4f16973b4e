"""`python manage.py accountability_review`: one unattended round of the
reviews (ACC-2, AUD-3) for a daily schedule (cron, a systemd timer): the
suggestion rules run over the record and propose what they call for (a
person still decides), and the integrity scan keeps the new signals. The
same as the office's 按规则检查 and 重新检测 buttons; `--at` tells the
moment to judge at (default: now)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from duban.accountability import services
from duban.core.services import parse_moment


def _moment(text):
    try:
        return parse_moment(text, "at", "--at 时间")
    except ValidationError as e:
        raise CommandError(e.message_dict["at"][0]) from e


class Command(BaseCommand):
    help = "按问责建议规则检查并提出问责建议，检测弄虚作假疑点（供每日定时执行）；只提出建议，由人决定。"

    def add_arguments(self, parser):
        parser.add_argument("--at", help="按此时刻检查（ISO 格式，默认当前时间）")
        parser.add_argument("--skip-scan", action="store_true", help="只按规则提出建议，不检测疑点")

    def handle(self, *args, **options):
        now = _moment(options["at"]) if options["at"] else timezone.now()
        made = services.evaluate(now)
        self.stdout.write(f"问责建议：新提出 {len(made)} 件。")
        if not options["skip_scan"]:
            found, new = services.scan(None, now=now)
            self.stdout.write(f"弄虚作假疑点：检出 {found} 条，其中新增 {new} 条。")
