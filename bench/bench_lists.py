"""The first page of the unit worklist (我的待办) and of the supervision
office's list (督办总表) at province scale (issue 4, item 9), against the bare
SQL query that returns the same page, measured in the same run.

    .venv/bin/python bench/bench_lists.py [--scale 1.0] [--db PATH|NAME] [--repeat 50] [--budget 30]
                                          [--no-counts] [--orm-only] [--only TEXT]
    .venv/bin/python bench/generate_province.py --db /tmp/province.sqlite3    # once, ~5 min
    .venv/bin/python bench/bench_lists.py --db /tmp/province.sqlite3          # then, reusing it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/bench_lists.py --db duban_province            # PostgreSQL, ~3 min to generate
    .venv/bin/python bench/bench_lists.py --scale 0.1                         # quick: 100,000 matters

Data: bench/generate_province.py (10,000 units, 50,000 people, 1,000,000
matters and sub-tasks, 3,000,000 reports at --scale 1). Without --db the
script generates the province into a temporary database and removes it at
the end; with --db it reuses that database when it was generated before
(SQLite file, or PostgreSQL database name with DATABASE_URL), else generates
into it and keeps it. SQLite by default; PostgreSQL when DATABASE_URL is set.
var/duban.sqlite3 is never touched.

Users: liaisons of units of different sizes (the department with the longest
worklist, a county department and a town of median size, an office that
receives sub-tasks) and 督查室 users whose jurisdiction is the province, a
city and a county. Each case is a call of the function the page uses
(duban.supervision.queries.unit_worklist / supervision_list) with the page's
filters, and the first page (20 rows) read as the page reads it: rows with
their units, people and clocks, the names of their cooperating units prefetched.

Figures per case (--repeat runs, or fewer when a case exceeds --budget
seconds per figure; warm cache, one connection; orm, sql and bare timed in
turn, run by run, so that a change of load on the machine meets all three):
  orm    the list function, first page, as the page reads it: the user's
         scope query, the page's ids (queries.ListQuerySet: lean queries,
         group by group -- open, closed, drafts --, a light filter's two
         ranges apart; on PostgreSQL, in a list over 2% of the units or
         more, a light's ranges walked along their index in growing
         batches), the page's rows (the columns a row
         shows) with their units, people and clocks, the prefetch of their
         cooperating units (their names), model instances with their lights
  sql    the same statements (captured from one `orm` run) re-run as SQL text
         on a raw DB-API cursor: the database's share of `orm`
  bare   hand-written SQL returning the same page (same ids in the same
         order, checked before timing): one statement that picks the page's
         ids in a subquery (open matters by their sort key -- with a light
         filter, its two ranges, running and paused, each a subquery of its
         own --, each limited to the page) and returns those rows with the
         columns a row shows; when the open matters come short of a page,
         the same with closed ones by when they closed and drafts by id
         added (with the stopped light: the cancelled ones by when they
         closed); and one for the rows' cooperating units, on a raw cursor
  dj     the bare SQL read through Django (Matter.objects.raw() for the
         rows, Django's cursor for the cooperating units): what any page
         served by Django pays at the least for the same rows
  ratio  orm / bare, at p50 and p95, and `floor` dj / bare
  db     sql / bare at p50: the list's own statements against the bare
         query, both on the raw cursor -- what the list asks of the database
         against what an expert's query asks

Targets: orm p95 ≤ 100 ms, and db ≤ 2 ("within 2x of the bare query": the
query the list sends against the bare one). The whole page against the
bare query (orm / bare) is printed beside it: where the bare query takes a
millisecond or less, Django's fixed cost per statement and per row decides
that ratio, and `floor` shows it is over 2 for any Django page, even one
that sends the bare SQL itself.
The page also counts rows per light (Worklist.counts, one query; the
paginator takes the list's size from it); its time is printed in a second
table, not part of the targets: counted afresh, as at the first visit
(later visits within a minute take slow counts from the cache). The query plans of the statements that read matters are
printed once per case.
"""

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate_province as gp  # noqa: E402

PAGE = 20
TARGET_MS = 100.0
TARGET_RATIO = 2.0


def pct(values, p):
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def timed(fn, repeat, budget):
    """Times in ms of up to `repeat` calls after one warm-up call; fewer
    (at least 3) when `budget` seconds are spent."""
    return timed_together([fn], repeat, budget)[0]


