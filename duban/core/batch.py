"""Batch writes (imports): a failure names the item it happened on."""


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


def _preparer(fields, connection, *, insert=True):
    """f(obj) -> the values of `fields` for the database, as
    `field.get_db_prep_save(field.pre_save(obj, add=True))` (an insert) or
    `field.get_db_prep_save(getattr(obj, field.attname))` gives them; a
    batch's repeated values (the same moment, unit, empty text) of Django's
    own fields, whose conversion depends on the value alone, are converted
    once."""
    from django.db.models import DateField, DateTimeField, Field, TimeField

    dated = (DateField.pre_save, DateTimeField.pre_save, TimeField.pre_save)

    def plain(f):
        """Whether the field's pre_save only reads the attribute."""
        pre = type(f).pre_save
        return pre is Field.pre_save or (pre in dated and not (f.auto_now or f.auto_now_add))

    plan = [(f, f.attname, not insert or plain(f), {} if type(f).__module__.startswith("django.db.models.") else None)
            for f in fields]

    def values(obj):
        out = []
        for f, attname, read, memo in plan:
            v = getattr(obj, attname) if read else f.pre_save(obj, True)
            if memo is None:
                out.append(f.get_db_prep_save(v, connection))
                continue
            key = (type(v), v)
            try:
                out.append(memo[key])
            except KeyError:
                memo[key] = prepared = f.get_db_prep_save(v, connection)
                out.append(prepared)
            except TypeError:  # unhashable (a JSON value)
                out.append(f.get_db_prep_save(v, connection))
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
    prepare = _preparer(concrete, connection, insert=False)
    params = [prepare(o) + [o.pk] for o in objs]
    with connection.cursor() as cur:
        for i in range(0, len(params), batch_size):
            cur.executemany(sql, params[i:i + batch_size])


def insert_rows(objs, *, batch_size=2000) -> None:
    """Insert many new instances of one model whose ids nobody needs back
    (journal events, timeline entries, messages), with executemany: the same
    values Django's bulk_create would write (auto_now_add and defaults
    included), without its per-value compilation, which dominates large
    batches. The instances' pk stays unset."""
    objs, meta, connection = _batch_of(objs)
    if not objs:
        return
    fields = [f for f in meta.concrete_fields if not (f.primary_key and getattr(f, "db_returning", False))]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    prepare = _preparer(fields, connection)
    params = [prepare(o) for o in objs]
    with connection.cursor() as cur:
        for i in range(0, len(params), batch_size):
            cur.executemany(sql, params[i:i + batch_size])


def insert_returning(objs) -> list:
    """Insert many new instances of one model and set their primary keys,
    as Django's bulk_create does (the same values: auto_now_add, defaults,
    related objects' keys), with multi-row INSERT … RETURNING statements
    whose values are prepared once per field instead of compiled per value
    (the compilation dominates large batches). For backends that return
    the inserted rows (SQLite, PostgreSQL); otherwise bulk_create."""
    objs, meta, connection = _batch_of(objs)
    if not objs:
        return objs
    if not connection.features.can_return_rows_from_bulk_insert:
        return type(objs[0]).objects.bulk_create(objs)
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if not (f.primary_key and getattr(f, "db_returning", False))]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(meta.db_table)}.{quote(pk.column)}"
    size = max(connection.ops.bulk_batch_size(fields, objs), 1)
    prepare = _preparer(fields, connection)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    with connection.cursor() as cur:
        for start in range(0, len(objs), size):
            batch = objs[start:start + size]
            params = [v for o in batch for v in prepare(o)]
            cur.execute(head + ", ".join([one] * len(batch)) + tail, params)
            ids = [row[0] for row in cur.fetchall()]
            if len(ids) != len(batch):
                raise RuntimeError(f"{meta.label}: {len(batch)} rows inserted, {len(ids)} keys returned")
            for obj, value in zip(batch, ids, strict=True):
                setattr(obj, pk.attname, value)
                obj._state.adding, obj._state.db = False, connection.alias
    return objs
