"""End-to-end fixtures: the real server in a subprocess and Debian's
Chromium driven by Playwright.

pytest-django's live_server is not used: its database flush DELETEs from the
journal table, which the journal's triggers refuse. Instead the server runs
as it does in production (gunicorn, duban.settings) on its own temporary
SQLite database with the demo county loaded. Under a PostgreSQL CI run
(DATABASE_URL set) the server still uses its own SQLite file.

The subprocesses inherit the environment, so under libfaketime (.ci/run's
faked-date runs) migrate, load_demo and gunicorn share the tests' faked
clock; the fixture checks that the server's clock agrees. Chromium alone
runs on the real clock (`_browser_env`): under libfaketime it never answers.
What a page shows of time is rendered by the server, and the countdowns
tick from the seconds the server rendered, so the browser's own clock
changes nothing the tests read.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Variables of the test process that must not reach the server.
_DROP_ENV = ("DATABASE_URL", "DUBAN_SQLITE_PATH", "DUBAN_PRODUCTION", "DUBAN_STATIC_ROOT", "DUBAN_EVIDENCE_ROOT",
             "DUBAN_SECRET_KEY", "DUBAN_ALLOWED_HOSTS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Where the demo's robots and SMS gateway point (duban.notify.demo): a port
# of this session, where a test that wants to watch them starts
# `manage.py robot_receiver`; nothing listens there otherwise.
RECEIVER_PORT = _free_port()


def _server_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    env.update({
        "DJANGO_SETTINGS_MODULE": "duban.settings",
        "DUBAN_VAR_DIR": str(var_dir),
        "DUBAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "DUBAN_DEMO_RECEIVER_BIND": f"127.0.0.1:{RECEIVER_PORT}",
        "DUBAN_DEMO_RECEIVER_URL": f"http://127.0.0.1:{RECEIVER_PORT}",
        # The demo's logins sign in with their password alone here; the
        # second factor is tested in tests/security/test_second_factor.py.
        "DUBAN_SECOND_FACTOR": "0",
    })
    return env


def _browser_env() -> dict:
    """The test process's environment without libfaketime (see above)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKETIME")}
    preload = [p for p in env.pop("LD_PRELOAD", "").split() if "faketime" not in p]
    if preload:
        env["LD_PRELOAD"] = " ".join(preload)
    return env


def _manage(env, *args, clock=None):
    """manage.py ARGS in the server's environment; with `clock` (an aware
    datetime), on a clock set to that moment (tests/e2e/clocked.py)."""
    proc = subprocess.run([sys.executable, *_clocked(clock), "manage.py", *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} 失败（退出码 {proc.returncode}）：\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def _clocked(clock):
    return ["-m", "tests.e2e.clocked", clock.isoformat()] if clock is not None else []


def _same_clock(date_header, expected=None):
    """The server's clock (its answer's Date header) is the one the test
    meant: the test process's own, or the `expected` moment of a clocked
    server. A server that missed a faked clock would make the browser tests
    prove nothing about that date."""
    if not date_header:
        pytest.fail("网页服务的应答没有 Date 头，无法核对它的时钟")
    meant = expected.timestamp() if expected is not None else time.time()
    drift = abs(parsedate_to_datetime(date_header).timestamp() - meant)
    if drift > 300:
        pytest.fail(f"网页服务的时钟（{date_header}）与预期相差 {drift:.0f} 秒：模拟时间没有传到服务进程")


class DubanServer:
    """The production server (gunicorn, duban.settings) on a temporary
    SQLite database. `prepare()` migrates and loads the demo county; `start()`
    serves it, on the real clock or, with `clock`, on a clock set to that
    moment; `stop()` ends it, and it may be started again on the same
    database at another moment."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.env = _server_env(var_dir)
        self.proc = None
        self.log = None
        self.base_url = None

    def prepare(self, clock=None):
        _manage(self.env, "migrate", "--noinput", clock=clock)
        _manage(self.env, "load_demo", "--quiet-logins", clock=clock)

    def start(self, clock=None):
        port = _free_port()
        log_path = self.var_dir / "server.log"
        self.log = open(log_path, "a")  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(
            [sys.executable, *_clocked(clock), "-m", "gunicorn", "duban.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--graceful-timeout", "5", "--no-control-socket"],
            cwd=BASE_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"网页服务启动失败（退出码 {self.proc.returncode}）：\n{log_path.read_text()}")
            try:
                answer = urllib.request.urlopen(self.base_url + "/accounts/login/", timeout=2)
                break
            except urllib.error.HTTPError as exc:
                answer = exc  # it answers, even if not with 200
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"网页服务 60 秒内没有响应：\n{log_path.read_text()}")
                time.sleep(0.2)
        _same_clock(answer.headers.get("Date"), clock)
        return self.base_url

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None


@pytest.fixture(scope="session")
def e2e_duban(tmp_path_factory):
    """The running DubanServer with the demo county (its `env` lets a test
    run manage.py against the server's database)."""
    server = DubanServer(tmp_path_factory.mktemp("e2e-var"))
    server.prepare()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def e2e_server(e2e_duban):
    """Base URL of a running Duban with the demo county."""
    return e2e_duban.base_url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, never a downloaded browser. Module-scoped: the
    Playwright event loop must not outlive the e2e tests, or Django's ORM in
    later tests would think it runs in async code."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"浏览器测试需要 {CHROMIUM}（Debian 的 chromium 软件包）：请执行 apt-get install -y chromium，"
                    "或运行 make test（会自动安装）。")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=_browser_env())
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, e2e_server):
    context = browser.new_context(base_url=e2e_server, locale="zh-CN")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
