"""Batch writes (imports): a failure names the item it happened on.

On PostgreSQL the rows go in with COPY (`insert_values`), and `create_rows`
takes the new keys from the table's sequence first: a multi-row VALUES of a
thousand rows costs the server and the driver far more than the same rows
copied (bench/bench_import.py: about a third of a 10,000-row ledger's
import went to binding and planning such statements)."""

import datetime as dt
import gc
import inspect
import threading
import time
from contextlib import contextmanager
from functools import cache
from operator import itemgetter

_gc_lock = threading.Lock()
_gc_pauses = {"depth": 0, "was_enabled": False}


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector held off while a batch runs. A
    batch builds hundreds of thousands of objects that live until it ends
    (rows read, instances, events); every full collection walks all of
    them again, which cost a 10,000-row ledger import about a fifth of its
    time. Reference counting still frees everything as usual; the collector
    resumes (if it was on) when the last of the batches running in the
    process ends."""
    with _gc_lock:
        if _gc_pauses["depth"] == 0:
            _gc_pauses["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_pauses["depth"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses["depth"] -= 1
            if _gc_pauses["depth"] == 0 and _gc_pauses["was_enabled"]:
                gc.enable()


class ItemFailed(Exception):
    """Item `index` (0-based, in the order given) of a batch write failed
    with `error` (a ValidationError). Raised inside the batch's transaction,
    so that nothing of the batch is written; the caller names the item (an
    import names its spreadsheet row)."""

    def __init__(self, index, error):
        super().__init__(index, error)
        self.index, self.error = index, error


def builder(model):
    """A constructor of new, unsaved `model` instances for a batch write:
    `builder(Problem)(unit=u, description=…)` is the instance that
    `Problem(unit=u, description=…)` makes -- the same field values, each
    field not named at its default, related objects named by field kept as
    the instance's cached relations. The keyword constructor type-checks
    and routes every related object, looks each field up by catching an
    exception and sets each value through its descriptor, which cost a
    problem's instance several times what this does (an import builds half
    a dozen instances a row). When nothing listens to the model's init
    signals and its fields keep their values plainly (Django's own
    descriptors), the values are put in place directly; otherwise the
    model's positional constructor is called. Ask for it once per batch."""
    from django.db.models.signals import post_init, pre_init

    plan = _builder_plan(model)
    if plan is None:
        return model
    direct = plan["direct"] and not pre_init.has_listeners(model) and not post_init.has_listeners(model)
    return plan["direct_make"] if direct else plan["make"]


@cache
def _builder_plan(model):
    from django.db.models import Model
    from django.db.models.base import ModelState
    from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
    from django.db.models.query_utils import DeferredAttribute

    fields = model._meta.concrete_fields
    if any(f.one_to_one for f in fields):
        return None  # its relations also set the related object's side
    steps = []
    known = set()
    for f in fields:
        called = f.has_default() and callable(f.default)
        # A default that is not called is the same object at every call of
        # get_default(): taken once.
        steps.append((f.name, f.is_relation, f.attname, f if called else None, None if called else f.get_default()))
        known.update((f.name, f.attname))
    attnames = [f.attname for f in fields]
    plain = {DeferredAttribute, ForeignKeyDeferredAttribute}
    direct = model.__init__ is Model.__init__ and all(
        type(inspect.getattr_static(model, f.attname, None)) in plain and not f.generated for f in fields)

    recipes = {}

    def recipe(keys):
        """How the arguments are laid out for one set of named fields (a
        call site names the same ones every time): the defaults in place,
        where the named values go, which are related objects, which
        defaults are called anew."""
        unknown = set(keys) - known
        if unknown:
            raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
        template, named, related, called_at = [], [], [], []
        for i, (name, is_relation, attname, called, default) in enumerate(steps):
            template.append(default)
            if is_relation and name in keys:
                related.append((i, name))
            elif attname in keys:
                named.append((i, attname))
            elif called is not None:
                called_at.append((i, called))
        return template, [i for i, _ in named], itemgetter(*[a for _, a in named]) if named else None, \
            len(named) == 1, related, called_at

    def arguments(values):
        keys = tuple(values)
        laid = recipes.get(keys)
        if laid is None:
            laid = recipes[keys] = recipe(keys)
        template, positions, read, single, related_at, called_at = laid
        args = template.copy()
        if read is not None:
            for i, value in zip(positions, (read(values),) if single else read(values), strict=True):
                args[i] = value
        related = []
        for i, name in related_at:
            obj = values[name]
            related.append((name, obj))
            args[i] = None if obj is None else obj.pk
        for i, called in called_at:
            args[i] = called.get_default()
        return args, related

    def make(**values):
        args, related = arguments(values)
        instance = model(*args)
        instance._state.fields_cache.update(related)
        return instance

    def direct_make(**values):
        args, related = arguments(values)
        instance = model.__new__(model)
        instance._state = ModelState()
        instance.__dict__.update(zip(attnames, args, strict=True))
        instance._state.fields_cache.update(related)
        return instance

    return {"direct": direct, "make": make, "direct_make": direct_make}


