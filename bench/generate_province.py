"""A synthetic province for the list benchmarks (issue 4, item 9): 10,000
units, 50,000 people, 1,000,000 supervised matters and sub-tasks with their
clocks, cooperating units and 3,000,000 progress reports.

    .venv/bin/python bench/generate_province.py [--scale 1.0] [--db PATH|NAME] [--seed 20261122]

SQLite by default: `--db` is the file to write (default: a new file in the
temporary directory, printed at the end; var/duban.sqlite3 is refused). With
DATABASE_URL set to a PostgreSQL server, `--db` is the name of a database
that the script (re)creates on that server (default duban_province); the
database in the URL itself is only used to connect. Either way the target
is created fresh and migrated, then filled, and kept for bench/bench_lists.py
(`--db` there reuses it).

`--scale 0.1` makes a tenth of everything (1,000 units, 5,000 people,
100,000 matters, 300,000 reports) for a quick run. The rows follow from the
seed and from the moment of generation (ages, deadlines and lights are
relative to it).

Time at full scale on a 2-core machine: SQLite about 5 minutes (a 4 GB
file), PostgreSQL about 3 minutes (3.7 GB); a tenth: 30 s.

How it writes: raw executemany (SQLite) or COPY (PostgreSQL) in batches,
with the secondary indexes and (PostgreSQL) foreign keys dropped during the
load and rebuilt afterwards -- re-adding the foreign keys validates every
reference; on SQLite `PRAGMA foreign_key_check` does the same. The service
layer is not used, but the rows keep its invariants:

- units: a tree with materialised paths ("0001.0007.") and depths; a
  province government, its departments (with offices) and cities; each city
  its departments and counties; each county its departments and towns; every
  government has a 政府办公室 with a 督查室 whose staff hold the 督查室 role on
  the government's subtree, and leaders holding the 领导 role;
- people: every unit has a liaison (单位联络员) and, from two people on, a
  unit head; a person per Django user;
- matters: top-level matters created by a government's 督查室 (the
  supervising unit), led by one of that government's departments or towns
  (a few units lead many: Zipf-like weights), about a third with 1-3
  cooperating units; sub-tasks (about half of all matters) for the lead
  unit's offices, the county's towns or sibling units, with parent, root,
  depth, tree_path ("%010d." per level), assigning unit, number
  "督办〔2026〕12号-1", and a deadline never later than the parent's;
- states: most matters completed or archived (some cancelled), about 12%
  open (assigned, acknowledged, in progress, completion requested,
  suspended), a few drafts without clocks; sub-tasks of closed matters are
  closed;
- clocks: an ack clock (rule matter_ack_1wd, computed with the official
  calendar) and a completion clock (explicit, or rule matter_report_7wd) per
  assigned matter, a periodic report clock for long-term ones; met / met late
  for completed matters, stopped for cancelled ones, paused (with an open
  ClockPause) for suspended and completion-requested ones, breached when
  past due, warned
  when past the warning point; `current_clock` is the open clock due first,
  else the completion clock (else the last clock), so that red, yellow and
  green lights all occur; an open matter keeps that clock's due moment as
  its sort key (`open_due_at`), its warning moment (`open_warn_at`) and,
  while that clock is paused, its frozen light (`open_frozen_light`);
- reports: progress reports, periodic reports of long-term matters and
  completion requests, submitted by the lead unit's person in the matter's
  lifetime, reviewed by the supervision office.

Not populated: the journal (no events: the hash chain starts empty), urges,
extension requests, evidence files, clock flips, notifications.
"""

import argparse
import datetime as dt
import math
import os
import random
import shutil
import sys
import tempfile
import time
from bisect import bisect
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MARKER = "bench-province"  # org_unit.code of the province's root unit
FULL = {"units": 10_000, "people": 50_000, "matters": 1_000_000, "reports": 3_000_000}
BATCH = 20_000
DAY = 86_400.0
TABLES = [
    "org_unit", "auth_user", "org_person", "org_roleassignment", "clocks_clock", "clocks_clockpause",
    "supervision_matter", "supervision_mattercooperation", "supervision_report",
]


# --- the database -------------------------------------------------------------------------------


def run_in_province(args, run):
    """Set up the benchmark database (`args.db`, or a temporary one filled
    by the generator at `args.scale`), call run(args), clean up: the frame
    of the benches that need a province's data."""
    where, cleanup = setup(args.db, fresh=args.db is None)
    try:
        print(f"target: {where}")
        if args.db is None:
            generate(args.scale, log=lambda *a: print(*a, flush=True))
        run(args)
    finally:
        cleanup()


def setup(db=None, fresh=True):
    """Point Django at the benchmark database and (when `fresh`) create it
    anew and migrate it. SQLite: `db` is a file path (None: a temporary
    file, removed by the returned cleanup); PostgreSQL (DATABASE_URL set):
    `db` is a database name on that server (None: a temporary database,
    dropped by the cleanup). Returns (description, cleanup)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    os.environ["DUBAN_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    url = os.environ.get("DATABASE_URL")
    cleanup = []
    tmp = tempfile.mkdtemp(prefix="duban-bench-")
    os.environ["DUBAN_VAR_DIR"] = tmp
    cleanup.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    if url:
        import psycopg

        parts = urlsplit(url)
        name = db or f"duban_bench_{os.getpid()}"
        if name == parts.path.lstrip("/"):
            raise SystemExit(f"--db {name} is the database of DATABASE_URL itself; name another one")
        admin = urlunsplit(parts._replace(scheme="postgresql"))
        if fresh:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}"')
                c.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
        where = f"PostgreSQL database {name} on {parts.hostname}:{parts.port or 5432}"
        if db is None:
            def drop():
                from django.db import connections

                connections.close_all()
                with psycopg.connect(admin, autocommit=True) as c:
                    c.execute(f'DROP DATABASE IF EXISTS "{name}"')

            cleanup.insert(0, drop)
    else:
        path = Path(db) if db else Path(tmp) / "province.sqlite3"
        if path.resolve() == (ROOT / "var" / "duban.sqlite3").resolve():
            raise SystemExit("refusing to write into var/duban.sqlite3")
        if fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        elif not path.exists():
            raise SystemExit(f"{path} does not exist")
        os.environ["DUBAN_SQLITE_PATH"] = str(path)
        where = f"SQLite file {path}"
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)

    def run_cleanup():
        for fn in cleanup:
            fn()

    return where, run_cleanup


def database_exists(db):
    """Whether the SQLite file / PostgreSQL database `db` exists."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return Path(db).exists()
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as c:
        return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone() is not None


