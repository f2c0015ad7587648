"""PostgreSQL connections of one cockpit (issue 18, finding 7): one connection at rest, a small
bound at peak, timeouts, keepalives and an application_name on every connection."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone

from sqlalchemy import create_engine, text
from sqlmodel import Session

from dialer_tui.services.calling import log_outcome
from dialer_tui.services.queue import build_queue, claim_next
from dialer_tui.store.engine import POOL_OVERFLOW, POOL_SIZE, make_engine, reader
from tests.conftest import PG_URL

from .conftest import add_prospect

AT = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def _backends(name: str) -> int:
    admin = create_engine(PG_URL)
    try:
        with admin.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM pg_stat_activity "
                                     "WHERE application_name = :n"), {"n": name}).scalar()
    finally:
        admin.dispose()


def test_a_cockpit_keeps_one_connection_at_rest_and_few_at_peak(pg_db, bundle):
    """Reads from several workers at once, a claim and an outcome, then rest: one connection
    left open (the report: ~3 per cockpit, up to 15, and 40 cockpits exhausted the server)."""
    name = f"dialer-tui-test-{uuid.uuid4().hex[:8]}"
    engine = make_engine(f"{pg_db}&application_name={name}")
    pids = [add_prospect(engine, first=f"P{i}", at=AT, numbers=[(f"+1212555{1000 + i}", "office")])
            for i in range(5)]
    peak, stop = [0], threading.Event()

    def worker() -> None:  # six workers reading queues at once, as a busy cockpit's
        for _ in range(15):
            with Session(reader(engine)) as s:
                build_queue(s, bundle, at=AT, limit=20)

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _backends(name))

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    sampler.join()
    with Session(engine) as s:
        item = claim_next(s, bundle, rep="ann", at=AT, lease_minutes=10)
    with Session(engine) as s:
        log_outcome(s, bundle, prospect_id=item.prospect_id, outcome="no_answer", at=AT,
                    rep="ann")
    assert item.prospect_id in pids
    assert 1 <= peak[0] <= POOL_SIZE + POOL_OVERFLOW == 3
    assert _backends(name) == 1
    engine.dispose()


def test_every_connection_has_timeouts_keepalives_and_a_name(pg_db):
    engine = make_engine(pg_db)
    with engine.connect() as conn:
        shown = {k: conn.execute(text(f"SHOW {k}")).scalar()
                 for k in ("statement_timeout", "lock_timeout",
                           "idle_in_transaction_session_timeout", "application_name")}
        params = conn.connection.driver_connection.info.get_parameters()
        assert conn.execute(text("SELECT current_schema()")).scalar().startswith("t_")
    engine.dispose()
    assert shown == {"statement_timeout": "30s", "lock_timeout": "10s",
                     "idle_in_transaction_session_timeout": "10min",
                     "application_name": "dialer-tui"}
    assert (params["connect_timeout"], params["keepalives_idle"], params["keepalives_count"]) \
        == ("10", "30", "3")


def test_the_url_overrides_any_setting(pg_db):
    """The URL's own `options` (here the test's search_path and a statement_timeout) come after
    ours, so they win; its application_name and connect_timeout are kept."""
    url = pg_db.replace("options=", "application_name=team-a&connect_timeout=3&options="
                        "-cstatement_timeout%3D5s%20")
    engine = make_engine(url)
    with engine.connect() as conn:
        got = [conn.execute(text(f"SHOW {k}")).scalar()
               for k in ("statement_timeout", "lock_timeout", "application_name")]
        assert conn.execute(text("SELECT current_schema()")).scalar().startswith("t_")
        assert conn.connection.driver_connection.info.get_parameters()["connect_timeout"] == "3"
    engine.dispose()
    assert got == ["5s", "10s", "team-a"]


def test_behind_pgbouncer_no_startup_settings_and_no_prepared_statements(pg_db):
    """`?pgbouncer=1`: PgBouncer's transaction pooling refuses most `-c` startup settings and
    (before 1.21) server-side prepared statements; the URL still passes the libpq check."""
    engine = make_engine(f"{pg_db}&pgbouncer=1")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"  # the server's
        assert conn.connection.driver_connection.prepare_threshold is None
    engine.dispose()
