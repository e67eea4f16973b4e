"""`python manage.py run_all`: the web server and the background workers
together, as child processes, for `make run` and for a single-host install.

- web: gunicorn serving duban.wsgi:application on DUBAN_BIND (default
  127.0.0.1:8000) with DUBAN_WEB_WORKERS processes (default 2); WhiteNoise
  serves the static files;
- worker: `manage.py db_worker` (the task queue in the database);
- every command listed in settings.DUBAN_BACKGROUND_COMMANDS (for example
  the deadline sweep);
- with --with-receiver (what `make run` does), the demo's local stand-in
  for the work-chat robots and the SMS gateway (`robot_receiver`, on
  DUBAN_DEMO_RECEIVER_BIND), whose page shows the messages received.

Ctrl-C or SIGTERM stops them all: each child gets SIGTERM once, we wait for
them, and a second Ctrl-C kills what is left. When a child ends on its own,
the others are stopped and the command exits non-zero.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT = 35  # seconds; gunicorn's graceful timeout is 30


def _url_for(bind: str) -> str:
    if bind.startswith("unix:"):
        return bind
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host in {"0.0.0.0", "::"}:
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Child:
    def __init__(self, name, argv):
        self.name, self.argv, self.proc = name, argv, None

    def start(self):
        # Own process group: a terminal's Ctrl-C reaches only us, and we
        # forward one orderly SIGTERM.
        self.proc = subprocess.Popen(self.argv, cwd=settings.BASE_DIR, process_group=0)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig, group=False):
        if not self.alive():
            return
        try:
            if group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
        except ProcessLookupError:
            pass


class Command(BaseCommand):
    help = "同时启动网页服务（gunicorn）和后台任务进程（db_worker 等）；Ctrl-C 一并停止。"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("DUBAN_BIND", "127.0.0.1:8000"),
                            help="网页服务监听地址（默认取环境变量 DUBAN_BIND，否则 127.0.0.1:8000）")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("DUBAN_WEB_WORKERS", "2")),
                            help="gunicorn 工作进程数（默认取环境变量 DUBAN_WEB_WORKERS，否则 2）")
        parser.add_argument("--no-worker", action="store_true", help="只启动网页服务，不启动后台任务进程")
        parser.add_argument("--no-logins", action="store_true", help="启动前不打印演示账号")
        parser.add_argument("--with-receiver", action="store_true",
                            help="同时启动演示接收端（模拟群机器人和短信网关，显示收到的消息）")

    def children(self, bind, workers, with_worker, with_receiver=False):
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        result = []
        if with_receiver:
            # First, so that it listens before the sweep's first delivery.
            result.append(Child("robot_receiver", [python, manage, "robot_receiver", "--bind",
                                                   settings.DUBAN_DEMO_RECEIVER_BIND]))
        result.append(Child("web", [python, "-m", "gunicorn", "duban.wsgi:application", "--bind", bind,
                                    "--workers", str(workers), "--graceful-timeout", "30", "--no-control-socket"]))
        if with_worker:
            result.append(Child("worker", [python, manage, "db_worker", "--queue-name", "*", "--no-reload"]))
            for argv in getattr(settings, "DUBAN_BACKGROUND_COMMANDS", []):
                result.append(Child(" ".join(argv), [python, manage, *argv]))
        return result

    def handle(self, *args, **options):
        if options["workers"] < 1:
            raise CommandError("--workers 至少为 1")
        children = self.children(options["bind"], options["workers"], not options["no_worker"],
                                 options["with_receiver"])

        url = _url_for(options["bind"])
        self.stdout.write(f"督办平台启动中：{url}")
        if not options["no_logins"]:
            from .load_demo import format_demo_logins

            table = format_demo_logins()
            if table:
                self.stdout.write(table)
        if options["with_receiver"]:
            self.stdout.write(f"演示接收端（群机器人、短信）：http://{settings.DUBAN_DEMO_RECEIVER_BIND}/ ，"
                              "各单位群机器人和短信网关的消息都发到这里显示。")
        self.stdout.write(f"后台进程：{'、'.join(c.name for c in children)}。按 Ctrl-C 停止。")
        self.stdout.flush()

        stop_requests = []

        def on_signal(signum, frame):
            stop_requests.append(signum)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        exit_code = 0
        try:
            for child in children:
                child.start()
            failed = None
            while not stop_requests and failed is None:
                for child in children:
                    if not child.alive():
                        failed = child
                        break
                else:
                    time.sleep(0.2)
            if failed is not None:
                code = failed.proc.returncode
                how = f"被信号 {signal.Signals(-code).name} 终止" if code < 0 else f"退出码 {code}"
                self.stderr.write(f"进程“{failed.name}”意外退出（{how}），正在停止其他进程……")
                exit_code = code if code and code > 0 else 1
            else:
                self.stdout.write("收到停止信号，正在停止各进程……")
            self._stop(children, stop_requests)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        for child in children:
            code = child.proc.returncode if child.proc is not None else None
            if exit_code == 0 and code not in (0, None, -signal.SIGTERM, -signal.SIGINT):
                self.stderr.write(f"进程“{child.name}”停止时退出码为 {code}")
        if exit_code:
            sys.exit(exit_code)
        self.stdout.write("已全部停止。")

    def _stop(self, children, stop_requests):
        seen = len(stop_requests)
        for child in children:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(c.alive() for c in children):
            if len(stop_requests) > seen or time.monotonic() > deadline:
                # A second Ctrl-C, or too slow: kill what is left, workers too.
                for child in children:
                    child.signal(signal.SIGKILL, group=True)
            time.sleep(0.1)
        for child in children:
            child.proc.wait()
            # Reap anything the child left in its group (e.g. gunicorn workers).
            try:
                os.killpg(child.proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                continue
            os.killpg(child.proc.pid, signal.SIGKILL)
