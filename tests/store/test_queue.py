"""The queue: order, what is never queued, and claiming with a lease -- on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from dialer_tui.services.calling import log_outcome
from dialer_tui.services.queue import build_queue, claim_next
from dialer_tui.store.models import FollowUp, PhoneNumber, Prospect

from .conftest import add_prospect

TUE = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 New York, 07:00 Los Angeles


def _log(engine, bundle, pid, outcome, at, **kw):
    with Session(engine, expire_on_commit=False) as s:
        return log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at, **kw)


def _queue(engine, bundle, at, **kw):
    with Session(engine) as s:
        return build_queue(s, bundle, at=at, **kw)


def test_order_callback_promised_cadence_new(any_engine, bundle):
    e = any_engine
    day0 = TUE - timedelta(days=7)
    new_low = add_prospect(e, first="NewLow", at=TUE, numbers=[("212-555-0101", "office")],
                           waited=timedelta(days=9))
    new_high = add_prospect(e, first="NewHigh", at=TUE, numbers=[("212-555-0102", "office")],
                            priority=3, waited=timedelta(hours=1))
    new_old = add_prospect(e, first="NewOld", at=TUE, numbers=[("212-555-0103", "office")],
                           priority=3, waited=timedelta(days=3))
    cadence = add_prospect(e, first="Cadence", at=TUE, numbers=[("212-555-0104", "office")])
    promised = add_prospect(e, first="Promised", at=TUE, numbers=[("212-555-0105", "office")])
    callback = add_prospect(e, first="Callback", at=TUE, numbers=[("212-555-0106", "office")])
    _log(e, bundle, cadence, "no_answer", day0)  # next step (an email) is long due
    _log(e, bundle, promised, "left_voicemail", TUE - timedelta(days=2))
    with Session(e) as s:
        promise_start = s.exec(select(FollowUp.due_start).where(
            FollowUp.prospect_id == promised, FollowUp.kind == "promise")).one()
    _log(e, bundle, callback, "callback_requested", TUE - timedelta(days=1), callback="in 1 hour")
    at = max(promise_start, TUE) + timedelta(minutes=1)
    items = _queue(e, bundle, at)
    order = [i.prospect_id for i in items]
    assert order == [callback, promised, cadence, new_old, new_high, new_low]
    assert [i.reason for i in items] == ["callback", "promised", "cadence", "new", "new", "new"]
    first = items[0].to_json()
    assert set(first) >= {"prospect_id", "name", "phone", "reason", "local_time", "time_zone"}
    assert first["phone"].startswith("+1") and first["local_time"].endswith("-05:00")


def test_never_queued(any_engine, bundle):
    e = any_engine
    ok = add_prospect(e, first="Ok", at=TUE, numbers=[("212-555-0101", "office")])
    bad = add_prospect(e, first="Bad", at=TUE, numbers=[("212-555-0102", "office")])
    dnc = add_prospect(e, first="Dnc", at=TUE, numbers=[("212-555-0103", "office")])
    meeting = add_prospect(e, first="Meet", at=TUE, numbers=[("212-555-0104", "office")])
    west = add_prospect(e, first="West", at=TUE, numbers=[("310-555-0104", "office")])
    with Session(e) as s:
        phone = s.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == bad)).one()
        phone.bad = True
        s.add(phone)
        s.commit()
    _log(e, bundle, dnc, "do_not_call", TUE - timedelta(days=1))
    _log(e, bundle, meeting, "meeting_booked", TUE - timedelta(days=1))
    assert [i.prospect_id for i in _queue(e, bundle, TUE)] == [ok]  # 07:00 in LA: not yet
    later = TUE + timedelta(hours=2)
    assert {i.prospect_id for i in _queue(e, bundle, later)} == {ok, west}
    # The meeting's prospect comes back after the recycle date; do-not-call never does.
    much_later = TUE + timedelta(days=203, hours=2)  # a Tuesday (not Juneteenth)
    assert {i.prospect_id for i in _queue(e, bundle, much_later)} >= {ok, west, meeting} - {dnc}
    assert dnc not in {i.prospect_id for i in _queue(e, bundle, much_later)}


def test_claims_never_hand_one_prospect_to_two_reps_and_leases_expire(any_engine, bundle):
    e = any_engine
    ids = [add_prospect(e, first=f"P{i}", at=TUE, numbers=[(f"212-555-01{i:02d}", "office")])
           for i in range(3)]
    with Session(e) as s:
        a = claim_next(s, bundle, rep="ann", at=TUE, lease_minutes=10)
    with Session(e) as s:
        b = claim_next(s, bundle, rep="bob", at=TUE, lease_minutes=10)
    assert a.prospect_id != b.prospect_id and {a.prospect_id, b.prospect_id} <= set(ids)
    # Ann sees her own claim again, Bob does not.
    assert a.prospect_id in [i.prospect_id for i in _queue(e, bundle, TUE, rep="ann")]
    assert a.prospect_id not in [i.prospect_id for i in _queue(e, bundle, TUE, rep="bob")]
    # After the lease, it is back for everyone. (Ran out by the database's clock on PostgreSQL,
    # tests/store/test_leases.py: set to an instant long past on either clock.)
    with Session(e) as s:
        s.get(Prospect, a.prospect_id).claim_expires_at = datetime(2000, 1, 1, tzinfo=timezone.utc)
        s.commit()
    assert a.prospect_id in [i.prospect_id for i in _queue(e, bundle, TUE, rep="bob")]
    # The holder's outcome releases the lease (another rep's leaves it: test_leases.py).
    _log(e, bundle, b.prospect_id, "no_answer", TUE + timedelta(minutes=1), rep="bob")
    with Session(e) as s:
        assert s.get(Prospect, b.prospect_id).claimed_by == ""