def timed_together(fns, repeat, budget):
    """Times in ms of up to `repeat` rounds that call each of `fns` once,
    in turn, after one warm-up round; fewer rounds (at least 3) when
    `budget` seconds per function are spent. Interleaved, the functions
    meet the same load on the machine: their ratio does not drift with
    it, as it would if each were timed apart, one after the other."""
    for fn in fns:
        fn()
    out = [[] for _ in fns]
    start = time.perf_counter()
    for i in range(repeat):
        for fn, times in zip(fns, out, strict=True):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        if i >= 2 and time.perf_counter() - start > budget * len(fns):
            break
    return out


# --- the bare SQL ------------------------------------------------------------------------------

LIGHT = """CASE WHEN c.state IN ('met', 'met_late') THEN 'done'
     WHEN c.state = 'breached' THEN 'red'
     WHEN c.state = 'paused' AND c.paused_at IS NOT NULL THEN
          CASE WHEN c.due_at <= c.paused_at THEN 'red' WHEN c.warn_at <= c.paused_at THEN 'yellow' ELSE 'green' END
     WHEN c.due_at <= {now} THEN 'red' WHEN c.warn_at <= {now} THEN 'yellow' ELSE 'green' END"""

# The page as an expert writes it for this schema, in one statement: the
# page's ids first, group by group as the list orders them (open matters by
# their sort key -- the current clock's due moment, kept on the matter --,
# closed ones by the moment they closed, the most recent first, drafts by
# id, the newest first; each limited to the page), then those rows with the
# columns a row shows, in the list's order. The current clock is joined in
# the groups only for the light filter, and then the open group also states
# what that light implies of the matter's columns (running: red when due by
# now, yellow when due after now and warned by now, green when warned after
# now; paused: the light it froze with), each of the two ranges in a
# subquery of its own (an OR of them would not be read along the index in
# order).
PAGE_SQL = """SELECT m.id, m.number, m.title, m.state, m.urgency, lu.name, lp.first_name, c.due_at, {light}, cc.due_at
FROM supervision_matter m
LEFT JOIN clocks_clock c ON c.id = m.current_clock_id
LEFT JOIN clocks_clock cc ON cc.id = m.completion_clock_id
LEFT JOIN org_unit lu ON lu.id = m.lead_unit_id
LEFT JOIN auth_user lp ON lp.id = m.lead_person_id
WHERE m.id IN (
  {groups})
ORDER BY CASE WHEN m.state IN {open} THEN 0 WHEN m.closed_at IS NOT NULL THEN 1 ELSE 2 END,
  m.open_due_at, CASE WHEN m.state IN {open} THEN m.id END, m.closed_at DESC, m.id DESC
LIMIT {limit}"""

COOP_SQL = """SELECT co.matter_id, co.unit_id, u.name FROM supervision_mattercooperation co
JOIN org_unit u ON u.id = co.unit_id
WHERE co.matter_id IN ({ids}) ORDER BY co.matter_id, co.sort_order, co.id"""

OPEN = "('assigned', 'acknowledged', 'in_progress', 'completion_requested', 'suspended')"

CLOSED_SQL = """SELECT id FROM (
    SELECT m.id FROM supervision_matter m {joins}
    WHERE m.closed_at IS NOT NULL AND {where} ORDER BY m.closed_at DESC, m.id DESC LIMIT {limit}) closed_matters"""

LATER_SQL = CLOSED_SQL + """
  UNION ALL
  SELECT id FROM (
    SELECT m.id FROM supervision_matter m {joins}
    WHERE m.state = 'draft' AND {where} ORDER BY m.id DESC LIMIT {limit}) drafts"""

OPEN_SQL = """SELECT id FROM (
    SELECT m.id FROM supervision_matter m {joins}
    WHERE m.open_due_at IS NOT NULL AND {hint}{where} ORDER BY m.open_due_at, m.id
    LIMIT {limit}) {name}"""


