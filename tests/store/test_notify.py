"""What the database announces (store/notify.py), on the real server: an outcome names its
prospect, a lease renewal says nothing, an import says "anything" once per batch rather than
once per row, this process's own writes are not handed back to it, another schema's are not
ours, and behind PgBouncer nobody listens."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import Session

from dialer_tui.services.calling import log_outcome
from dialer_tui.services.importer import BATCH_ROWS, import_csv
from dialer_tui.store import notify
from dialer_tui.store.engine import make_engine
from dialer_tui.store.repo import renew_lease
from tests.reliability.conftest import prospect_rows, write_csv

from .conftest import add_prospect

# A listener thread, and waits for what it hears: nothing here reads the wall clock.
pytestmark = pytest.mark.timed_waits

AT = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


class Heard:
    """A listener on its own engine, and what it heard."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.changes: list[notify.Change] = []
        self.event = threading.Event()
        self.listener = notify.Listener(self.engine, self._got).start()
        deadline = time.monotonic() + 10
        while self.listener.backend_pid is None:
            assert time.monotonic() < deadline, "the listener did not connect"
            time.sleep(0.02)

    def _got(self, change: notify.Change) -> None:
        self.changes.append(change)
        self.event.set()

    def wait(self, seconds: float = 1.0) -> list[notify.Change]:
        """What arrived within `seconds` (the round trip is a few ms; then a little quiet)."""
        self.event.wait(seconds)
        time.sleep(0.2)
        got, self.changes = self.changes, []
        self.event.clear()
        return got

    def close(self) -> None:
        self.listener.stop()
        self.engine.dispose()


@pytest.fixture
def heard(pg_db):
    h = Heard(pg_db)
    yield h
    h.close()


def test_an_outcome_names_its_prospect_and_a_renewal_says_nothing(pg_db, heard, bundle):
    writer = make_engine(pg_db)
    try:
        pid = add_prospect(writer, first="Ann", at=AT, numbers=[("+12125550100", "office")])
        heard.wait()
        with Session(writer, expire_on_commit=False) as s:
            log_outcome(s, bundle, prospect_id=pid, outcome="no_answer", at=AT, rep="bob")
        assert heard.wait() == [notify.Change(frozenset({pid}))]
        with Session(writer) as s:
            s.execute(text("UPDATE prospect SET claimed_by = 'bob', "
                           "claim_expires_at = now() + interval '5 minutes' WHERE id = :p"),
                      {"p": pid})
            s.commit()
        assert heard.wait() == [notify.Change(frozenset({pid}))]  # a lease taken: said
        with Session(writer) as s:
            assert renew_lease(s, prospect_id=pid, rep="bob", at=AT, minutes=15)
        assert heard.wait(0.5) == []  # the heartbeat: only the expiry moved
    finally:
        writer.dispose()


def test_an_import_says_anything_once_per_batch_not_once_per_row(pg_db, heard, tmp_path):
    rows = BATCH_ROWS + 1000  # two batches, two transactions
    writer = make_engine(pg_db)
    try:
        result = import_csv(writer, write_csv(tmp_path / "big.csv", prospect_rows("Im", rows)),
                            region="US", source="t", now=AT - timedelta(days=1))
    finally:
        writer.dispose()
    assert result.imported == rows
    got = heard.wait(2.0)
    assert got and all(c.ids is None for c in got) and len(got) <= 2, got


def test_many_prospects_in_one_transaction_are_one_anything(pg_db, heard):
    writer = make_engine(pg_db)
    try:
        for i in range(notify.MAX_IDS + 10):
            add_prospect(writer, first=f"P{i}", at=AT, numbers=[(f"+1212555{2000 + i}", "mobile")])
        heard.wait()
        with writer.begin() as conn:  # one statement per prospect, as a loop of edits would
            for pid in conn.execute(text("SELECT id FROM prospect ORDER BY id")).scalars():
                conn.execute(text("UPDATE prospect SET research_notes = 'x' WHERE id = :p"),
                             {"p": pid})
    finally:
        writer.dispose()
    got = heard.wait()
    named = [c for c in got if c.ids is not None]
    assert sum(len(c.ids) for c in named) <= notify.MAX_IDS  # then one "anything", then quiet
    assert [c for c in got if c.ids is None] == [notify.Change(None)], got


def test_this_processs_own_writes_are_not_handed_back(pg_db, heard):
    pid = add_prospect(heard.engine, first="Own", at=AT, numbers=[("+12125550199", "office")])
    with Session(heard.engine) as s:
        s.execute(text("UPDATE prospect SET research_notes = 'mine' WHERE id = :p"), {"p": pid})
        s.commit()
    assert heard.wait(0.5) == []


def test_another_schemas_announcements_are_not_ours():
    assert notify.parse('{"s": "team_east", "ids": [1, 2]}', "team_west") is None
    assert notify.parse('{"s": "team_west", "ids": [1, 2]}', "team_west") == notify.Change(
        frozenset({1, 2}))
    assert notify.parse('{"s": "team_west", "ids": null}', "team_west") == notify.Change(None)
    assert notify.parse("not json", "team_west") is None


def test_behind_pgbouncer_nobody_listens(pg_db):
    direct = make_engine(pg_db)
    bounced = make_engine(f"{pg_db}&pgbouncer=1")
    try:
        assert notify.listens(direct)
        assert not notify.listens(bounced)  # LISTEN is lost with a transaction's connection
    finally:
        direct.dispose()
        bounced.dispose()
