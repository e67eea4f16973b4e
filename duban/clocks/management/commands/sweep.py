"""`python manage.py sweep`: the deadline sweep, a long-running loop in the
style of healthchecks' `sendalerts` (see duban.clocks.sweep).

Every tick (default each second, --interval) it flips clocks whose deadline
or warning point has passed, then turns new flips into messages. E-mail is
delivered by a second thread, so a slow mail server never delays a breach.
Several sweepers may run at once. SIGTERM and SIGINT end the loop after the
current step; `--once` runs one tick and one delivery round and exits.
"""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from duban.clocks import sweep


class Command(BaseCommand):
    help = "期限巡检：每秒检查到期和临期的计时器，生成超期/预警记录和提醒消息，并发送邮件。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只巡检一次后退出")
        parser.add_argument(
            "--interval", type=float, default=float(getattr(settings, "DUBAN_SWEEP_INTERVAL", 1.0)),
            help="巡检间隔秒数（默认 1；不超过 1 才能保证 5 秒内发现超期）",
        )
        parser.add_argument("--no-deliver", action="store_true", help="不发送邮件（由其他进程发送）")

    def handle(self, *args, once=False, interval=1.0, no_deliver=False, verbosity=1, **options):
        if interval <= 0:
            raise CommandError("--interval 必须大于 0")
        self.verbosity = verbosity
        if once:
            self._report(sweep.tick(deliver=not no_deliver))
            return
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGTERM, signal.SIGINT):
                previous[s] = signal.signal(s, lambda signum, frame: stop.set())
        if verbosity:
            self.stdout.write(f"期限巡检已启动，间隔 {interval:g} 秒。")
            self.stdout.flush()
        try:
            sweep.run(stop, interval, deliver=not no_deliver, report=self._report)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        if verbosity:
            self.stdout.write("期限巡检已停止。")
            self.stdout.flush()

    def _report(self, result):
        if self.verbosity and result:
            self.stdout.write(f"超期 {result.breaches}，预警 {result.warnings}，新消息 {result.messages}")
            self.stdout.flush()
