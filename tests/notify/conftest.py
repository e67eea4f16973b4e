import socket
import threading

import pytest

from duban.clocks import services as clocks
from tests.clocks.conftest import local, owner  # noqa: F401  (fixture)


@pytest.fixture
def make_clock(owner, county):  # noqa: F811
    def make(limit="1h", started_at=None, **kw):
        kw.setdefault("owner_unit", county.edu)
        kw.setdefault("owner_person", county.edu_user)
        kw.setdefault("label", "“整治文山会海”报告落实情况")
        return clocks.start_clock(owner, kw.pop("kind", "report"), limit=limit,
                                  started_at=started_at or local(2026, 3, 2, 9), **kw)

    return make


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Messages received by a real SMTP server (aiosmtpd) on 127.0.0.1."""

    def __init__(self):
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def dead_smtp(settings):
    """An SMTP address where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
    return settings.EMAIL_PORT


class Moment:
    """An injected business moment that the test receiver's rate limits
    follow too (seconds since the test's start)."""

    def __init__(self, start):
        self.start = self.now = start

    def __call__(self):
        return (self.now - self.start).total_seconds()

    def at(self, moment):
        self.now = moment
        return moment


@pytest.fixture
def receiver():
    """The work-chat robots and SMS gateway as a real HTTP server on a free
    port (duban.notify.receiver), with the secrets the test gives it."""
    from duban.notify.receiver import Receiver

    secrets = {}
    r = Receiver(secret_for=lambda kind, robot: secrets.get((kind, robot)))
    r.secrets = secrets
    r.start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def robot(county, receiver):
    """make(kind, key, unit=…, secret=…, **fields): a group robot pointing at the receiver."""
    from duban.notify import services as notify

    paths = {"wecom": "/cgi-bin/webhook/send?key={}", "dingtalk": "/robot/send?access_token={}",
             "feishu": "/open-apis/bot/v2/hook/{}"}

    def make(kind, key, unit=None, secret="", **fields):
        if secret:
            receiver.secrets[(kind, key)] = secret
        return notify.create_endpoint(county.sysadmin, kind=kind, name=f"{kind}-{key}", unit=unit or county.edu,
                                      url=receiver.url + paths[kind].format(key), secret=secret, **fields)

    return make


@pytest.fixture
def sms_gateway(county, receiver):
    from duban.notify import services as notify

    def make(**fields):
        values = dict(kind="sms", name="政务短信平台", url=receiver.url + "/sms/send", app_key="duban-test",
                      secret="gw-secret", sign_algorithm="md5", sign_template="{app_key}{mobile}{timestamp}{secret}")
        values.update(fields)
        return notify.create_endpoint(county.sysadmin, **values)

    return make
