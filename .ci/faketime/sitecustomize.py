"""Put on PYTHONPATH by .ci/run's faked-date runs only.

Debian 12's libfaketime (0.9.10) and Python 3.11 do not agree on the
monotonic clock. If libfaketime fakes it, every timed wait on a lock or an
event (threading.Event.wait, queue.get(timeout=...): sem_clockwait, which
libfaketime does not intercept) gets a deadline years ahead and never
returns. If it is left real (FAKETIME_DONT_FAKE_MONOTONIC=1), time.sleep --
clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) -- gets the wall clock's
offset subtracted and fails with EINVAL (libfaketime issue 426). So the runs
leave the monotonic clock real, and here time.sleep waits in select(),
whose timeout is relative."""

import os
import select
import time

if os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":

    def _sleep(seconds):
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