class Bare:
    """Hand-written SQL for one case: WHERE clauses with named parameters."""

    def __init__(self, pg, now, django=False):
        self.pg = pg
        self.django = django  # the statements as Django's cursor takes them (%s marks)
        self.now = now if pg else now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ",
                                                                                        timespec="microseconds")

    def mark(self):
        return "%s" if self.pg or self.django else "?"

    def build(self, where, params, joins="", light=None):
        """[(sql, params)] of the page query: first with the open matters
        only (it fills a first page nearly always), then with every group,
        run when the first comes short; `light` adds the light filter."""
        mk = self.mark()
        light_sql = LIGHT.format(now=mk)
        args = list(params)
        if light == "stopped":
            # a cancelled matter's stopped clock: the closed ones of one state
            where = "m.state = 'cancelled' AND c.state = 'stopped' AND " + where.replace("%s", mk)
            joins = "JOIN clocks_clock c ON c.id = m.current_clock_id " + joins
            closed = CLOSED_SQL.format(joins=joins, where=where, limit=PAGE)
            page = (PAGE_SQL.format(light=light_sql, open=OPEN, limit=PAGE, groups=closed),
                    [self.now, self.now] + args)
            return [page, page]
        if light:
            where = f"c.id IS NOT NULL AND ({light_sql}) = %s AND " + where
            args = [self.now, self.now, light] + args
            joins = "JOIN clocks_clock c ON c.id = m.current_clock_id " + joins
        w = where.replace("%s", mk)
        if light:
            # running: red by the due moment, yellow and green also by the
            # warning moment (both kept on the matter)
            running = {"red": (f"m.open_due_at <= {mk} AND ", [self.now]),
                       "yellow": (f"m.open_due_at > {mk} AND m.open_warn_at <= {mk} AND ", [self.now, self.now]),
                       "green": (f"m.open_due_at > {mk} AND m.open_warn_at > {mk} AND ", [self.now, self.now])}[light]
            ranges = [("m.open_frozen_light IS NULL AND " + running[0], running[1], "running"),
                      (f"m.open_frozen_light = {mk} AND ", [light], "frozen")]
        else:
            ranges = [("", [], "open_matters")]
        open_part = "\n  UNION ALL\n  ".join(
            OPEN_SQL.format(joins=joins, open=OPEN, hint=hint, where=w, limit=PAGE, name=name)
            for hint, _, name in ranges)
        open_args = [a for _, hint_args, _ in ranges for a in hint_args + args]
        later = LATER_SQL.format(joins=joins, where=w, limit=PAGE)
        # the light in the select list, then the open ranges, closed, drafts
        return [(PAGE_SQL.format(light=light_sql, open=OPEN, limit=PAGE, groups=groups),
                 [self.now, self.now] + open_args + later_args)
                for groups, later_args in ((open_part, []), (open_part + "\n  UNION ALL\n  " + later, args * 2))]


# --- cases -------------------------------------------------------------------------------------


