"""Schema upgrades on both backends: each version's step from the one before, on a database
that has rows (the v1 -> current upgrade of thousands of rows is tests/reliability/
test_upgrade.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from dialer_tui.store import name_search, repo
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


def _back_to_v6(engine) -> None:
    """The v6 shape: no line or consent on the prospect, no dnc_list, no index by list."""
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS ix_dnc_entry_source"))
        for column in ("line", "consent_basis", "consent_date", "consent_source"):
            conn.execute(text(f"ALTER TABLE prospect DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE dnc_list"))
        conn.execute(text("UPDATE schema_version SET version = 6"))


def test_a_v6_database_gets_line_consent_and_registry_lists_and_keeps_its_rows(any_db):
    engine = make_engine(any_db)
    ids = [add_prospect(engine, first=f"P{i}", at=AT, numbers=[(f"+1212555{2000 + i}", "office")])
           for i in range(3)]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO dnc_entry (e164, source, reason, created_at) "
                          "VALUES ('+12125550000', 'us-registry', 'imported list', :at)"),
                     {"at": AT})
    _back_to_v6(engine)
    with engine.connect() as conn:
        assert current_version(conn) == 6
        assert not inspect(conn).has_table("dnc_list")
    engine.dispose()

    engine = make_engine(any_db)  # upgrades, under the migration lock
    with engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
        insp = inspect(conn)
        assert {"line", "consent_basis", "consent_date", "consent_source"} <= {
            c["name"] for c in insp.get_columns("prospect")}
        assert insp.has_table("dnc_list")
        assert "ix_dnc_entry_source" in {i["name"] for i in insp.get_indexes("dnc_entry")}
        assert conn.execute(text("SELECT count(*) FROM dnc_entry")).scalar() == 1
    with Session(engine) as s:
        people = [s.get(Prospect, i) for i in ids]
        assert [(p.first_name, p.line, p.consent_basis, p.consent_date) for p in people] == [
            ("P0", "", "", None), ("P1", "", "", None), ("P2", "", "", None)]
        people[0].line = "consumer"
        people[0].consent_date = AT.date()
        s.commit()
        s.expire_all()
        assert (s.get(Prospect, ids[0]).line, s.get(Prospect, ids[0]).consent_date) == (
            "consumer", AT.date())
    engine.dispose()


def test_a_v10_database_gets_the_trigram_name_index_filled_from_its_prospects(any_db):
    """v11 on SQLite: the FTS5 index of store/name_search.py, filled from the rows already
    there, with the triggers that keep it in step after; on PostgreSQL (pg_trgm since v6) the
    step has nothing to do."""
    engine = make_engine(any_db)
    ids = [add_prospect(engine, first=name, at=AT, numbers=[(f"+1212555{3000 + i}", "office")])
           for i, name in enumerate(("Magdalena", "Marta", "Tim"))]
    sqlite = engine.dialect.name == "sqlite"
    if sqlite and not name_search.trigram_available():
        pytest.skip("this SQLite has no FTS5 trigram tokenizer")
    with engine.begin() as conn:
        if sqlite:  # the v10 shape
            for trigger in ("ai", "ad", "au"):
                conn.execute(text(f"DROP TRIGGER {name_search.TABLE}_{trigger}"))
            conn.execute(text(f"DROP TABLE {name_search.TABLE}"))
        conn.execute(text("UPDATE schema_version SET version = 10"))
    engine.dispose()

    engine = make_engine(any_db)
    with engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
        assert name_search.exists(conn) if sqlite else True
    with Session(engine) as s:
        assert name_search.usable(s.connection(), "magda") == sqlite
        assert [p.id for p in repo.search(s, text="AGDAL")] == ids[:1]
        s.add(Prospect(first_name="Magnus", name_key="magnus test acme", created_at=AT,
                       updated_at=AT, queue_due_at=AT))
        s.commit()
        assert [p.first_name for p in repo.search(s, text="mag")] == ["Magdalena", "Magnus"]
    if sqlite:
        with engine.begin() as conn:  # FTS5's own check of the index against the rows
            conn.execute(text(f"INSERT INTO {name_search.TABLE} ({name_search.TABLE}, rank) "
                              "VALUES ('integrity-check', 1)"))
    engine.dispose()