def _batch_of(objs):
    """(the instances as a list, their model's options, the connection
    that writes them); the list is empty when there is nothing to write."""
    from django.db import connections, router

    objs = list(objs)
    if not objs:
        return [], None, None
    model = type(objs[0])
    return objs, model._meta, connections[router.db_for_write(model)]


def _row_values(fields, connection, *, copy=False):
    """A function giving the values of an instance's `fields` as Django
    writes them on insert (`pre_save`, then `get_db_prep_save`). For plain
    text, booleans and integers (and foreign keys to integer ids) the value
    already is what the database takes, and the ORM's chain of conversions
    is skipped (it dominates the preparation of wide rows); anything else
    (dates, moments, JSON, a value of another type) goes through Django.
    Fields kept plainly (Django's own descriptors, no `pre_save` of their
    own but the dates' without auto_now) are read from the instance's
    dictionary all at once. `copy`: the values are for COPY (`_copy`), whose
    text format takes a plain integer whatever the column's type
    (PostgreSQL's operations wrap integers in their typed form for
    parameters)."""
    from django.db.backends.base.operations import BaseDatabaseOperations
    from django.db.models import (
        AutoField,
        BigAutoField,
        BigIntegerField,
        BooleanField,
        CharField,
        DateField,
        DateTimeField,
        Field,
        ForeignKey,
        IntegerField,
        PositiveIntegerField,
        PositiveSmallIntegerField,
        SmallAutoField,
        SmallIntegerField,
        TextField,
    )
    from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
    from django.db.models.query_utils import DeferredAttribute

    integers = {AutoField, BigAutoField, SmallAutoField, IntegerField, BigIntegerField, SmallIntegerField,
                PositiveIntegerField, PositiveSmallIntegerField}
    plain_ints = copy or type(connection.ops).adapt_integerfield_value is BaseDatabaseOperations.adapt_integerfield_value
    plain_descriptors = {DeferredAttribute, ForeignKeyDeferredAttribute}
    checks, computed = [], []
    direct = True
    for i, f in enumerate(fields):
        kind = type(f)
        same = None
        if kind in (CharField, TextField):
            same = str
        elif kind is BooleanField:
            same = bool
        elif plain_ints and (kind in integers or (kind is ForeignKey and type(f.target_field) in integers)):
            same = int
        # A batch's moments and days repeat (the import's moment, a
        # deadline): each converted once, remembered with its time zone.
        memo = {} if kind in (DateTimeField, DateField) else None
        checks.append((i, f, same, dt.datetime if kind is DateTimeField else dt.date, memo))
        plain_read = type(f).pre_save is Field.pre_save or (
            kind in (DateTimeField, DateField) and not f.auto_now and not f.auto_now_add)
        if not plain_read:
            computed.append((i, f))
        direct = direct and type(inspect.getattr_static(f.model, f.attname, None)) in plain_descriptors
    attnames = [f.attname for f in fields]
    read = itemgetter(*attnames) if len(attnames) > 1 else lambda d: (d[attnames[0]],)

    def values(o):
        try:
            row = list(read(o.__dict__)) if direct else [getattr(o, a) for a in attnames]
        except KeyError:  # a field not loaded: read through the model
            row = [getattr(o, a) for a in attnames]
        for i, f in computed:
            row[i] = f.pre_save(o, True)
        for i, f, same, moment_type, memo in checks:
            value = row[i]
            if type(value) is same or value is None and same is not None:
                continue
            if same is str and isinstance(value, str):
                continue  # a choice (TextChoices member): text fields take any str as it is
            if memo is not None and type(value) is moment_type:
                key = (value, getattr(value, "tzinfo", None))
                if key not in memo:
                    memo[key] = f.get_db_prep_save(value, connection)
                row[i] = memo[key]
            else:
                row[i] = f.get_db_prep_save(value, connection)
        return row

    return values