def pick_cases(args):
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from duban.org.models import RoleAssignment, Unit
    from duban.supervision.models import Matter, MatterCooperation
    from duban.supervision.transitions import OPEN_STATES

    User = get_user_model()
    open_states = list(OPEN_STATES)
    lead = dict(Matter.objects.filter(state__in=open_states).values_list("lead_unit").annotate(n=Count("id"))
                .values_list("lead_unit", "n"))
    coop = dict(MatterCooperation.objects.filter(matter__state__in=open_states).values_list("unit")
                .annotate(n=Count("id")).values_list("unit", "n"))
    sizes = {u: lead.get(u, 0) + coop.get(u, 0) for u in set(lead) | set(coop)}
    units = {u.id: u for u in Unit.objects.filter(id__in=list(sizes)).select_related("parent")}

    def median_of(pred):
        cands = sorted((n, uid) for uid, n in sizes.items() if pred(units[uid]))
        return cands[len(cands) // 2][1] if cands else None

    def largest(pred):
        cands = sorted(((n, uid) for uid, n in sizes.items() if pred(units[uid])), reverse=True)
        return cands[0][1] if cands else None

    def liaison(unit_id):
        return User.objects.filter(person__unit_id=unit_id, role_assignments__role="liaison").first()

    def county_level(u):
        return u.parent is not None and u.parent.kind == "government" and u.depth >= 2

    picks = [
        ("最大部门 largest dept", largest(lambda u: u.kind == "department")),
        ("县直部门 county dept", median_of(lambda u: u.kind == "department" and county_level(u))),
        ("乡镇 town", median_of(lambda u: u.kind == "town")),
        ("科室 office", largest(lambda u: u.kind == "office")),
    ]
    cases = []
    from duban.supervision import queries

    for label, uid in picks:
        if uid is None:
            continue
        user = liaison(uid)
        unit = units[uid]
        # The unit's open matters, led or cooperating (the open states said
        # once: beside open_due_at, PostgreSQL would multiply the shares).
        where = (f"m.id IN (SELECT id FROM supervision_matter WHERE lead_unit_id = %s AND state IN {OPEN} "
                 f"UNION ALL SELECT co.matter_id FROM supervision_mattercooperation co JOIN supervision_matter cm "
                 f"ON cm.id = co.matter_id WHERE co.unit_id = %s AND cm.state IN {OPEN})")
        name = f"我的待办 {label} ({unit.name}, {sizes[uid]} open)"
        cases.append((name, queries.unit_worklist, user, {}, (where, [uid, uid], "", None)))
        if label.startswith("最大"):
            cases.append((name + " light=red", queries.unit_worklist, user, {"light": "red"},
                          (where, [uid, uid], "", "red")))
        if label.startswith("县直"):
            cases.append((name + " state=in_progress", queries.unit_worklist, user, {"state": "in_progress"},
                          (where + " AND m.state IN ('in_progress')", [uid, uid], "", None)))

    def supervisor(pred):
        for ra in RoleAssignment.objects.filter(role="supervisor").select_related("scope").order_by("id"):
            if pred(ra.scope):
                return ra.user, ra.scope
        return None, None

    # Units of a subtree as an expert writes it: the path index answers a
    # prefix LIKE on PostgreSQL (pattern index), a range on SQLite (whose
    # LIKE ignores case and cannot use the index).
    from django.db import connection

    pg = connection.vendor == "postgresql"
    subtree = ("SELECT id FROM org_unit WHERE path LIKE %s" if pg
               else "SELECT id FROM org_unit WHERE path >= %s AND path < %s")

    def bounds(path):
        return [path + "%"] if pg else [path, path[:-1] + chr(ord(path[-1]) + 1)]

    # (a draft is listed by the office that supervises it only)
    jur = f"((m.lead_unit_id IN ({subtree}) AND m.state <> 'draft') OR m.supervising_unit_id IN ({subtree}))"
    prov_user, prov = supervisor(lambda s: s.depth == 0)
    matter_counts = dict(Matter.objects.values_list("supervising_unit__parent__parent").annotate(n=Count("id"))
                         .values_list("supervising_unit__parent__parent", "n"))
    cities = sorted(Unit.objects.filter(kind="government", depth=1), key=lambda u: -matter_counts.get(u.id, 0))
    city_user, city = supervisor(lambda s: cities and s.id == cities[0].id)
    county_user, county = supervisor(lambda s: s.kind == "government" and s.depth == 2)
    for u, scope, label in ((prov_user, prov, "全省 province"), (city_user, city, "全市 city"),
                            (county_user, county, "全县 county")):
        if u is None:
            continue
        p = bounds(scope.path) * 2
        j = jur
        if not Unit.objects.filter(parent__isnull=True).exclude(pk=scope.pk).exists():
            # The jurisdiction holds every unit, and every matter has a
            # supervising unit: an expert writes no condition.
            j, p = "1 = 1", []
        name = f"督办总表 {label} ({scope.name})"
        cases.append((name, queries.supervision_list, u, {}, (j, p, "", None)))
        light = "red" if label.startswith("全省") or label.startswith("全县") else "yellow"
        cases.append((name + f" light={light}", queries.supervision_list, u, {"light": light},
                      (j, p, "", light)))
        # green lies behind the yellow ones; with one state, sparser still
        cases.append((name + " light=green state=in_progress", queries.supervision_list, u,
                      {"light": "green", "state": "in_progress"},
                      (j + " AND m.state IN ('in_progress')", p, "", "green")))
        if label.startswith("全市"):
            cases.append((name + " light=green", queries.supervision_list, u, {"light": "green"},
                          (j, p, "", "green")))
            cases.append((name + " light=stopped", queries.supervision_list, u, {"light": "stopped"},
                          (j, p, "", "stopped")))
        if label.startswith("全省") and cities:
            target = cities[-1]
            where = (j + f" AND m.state IN ('in_progress') AND (m.lead_unit_id IN ({subtree}) OR m.id IN ("
                     f"SELECT matter_id FROM supervision_mattercooperation WHERE unit_id IN ({subtree})))")
            cases.append((name + f" unit={target.name} state=in_progress", queries.supervision_list, u,
                          {"unit": str(target.id), "state": "in_progress"},
                          (where, p + bounds(target.path) * 2, "", None)))
    return cases


def measure(case, args, now, bare, raw_fetch, pg):
    """Time one case: (result row, counts row or None, plans)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    name, fn, user, filters, (where, wparams, joins, light) = case

    def orm():
        user.__dict__.pop("_duban_scope", None)  # the scope query, as in a request
        return list(fn(user, filters, now).rows.for_page()[:PAGE])

    orm()
    with CaptureQueriesContext(connection) as ctx:
        ids = [m.pk for m in orm()]
    statements = [q["sql"] for q in ctx.captured_queries]
    (sql, params), (sql_all, params_all) = bare.build(where, wparams, joins, light)

    def bare_page():
        page = raw_fetch(sql, params)
        if len(page) < PAGE:  # the open matters come short: every group
            page = raw_fetch(sql_all, params_all)
        if page:
            marks = ", ".join([bare.mark()] * len(page))
            raw_fetch(COOP_SQL.format(ids=marks), [r[0] for r in page])
        return page

    got = [r[0] for r in bare_page()]
    if got != ids:
        raise SystemExit(f"{name}: bare SQL returned other rows\n  orm  {ids}\n  bare {got}")

    # The same hand-written statements read through Django: Matter rows
    # from Matter.objects.raw() and the cooperating units on Django's
    # cursor, what a page built on the bare SQL would pay at the least.
    from duban.supervision.models import Matter

    (dsql, dparams), (dsql_all, dparams_all) = Bare(pg, now, django=True).build(where, wparams, joins, light)

    def django_page():
        page = list(Matter.objects.raw(dsql, dparams))
        if len(page) < PAGE:
            page = list(Matter.objects.raw(dsql_all, dparams_all))
        if page:
            with connection.cursor() as cur:
                cur.execute(COOP_SQL.format(ids=", ".join(["%s"] * len(page))), [m.pk for m in page])
                cur.fetchall()
        return page

    got = [m.pk for m in django_page()]
    if got != ids:
        raise SystemExit(f"{name}: bare SQL through Django returned other rows\n  orm  {ids}\n  bare {got}")

    def orm_sql():
        for st in statements:
            raw_fetch(st, ())

    # The plans of the statements that read matters (the lean id queries
    # and the page), not the scope and prefetch lookups.
    plans = []
    for st in statements:
        if st.lstrip().upper().startswith("SELECT") and 'FROM "supervision_matter"' in st:
            plan = raw_fetch(("EXPLAIN " if pg else "EXPLAIN QUERY PLAN ") + st, ())
            head = st[:st.index(" FROM ")][:60] + " …"
            plans.append((name, head, "\n".join("    " + str(r[0] if pg else r[-1]) for r in plan)))

    if args.orm_only:
        t_orm = timed(orm, args.repeat, args.budget)
        t_sql = t_bare = t_django = [float("nan")]
    else:
        t_orm, t_sql, t_bare, t_django = timed_together([orm, orm_sql, bare_page, django_page], args.repeat,
                                                        args.budget)
    print(f"  {name}: {len(ids)} rows, orm p50 {statistics.median(t_orm):.1f} ms, bare p50 "
          f"{statistics.median(t_bare):.1f} ms", flush=True)
    extra = None
    if not args.no_counts:

        def counts():
            return fn(user, filters, now)._count()

        t_counts = timed(counts, max(5, args.repeat // 10), args.budget / 2)
        wl = fn(user, filters, now)
        extra = (name, wl.counts["total"] + wl.counts["drafts"], t_counts)
    return (name, len(ids), len(statements), t_orm, t_sql, t_bare, t_django), extra, plans


def run(args):
    from django.db import connection
    from django.utils import timezone

    pg = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        cur.execute("SELECT version()" if pg else "SELECT 'SQLite ' || sqlite_version()")
        engine = cur.fetchone()[0].split(",")[0]
        cur.execute("SELECT COUNT(*) FROM supervision_matter")
        n_matters = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM supervision_report")
        n_reports = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM org_unit")
        n_units = cur.fetchone()[0]
    print(f"数据库 / database: {engine}; {n_units:,} units, {n_matters:,} matters, {n_reports:,} reports")
    now = timezone.now()
    bare = Bare(pg, now)
    cases = pick_cases(args)
    raw = connection.connection

    def raw_fetch(sql, params):
        """Rows of `sql` on the raw DB-API connection; without params the
        text is sent as it is (captured statements carry their values)."""
        if pg:
            with raw.cursor() as cur:
                cur.execute(sql, params or None)
                return cur.fetchall()
        return raw.execute(sql, params).fetchall()

    results = []
    extras = []
    plans = []
    for case in cases:
        if args.only and not any(o in case[0] for o in args.only):
            continue
        result, extra, case_plans = measure(case, args, now, bare, raw_fetch, pg)
        results.append(result)
        plans += case_plans
        if extra:
            extras.append(extra)

    print("\n查询计划 / query plans of the ORM's statements that read matters (lean ids, page):")
    last = None
    for name, head, plan in plans:
        if name != last:
            print(f" {name}")
            last = name
        print(f"   {head}\n{plan}")

    print(f"\n结果 / results: first page ({PAGE} rows), ms; targets: orm p95 ≤ {TARGET_MS:.0f} ms and "
          f"db ≤ {TARGET_RATIO:.0f}x (the list's statements against the bare query)")
    head = f"{'case':<70} {'rows':>4} {'q':>2} {'n':>3} {'orm p50':>8} {'orm p95':>8} {'sql p50':>8} " \
           f"{'bare p50':>8} {'bare p95':>8} {'dj p50':>7} {'ratio50':>7} {'ratio95':>7} {'floor':>6} {'db':>6}  verdict"
    print(head)
    missed = whole = floor_over = 0
    for name, n, nq, t_orm, t_sql, t_bare, t_django in results:
        o50, o95, s50, b50, b95, d50 = (statistics.median(t_orm), pct(t_orm, 95), statistics.median(t_sql),
                                        statistics.median(t_bare), pct(t_bare, 95), statistics.median(t_django))
        r50, r95, floor, db = o50 / b50, o95 / b95, d50 / b50, s50 / b50
        ok = o95 <= TARGET_MS and db <= TARGET_RATIO
        missed += not ok
        whole += r50 <= TARGET_RATIO
        floor_over += r50 > TARGET_RATIO and floor > TARGET_RATIO
        verdict = "OK" if ok else ("MISSED: " + ", ".join(
            x for x, bad in (("p95", o95 > TARGET_MS), ("db", db > TARGET_RATIO)) if bad))
        print(f"{name:<70} {n:>4} {nq:>2} {len(t_orm):>3} {o50:8.1f} {o95:8.1f} {s50:8.1f} {b50:8.1f} {b95:8.1f} "
              f"{d50:7.1f} {r50:6.2f}x {r95:6.2f}x {floor:5.2f}x {db:5.2f}x  {verdict}")
    if extras:
        print("\n同页的计数 / the page's counts (Worklist.counts: per light and in all, one query), ms:")
        print(f"{'case':<70} {'total':>9} {'n':>3} {'counts p50':>10} {'counts p95':>10}")
        for name, total, t_counts in extras:
            print(f"{name:<70} {total:>9,} {len(t_counts):>3} {statistics.median(t_counts):10.1f} "
                  f"{pct(t_counts, 95):10.1f}")
    print(f"\n{len(results) - missed}/{len(results)} cases meet both targets.")
    print(f"orm/bare ≤ {TARGET_RATIO:.0f}x (the whole page against the bare query) in {whole}/{len(results)}; "
          f"of the other {len(results) - whole}, {floor_over} are over {TARGET_RATIO:.0f}x already when Django "
          f"reads the bare SQL itself (floor).")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="province size; 1.0 = 1,000,000 matters (default)")
    p.add_argument("--db", help="reuse (or generate into and keep) this SQLite file / PostgreSQL database")
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument("--repeat", type=int, default=50)
    p.add_argument("--budget", type=float, default=30.0, help="seconds per case and figure before stopping early")
    p.add_argument("--no-counts", action="store_true", help="skip timing the counts")
    p.add_argument("--orm-only", action="store_true", help="time only the ORM figure (to compare code versions)")
    p.add_argument("--only", action="append", help="run only cases whose name contains this (repeatable)")
    args = p.parse_args()
    reuse = args.db is not None and gp.database_exists(args.db)
    where, cleanup = gp.setup(args.db, fresh=not reuse)
    try:
        if reuse and gp.is_generated():
            print(f"复用 / reusing {where}")
        else:
            print(f"生成 / generating into {where}")
            gp.generate(args.scale, args.seed)
        run(args)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
