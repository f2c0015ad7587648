"""Schema upgrades on both backends: each version's step from the one before, on a database
that has rows (the v1 -> current upgrade of thousands of rows is tests/reliability/
test_upgrade.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text
from sqlmodel import Session

from dialer_tui.store.engine import make_engine
from dialer_tui.store.migrations import current_version
from dialer_tui.store.models import SCHEMA_VERSION, Prospect

from .conftest import add_prospect

AT = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def _back_to_v4(engine) -> None:
    """The v4 shape: no prospect.version (DROP COLUMN: SQLite 3.35+, PostgreSQL)."""
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE prospect DROP COLUMN version"))
        conn.execute(text("UPDATE schema_version SET version = 4"))


def test_a_v4_database_gets_the_row_version_and_keeps_its_prospects(any_db):
    engine = make_engine(any_db)
    ids = [add_prospect(engine, first=f"P{i}", at=AT, numbers=[(f"+1212555{1000 + i}", "office")])
           for i in range(3)]
    _back_to_v4(engine)
    engine.dispose()

    engine = make_engine(any_db)
    with engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
        assert "version" in {c["name"] for c in inspect(conn).get_columns("prospect")}
    with Session(engine) as s:
        people = [s.get(Prospect, i) for i in ids]
        assert [(p.first_name, p.version) for p in people] == [("P0", 0), ("P1", 0), ("P2", 0)]
        people[0].title = "CFO"  # the ORM's versioned UPDATE works on an upgraded row
        s.commit()
        assert s.get(Prospect, ids[0]).version == 1
    engine.dispose()
