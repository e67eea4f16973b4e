"""Run a command of the project with its clock set to a moment of the
test's choosing, ticking on from there: `python -m tests.e2e.clocked
<ISO moment> manage.py …` or `… -m gunicorn …`.

For browser tests whose story happens at a given hour (the duty office at
02:00): the server process and the commands that prepare its database
travel to that moment with time-machine, which the test process uses for
its own frozen clocks. Gunicorn's workers are forked from the travelled
process and keep its clock. Used by tests only; the product records the
moments it is told and never moves its clock."""

import datetime as dt
import runpy
import sys

import time_machine


def main(argv):
    if len(argv) < 2:
        raise SystemExit("用法：python -m tests.e2e.clocked <ISO 时刻> manage.py …|-m 模块 …")
    moment = dt.datetime.fromisoformat(argv[0])
    if moment.tzinfo is None:
        raise SystemExit(f"时刻“{argv[0]}”须带时区，例如 2027-01-05T02:00:00+08:00")
    time_machine.travel(moment, tick=True).start()
    rest = argv[1:]
    if rest[0] == "-m":
        sys.argv = [rest[1], *rest[2:]]
        runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = rest
        runpy.run_path(rest[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