def update_rows(objs, fields, *, batch_size=1000) -> None:
    """Write `fields` of many saved instances of one model, one UPDATE by
    primary key each, sent with executemany (Django's bulk_update builds one
    CASE per field and row, which costs more in Python than the database
    spends on the rows). `fields` are field names; foreign keys by name."""
    objs, meta, connection = _batch_of(objs)
    if not objs:
        return
    concrete = [meta.get_field(f) for f in fields]
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in concrete)
    sql = (f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {sets} "
           f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s")
    params = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in concrete] + [o.pk] for o in objs]
    with connection.cursor() as cur:
        for i in range(0, len(params), batch_size):
            cur.executemany(sql, params[i:i + batch_size])


def insert_rows(objs) -> None:
    """Insert many new instances of one model whose ids nobody needs back
    (journal events, timeline entries, messages), with multi-row VALUES
    (`insert_values`): the same
    values Django's bulk_create would write (auto_now_add and defaults
    included), without its per-value compilation, which dominates large
    batches. The instances' pk stays unset -- unless they all have one
    (`draw_keys`): then they are written with it and count as saved."""
    objs, meta, connection = _batch_of(objs)
    if not objs:
        return
    keyed = sum(o.pk is not None for o in objs)
    if keyed not in (0, len(objs)):
        raise ValueError("insert_rows: either every instance has its key or none has")
    fields = [f for f in meta.concrete_fields
              if keyed or not (f.primary_key and getattr(f, "db_returning", False))]
    values = _row_values(fields, connection, copy=_copies(connection))
    insert_values(connection, meta.db_table, [f.column for f in fields], [values(o) for o in objs])
    if keyed:
        for o in objs:
            o._state.adding = False
            o._state.db = connection.alias


def draw_keys(objs) -> bool:
    """Give new instances of one model their primary keys before they are
    written, drawn as their inserts would draw them, so that a batch can
    compute everything that refers to them (and that they refer to) first
    and insert each row once, complete (`insert_rows`), instead of
    inserting and then updating it. PostgreSQL: from the table's sequence;
    SQLite: inside a transaction (which holds the database's write lock),
    the table's AUTOINCREMENT counter moved past them. Returns False, the
    keys left unset, where neither applies (then insert with
    `create_rows`)."""
    objs, meta, connection = _batch_of(objs)
    if not objs:
        return True
    pk = meta.pk
    if not getattr(pk, "db_returning", False):
        return False
    if connection.vendor == "postgresql":
        keys = _draw_keys(connection, meta, len(objs))
    elif connection.vendor == "sqlite" and connection.in_atomic_block:
        keys = _draw_sqlite_keys(connection, meta, len(objs))
    else:
        keys = None
    if keys is None:
        return False
    for o, key in zip(objs, keys, strict=True):
        setattr(o, pk.attname, key)
    return True


def _draw_sqlite_keys(connection, meta, n) -> list | None:
    """`n` keys past the table's AUTOINCREMENT counter (and its largest key),
    the counter moved past them; None for a table without AUTOINCREMENT."""
    quote = connection.ops.quote_name
    table = meta.db_table
    with connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        row = cur.fetchone()
        if row is None or "AUTOINCREMENT" not in (row[0] or "").upper():
            return None
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        counter = cur.fetchone()
        cur.execute(f"SELECT MAX({quote(meta.pk.column)}) FROM {quote(table)}")
        top = max(counter[0] if counter else 0, cur.fetchone()[0] or 0)
        if counter:
            cur.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [top + n, table])
        else:
            cur.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, top + n])
    return list(range(top + 1, top + n + 1))


def _copies(connection) -> bool:
    """Whether `insert_values` writes with COPY on this connection."""
    return connection.vendor == "postgresql"


