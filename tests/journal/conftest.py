import pytest
from django.db import connection


@pytest.fixture
def tamper():
    """Run raw SQL against the journal table behind the application's back:
    lift the append-only triggers for the statement, as an attacker with
    database access could, then restore them."""

    def run(sql, params=()):
        with connection.cursor() as cur:
            if connection.vendor == "sqlite":
                cur.execute("DROP TRIGGER journal_event_no_update")
                cur.execute("DROP TRIGGER journal_event_no_delete")
                cur.execute(sql, params)
                cur.execute("""CREATE TRIGGER journal_event_no_update BEFORE UPDATE ON journal_event
                    BEGIN SELECT RAISE(ABORT, 'journal_event is append-only: UPDATE refused'); END""")
                cur.execute("""CREATE TRIGGER journal_event_no_delete BEFORE DELETE ON journal_event
                    BEGIN SELECT RAISE(ABORT, 'journal_event is append-only: DELETE refused'); END""")
            else:
                cur.execute("ALTER TABLE journal_event DISABLE TRIGGER USER")
                cur.execute(sql.replace("?", "%s"), params)
                cur.execute("ALTER TABLE journal_event ENABLE TRIGGER USER")

    return run
