# 督办 Duban: the two commands a user needs are `make run` and `make test`.
#
#   make run   create .venv, install, migrate, load the demo county, start
#              the web server, the background workers and the demo's
#              robot/SMS receiver (Ctrl-C stops them all)
#   make test  the whole test suite, browser tests included (installs
#              Debian's chromium when it is missing), on every core
#              (pytest-xdist; TEST_WORKERS=0 runs it in one process)
#   make lint  ruff check
#   make test-dates  the time-sensitive tests (pytest -m anydate) under
#              libfaketime at the dates CI uses (installs Debian's faketime)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.duban-installed
CHROMIUM := /usr/bin/chromium
# pytest-xdist workers for `make test`: one per core by default. `--dist
# load` hands the tests out in pytest-django's order (database tests, then
# transactional ones, then those without a database), so on every worker a
# transactional test's flush, which empties the seeded time-limit rules,
# comes after the tests that need them; `loadfile` would break that.
TEST_WORKERS ?= auto
PYTEST_XDIST = -n $(TEST_WORKERS) --dist load
# More pytest arguments for `make test` (CI's PostgreSQL run passes -m).
PYTEST_ARGS ?=

.PHONY: run test test-dates lint install npm chromium

run: install npm
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --quiet-logins
	exec $(PY) manage.py run_all --with-receiver

test: install npm chromium
	$(VENV)/bin/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The dates and how the clock is faked live in .ci/run.
test-dates:
	.ci/run dates

lint: install
	$(VENV)/bin/ruff check .

install: $(STAMP)

# The virtualenv, made with the machine's python3 (3.11).
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || { \
	  echo "需要 Python 3.11：$(PYTHON) 是 $$($(PYTHON) --version 2>&1)。可用 make PYTHON=python3.11 指定。" >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Front-end assets from package.json: npm ci, then `npm run build` copies the
# browser builds (ECharts) into duban/static/vendor/, which git ignores.
npm:
	@if [ -f package.json ]; then \
	  if [ ! -d node_modules ] || [ ! -d duban/static/vendor ] || [ package.json -nt node_modules/.duban-installed ] \
	     || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.duban-installed ]; }; then \
	    if [ -f package-lock.json ]; then npm ci; else npm install; fi && \
	    npm run build --if-present && \
	    touch node_modules/.duban-installed; \
	  fi; \
	fi

# Browser tests drive Debian's chromium; install it when missing.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "未找到 $(CHROMIUM)，正在用 apt-get 安装 Debian 的 chromium 软件包……"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "无法安装 chromium：既不是 root 也没有 sudo。请先执行 apt-get install -y chromium。" >&2; exit 1; fi; \
	  command -v apt-get >/dev/null 2>&1 || { \
	    echo "无法安装 chromium：没有 apt-get。浏览器测试需要 $(CHROMIUM)（Debian 的 chromium 软件包）。" >&2; exit 1; }; \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || { \
	    echo "安装 chromium 失败。浏览器测试需要 $(CHROMIUM)，请手动执行 apt-get install -y chromium。" >&2; exit 1; }; \
	fi
