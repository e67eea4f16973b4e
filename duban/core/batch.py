"""Batch writes (imports): a failure names the item it happened on."""

import datetime as dt


class ItemFailed(Exception):
    """Item `index` (0-based, in the order given) of a batch write failed
    with `error` (a ValidationError). Raised inside the batch's transaction,
    so that nothing of the batch is written; the caller names the item (an
    import names its spreadsheet row)."""

    def __init__(self, index, error):
        super().__init__(index, error)
        self.index, self.error = index, error


def _batch_of(objs):
    """(the instances as a list, their model's options, the connection
    that writes them); the list is empty when there is nothing to write."""
    from django.db import connections, router

    objs = list(objs)
    if not objs:
        return [], None, None
    model = type(objs[0])
    return objs, model._meta, connections[router.db_for_write(model)]


def _row_values(fields, connection):
    """A function giving the values of an instance's `fields` as Django
    writes them on insert (`pre_save`, then `get_db_prep_save`). For plain
    text, booleans and integers (and foreign keys to integer ids) the value
    already is what the database takes, and the ORM's chain of conversions
    is skipped (it dominates the preparation of wide rows); anything else
    (dates, moments, JSON, a value of another type) goes through Django."""
    from django.db.backends.base.operations import BaseDatabaseOperations
    from django.db.models import (
        AutoField,
        BigAutoField,
        BigIntegerField,
        BooleanField,
        CharField,
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

    integers = {AutoField, BigAutoField, SmallAutoField, IntegerField, BigIntegerField, SmallIntegerField,
                PositiveIntegerField, PositiveSmallIntegerField}
    plain_ints = type(connection.ops).adapt_integerfield_value is BaseDatabaseOperations.adapt_integerfield_value
    plan = []
    for f in fields:
        kind = type(f)
        same = None
        if kind in (CharField, TextField):
            same = str
        elif kind is BooleanField:
            same = bool
        elif plain_ints and (kind in integers or (kind is ForeignKey and type(f.target_field) in integers)):
            same = int
        plain_read = type(f).pre_save is Field.pre_save
        # A batch's moments repeat (the import's moment, a deadline's end):
        # each converted once, remembered with its time zone.
        moments = {} if kind is DateTimeField else None
        plan.append((f, f.attname, same, plain_read, moments))

    def values(o):
        out = []
        for f, attname, same, plain_read, moments in plan:
            value = getattr(o, attname) if plain_read else f.pre_save(o, True)
            if value is None and same is not None or type(value) is same:
                out.append(value)
            elif moments is not None and type(value) is dt.datetime:
                key = (value, value.tzinfo)
                if key not in moments:
                    moments[key] = f.get_db_prep_save(value, connection)
                out.append(moments[key])
            else:
                out.append(f.get_db_prep_save(value, connection))
        return out

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
    batches. The instances' pk stays unset."""
    objs, meta, connection = _batch_of(objs)
    if not objs:
        return
    fields = [f for f in meta.concrete_fields if not (f.primary_key and getattr(f, "db_returning", False))]
    values = _row_values(fields, connection)
    insert_values(connection, meta.db_table, [f.column for f in fields], [values(o) for o in objs])


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


def insert_values(connection, table, columns, rows) -> None:
    """Insert `rows` (sequences of values ready for the database, in the
    order of `columns`) into `table`, several hundred rows a statement:
    a multi-row VALUES costs the driver about half of what executemany
    costs row by row."""
    if not rows:
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = f"({', '.join(['%s'] * len(columns))})"
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
    that cannot return the ids of a multi-row insert."""
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
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    row = f"({', '.join(['%s'] * len(fields))})"
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
