"""Breach to delivery (issue 19, OUT-1): how long after a deadline passes
its breach reaches the unit's 企业微信 / 钉钉 group and the responsible
person's phone, with the real sweep loop (`duban.clocks.sweep.run`, the
loop `manage.py sweep` runs: a tick a second, a delivery thread) against a
real local HTTP receiver (duban.notify.receiver), in the same run as a
baseline: one request of the same channels sent directly (the part no
outbox can save).

    .venv/bin/python bench/bench_breach_delivery.py [--clocks 20] [--gap 1.3] [--burst 50]

SQLite by default, in a temporary database the script creates and migrates
(var/ is never touched); with DATABASE_URL set to PostgreSQL, a database of
its own on that server (see bench_sweep.setup).

Figures:
  deadline → group / phone   seconds from each clock's due moment to the
                             receiver's arrival of its breach, per channel
                             (median, p95, max); target: max ≤ 5 s
  baseline                   one direct request per channel (median)
  ratio                      median delivery ÷ sweep interval (what the loop's
                             one-second rhythm allows; ≈ 1-2)
  burst                      --burst clocks of one unit breaching at the same
                             moment: how many messages the group and the
                             phone received (target: 1 each, a digest)
"""

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sweep import setup  # noqa: E402  (the same temporary-database setup)


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clocks", type=int, default=20, help="clocks breaching one after another")
    parser.add_argument("--gap", type=float, default=1.3, help="seconds between their deadlines")
    parser.add_argument("--burst", type=int, default=50, help="clocks of one unit breaching at one moment")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cleanup = setup(tmp)
        try:
            run(args)
        finally:
            for step in cleanup:
                step()


def run(args):
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from duban.clocks import services as clocks
    from duban.clocks import sweep
    from duban.notify import channels
    from duban.notify import services as notify
    from duban.notify.receiver import Receiver
    from duban.org import services as org
    from duban.org.models import Role

    receiver = Receiver(secret_for=lambda kind, robot: "SECbench" if kind == "dingtalk" else None).start()
    gov = org.create_unit("县人民政府", kind="government")
    office = org.create_unit("县政府办公室", parent=gov)
    dept = org.create_unit("县教育局", parent=gov)
    town = org.create_unit("城关镇", parent=gov, kind="town")
    admin = org.create_person("bench_admin", full_name="系统管理员", unit=office).user
    org.assign_role(admin, Role.SYSTEM_ADMIN)
    owners = []
    for i, unit in enumerate((dept, town)):
        p = org.create_person(f"bench_{i}", full_name=f"责任人{i}", unit=unit, mobile=f"1390000{1000 + i:04d}")
        org.assign_role(p.user, Role.LIAISON)
        owners.append((unit, p.user))
    wecom = notify.create_endpoint(admin, kind="wecom", name="县教育局工作群", unit=dept,
                                   url=receiver.url + "/cgi-bin/webhook/send?key=bench-edu")
    ding = notify.create_endpoint(admin, kind="dingtalk", name="城关镇工作群", unit=town, secret="SECbench",
                                  url=receiver.url + "/robot/send?access_token=bench-town")
    gateway = notify.create_endpoint(admin, kind="sms", name="短信网关", url=receiver.url + "/sms/send",
                                     app_key="bench", daily_cap=1000, duplicate_seconds=30)

    # Baseline: one direct request per channel.
    base = {}
    for ep, out in ((wecom, channels.Outgoing("基准", "基准消息")), (ding, channels.Outgoing("基准", "基准消息")),
                    (gateway, channels.Outgoing("基准", "基准消息", address="13900009999"))):
        times = []
        for i in range(5):
            out.body = f"基准消息{i}"
            t0 = time.perf_counter()
            assert channels.send(ep, out).ok
            times.append(time.perf_counter() - t0)
        base[ep.kind] = statistics.median(times)

    interval = float(getattr(settings, "DUBAN_SWEEP_INTERVAL", 1))
    stop = threading.Event()
    loop = threading.Thread(target=sweep.run, args=(stop, interval), kwargs={"deliver": True}, daemon=True)
    start = timezone.now()
    deadlines = {}
    for i in range(args.clocks):
        unit, person = owners[i % 2]
        due = start + dt.timedelta(seconds=3 + i * args.gap)
        label = f"基准事项{i:03d}办理"
        # Warned already: all warnings go out as one digest at the first tick.
        clocks.start_clock(unit, "bench", due_at=due, warn_at=start - dt.timedelta(seconds=50),
                           started_at=start - dt.timedelta(minutes=1), owner_unit=unit, owner_person=person,
                           label=label, link="")
        deadlines[label] = due.timestamp()
    burst_due = start + dt.timedelta(seconds=3 + args.clocks * args.gap + 2)
    for i in range(args.burst):
        clocks.start_clock(dept, "burst", due_at=burst_due, warn_at=start - dt.timedelta(seconds=50),
                           started_at=start - dt.timedelta(minutes=1), owner_unit=dept, owner_person=owners[0][1],
                           label=f"同时到期事项{i:03d}", link="")
    receiver.received.clear()
    loop.start()
    wait_until = burst_due.timestamp() + 15
    while time.time() < wait_until:
        time.sleep(0.2)
    stop.set()
    loop.join(timeout=30)

    latencies = {"wecom": [], "dingtalk": [], "sms": []}
    for m in receiver.messages():
        breaches = [line for line in m.text.splitlines() if "【超期】" in line]
        for label, due in deadlines.items():
            if any(label in line for line in breaches):
                latencies[m.kind].append(m.wall - due)
    burst = {"wecom": 0, "sms": 0}
    for m in receiver.messages():
        if any("同时到期事项" in line and "【超期】" in line for line in m.text.splitlines()):
            burst[m.kind] = burst.get(m.kind, 0) + 1
    receiver.stop()

    names = {"wecom": "企业微信群", "dingtalk": "钉钉群", "sms": "手机短信"}
    print(f"截止到送达（秒），{args.clocks} 个计时器依次到期，巡检间隔 {interval:g} 秒：")
    print(f"{'渠道':<8}{'条数':>6}{'中位':>8}{'p95':>8}{'最长':>8}{'直发基准':>10}{'中位/巡检间隔':>14}")
    worst = 0.0
    for kind, values in latencies.items():
        if not values:
            print(f"{names[kind]:<8}{0:>6}  （未收到）")
            continue
        med = statistics.median(values)
        worst = max(worst, max(values))
        print(f"{names[kind]:<8}{len(values):>6}{med:>8.2f}{percentile(values, 0.95):>8.2f}{max(values):>8.2f}"
              f"{base[kind]:>10.3f}{med / interval:>14.2f}")
    print(f"同一时刻 {args.burst} 个计时器超期：企业微信群收到 {burst.get('wecom', 0)} 条，"
          f"手机短信 {burst.get('sms', 0)} 条（合并为汇总）")
    print(f"最长 {worst:.2f} 秒，目标 ≤ 5 秒：{'达到' if worst <= 5 else '未达到'}")


if __name__ == "__main__":
    main()