def _copy(connection, table, columns, rows) -> None:
    """COPY `rows` into `table` (PostgreSQL, psycopg's copy in text format:
    each value is written as the column's type reads it). The statement is
    logged as Django logs queries (DEBUG, CaptureQueriesContext), with the
    number of rows in place of the values."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    start = time.monotonic()
    with connection.cursor() as cur:
        with cur.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows",
                                       "time": f"{time.monotonic() - start:.3f}"})


def _rows_per_statement(connection, columns, rows) -> int:
    """How many rows one multi-row INSERT carries: at most 1,000, within the
    database's limit of parameters a statement (SQLite's own limit as the
    library was built, 32,766 since 3.32, where Django assumes the old 999)."""
    limit = None
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        getlimit = getattr(connection.connection, "getlimit", None)
        if getlimit is not None:
            import sqlite3

            limit = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    if limit is None:
        limit = min(connection.ops.bulk_batch_size(columns, rows) * len(columns), 60_000)
    return max(1, min(limit // len(columns), 1000))


def _placeholder(connection) -> str:
    """The parameter mark of the long multi-row statements: SQLite's own
    "?" on SQLite. Django's SQLite cursor rewrites every "%s" of a statement
    into "?" at each execution (a regular expression over a statement of
    thousands of marks, a few per cent of an import); a statement without
    "%s" passes unchanged. Not while queries are logged (DEBUG, tests
    counting queries): the log spells the statement out through "%s"."""
    return "?" if connection.vendor == "sqlite" and not connection.queries_logged else "%s"


def insert_values(connection, table, columns, rows) -> None:
    """Insert `rows` (sequences of values ready for the database, in the
    order of `columns`) into `table`, several hundred rows a statement:
    a multi-row VALUES costs the driver about half of what executemany
    costs row by row."""
    if not rows:
        return
    if _copies(connection):
        _copy(connection, table, columns, rows)
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = f"({', '.join([_placeholder(connection)] * len(columns))})"
    size = _rows_per_statement(connection, columns, rows)
    full = head + ", ".join([one] * size)
    with connection.cursor() as cur:
        for i in range(0, len(rows), size):
            batch = rows[i:i + size]
            sql = full if len(batch) == size else head + ", ".join([one] * len(batch))
            cur.execute(sql, [v for row in batch for v in row])


def create_rows(objs) -> list:
    """Insert many new instances of one model and set their primary keys, as
    Django's bulk_create does (same values: `pre_save` and
    `get_db_prep_save` of every field), but with plain multi-row
    `INSERT … RETURNING` statements: bulk_create compiles every value of
    every row through the ORM, which costs more than the database's work on
    wide rows (problems, clocks). Falls back to bulk_create on a database
    that cannot return the ids of a multi-row insert. On PostgreSQL the keys
    are drawn from the table's sequence in one query (`draw_keys`) and the
    rows copied with them (`_copy`)."""
    objs, meta, connection = _batch_of(objs)
    if not objs:
        return objs
    model = meta.model
    if not connection.features.can_return_rows_from_bulk_insert:
        return model.objects.bulk_create(objs, batch_size=500)
    for o in objs:
        o._prepare_related_fields_for_save(operation_name="bulk_create")
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if not (f.primary_key and getattr(f, "db_returning", False))]
    if _copies(connection) and draw_keys(objs):
        insert_rows(objs)
        return objs
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    row = f"({', '.join([_placeholder(connection)] * len(fields))})"
    tail = f" RETURNING {quote(meta.db_table)}.{quote(pk.column)}"
    size = _rows_per_statement(connection, fields, objs)
    values = _row_values(fields, connection)
    with connection.cursor() as cur:
        for i in range(0, len(objs), size):
            batch = objs[i:i + size]
            params = [v for o in batch for v in values(o)]
            cur.execute(head + ", ".join([row] * len(batch)) + tail, params)
            for o, (value,) in zip(batch, cur.fetchall(), strict=True):
                setattr(o, pk.attname, pk.to_python(value) if hasattr(pk, "to_python") else value)
                o._state.adding = False
                o._state.db = connection.alias
    return objs


def _draw_keys(connection, meta, n) -> list | None:
    """`n` new keys of the model's table from its sequence (PostgreSQL), in
    ascending order, as the inserts would have drawn them; None when the
    key has no sequence."""
    quote = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(meta.db_table), meta.pk.column])
        (sequence,) = cur.fetchone()
        if sequence is None:
            return None
        cur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, n])
        return sorted(key for (key,) in cur.fetchall())
