"""The engine factory and schema versions, on real database files."""

from __future__ import annotations

import sqlite3
import stat
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from dialer_tui.store.engine import StoreError, make_engine, resolve_url
from dialer_tui.store.migrations import SchemaTooNew, current_version
from dialer_tui.store.models import SCHEMA_VERSION, FollowUp, PhoneNumber, Prospect, Touch

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_new_sqlite_file_is_owner_only_and_wal(db_path):
    engine = make_engine(db_path)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert current_version(conn) == SCHEMA_VERSION


def test_folder_is_created(tmp_path):
    path = tmp_path / "a" / "b" / "x.db"
    make_engine(path)
    assert path.exists()


def test_a_directory_is_not_a_database(tmp_path):
    with pytest.raises(StoreError, match="is a directory"):
        make_engine(tmp_path)


def test_unsupported_url_is_refused():
    with pytest.raises(StoreError, match="not supported"):
        resolve_url("mysql://x@y/z")


def test_times_come_back_utc_aware(engine):
    at = datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=timezone.utc)
    with Session(engine) as s:
        p = Prospect(first_name="A", created_at=at, updated_at=at, queue_due_at=at)
        s.add(p)
        s.commit()
        pid = p.id
    with Session(engine) as s:
        got = s.get(Prospect, pid)
        assert got.queue_due_at == at and got.queue_due_at.tzinfo is not None


def test_naive_times_are_refused(engine):
    with Session(engine) as s:
        s.add(Prospect(first_name="A", queue_due_at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            s.commit()


def test_version_one_database_upgrades_without_loss(tmp_path):
    path = tmp_path / "v1.db"
    con = sqlite3.connect(path)
    con.executescript((FIXTURES / "schema_v1.sql").read_text())
    con.close()
    engine = make_engine(path)
    with engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
    with Session(engine) as s:
        prospects = s.exec(select(Prospect).order_by(Prospect.id)).all()
        assert [p.name for p in prospects] == ["Tim Okafor", "Ana Lima"]
        assert prospects[1].referrer_prospect_id == 1
        phones = s.exec(select(PhoneNumber)).all()
        assert {p.e164 for p in phones} == {"+19375550101", "+18135550102"}
        assert all(p.note == "" for p in phones)  # the new column, defaulted
        touch = s.exec(select(Touch)).one()
        assert touch.outcome == "left_voicemail" and touch.promised_label == "Thursday morning"
        assert touch.value_prop_id == "" and touch.undo_state == ""
        assert touch.started_at == datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)
        fu = s.exec(select(FollowUp)).one()
        assert fu.status == "open" and fu.closed_by_touch_id is None
    # Opening again is a no-op.
    make_engine(path)


def test_a_version_two_database_gets_the_name_search_index(db_path):
    """v3 put ix_prospect_name_key back (repo.search scans it); an up-to-date open creates
    nothing, so only the upgrade step can add it to a store made at v2."""
    make_engine(db_path).dispose()
    con = sqlite3.connect(db_path)
    con.execute("DROP INDEX ix_prospect_name_key")
    con.execute("UPDATE schema_version SET version = 2")
    con.commit()
    con.close()
    engine = make_engine(db_path)
    with engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
        names = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list(prospect)")}
    assert "ix_prospect_name_key" in names
    engine.dispose()


def test_a_version_three_database_gets_the_touch_compliance_column(db_path):
    """v4 records calls outside the rules on the touch; a v3 store's touches keep their rows."""
    engine = make_engine(db_path)
    at = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)
    with Session(engine) as s:
        s.add(Prospect(first_name="Old", last_name="Row", created_at=at, updated_at=at))
        s.flush()
        s.add(Touch(prospect_id=1, started_at=at, note="kept"))
        s.commit()
    engine.dispose()
    con = sqlite3.connect(db_path)
    con.execute("ALTER TABLE touch DROP COLUMN compliance")
    con.execute("UPDATE schema_version SET version = 3")
    con.commit()
    con.close()
    engine = make_engine(db_path)
    with engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
        assert conn.exec_driver_sql("SELECT note, compliance FROM touch").all() == [("kept", "")]
    engine.dispose()


def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.db"
    engine = make_engine(path)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 999"))
    with pytest.raises(SchemaTooNew):
        make_engine(path)


def test_two_writers_never_see_database_is_locked(db_path):
    """Read-then-write transactions from many threads with their own engines (as two processes
    would): BEGIN IMMEDIATE + busy_timeout serialise them instead of failing."""
    make_engine(db_path)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        eng = make_engine(db_path)
        try:
            for i in range(25):
                with Session(eng) as s:
                    count = len(s.exec(select(Prospect.id)).all())
                    s.add(Prospect(first_name=f"w{n}-{i}", priority=count))
                    s.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            eng.dispose()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(make_engine(db_path)) as s:
        assert len(s.exec(select(Prospect.id)).all()) == 150


def test_postgres_backend_creates_schema(any_engine):
    with any_engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION


def test_only_bulk_import_batches_skip_the_fsync(engine):
    """Outcomes are fsynced (FULL); an import batch may not be (NORMAL); the pooled connection
    goes back to FULL for the next ordinary write."""
    from dialer_tui.store.engine import bulk

    for _ in range(2):
        with bulk(engine).begin() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        with engine.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        with Session(engine) as s:
            s.add(Prospect(first_name="x"))
            s.flush()
            assert s.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2
            s.commit()
