"""`python manage.py robot_receiver`: the local stand-in for the work-chat
robots and the SMS gateway (duban.notify.receiver) that the demo's channels
point at. `make run` starts it (run_all --with-receiver); open its address
to watch the messages arrive. Signatures are checked with the secrets of
the channels configured in the database."""

import re
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from duban.notify.models import Endpoint
from duban.notify.receiver import Receiver

KEY = {"wecom": re.compile(r"[?&]key=([^&]+)"), "dingtalk": re.compile(r"[?&]access_token=([^&]+)"),
       "feishu": re.compile(r"/hook/([^/?]+)"), "sms": re.compile(r"/sms/send")}


class Directory:
    """(kind, key) -> (secret, name) of the configured channels, re-read
    every few seconds (an administrator may add a robot meanwhile)."""

    def __init__(self, ttl=3.0):
        self.ttl, self.loaded, self.rows, self.lock = ttl, 0.0, {}, threading.Lock()

    def _refresh(self):
        with self.lock:
            if time.monotonic() - self.loaded < self.ttl:
                return
            close_old_connections()
            rows = {}
            for ep in Endpoint.objects.all():
                pattern = KEY.get(ep.kind)
                m = pattern.search(ep.url) if pattern else None
                if m is None:
                    continue
                key = m.group(1) if m.groups() else (ep.app_key or "sms")
                rows[(ep.kind, key)] = (ep.secret, ep.name)
            self.rows, self.loaded = rows, time.monotonic()

    def secret(self, kind, key):
        self._refresh()
        return self.rows.get((kind, key), (None, None))[0]

    def name(self, kind, key):
        self._refresh()
        return self.rows.get((kind, key), (None, key))[1] or key


class Command(BaseCommand):
    help = "启动本机演示接收端：模拟企业微信、钉钉、飞书群机器人和短信网关，并在网页上显示收到的消息。"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=getattr(settings, "DUBAN_DEMO_RECEIVER_BIND", "127.0.0.1:8025"),
                            help="监听地址（默认取环境变量 DUBAN_DEMO_RECEIVER_BIND，否则 127.0.0.1:8025）")

    def handle(self, *args, **options):
        host, _, port = options["bind"].rpartition(":")
        directory = Directory()
        receiver = Receiver(host=host or "127.0.0.1", port=int(port), secret_for=directory.secret,
                            name_for=directory.name)
        self.stdout.write(f"演示接收端（群机器人、短信）：{receiver.url}/")
        self.stdout.flush()
        try:
            receiver.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            receiver.server.server_close()
