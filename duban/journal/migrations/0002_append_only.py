"""The journal is append-only: triggers refuse UPDATE and DELETE on the event
table, on SQLite and PostgreSQL alike; the chain head row starts at genesis."""

from django.db import migrations

GENESIS = "0" * 64

SQLITE_SQL = [
    """CREATE TRIGGER journal_event_no_update BEFORE UPDATE ON journal_event
       BEGIN SELECT RAISE(ABORT, 'journal_event is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER journal_event_no_delete BEFORE DELETE ON journal_event
       BEGIN SELECT RAISE(ABORT, 'journal_event is append-only: DELETE refused'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS journal_event_no_update",
    "DROP TRIGGER IF EXISTS journal_event_no_delete",
]

PG_SQL = [
    """CREATE OR REPLACE FUNCTION journal_event_refuse() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION USING
           MESSAGE = 'journal_event is append-only: ' || TG_OP || ' refused',
           ERRCODE = 'insufficient_privilege';
       END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER journal_event_no_update BEFORE UPDATE ON journal_event
       FOR EACH ROW EXECUTE FUNCTION journal_event_refuse()""",
    """CREATE TRIGGER journal_event_no_delete BEFORE DELETE ON journal_event
       FOR EACH ROW EXECUTE FUNCTION journal_event_refuse()""",
]
PG_REVERSE = [
    "DROP TRIGGER IF EXISTS journal_event_no_update ON journal_event",
    "DROP TRIGGER IF EXISTS journal_event_no_delete ON journal_event",
    "DROP FUNCTION IF EXISTS journal_event_refuse()",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_SQL, "postgresql": PG_SQL}.get(vendor)
    if statements is None:
        raise RuntimeError(f"no append-only triggers for database {vendor}")
    for sql in statements:
        schema_editor.execute(sql)
    ChainHead = apps.get_model("journal", "ChainHead")
    ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": PG_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