def is_generated():
    from duban.org.models import Unit

    return Unit.objects.filter(code=MARKER).exists()


class Loader:
    """Bulk writes: executemany on SQLite, COPY on PostgreSQL, in batches of
    BATCH rows; secondary indexes (and PostgreSQL foreign keys) are dropped
    before and rebuilt after."""

    def __init__(self, log):
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.log = log
        self.indexes = []
        self.foreign_keys = []
        self.rows = {}

    def cursor(self):
        self.connection.ensure_connection()
        return self.connection.connection.cursor()

    def begin(self):
        self.connection.ensure_connection()
        raw = self.connection.connection
        cur = raw.cursor()
        if self.pg:
            raw.autocommit = True
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
                "AND c.conrelid = x.indrelid) ORDER BY i.relname", (TABLES,))
            self.indexes = cur.fetchall()
            cur.execute(
                "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY conname", (TABLES,))
            self.foreign_keys = cur.fetchall()
            for name, table, _ in self.foreign_keys:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in self.indexes:
                cur.execute(f'DROP INDEX "{name}"')
        else:
            raw.isolation_level = None
            cur.execute("PRAGMA foreign_keys = OFF")
            cur.execute("PRAGMA journal_mode = OFF")
            cur.execute("PRAGMA synchronous = OFF")
            cur.execute("PRAGMA cache_size = -2000000")
            cur.execute("PRAGMA temp_store = MEMORY")
            marks = ",".join("?" * len(TABLES))
            self.indexes = cur.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks}) ORDER BY name", TABLES).fetchall()
            for name, _ in self.indexes:
                cur.execute(f'DROP INDEX "{name}"')
            cur.execute("BEGIN")

    def write(self, table, columns, rows):
        if not rows:
            return
        self.rows[table] = self.rows.get(table, 0) + len(rows)
        cols = ", ".join(f'"{c}"' for c in columns)
        raw = self.connection.connection
        if self.pg:
            with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            marks = ", ".join("?" * len(columns))
            raw.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)

    def finish(self):
        raw = self.connection.connection
        cur = raw.cursor()
        t = time.perf_counter()
        if self.pg:
            for _, sql in self.indexes:
                cur.execute(sql)
            self.log(f"  索引重建 / indexes rebuilt: {len(self.indexes)} in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            for name, table, definition in self.foreign_keys:
                cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            self.log(f"  外键重建并校验 / foreign keys re-added and validated: {len(self.foreign_keys)}"
                     f" in {time.perf_counter() - t:.1f} s")
            for table in TABLES:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
            t = time.perf_counter()
            cur.execute("VACUUM ANALYZE")
            self.log(f"  VACUUM ANALYZE in {time.perf_counter() - t:.1f} s")
            raw.autocommit = False
        else:
            cur.execute("COMMIT")
            for _, sql in self.indexes:
                cur.execute(sql)
            self.log(f"  索引重建 / indexes rebuilt: {len(self.indexes)} in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            bad = []
            for table in TABLES:
                bad += cur.execute(f'PRAGMA foreign_key_check("{table}")').fetchmany(5)
            if bad:
                raise SystemExit(f"foreign key check failed: {bad}")
            self.log(f"  外键校验 / PRAGMA foreign_key_check: OK in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            cur.execute("ANALYZE")
            self.log(f"  ANALYZE in {time.perf_counter() - t:.1f} s")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")
        cur.close()
        self.connection.close()


# --- names -------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强红梅海燕玉兰文斌春雷晓东建华丹萍宇航思远子轩浩然欣怡梓涵雨萱博文嘉怡俊杰诗涵一鸣晨阳"
PLACE = "江河湖山川林泉石桥溪松柏桃李梅兰竹菊安宁和平兴盛昌隆永丰长乐清源高阳东西南北新华中龙凤鹤云"
DEPARTMENTS = [
    "发展和改革委员会", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
    "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局",
    "市场监督管理局", "统计局", "医疗保障局", "信访局", "林业局", "城市管理局", "行政审批服务局",
    "数据资源局", "乡村振兴局", "体育局", "粮食和物资储备局", "机关事务管理局", "投资促进局",
    "国有资产监督管理委员会", "地方金融监督管理局", "能源局", "人民防空办公室", "外事办公室", "档案局",
    "地方志办公室", "供销合作社", "残疾人联合会", "总工会", "妇女联合会",
]
OFFICES = ["办公室", "综合科", "规划科", "财务科", "法规科", "督查科", "政策研究科", "人事科", "信息科", "项目科",
           "安全监管科", "审批科", "执法大队", "服务中心"]
TOWN_OFFICES = ["党政办公室", "经济发展办公室", "社会事务办公室", "综合执法队", "便民服务中心"]
TOPICS = ["农村人居环境整治", "重点项目建设", "营商环境优化", "安全生产专项整治", "河湖长制落实", "耕地保护",
          "民生实事", "招商引资", "城市更新", "信访积案化解", "乡村振兴衔接", "生态环境问题整改", "防汛抗旱",
          "森林防火", "学校建设", "医疗服务提升", "养老服务", "道路交通安全", "食品安全", "数字政府建设",
          "政务服务事项", "稳岗就业", "欠薪治理", "污水处理设施", "垃圾分类", "老旧小区改造", "粮食安全",
          "文旅融合", "市场主体培育", "工业园区建设"]
ACTIONS = ["推进", "落实", "整改", "督促完成", "加快", "研究解决", "组织开展", "全面排查", "专项督办"]
PERIODS = ["一季度", "上半年", "三季度", "年底前", "本月内", "汛期前", "春节前", "国庆前"]


def person_name(rng):
    g = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + g


def place_name(i):
    n = len(PLACE)
    a, b = divmod(i, n)
    return PLACE[b] + PLACE[(a * 7 + b * 3 + 5) % n] + ("" if a < n else str(a // n))


def text_pool(rng, n, lo, hi):
    out = []
    for _ in range(n):
        parts = []
        while sum(len(p) for p in parts) < rng.randint(lo, hi):
            parts.append(f"{rng.choice(ACTIONS)}{rng.choice(TOPICS)}工作，{rng.choice(PERIODS)}取得阶段性成效；")
        out.append("".join(parts).rstrip("；") + "。")
    return out


# --- the generator -----------------------------------------------------------------------------


class Ids:
    def __init__(self, start):
        self.next = start

    def take(self):
        n = self.next
        self.next += 1
        return n


def weighted(rng, items, weights):
    cum = list(accumulate(weights))
    total = cum[-1]
    return lambda: items[min(bisect(cum, rng.random() * total), len(items) - 1)]


class Province:
    def __init__(self, scale, seed, now, log=print):
        self.scale = scale
        self.rng = random.Random(seed)
        self.now = now
        self.now_ts = now.timestamp()
        self.log = log
        self.target = {k: max(1, round(v * scale)) for k, v in FULL.items()}
        self.loader = Loader(log)
        self.pg = self.loader.pg
        from django.db import connection

        with connection.cursor() as cur:
            def next_id(table):
                cur.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')
                return cur.fetchone()[0]

            self.ids = {t: Ids(next_id(t)) for t in TABLES}
        from django.contrib.contenttypes.models import ContentType

        from duban.supervision.models import Matter
        from duban.timelimits.models import TimeLimitRule

        self.matter_ct = ContentType.objects.get_for_model(Matter).id
        self.rules = dict(TimeLimitRule.objects.values_list("code", "id"))
        self.stats = {}

    # time ---------------------------------------------------------------------------------------

    def ts(self, t):
        """A stored moment from epoch seconds: aware UTC for PostgreSQL, the
        text Django writes for SQLite."""
        if t is None:
            return None
        d = dt.datetime.fromtimestamp(t, dt.UTC)
        if self.pg:
            return d
        return d.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def day(self, t):
        d = dt.datetime.fromtimestamp(t, dt.UTC).astimezone(self.tz).date()
        return d if self.pg else d.isoformat()

    def rule_moments(self, limit, start):
        """(due, warn) epoch seconds of a working-day rule clock started at
        `start`, from the official calendar (cached per local start day and
        working-day flag, checked against the uncached computation)."""
        local = dt.datetime.fromtimestamp(start, self.tz)
        key = (limit, local.date())
        hit = self.rule_cache.get(key)
        if hit is None:
            from duban.clocks import arith

            # From the day's first moment: the warning point before the
            # clamp to the start (applied below).
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            due, warn = arith.base_moments(started_at=midnight, limit_text=limit)
            hit = self.rule_cache[key] = (due.timestamp(), warn.timestamp())
        due, warn = hit
        return due, max(min(warn, due), min(start, due))

    def check_rule_cache(self):
        from duban.clocks import arith

        rng = random.Random(1)
        for _ in range(300):
            start = self.now_ts - rng.random() * 5 * 365 * DAY
            for limit in ("1wd", "7wd"):
                due, warn = arith.base_moments(started_at=dt.datetime.fromtimestamp(start, dt.UTC), limit_text=limit)
                cached = self.rule_moments(limit, start)
                assert abs(due.timestamp() - cached[0]) < 2e-6 and abs(warn.timestamp() - cached[1]) < 2e-6, \
                    (limit, start, due, warn, cached)

    # units and people ---------------------------------------------------------------------------

    def build_units(self):
        rng, s = self.rng, self.scale
        n_units = self.target["units"]
        n_cities = max(1, round(13 * s))
        n_counties = max(1, round(104 * s))
        n_prov_depts = max(4, round(45 * min(1.0, s)))
        units = []  # dicts
        children_count = {}

        def add(name, kind, parent, gov=None, weight=0.0):
            pid = parent["id"] if parent else None
            k = children_count.get(pid, 0) + 1
            children_count[pid] = k
            u = {
                "id": self.ids["org_unit"].take(), "name": name, "kind": kind, "parent": parent,
                "path": (parent["path"] if parent else "") + f"{k:04d}.",
                "depth": parent["depth"] + 1 if parent else 0, "sort_order": k, "children": [],
                "office_weight": weight, "people": [],
            }
            u["gov"] = u if kind == "government" else (gov if gov is not None else parent["gov"])
            if parent:
                parent["children"].append(u)
            units.append(u)
            return u

        def government(name, parent, level, n_depts, n_towns, dept_office_weight):
            g = add(name, "government", parent)
            g["level"] = level
            general = add("政府办公室" if level != "province" else "省政府办公厅", "department", g, gov=g)
            g["office"] = add("督查室", "office", general, gov=g)
            names = DEPARTMENTS[:]
            rng.shuffle(names)
            for i in range(n_depts):
                name = names[i % len(names)] + ("" if i < len(names) else f"（{i // len(names) + 1}）")
                add(name, "department", g, weight=dept_office_weight)
            for i in range(n_towns):
                add(place_name(i + 3 * len(units)) + ("街道" if i < 3 else "镇"), "town", g, weight=0.6)
            return g

        root = government("示范省人民政府", None, "province", n_prov_depts, 0, 8.0)
        root["code"] = MARKER
        cities = []
        for c in range(n_cities):
            cities.append(government(f"{place_name(c * 11 + 1)}市人民政府", root, "city", 35, 0, 3.0))
        counties = []
        for k in range(n_counties):
            city = cities[k % n_cities]
            counties.append(government(f"{place_name(k * 13 + 2)}县人民政府", city, "county", 28, 15, 0.8))
        # Offices fill the remaining units, weighted per parent.
        budget = n_units - len(units)
        if budget < 0:
            raise SystemExit(f"scale {s}: the skeleton alone has {len(units)} units")
        parents = [u for u in units if u["office_weight"] > 0]
        jitter = [u["office_weight"] * rng.uniform(0.5, 1.5) for u in parents]
        total = sum(jitter)
        quotas = [budget * w / total for w in jitter]
        counts = [int(q) for q in quotas]
        rest = budget - sum(counts)
        order = sorted(range(len(parents)), key=lambda i: quotas[i] - counts[i], reverse=True)
        for i in order[:rest]:
            counts[i] += 1
        for p, n in zip(parents, counts, strict=True):
            names = TOWN_OFFICES if p["kind"] == "town" else OFFICES
            for i in range(n):
                add(names[i] if i < len(names) else f"第{i + 1}科", "office", p)
        self.units, self.root, self.cities, self.counties = units, root, cities, counties
        self.governments = [root, *cities, *counties]
        rows = []
        for u in units:
            rows.append((u["id"], u["name"], "", u.get("code"), u["kind"], u["path"], u["depth"], u["sort_order"],
                         "", True, u["parent"]["id"] if u["parent"] else None))
        self.loader.write("org_unit", ["id", "name", "short_name", "code", "kind", "path", "depth", "sort_order",
                                       "phone", "is_active", "parent_id"], rows)
        self.stats["units"] = len(units)

    def build_people(self):
        rng = self.rng
        n_people = self.target["people"]
        units = self.units
        # Governments carry their leaders; supervision offices a few staff.
        fixed = {}
        for g in self.governments:
            fixed[g["id"]] = {"province": 8, "city": 6, "county": 5}[g["level"]]
            fixed[g["office"]["id"]] = {"province": 5, "city": 4, "county": 3}[g["level"]]
        base = sum(fixed.get(u["id"], 1) for u in units)
        extra = max(0, n_people - base)
        weights = [0.0 if u["id"] in fixed else {"department": 3.0, "town": 2.0, "office": 1.0}.get(u["kind"], 1.0)
                   * rng.uniform(0.5, 1.5) for u in units]
        total = sum(weights)
        per = [fixed.get(u["id"], 1) + int(extra * w / total) for u, w in zip(units, weights, strict=True)]
        short = n_people - sum(per)
        i = 0
        while short > 0:
            if units[i % len(units)]["id"] not in fixed:
                per[i % len(units)] += 1
                short -= 1
            i += 1
        users, persons, roles = [], [], []
        joined = self.ts(self.now_ts - 6 * 365 * DAY)
        granted = joined
        for u, n in zip(units, per, strict=True):
            for k in range(n):
                uid = self.ids["auth_user"].take()
                users.append((uid, "!", None, False, f"p{uid:06d}", "", "", False, True, joined, person_name(rng)))
                is_leader = u["kind"] == "government"
                position = ("副职领导" if k else "主要领导") if is_leader else ("联络员" if k == 0 else "科员")
                persons.append((self.ids["org_person"].take(), position, "", "", "", is_leader, k, None, None, "", None,
                                uid, u["id"]))
                u["people"].append(uid)
                if is_leader:
                    roles.append((self.ids["org_roleassignment"].take(), "leader", granted, uid, u["id"]))
                elif u["kind"] == "office" and u is u["gov"]["office"]:
                    roles.append((self.ids["org_roleassignment"].take(), "supervisor", granted, uid, u["gov"]["id"]))
                elif k == 0:
                    roles.append((self.ids["org_roleassignment"].take(), "liaison", granted, uid, None))
                elif k == 1:
                    roles.append((self.ids["org_roleassignment"].take(), "unit_head", granted, uid, None))
            if len(users) >= BATCH:
                self._flush_people(users, persons, roles)
                users, persons, roles = [], [], []
        self._flush_people(users, persons, roles)
        self.stats["people"] = sum(per)

    def _flush_people(self, users, persons, roles):
        self.loader.write("auth_user", ["id", "password", "last_login", "is_superuser", "username", "last_name",
                                        "email", "is_staff", "is_active", "date_joined", "first_name"], users)
        # mobile and id_number stay empty (SM4-encrypted when set: duban.core.fields).
        self.loader.write("org_person", ["id", "position", "office_phone", "mobile", "id_number", "is_leader",
                                         "sort_order", "away_from", "away_to", "away_reason", "backup_id", "user_id",
                                         "unit_id"], persons)
        self.loader.write("org_roleassignment", ["id", "role", "granted_at", "user_id", "scope_id"], roles)

    # matters --------------------------------------------------------------------------------------

    MATTER_COLUMNS = [
        "id", "number", "year", "serial", "sub_seq", "source_kind", "meeting_name", "meeting_date", "minutes_number",
        "instruction_date", "instruction_text", "document_number", "ticket_number", "finding", "source_ref", "title",
        "content", "standard", "urgency", "depth", "tree_path", "due_at", "deadline_rule", "is_long_term",
        "report_cycle", "report_day", "state", "suspended_from", "state_reason", "progress", "reported_progress",
        "return_count", "result", "created_at", "assigned_at", "acknowledged_at", "started_at",
        "completion_requested_at", "completed_at", "archived_at", "cancelled_at", "acknowledged_by_id",
        "assigning_unit_id", "completion_clock_id", "created_by_id", "current_clock_id", "instructing_leader_id",
        "lead_person_id", "lead_unit_id", "responsible_leader_id", "supervising_unit_id", "parent_id", "root_id",
        "closed_at", "open_due_at", "open_frozen_light", "open_warn_at",
    ]
    CLOCK_COLUMNS = [
        "id", "owner_id", "kind", "label", "link", "explicit", "limit", "warn_before", "roll_forward", "started_at",
        "base_set_at", "base_due_at", "base_warn_at", "due_at", "warn_at", "state", "paused_at", "warned_at",
        "breached_at", "met_at", "late_seconds", "created_at", "owner_person_id", "owner_type_id", "owner_unit_id",
        "rule_id", "stopped_at",
    ]
    PAUSE_COLUMNS = ["id", "started_at", "ended_at", "reason", "clock_id"]
    COOP_COLUMNS = ["id", "duty", "sort_order", "matter_id", "person_id", "unit_id"]
    REPORT_COLUMNS = [
        "id", "kind", "text", "progress", "submitted_at", "period_due_at", "review_state", "review_comment",
        "reviewed_at", "matter_id", "reviewed_by_id", "submitted_by_id", "unit_id",
    ]

    def prepare_matters(self):
        rng = self.rng
        self.tz = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
        self.rule_cache = {}
        self.check_rule_cache()
        self.titles = [f"{rng.choice(ACTIONS)}{rng.choice(TOPICS)}（{rng.choice(PERIODS)}）" for _ in range(3000)]
        self.contents = text_pool(rng, 3000, 60, 180)
        self.standards = text_pool(rng, 500, 20, 60)
        self.report_texts = text_pool(rng, 5000, 40, 160)
        # Lead units per government: its departments and towns, Zipf-like.
        self.pick_gov = weighted(rng, self.governments, [
            {"province": 0.08 * 1, "city": 0.25 / len(self.cities), "county": 0.67 / len(self.counties)}[g["level"]]
            * (1 if g["level"] == "province" else rng.lognormvariate(0, 0.5)) for g in self.governments])
        for g in self.governments:
            leads = [u for u in g["children"] if u["kind"] in ("department", "town")]
            rng.shuffle(leads)
            g["leads"] = leads
            g["pick_lead"] = weighted(rng, leads, [1 / (i + 1) ** 0.8 for i in range(len(leads))])
            g["towns"] = [u for u in g["children"] if u["kind"] == "town"]
            g["leaders"] = g["people"]
            g["supervisors"] = g["office"]["people"]
        self.serials = {}
        self.rows = {"supervision_matter": [], "clocks_clock": [], "clocks_clockpause": [],
                     "supervision_mattercooperation": [], "supervision_report": []}
        self.counts = {"top": 0, "sub": 0, "open": 0, "draft": 0, "reports": 0, "clocks": 0, "coops": 0}
        self.states = {}
        # Report counts are scaled to reach the target on average.
        self.report_factor = self.target["reports"] / self.target["matters"] / 3.0

    def emit(self, table, row):
        rows = self.rows[table]
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(table)

    def flush(self, table=None):
        columns = {"supervision_matter": self.MATTER_COLUMNS, "clocks_clock": self.CLOCK_COLUMNS,
                   "clocks_clockpause": self.PAUSE_COLUMNS, "supervision_mattercooperation": self.COOP_COLUMNS,
                   "supervision_report": self.REPORT_COLUMNS}
        for t in [table] if table else list(self.rows):
            self.loader.write(t, columns[t], self.rows[t])
            self.rows[t] = []

    def build_matters(self):
        self.prepare_matters()
        rng, now = self.rng, self.now_ts
        budget = self.target["matters"]
        # Creation moments of the top-level matters over five years, more in
        # recent years; about half of all matters are top-level.
        n_top = max(1, int(budget / 2.0))
        span = 5 * 365 * DAY
        ages = []
        for _ in range(n_top):
            u = rng.random()
            age = span * (1 - math.sqrt(u)) if rng.random() < 0.5 else span * rng.random()
            ages.append(max(age, 600.0))
        ages.sort(reverse=True)  # oldest first: ids grow with time
        made = 0
        t0 = time.perf_counter()
        last_log = t0
        for age in ages:
            if made >= budget:
                break
            made += self.family(now - age, budget - made)
            if time.perf_counter() - last_log > 30:
                last_log = time.perf_counter()
                self.log(f"  … {made:,} matters ({time.perf_counter() - t0:.0f} s)")
        # Top up with recent families when the budget is not yet spent.
        while made < budget:
            made += self.family(now - rng.uniform(600, 30 * DAY), budget - made)
        self.flush()
        self.stats.update(self.counts)
        self.stats["matters"] = made

    def p_open(self, age_days):
        if age_days < 30:
            return 0.85
        if age_days < 90:
            return 0.6
        if age_days < 180:
            return 0.35
        if age_days < 365:
            return 0.12
        return 0.05

    def family(self, created, budget):
        """A top-level matter and its sub-tasks; returns how many matters."""
        rng = self.rng
        g = self.pick_gov()
        age_days = (self.now_ts - created) / DAY
        is_open = age_days < 5 or rng.random() < self.p_open(age_days)
        long_term = rng.random() < (0.5 if is_open and age_days > 365 else 0.08)
        draft = is_open and age_days < 20 and rng.random() < 0.03
        top = self.matter(g=g, parent=None, created=created, is_open=is_open, long_term=long_term, draft=draft)
        n = 1
        if draft or budget <= 1:
            return n
        k = rng.choices((0, 1, 2, 3, 4), (0.6, 0.12, 0.12, 0.08, 0.08))[0]
        for _ in range(k):
            if n >= budget:
                break
            child = self.subtask(top)
            if child is None:
                break
            n += 1
            if rng.random() < 0.06:
                for _ in range(rng.randint(1, 2)):
                    if n >= budget or child["depth"] >= 3:
                        break
                    if self.subtask(child) is not None:
                        n += 1
        return n

    def subtask(self, parent):
        rng = self.rng
        lead = parent["lead"]
        offices = lead["children"]
        if offices:
            candidates = offices
        elif lead["kind"] == "department" and lead["gov"]["towns"]:
            candidates = lead["gov"]["towns"]
        else:
            candidates = [u for u in (lead["parent"]["children"] if lead["parent"] else []) if u is not lead]
        if not candidates or parent["state"] == "draft" or parent["acknowledged_at"] is None:
            return None
        unit = rng.choice(candidates)
        if unit is lead:
            return None
        # Split after the parent was acknowledged, early in its life, with a
        # deadline never later than the parent's; closed before the parent
        # asked for completion (open sub-tasks block that).
        start = parent["acknowledged_at"] + rng.uniform(0.05, 0.3) * max(parent["span"], DAY)
        end = parent["requested"] or parent["closed_at"] or self.now_ts
        if start >= min(end, parent["deadline"] or end) - 6 * 3600 or start >= self.now_ts - 600:
            return None
        parent["seq"] += 1
        pstate = parent["state"]
        if pstate in ("acknowledged", "in_progress", "suspended") and rng.random() < 0.6:
            state = None  # open, drawn like a top-level matter's
            is_open = True
        elif pstate == "cancelled":
            state, is_open = rng.choice(("cancelled", "cancelled", "completed")), False
        else:
            state, is_open = (rng.choice(("completed", "archived")) if pstate == "archived" else "completed"), False
        return self.matter(g=parent["g"], parent=parent, created=start, is_open=is_open, long_term=False,
                           draft=False, unit=unit, state=state, cap=end if not is_open else None)

    def matter(self, *, g, parent, created, is_open, long_term, draft, unit=None, state=None, cap=None):
        rng, now = self.rng, self.now_ts
        mid = self.ids["supervision_matter"].take()
        lead = unit or g["pick_lead"]()
        lead_person = lead["people"][0] if rng.random() < 0.7 else rng.choice(lead["people"])
        supervisors = g["supervisors"]
        supervisor = rng.choice(supervisors)
        leader = rng.choice(g["leaders"])
        m = {"id": mid, "g": g, "lead": lead, "parent": parent, "seq": 0, "is_open": is_open, "number": ""}
        depth = parent["depth"] + 1 if parent else 0
        m["depth"] = depth
        m["tree_path"] = (parent["tree_path"] if parent else "") + f"{mid:010d}."
        if parent:
            source = parent["source"]
        else:
            kind = rng.choices(
                ("standing_meeting", "special_meeting", "leader_instruction", "assignment", "higher_deployment",
                 "hotline", "inspection"), (20, 15, 25, 10, 15, 10, 5))[0]
            mdate = self.day(created - rng.uniform(0, 5) * DAY)
            source = {"source_kind": kind, "meeting_name": "", "meeting_date": None, "minutes_number": "",
                      "instruction_date": None, "instruction_text": "", "document_number": "", "ticket_number": "",
                      "finding": "", "instructing_leader_id": None}
            if kind in ("standing_meeting", "special_meeting"):
                source.update(meeting_name=("政府常务会议" if kind == "standing_meeting" else "专题会议"),
                              meeting_date=mdate, minutes_number=f"纪要〔{str(mdate)[:4]}〕{rng.randint(1, 60)}号")
            elif kind == "leader_instruction":
                source.update(instructing_leader_id=leader, instruction_date=mdate,
                              instruction_text="请督查室督办，按时报送落实情况。")
            elif kind in ("assignment", "higher_deployment"):
                source.update(document_number=f"政办〔{str(mdate)[:4]}〕{rng.randint(1, 300)}号")
            elif kind == "hotline":
                source.update(ticket_number=f"12345-{rng.randint(10**9, 10**10 - 1)}")
            else:
                source.update(finding="督查中发现推进缓慢，需限期整改。")
        m["source"] = source
        urgency = parent["urgency"] if parent else rng.choices(("normal", "urgent", "extra_urgent"), (75, 20, 5))[0]
        m["urgency"] = urgency

        # Timeline.
        assigned = None if draft else created + (rng.uniform(0, 2 * DAY) if not parent else 0.0)
        if assigned is not None and assigned >= now:
            assigned = now - 60
        # The deadline: explicit, a 7-working-day rule, or none (long-term only).
        mode = "explicit"
        if parent is None:
            r = rng.random()
            mode = "rule" if r < 0.2 else ("none" if long_term and r < 0.6 else "explicit")
        if parent is None and is_open and mode == "rule" and now - created > 14 * DAY:
            mode = "explicit"
        explicit_due = None
        if mode == "explicit" and assigned is not None and parent is None and is_open:
            # Open matters: about a fifth overdue, an eighth in the warning
            # window (the last day), the rest due later.
            r = rng.random()
            if r < 0.2:
                explicit_due = now - rng.uniform(0, 1) * min(60 * DAY, max(now - assigned - 3 * DAY, 0))
            elif r < 0.32:
                explicit_due = now + rng.uniform(0, 0.9) * DAY
            else:
                explicit_due = now + rng.lognormvariate(math.log(20 * DAY), 0.8)
            explicit_due = max(explicit_due, assigned + 3 * DAY)
        elif mode == "explicit" and assigned is not None:
            span = rng.lognormvariate(math.log(30 * DAY), 0.6)
            span = min(max(span, 3 * DAY), 240 * DAY)
            explicit_due = assigned + span
            if parent and parent["deadline"]:
                explicit_due = min(explicit_due, assigned + rng.uniform(0.5, 1.0) * (parent["deadline"] - assigned))
        elif mode == "explicit":
            explicit_due = created + rng.uniform(15, 90) * DAY
        if explicit_due is not None:
            explicit_due = math.floor(explicit_due) + 0.999
            if parent and parent["deadline"]:
                explicit_due = min(explicit_due, parent["deadline"])
        # States.
        acked = started = requested = completed = archived = cancelled = suspended_at = None
        result = ""
        if state is not None:
            pass
        elif draft:
            state = "draft"
        else:
            if is_open:
                state = rng.choices(("assigned", "acknowledged", "in_progress", "completion_requested", "suspended"),
                                    (8, 12, 55, 12, 8))[0]
                if state == "assigned" and now - assigned > 10 * DAY and rng.random() < 0.7:
                    state = "in_progress"
            else:
                state = rng.choices(("completed", "archived", "cancelled"), (35, 60, 5))[0]
        ack_due, ack_warn = (self.rule_moments("1wd", assigned) if assigned is not None else (None, None))
        rule_due = rule_warn = None
        if mode == "rule" and assigned is not None:
            rule_due, rule_warn = self.rule_moments("7wd", assigned)
        deadline = explicit_due if mode == "explicit" else rule_due
        if state != "draft" and state != "assigned":
            ack_delay = rng.uniform(0.05, 1.0) * (ack_due - assigned) if rng.random() < 0.9 else \
                rng.uniform(1.0, 3.0) * (ack_due - assigned)
            acked = min(assigned + ack_delay, now - 30)
        life = (deadline - (assigned or created)) if deadline else rng.uniform(60, 400) * DAY
        m["span"] = life if assigned is not None else 0.0
        if state in ("in_progress", "completion_requested", "suspended", "completed", "archived", "cancelled") and \
                acked is not None:
            started = min(acked + rng.uniform(0.1, 3) * DAY, now - 20)
        if cap is not None and acked is not None:
            # A sub-task closed before its parent asked for completion.
            window = cap - 120 - assigned
            acked = min(acked, assigned + 0.1 * window)
            if started is not None:
                started = min(started, acked + 0.1 * window)
        if state in ("completed", "archived"):
            finish = assigned + life * (rng.uniform(0.3, 0.98) if rng.random() < 0.85 else rng.uniform(1.02, 1.5))
            finish = max(finish, (started or acked or assigned) + 3600)
            hi = min(now - 10, cap - 120) if cap else now - 10
            completed = min(finish + rng.uniform(0.2, 3) * DAY, hi)
            requested = min(finish, completed - 60)
            lo = started or acked or assigned
            if not lo < requested < completed:
                requested, completed = lo + 0.6 * (hi - lo), lo + 0.8 * (hi - lo)
            result = "met" if deadline is None or requested <= deadline else "met_late"
            if state == "archived":
                archived = completed + rng.uniform(1, 60) * DAY
                if archived >= now:
                    state, archived = "completed", None
        elif state == "cancelled":
            cancelled = min((started or acked or assigned) + rng.uniform(0.1, 0.8) * life,
                            min(now - 10, cap - 120) if cap else now - 10)
        elif state == "completion_requested":
            requested = max(now - rng.uniform(0.1, 10) * DAY, (started or acked) + 60)
        elif state == "suspended":
            suspended_at = max(now - rng.uniform(0.5, 40) * DAY, (started or acked) + 60)
        if state == "suspended":
            suspended_from = "in_progress"
        else:
            suspended_from = ""
        closed_at = completed or cancelled
        m.update(state=state, acknowledged_at=acked, deadline=deadline, closed_at=closed_at, requested=requested)

        # Clocks.
        clocks = []  # (id, kind, due, warn, state)
        if assigned is not None:
            pause_at = suspended_at or (requested if state == "completion_requested" else None)
            pause_reason = {"suspended": "事项暂停", "completion_requested": "办结待审"}.get(state, "")
            # cancel_matter stops every clock still open.
            stop = dict(stop_at=cancelled)
            # complete_matter meets every open clock as of the delivery (the request).
            done_at = requested if completed is not None else None
            label_head = self._number(m, parent, assigned)
            # ack clock
            clocks.append(self.clock(mid, "ack", label_head + "签收", lead["id"], lead_person, assigned, ack_due,
                                     ack_warn, rule="matter_ack_1wd", limit="1wd", met=acked,
                                     pause_at=pause_at if acked is None else None, pause_reason=pause_reason,
                                     **stop))
            if deadline is not None:
                if mode == "rule":
                    clocks.append(self.clock(mid, "completion", label_head + "办结", lead["id"], lead_person,
                                             assigned, rule_due, rule_warn, rule="matter_report_7wd", limit="7wd",
                                             met=done_at, pause_at=pause_at, pause_reason=pause_reason, **stop))
                else:
                    warn = deadline - min(DAY, (deadline - assigned) / 5)
                    clocks.append(self.clock(mid, "completion", label_head + "办结", lead["id"], lead_person,
                                             assigned, deadline, warn, met=done_at, pause_at=pause_at,
                                             pause_reason=pause_reason, **stop))
            if long_term:
                # The current reporting period (weekly or monthly).
                cycle = rng.choice(("weekly", "monthly"))
                period = 7 * DAY if cycle == "weekly" else 30 * DAY
                ref = done_at or pause_at or cancelled or now
                k = max(0, math.floor((ref - assigned) / period))
                pstart = assigned + k * period
                pdue = pstart + period
                clocks.append(self.clock(mid, "report", label_head + "定期报告", lead["id"], lead_person, pstart,
                                         pdue, pdue - min(DAY, period / 5), met=done_at, pause_at=pause_at,
                                         pause_reason=pause_reason, **stop))
                m["cycle"], m["period"] = cycle, period
        completion_clock = next((c[0] for c in clocks if c[1] == "completion"), None)
        open_clocks = [c for c in clocks if c[4] in ("running", "paused", "breached")]
        if open_clocks:
            current = min(open_clocks, key=lambda c: (c[2], c[0]))[0]
        else:
            current = completion_clock or (clocks[-1][0] if clocks else None)
        # The lists' sort key (services._refresh_current): an open matter's
        # current clock's due moment, its warning moment, and its light
        # while it is paused.
        is_open_state = state in ("assigned", "acknowledged", "in_progress", "completion_requested", "suspended")
        cur = next((c for c in clocks if c[0] == current), None) if is_open_state else None
        open_due, open_warn, frozen = (cur[2], cur[3], None) if cur else (None, None, None)
        if cur and cur[4] == "paused":
            frozen = "red" if cur[2] <= cur[5] else "yellow" if cur[3] <= cur[5] else "green"

        # Progress and reports.
        progress = 100 if state in ("completed", "archived") else (
            rng.choice((0, 10, 20, 30, 50, 60, 80)) if state in ("in_progress", "suspended", "cancelled") else
            (90 if state == "completion_requested" else 0))
        self.reports(m, lead, lead_person, supervisor, state, started, requested, completed, closed_at, long_term,
                     progress)
        if parent is None and rng.random() < 0.3 and len(g["leads"]) > 1:
            coops = rng.sample(g["leads"], min(len(g["leads"]), rng.randint(1, 3) + 1))
            coops = [u for u in coops if u is not lead][:3]
            for i, u in enumerate(coops):
                self.emit("supervision_mattercooperation", (self.ids["supervision_mattercooperation"].take(),
                                                            "", i, mid, u["people"][0], u["id"]))
                self.counts["coops"] += 1

        number, year, serial = m["number"], m.get("year"), m.get("serial")
        ts = self.ts
        row = (
            mid, number, year, serial, parent["seq"] if parent else None, source["source_kind"],
            source["meeting_name"], source["meeting_date"], source["minutes_number"], source["instruction_date"],
            source["instruction_text"], source["document_number"], source["ticket_number"], source["finding"], "",
            rng.choice(self.titles), rng.choice(self.contents), rng.choice(self.standards), urgency, depth,
            m["tree_path"], ts(explicit_due) if mode == "explicit" else None,
            "matter_report_7wd" if mode == "rule" else "", long_term, m.get("cycle", "") if long_term else "",
            (rng.randint(1, 5) if m.get("cycle") == "weekly" else rng.randint(1, 28)) if long_term else None,
            state, suspended_from, "因客观原因暂缓办理" if state in ("suspended", "cancelled") else "",
            progress, progress, 1 if state != "draft" and rng.random() < 0.05 else 0, result,
            ts(created), ts(assigned), ts(acked), ts(started), ts(requested), ts(completed), ts(archived),
            ts(cancelled), lead_person if acked else None, parent["lead"]["id"] if parent else None,
            completion_clock, parent["lead_person"] if parent else supervisor, current,
            source["instructing_leader_id"], lead_person, lead["id"],
            parent["responsible_leader"] if parent else (leader if rng.random() < 0.8 else None),
            parent["supervising_unit"] if parent else g["office"]["id"],
            parent["id"] if parent else None, parent["root"] if parent else mid, ts(closed_at),
            ts(open_due), frozen, ts(open_warn),
        )
        m["lead_person"], m["responsible_leader"] = lead_person, row[49]
        m["supervising_unit"], m["root"] = row[50], row[52]
        assert len(row) == len(self.MATTER_COLUMNS)
        self.emit("supervision_matter", row)
        key = "sub" if parent else "top"
        self.counts[key] += 1
        self.states[state] = self.states.get(state, 0) + 1
        if state == "draft":
            self.counts["draft"] += 1
        elif state in ("assigned", "acknowledged", "in_progress", "completion_requested", "suspended"):
            self.counts["open"] += 1
        return m

    def _number(self, m, parent, assigned):
        if parent:
            m["number"] = f"{parent['number']}-{parent['seq']}"
        else:
            year = dt.datetime.fromtimestamp(assigned, self.tz).year
            serial = self.serials.get(year, 0) + 1
            self.serials[year] = serial
            m["number"], m["year"], m["serial"] = f"督办〔{year}〕{serial}号", year, serial
        return f"{m['number']}“{self.titles[m['id'] % len(self.titles)][:40]}”"

    def clock(self, owner, kind, label, unit, person, start, due, warn, *, rule=None, limit="", met=None,
              pause_at=None, pause_reason="", stop_at=None):
        """Write one clock; returns (id, kind, due, warn, state, paused_at)."""
        now = self.now_ts
        cid = self.ids["clocks_clock"].take()
        state, paused_at, warned, breached, met_at, late, stopped = "running", None, None, None, None, None, None
        if met is not None and met >= start:
            met_at = met
            late = max(0, int(met - due))
            state = "met_late" if late > 0 else "met"
            warned = warn if warn <= met else None
            breached = due if late > 0 else None
        elif stop_at is not None and stop_at >= start:
            state, stopped = "stopped", stop_at
            warned = warn if warn <= stop_at else None
            breached = due if due <= stop_at else None
        elif pause_at is not None and pause_at >= start:
            state, paused_at = "paused", pause_at
            warned = warn if warn <= pause_at else None
            breached = due if due <= pause_at else None
            self.emit("clocks_clockpause", (self.ids["clocks_clockpause"].take(), self.ts(pause_at), None,
                                            pause_reason, cid))
        else:
            if due <= now:
                state, breached = "breached", due
            if warn <= now:
                warned = warn
        ts = self.ts
        self.emit("clocks_clock", (
            cid, str(owner), kind, label[:200], f"/matters/{owner}/", rule is None, limit, "", True, ts(start),
            ts(start), ts(due), ts(warn), ts(due), ts(warn), state, ts(paused_at), ts(warned), ts(breached),
            ts(met_at), late if met_at is not None else None, ts(start), person, self.matter_ct, unit,
            self.rules.get(rule) if rule else None, ts(stopped),
        ))
        self.counts["clocks"] += 1
        return (cid, kind, due, warn, state, paused_at)

    def reports(self, m, lead, person, supervisor, state, started, requested, completed, closed_at, long_term,
                progress):
        rng = self.rng
        if started is None:
            return
        end = requested or closed_at or self.now_ts
        if end <= started:
            return
        f = self.report_factor
        n = {"completed": 2.0, "archived": 2.0, "cancelled": 0.8, "in_progress": 1.8, "completion_requested": 2.0,
             "suspended": 1.2}.get(state, 0.0) * f
        k = int(n) + (1 if rng.random() < n - int(n) else 0)
        if long_term and m.get("period"):
            k += min(24, int((end - started) / m["period"]))
        times = sorted(rng.uniform(started, end) for _ in range(k))
        for i, t in enumerate(times):
            periodic = long_term and i % 2 == 1
            review = rng.choice(("accepted", "accepted", "accepted", "returned")) if closed_at or i < k - 1 \
                else "pending"
            reviewed = t + rng.uniform(0.1, 3) * DAY if review != "pending" else None
            if reviewed is not None and reviewed >= self.now_ts:
                review, reviewed = "pending", None
            self.emit("supervision_report", (
                self.ids["supervision_report"].take(), "periodic" if periodic else "progress",
                rng.choice(self.report_texts), min(100, int(progress * (i + 1) / (k + 1))), self.ts(t),
                self.ts(t + DAY) if periodic else None, review, "请补充佐证材料。" if review == "returned" else "",
                self.ts(reviewed), m["id"], supervisor if reviewed else None, person, lead["id"]))
        self.counts["reports"] += k
        if requested is not None:
            done = completed is not None
            self.emit("supervision_report", (
                self.ids["supervision_report"].take(), "completion", rng.choice(self.report_texts), 100,
                self.ts(requested), None, "accepted" if done else "pending", "", self.ts(completed) if done else None,
                m["id"], supervisor if done else None, person, lead["id"]))
            self.counts["reports"] += 1


def generate(scale=1.0, seed=20261122, now=None, log=print):
    """Fill the (freshly migrated) current database with a province. Returns
    a dict of figures."""
    from django.utils import timezone

    now = now or timezone.now()
    t0 = time.perf_counter()
    p = Province(scale, seed, now, log=log)
    p.loader.begin()
    log(f"生成省级数据 / generating a province at scale {scale} "
        f"({', '.join(f'{k} {v:,}' for k, v in p.target.items())}) …")
    p.build_units()
    p.build_people()
    log(f"  units {p.stats['units']:,}, people {p.stats['people']:,} ({time.perf_counter() - t0:.1f} s)")
    p.build_matters()
    t1 = time.perf_counter()
    log(f"  matters {p.stats['matters']:,} (top {p.stats['top']:,}, sub-tasks {p.stats['sub']:,}, "
        f"open {p.stats['open']:,} = {p.stats['open'] / p.stats['matters']:.1%}, drafts {p.stats['draft']:,}), "
        f"clocks {p.stats['clocks']:,}, cooperations {p.stats['coops']:,}, reports {p.stats['reports']:,} "
        f"({t1 - t0:.1f} s)")
    p.loader.finish()
    # The 督办 numbers given, as the number counter's (duban.core.serials):
    # a matter assigned on the generated province takes the next one.
    from django.db.models import Max

    from duban.core.models import SerialCounter
    from duban.supervision.models import Matter

    SerialCounter.objects.bulk_create([SerialCounter(series="matter", year=y, last=n)
                                       for y, n in sorted(p.serials.items())])
    given = dict(Matter.objects.filter(serial__isnull=False).values_list("year").annotate(m=Max("serial"))
                 .values_list("year", "m"))
    counted = dict(SerialCounter.objects.filter(series="matter").values_list("year", "last"))
    if given != counted:
        raise SystemExit(f"督办编号计数与已编号事项不符 / number counters {counted} != numbers given {given}")
    log(f"  督办编号计数 / number counters: {', '.join(f'{y} → {n:,}' for y, n in sorted(counted.items()))}")
    p.stats["seconds"] = time.perf_counter() - t0
    p.stats["states"] = dict(sorted(p.states.items(), key=lambda kv: -kv[1]))
    p.stats["rows"] = p.loader.rows
    log(f"  states: {', '.join(f'{k} {v:,}' for k, v in p.stats['states'].items())}")
    log(f"完成 / done in {p.stats['seconds']:.1f} s")
    return p.stats


def light_distribution(now=None):
    """Counts per light of the open matters (a sanity check of the data)."""
    from django.db.models import Count
    from django.utils import timezone

    from duban.clocks.services import annotate_light
    from duban.supervision.models import Matter
    from duban.supervision.transitions import OPEN_STATES

    qs = annotate_light(Matter.objects.filter(state__in=list(OPEN_STATES), current_clock__isnull=False),
                        now or timezone.now(), prefix="current_clock__")
    return dict(qs.order_by().values_list("light").annotate(n=Count("id")).values_list("light", "n"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="1.0 = 10,000 units … 3,000,000 reports (default)")
    p.add_argument("--db", help="SQLite file, or PostgreSQL database name with DATABASE_URL")
    p.add_argument("--seed", type=int, default=20261122)
    args = p.parse_args()
    db = args.db
    if db is None and os.environ.get("DATABASE_URL"):
        db = "duban_province"
    if db is None:
        db = os.path.join(tempfile.gettempdir(), f"duban-province-{args.scale:g}.sqlite3")
    where, cleanup = setup(db, fresh=True)  # the database is kept; the cleanup removes the scratch dir
    try:
        print(f"目标 / target: {where}")
        generate(args.scale, args.seed)
        lights = light_distribution()
        total = sum(lights.values()) or 1
        print("  open matters by light: " + ", ".join(f"{k} {v:,} ({v / total:.0%})"
                                                      for k, v in sorted(lights.items())))
        print(f"复用 / reuse: .venv/bin/python bench/bench_lists.py --db {db}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
