"""Announced changes on PostgreSQL (store/notify.py): another rep's outcome reaches this cockpit
within a second with the poll out of the way, only the prospects named are read again, the
listener comes back after its connection is killed (and reads everything once, because it
missed what was announced meanwhile), and an idle cockpit asks the server nothing.

The real app under Pilot on the real server; "another rep" is another engine (its own
connections), as another process would be."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlmodel import Session

from dialer_tui.services import queue_window
from dialer_tui.services.calling import log_outcome
from dialer_tui.store.engine import make_engine
from tests.conftest import PG_URL

from .conftest import PINNED, _import, make_app, many_rows, settle, write_csv


@pytest.fixture
def pg_engine(pg_db, tmp_path):
    eng = make_engine(pg_db)
    _import(eng, write_csv(tmp_path / "many.csv", many_rows(16)))
    yield eng
    eng.dispose()


@pytest.fixture
def other_rep(pg_db):
    eng = make_engine(pg_db)
    yield eng
    eng.dispose()


@pytest.fixture
def no_poll(monkeypatch):
    """Only an announcement can show another rep's change within the test."""
    from dialer_tui.screens import cockpit_queue

    monkeypatch.setattr(queue_window, "POLL_S", 3600.0)
    monkeypatch.setattr(cockpit_queue, "SAFETY_POLL_S", 3600.0)


async def _listening(pilot, app, connects: int = 1):
    feeder = app.screen.feeder
    for _ in range(100):
        listener = feeder.listener
        if listener is not None and listener.connects >= connects and listener.backend_pid:
            return listener
        await pilot.pause(0.05)
    raise AssertionError(f"no listener connected (connects: {connects})")


async def _gone(pilot, app, prospect_id: int, within: float) -> float:
    """Seconds until the prospect left the queue window on screen (fails after `within`)."""
    queue, start = app.screen.query_one("#queue"), time.monotonic()
    while time.monotonic() - start < within:
        if prospect_id not in [i.prospect_id for i in queue.items]:
            return time.monotonic() - start
        await pilot.pause(0.02)
    raise AssertionError(f"prospect {prospect_id} still in the queue after {within} s")


def _log(engine, bundle, prospect_id: int) -> None:
    with Session(engine, expire_on_commit=False) as s:
        log_outcome(s, bundle, prospect_id=prospect_id, outcome="not_interested", at=PINNED,
                    rep="bob")


async def test_another_reps_outcome_shows_within_a_second_without_the_poll(
        pg_engine, other_rep, bundle, no_poll):
    app = make_app(pg_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await _listening(pilot, app)
        feeder = app.screen.feeder
        queue = app.screen.query_one("#queue")
        before = [i.prospect_id for i in queue.items]
        theirs = before[3]
        full = feeder.full_reads
        _log(other_rep, bundle, theirs)
        took = await _gone(pilot, app, theirs, within=1.0)
        await settle(pilot, app)
        # Only that prospect was read again; the rest of the window stands, in its order.
        assert feeder.row_reads >= 1 and feeder.full_reads == full, (took, feeder.full_reads)
        assert [i.prospect_id for i in queue.items] == [p for p in before if p != theirs]


async def test_the_listener_comes_back_after_its_connection_is_killed(
        pg_engine, other_rep, bundle, no_poll):
    app = make_app(pg_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        listener = await _listening(pilot, app)
        feeder = app.screen.feeder
        killed = listener.backend_pid
        admin = create_engine(PG_URL)
        try:
            with admin.connect() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:p)"),
                                    {"p": killed}).scalar()
        finally:
            admin.dispose()
        full = feeder.full_reads
        await _listening(pilot, app, connects=2)
        assert listener.backend_pid != killed
        for _ in range(50):  # after a reconnect: one read of everything (announcements missed)
            if feeder.full_reads > full:
                break
            await pilot.pause(0.05)
        assert feeder.full_reads == full + 1
        await settle(pilot, app)
        theirs = app.screen.query_one("#queue").items[2].prospect_id
        _log(other_rep, bundle, theirs)
        await _gone(pilot, app, theirs, within=1.0)


async def test_an_idle_cockpit_asks_the_server_nothing(pg_engine, bundle):
    """With the usual intervals (poll every 3 s): at rest, the listener's connection waits and
    no statement is sent (the poll asked 4 aggregates every 3 s before)."""
    app = make_app(pg_engine, bundle)
    statements: list[str] = []
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await _listening(pilot, app)
        await pilot.pause(1.5)  # the start's one-off reads (the header's registry age, at 1 s)
        await settle(pilot, app)

        def count(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        event.listen(pg_engine, "before_cursor_execute", count)
        try:
            await pilot.pause(queue_window.POLL_S * 1.5)
        finally:
            event.remove(pg_engine, "before_cursor_execute", count)
    assert statements == []
