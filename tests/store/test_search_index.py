"""Name search on PostgreSQL uses trigram indexes (issue 18, finding 9: 91-108 ms at 100k
prospects, budget 30): repo.search's own statements, explained with sequential scans
discouraged, reach ix_prospect_name_trgm and ix_prospect_email_trgm."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from dialer_tui.store import repo
from dialer_tui.store.engine import make_engine

from .conftest import add_prospect

AT = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def _plans_of_search(engine, needle: str) -> tuple[list, str]:
    statements = []
    with Session(engine) as s:
        conn = s.connection()
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table would be scanned

        def grab(_conn, _cursor, statement, parameters, _context, _many):
            statements.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", grab)
        found = repo.search(s, text=needle)
        event.remove(conn, "before_cursor_execute", grab)
        plans = "\n".join(row[0] for statement, parameters in statements
                          for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    return found, plans


def test_name_search_uses_trigram_indexes(any_db):
    if "://" not in any_db:
        pytest.skip("PostgreSQL's indexes (SQLite's: test_search_trigram.py)")
    engine = make_engine(any_db)
    add_prospect(engine, first="Magdalena", company="Marathon Holdings", at=AT,
                 numbers=[("+12125550101", "office")])
    add_prospect(engine, first="Tim", at=AT, numbers=[("+12125550102", "office")])
    found, plans = _plans_of_search(engine, "athon hold")
    assert [p.first_name for p in found] == ["Magdalena"]
    assert "ix_prospect_name_trgm" in plans and "ix_prospect_email_trgm" in plans, plans
    engine.dispose()


def test_a_v5_postgresql_database_gets_the_trigram_indexes(any_db):
    if "://" not in any_db:
        pytest.skip("PostgreSQL's indexes")
    engine = make_engine(any_db)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_prospect_name_trgm"))
        conn.execute(text("DROP INDEX ix_prospect_email_trgm"))
        conn.execute(text("UPDATE schema_version SET version = 5"))
    engine.dispose()
    engine = make_engine(any_db)
    with engine.connect() as conn:
        names = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'prospect' "
            "AND schemaname = current_schema()")).scalars())
    engine.dispose()
    assert {"ix_prospect_name_trgm", "ix_prospect_email_trgm"} <= names
