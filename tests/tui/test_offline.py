"""The database cannot take an outcome (a full disk, a read-only file, a server away): the
cockpit keeps it in the local journal, says so, moves on, and writes it once the database is
back, exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from dialer_tui.app import DialerApp
from dialer_tui.services.journal import Journal, Pending
from dialer_tui.store.engine import make_engine

from .conftest import PINNED, screen_text, settle, touches
from .test_history_stats import ids_of


def refuse_writes(engine):
    """Every new connection refuses writes, as a full disk or a read-only file does."""
    def query_only(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA query_only = ON")

    event.listen(engine, "connect", query_only)
    engine.dispose()
    return lambda: (event.remove(engine, "connect", query_only), engine.dispose())


async def test_an_outcome_the_database_refuses_is_kept_and_written_when_it_is_back(
        engine, bundle, tmp_path, db_path):
    checker = make_engine(db_path)  # sees the file as another process would
    journal = tmp_path / "journal.jsonl"
    app = DialerApp(engine=engine, bundle=bundle, rep="tester", clock=lambda: PINNED,
                    journal_path=journal)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        first = app.screen.state.current_id
        back = refuse_writes(engine)
        await pilot.press("5")  # no answer
        await settle(pilot, app)
        assert app.is_running and app.screen.state.current_id != first  # the session goes on
        ack = app.screen.query_one("#ack").content.plain
        assert ack.startswith("Kept on this machine: no answer for")
        assert "readonly database" in ack
        assert "OFFLINE: 1 kept on this machine" in screen_text(app)
        assert touches(checker, first) == []
        [kept] = Journal(journal).pending()
        assert (kept.prospect_id, kept.outcome, kept.rep) == (first, "no_answer", "tester")
        assert (journal.stat().st_mode & 0o777) == 0o600

        app._replay()  # what the timer does every few seconds: still refused, still kept
        await settle(pilot, app)
        assert len(Journal(journal).pending()) == 1 and app.pending == 1

        back()
        app._replay()
        await settle(pilot, app)
        assert app.pending == 0 and not journal.exists()
        assert "OFFLINE" not in screen_text(app)
    [touch] = touches(engine, first)
    assert touch.outcome == "no_answer" and touch.started_at == PINNED
    assert touch.client_id == kept.client_id


def test_a_replay_writes_each_kept_outcome_once(engine, bundle, tmp_path):
    dana = ids_of(engine)["Dana"]
    assert touches(engine, dana) == []
    journal = Journal(tmp_path / "j.jsonl")
    entry = Pending(Pending.new_id(), dana, "left_voicemail", PINNED.isoformat(), rep="tester")
    journal.append(entry)
    journal.append(entry)  # the same outcome twice: a crash between write and journal trim
    later = Pending(Pending.new_id(), dana, "no_answer",
                    (PINNED + timedelta(days=2)).isoformat(), rep="tester")
    journal.append(later)
    assert journal.replay(engine, bundle) == (3, 0, "")
    assert [t.outcome for t in touches(engine, dana)] == ["no_answer", "left_voicemail"]
    assert journal.pending() == []


async def test_a_database_that_does_not_answer_holds_up_neither_the_screen_nor_the_keys(
        engine, bundle, tmp_path, db_path, monkeypatch):
    """Another process holds the write lock (a stalled server, a long import): the outcome
    key waits OUTCOME_WAIT_S, not the store's 30 s, keeps the outcome in the journal and moves
    on; the key typed behind it lands on the next prospect, not the one being left. When the
    lock goes, the late writes land, and the replay writes neither of them twice."""
    import sqlite3
    import time

    from dialer_tui.screens import cockpit_outcomes

    monkeypatch.setattr(cockpit_outcomes, "OUTCOME_WAIT_S", 0.5)
    journal = tmp_path / "journal.jsonl"
    app = DialerApp(engine=engine, bundle=bundle, rep="tester", clock=lambda: PINNED,
                    journal_path=journal)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        first = app.screen.state.current_id
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # holds the write lock
        try:
            started = time.monotonic()
            await pilot.press("5", "5")  # no answer, twice: two prospects
            # Not settle(): the cockpit's other store work (the lease) waits for the lock too.
            while len(Journal(journal).pending()) < 2 and time.monotonic() - started < 20:
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            waited = time.monotonic() - started
            assert waited < 5, waited  # two bounded waits, not the 30 s busy timeout
            second = next(e.prospect_id for e in Journal(journal).pending()
                          if e.prospect_id != first)
            assert app.is_running and app.screen.state.current_id not in (first, second)
            assert "OFFLINE: 2 kept on this machine" in screen_text(app)
            assert "no answer within 0.5 s" in app.screen.query_one("#ack").content.plain
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        deadline = time.monotonic() + 10
        while journal.exists() and time.monotonic() < deadline:  # late writes, then replays
            app._replay()  # what the timer does every few seconds
            await settle(pilot, app)
            await pilot.pause(0.1)
        await settle(pilot, app)
        assert app.pending == 0 and not journal.exists(), journal.read_text()
        assert "OFFLINE" not in screen_text(app)
    assert [t.outcome for t in touches(engine, first)] == ["no_answer"]
    assert [t.outcome for t in touches(engine, second)] == ["no_answer"]


def test_an_outcome_kept_while_a_replay_runs_is_not_lost(engine, bundle, tmp_path):
    """The replay writes what it read; an outcome appended meanwhile (the cockpit's thread
    giving up on a slow database) stays in the journal for the next replay."""
    dana = ids_of(engine)["Dana"]
    journal = Journal(tmp_path / "j.jsonl")
    journal.append(Pending(Pending.new_id(), dana, "left_voicemail", PINNED.isoformat(),
                           rep="tester"))
    late = Pending(Pending.new_id(), dana, "no_answer", (PINNED + timedelta(days=2)).isoformat(),
                   rep="tester")

    def keep_one_more(_conn):
        if not kept:
            kept.append(journal.append(late))

    kept: list = []
    event.listen(engine, "commit", keep_one_more)
    try:
        assert journal.replay(engine, bundle) == (1, 0, "")
    finally:
        event.remove(engine, "commit", keep_one_more)
    assert kept
    assert [e.client_id for e in journal.pending()] == [late.client_id]
    assert journal.replay(engine, bundle) == (1, 0, "")
    assert [t.outcome for t in touches(engine, dana)] == ["no_answer", "left_voicemail"]
