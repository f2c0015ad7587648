"""Team mode's leases and outcomes under concurrency (issue 18, findings 1, 4 and 5), on both
backends: a claim acts on the row as it is at the UPDATE, not as an earlier queue read saw it;
two outcomes on one prospect both count; an outcome never clears another rep's live lease;
lease times are the database's on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from dialer_tui.services import queue
from dialer_tui.services.calling import log_outcome
from dialer_tui.services.queue import build_queue, claim, claim_next
from dialer_tui.store import repo
from dialer_tui.store.models import Prospect, Touch

from .conftest import add_prospect

TUE = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 New York
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)  # past on any clock


def _people(engine, n: int) -> list[int]:
    return [add_prospect(engine, first=f"P{i}", at=TUE,
                         numbers=[(f"+1212555{1000 + i:04d}", "office")]) for i in range(n)]


def _log(engine, bundle, pid, outcome, at=TUE, **kw):
    with Session(engine, expire_on_commit=False) as s:
        return log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at, **kw)


def _row(engine, pid) -> Prospect:
    with Session(engine, expire_on_commit=False) as s:
        return s.get(Prospect, pid)


@pytest.mark.parametrize("outcome", ["do_not_call", "no_answer", "meeting_booked"])
def test_a_claim_from_a_queue_read_taken_before_an_outcome_gets_nothing(any_engine, bundle,
                                                                        monkeypatch, outcome):
    """Bob's queue was read before Ann's outcome changed the prospect (do not call; a no answer
    that makes the call an email task; a meeting): his claim_next and his cockpit's claim act
    on that old read and must get nothing. The read is replayed here, as the 2 s pause of the
    report did, so the window is certain."""
    e = any_engine
    [pid] = _people(e, 1)
    with Session(e) as s:
        stale = build_queue(s, bundle, at=TUE, limit=50, rep="bob")
    assert [i.prospect_id for i in stale] == [pid]
    with Session(e) as s:
        assert claim_next(s, bundle, rep="ann", at=TUE, lease_minutes=10).prospect_id == pid
    _log(e, bundle, pid, outcome, rep="ann")
    assert _row(e, pid).claimed_by == ""  # Ann's outcome released her lease

    monkeypatch.setattr(queue, "build_queue", lambda *a, **kw: list(stale))
    with Session(e) as s:
        assert claim_next(s, bundle, rep="bob", at=TUE, lease_minutes=10) is None
    with Session(e) as s:
        assert claim(s, prospect_id=pid, rep="bob", at=TUE, lease_minutes=10,
                     version=stale[0].version) == "another rep"
    assert _row(e, pid).claimed_by == ""


def test_the_cockpit_claim_renews_its_own_lease_and_never_takes_a_live_one(any_engine, bundle):
    e = any_engine
    a, b = _people(e, 2)
    with Session(e) as s:
        assert claim(s, prospect_id=a, rep="ann", at=TUE, lease_minutes=10) is None
    with Session(e) as s:
        assert claim(s, prospect_id=a, rep="bob", at=TUE, lease_minutes=10) == "ann"
    with Session(e) as s:  # Ann's own, again: renewed
        assert claim(s, prospect_id=a, rep="ann", at=TUE, lease_minutes=10) is None
        assert repo.renew_lease(s, prospect_id=a, rep="ann", at=TUE, minutes=10)
        assert not repo.renew_lease(s, prospect_id=a, rep="bob", at=TUE, minutes=10)
        assert claim(s, prospect_id=b, rep="bob", at=TUE, lease_minutes=10) is None
    with Session(e) as s:  # Bob's quit lets go of his, never of Ann's
        assert repo.release_leases(s, rep="bob") == 1
        assert repo.release_leases(s, rep="bob", prospect_ids=[a]) == 0
    assert (_row(e, a).claimed_by, _row(e, b).claimed_by) == ("ann", "")


def test_two_outcomes_on_one_prospect_at_once_both_count(any_engine, bundle):
    """Ann's outcome is being written when Bob's arrives: Bob's waits for it and builds on it
    (2 touches and 2 attempts; the report found attempts=1)."""
    e = any_engine
    [pid] = _people(e, 1)
    first = Session(e, expire_on_commit=False)
    log_outcome(first, bundle, prospect_id=pid, outcome="left_voicemail", at=TUE, rep="ann",
                commit=False)  # holds its transaction open
    done: list = []

    def bob() -> None:
        try:
            _log(e, bundle, pid, "left_voicemail", at=TUE + timedelta(seconds=30), rep="bob")
            done.append("ok")
        except BaseException as exc:  # noqa: BLE001 - reported below
            done.append(exc)

    thread = threading.Thread(target=bob)
    thread.start()
    time.sleep(0.5)  # Bob has read (before the fix) or is waiting for the row (after)
    assert done == []
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert done == ["ok"]
    with Session(e) as s:
        touches = s.exec(select(func.count()).select_from(Touch)
                         .where(Touch.prospect_id == pid)).one()
        assert (touches, s.get(Prospect, pid).attempts) == (2, 2)


def test_an_outcome_does_not_clear_another_reps_live_lease(any_engine, bundle):
    e = any_engine
    [pid] = _people(e, 1)
    with Session(e) as s:
        assert claim_next(s, bundle, rep="ann", at=TUE, lease_minutes=10).prospect_id == pid
    logged = _log(e, bundle, pid, "email_sent", rep="bob")
    assert _row(e, pid).claimed_by == "ann"
    assert any("ann holds this prospect" in w for w in logged.warnings)
    _log(e, bundle, pid, "no_answer", at=TUE + timedelta(minutes=1), rep="ann")
    assert _row(e, pid).claimed_by == ""  # her own outcome ends her lease
    # A lease that has run out is no one's: anybody's outcome clears it.
    with Session(e) as s:
        p = s.get(Prospect, pid)
        p.claimed_by, p.claim_expires_at = "ann", LONG_AGO
        s.commit()
    _log(e, bundle, pid, "email_sent", at=TUE + timedelta(minutes=2), rep="bob")
    assert _row(e, pid).claimed_by == ""


def test_fifty_claims_without_an_outcome_leave_the_next_one_something(any_engine, bundle):
    """`next` fifty times with no outcome: the fifty-first still gets a prospect (the report's
    returned null with 2,950 callable: the rep's own leases filled the 50 candidates read)."""
    e = any_engine
    ids = set(_people(e, 55))
    got = []
    with Session(e) as s:
        for _ in range(52):
            got.append(claim_next(s, bundle, rep="ann", at=TUE, lease_minutes=30).prospect_id)
    assert len(set(got)) == 52 and set(got) <= ids


def test_leases_are_timed_by_the_database_clock_on_postgresql(any_engine, bundle):
    """A laptop 20 minutes fast (Bob's `at`) must not take over Ann's live 10-minute lease, and
    the expiry written is the server's now + 10 minutes, whatever the clients' clocks say."""
    e = any_engine
    if e.dialect.name != "postgresql":
        pytest.skip("SQLite: one machine, one clock (the caller's)")
    a, b = _people(e, 2)
    with Session(e) as s:
        assert claim_next(s, bundle, rep="ann", at=TUE, lease_minutes=10).prospect_id == a
        server_now = s.exec(select(func.now())).one()
    fast = TUE + timedelta(minutes=20)
    with Session(e) as s:
        assert claim(s, prospect_id=a, rep="bob", at=fast, lease_minutes=10) == "ann"
    with Session(e) as s:
        assert claim_next(s, bundle, rep="bob", at=fast, lease_minutes=10).prospect_id == b
    with Session(e) as s:
        assert a not in [i.prospect_id for i in build_queue(s, bundle, at=fast, rep="bob")]
    expires = _row(e, a).claim_expires_at
    assert timedelta(minutes=9) < expires - server_now < timedelta(minutes=11)
    with Session(e) as s:  # `why` on a laptop 20 minutes ahead of the server: Ann holds it
        why = queue.explain(s, bundle, prospect_id=a, at=server_now + timedelta(minutes=20))
    assert any(r.startswith("claimed by ann until") for r in why.reasons), why.reasons
    logged = _log(e, bundle, a, "email_sent", at=fast, rep="bob")
    assert any("ann holds" in w for w in logged.warnings) and _row(e, a).claimed_by == "ann"
