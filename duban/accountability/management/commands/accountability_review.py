"""`python manage.py accountability_review`: one unattended round of the
reviews (ACC-2, AUD-3) for a daily schedule (cron, a systemd timer): the
suggestion rules run over the record and propose what they call for (a
person still decides), and the integrity scan keeps the new signals. The
same as the office's 按规则检查 and 重新检测 buttons; `--at` tells the
moment to judge at (default: now)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from duban.accountability import services


def _moment(text):
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as e:
        raise CommandError(f"--at 时间格式不正确：{text}（应为 ISO 格式，如 2026-12-07T09:00+08:00）") from e
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


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
