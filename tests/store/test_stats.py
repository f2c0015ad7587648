"""compute_stats over a scripted week of calling, on a real database (no mocks).

The script (New York prospects, December 2026, so UTC-5): 14 dials of which 2 connect, 5
voicemails, one wrong number (not an attempt), one email, one callback requested and returned, one
promise kept, one missed, one closed late by the meeting and two still open."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from dialer_tui.services.calling import log_outcome
from dialer_tui.services.stats import compute_stats
from dialer_tui.store.models import FollowUp, Prospect

from .conftest import add_prospect

UTC = timezone.utc
TUE = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in New York
WED, THU, FRI = (TUE + timedelta(days=d) for d in (1, 2, 3))
END = datetime(2026, 12, 5, tzinfo=UTC)


def _at(day: datetime, hh: int, mm: int = 0) -> datetime:
    return day.replace(hour=hh, minute=mm)


def _log(engine, bundle, pid, outcome, at, **kw):
    with Session(engine, expire_on_commit=False) as s:
        return log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at, **kw)


def _stats(engine, **kw) -> dict:
    kw.setdefault("day_zone", UTC)
    with Session(engine) as s:
        return compute_stats(s, **kw)


def _promise(engine, pid) -> FollowUp:
    with Session(engine) as s:
        return s.exec(select(FollowUp).where(FollowUp.prospect_id == pid,
                                             FollowUp.kind == "promise")).one()


@pytest.fixture
def db(any_engine):
    return any_engine  # SQLite, and PostgreSQL when DIALER_TUI_TEST_PG_URL is set


@pytest.fixture
def scripted(db, bundle):
    engine = db
    make_prospect = partial(add_prospect, engine)
    ids = {}
    for i, name in enumerate("ABCDE"):
        ids[name] = make_prospect(first=name, at=TUE, numbers=[(f"212-555-01{i:02d}", "office")])
    ids["F"] = make_prospect(first="F", at=TUE, numbers=[("212-555-0106", "office"),
                                                         ("917-555-0107", "mobile")])
    log = lambda name, outcome, at, **kw: _log(engine, bundle, ids[name], outcome, at, **kw)  # noqa: E731
    log("A", "left_voicemail", _at(TUE, 15), template_id="vm_value")
    log("B", "left_voicemail", _at(TUE, 15, 20), template_id="vm_value")
    log("C", "left_voicemail", _at(TUE, 15, 40), template_id="vm_short")
    log("D", "left_voicemail", _at(TUE, 16), template_id="vm_short")
    assert log("F", "wrong_number", _at(TUE, 16, 10)).phone_e164 == "+19175550107"
    log("F", "left_voicemail", _at(TUE, 16, 20), template_id="vm_value")
    log("E", "no_answer", _at(TUE, 16, 30))
    cb = log("C", "callback_requested", _at(TUE, 17), callback="fri 9am", objection_id="too_busy")
    assert cb.callback_at == _at(FRI, 14)
    log("E", "email_sent", _at(WED, 14))
    log("D", "gatekeeper", _at(WED, 15))
    log("E", "no_answer", _at(WED, 16, 30))
    log("F", "no_answer", _at(WED, 17))
    log("D", "no_answer", _at(WED, 19))
    promise = _promise(engine, ids["A"])
    assert (promise.due_start, promise.due_end) == (_at(THU, 18, 30), _at(THU, 22))
    log("A", "no_answer", _at(THU, 18, 35))  # inside the promised window: kept
    log("B", "no_answer", _at(THU, 22, 30))  # after it: missed
    log("C", "meeting_booked", _at(FRI, 14, 5), objection_id="send_info")  # returns the callback
    assert _promise(engine, ids["A"]).status == "done"
    assert _promise(engine, ids["B"]).status == "missed"
    assert _promise(engine, ids["C"]).status == "missed"
    assert _promise(engine, ids["D"]).status == "open"
    return ids


def test_scripted_week_gives_exact_counts_and_rates(db, scripted):
    st = _stats(db, now=END)
    assert {k: st[k] for k in (
        "dials", "connects", "connect_rate", "reference_connect_rate", "conversations",
        "meetings", "voicemails", "callbacks_requested", "callbacks_returned", "promises_made",
        "promises_kept", "promises_missed", "abandoned_before_7", "dials_per_hour",
        "other_channels")} == {
        "dials": 14, "connects": 2, "connect_rate": 0.1429, "reference_connect_rate": 0.1429,
        "conversations": 2, "meetings": 1, "voicemails": 5, "callbacks_requested": 1,
        "callbacks_returned": 1, "promises_made": 5, "promises_kept": 1,
        # B late, C closed after its window by the meeting, D and F open past Thursday 22:00.
        "promises_missed": 4, "abandoned_before_7": 0,
        # Days in UTC: Tue 15:00-17:00, Wed 15:00-19:00, Thu 18:35-22:30, Fri one dial (5 min).
        "dials_per_hour": 1.4,
        "other_channels": {"email": 1, "linkedin": 0, "letter": 0, "visit": 0, "text": 0}}
    assert (st["since"], st["until"]) == (None, None)
    json.dumps(st)  # JSON-ready as it is


def test_open_promise_is_missed_only_once_its_window_has_passed(db, scripted):
    assert _stats(db, now=_at(THU, 20))["promises_missed"] == 2  # B and C only
    assert _stats(db, now=_at(THU, 20))["promises_kept"] == 1


def test_dials_per_hour_uses_the_given_calendar_zone(db, scripted):
    # In New York every dial falls on the same local days: same answer.
    assert _stats(db, day_zone=ZoneInfo("America/New_York"))["dials_per_hour"] == 1.4


def test_local_hour_and_weekday_are_the_prospects(db, scripted):
    st = _stats(db)
    by_hour = {h["hour"]: (h["dials"], h["connects"]) for h in st["by_local_hour"] if h["dials"]}
    # 15:00 UTC to New York in winter is 10:00 there.
    assert by_hour == {9: (1, 1), 10: (4, 0), 11: (4, 0), 12: (2, 1), 13: (1, 0), 14: (1, 0),
                       17: (1, 0)}
    assert [h["hour"] for h in st["by_local_hour"]] == list(range(24))
    assert st["by_local_hour"][12]["rate"] == 0.5
    assert [(d["weekday"], d["dials"], d["connects"]) for d in st["by_weekday"]] == [
        ("Monday", 0, 0), ("Tuesday", 7, 1), ("Wednesday", 4, 0), ("Thursday", 2, 0),
        ("Friday", 1, 1), ("Saturday", 0, 0), ("Sunday", 0, 0)]


def test_zone_prefers_the_prospects_own_then_the_number_then_utc(db, bundle):
    make_prospect = partial(add_prospect, db)
    chicago = make_prospect(first="Chi", at=TUE, time_zone="America/Chicago",
                            numbers=[("212-555-0123", "office")])
    kolkata = make_prospect(first="Kol", at=TUE, time_zone="Asia/Kolkata",
                            numbers=[("212-555-0124", "office")])
    nowhere = make_prospect(first="Nul", at=TUE, numbers=[])
    _log(db, bundle, chicago, "no_answer", TUE)  # 09:00 in Chicago
    _log(db, bundle, kolkata, "no_answer", _at(TUE, 4, 40))  # 10:10 in Kolkata (+05:30)
    _log(db, bundle, nowhere, "no_answer", _at(TUE, 23, 50))  # no zone at all: UTC
    hours = {h["hour"]: h["dials"] for h in _stats(db)["by_local_hour"] if h["dials"]}
    assert hours == {9: 1, 10: 1, 23: 1}


def test_by_template_counts_responses_within_14_days(db, bundle, scripted):
    late = add_prospect(db, first="Late", at=TUE, numbers=[("212-555-0150", "office")])
    _log(db, bundle, late, "left_voicemail", _at(TUE, 18), template_id="vm_short")
    _log(db, bundle, late, "meeting_booked", _at(TUE, 18) + timedelta(days=15))
    st = _stats(db)
    assert st["by_template"] == [
        {"template": "vm_short", "left": 3, "callbacks": 1, "meetings": 1},
        {"template": "vm_value", "left": 3, "callbacks": 0, "meetings": 0}]
    assert st["by_objection"] == [{"objection": "send_info", "shown": 1, "meetings": 1},
                                  {"objection": "too_busy", "shown": 1, "meetings": 1}]
    assert st["meetings"] == 2


def test_since_and_until_filter_touches_and_follow_ups(db, scripted):
    st = _stats(db, since=WED.replace(hour=0), now=END)
    assert (st["dials"], st["connects"], st["voicemails"], st["meetings"]) == (7, 1, 0, 1)
    assert (st["callbacks_requested"], st["promises_made"], st["promises_missed"]) == (0, 0, 0)
    assert st["other_channels"]["email"] == 1
    assert st["by_template"] == []
    assert st["by_objection"] == [{"objection": "send_info", "shown": 1, "meetings": 1}]
    assert st["since"] == "2026-12-02T00:00:00+00:00"
    st = _stats(db, until=WED.replace(hour=0))
    assert (st["dials"], st["connects"], st["voicemails"], st["promises_made"]) == (7, 1, 5, 5)
    assert st["dials_per_hour"] == 3.5  # 7 dials from 15:00 to 17:00


def test_abandoned_before_7(db, scripted):
    at = TUE
    with Session(db) as s:
        def add(attempts, status, follow_up=None):
            p = Prospect(first_name="Z", attempts=attempts, status=status, created_at=at)
            s.add(p)
            s.flush()
            if follow_up:
                s.add(FollowUp(prospect_id=p.id, kind="cadence", due_start=at, status=follow_up))
        add(3, "working")  # given up after 3: counted
        add(2, "unresponsive", follow_up="cancelled")  # counted
        add(6, "working", follow_up="open")  # something is still planned
        add(7, "unresponsive")  # seven tries made
        add(0, "new")
        add(4, "meeting_booked")
        s.commit()
    assert _stats(db)["abandoned_before_7"] == 2


def test_empty_database(db):
    st = _stats(db)
    assert (st["dials"], st["connect_rate"], st["dials_per_hour"]) == (0, 0, 0)
    assert len(st["by_local_hour"]) == 24 and len(st["by_weekday"]) == 7
    assert st["by_template"] == st["by_objection"] == []


def test_a_meeting_is_any_outcome_that_books_one_in_stats_and_the_header(db, bundle):
    """One definition (domain.outcomes.Outcome.is_meeting): a user's `demo_booked` whose terminal
    status is meeting_booked is a meeting for the stats and for the session header alike."""
    from dataclasses import replace

    from dialer_tui.domain.outcomes import Dispositions, Outcome
    from dialer_tui.widgets.session_header import SessionStats

    demo = Outcome(name="demo_booked", key="0", label="Demo booked", connect=True,
                   terminal="meeting_booked", recycle_days=120, follow_up="none")
    mine = replace(bundle, dispositions=Dispositions(outcomes=(*bundle.dispositions.outcomes,
                                                                demo)))
    a, b = (add_prospect(db, first=f, at=TUE, numbers=[(n, "office")])
            for f, n in (("A", "212-555-0101"), ("B", "212-555-0102")))
    _log(db, mine, a, "demo_booked", _at(TUE, 16))
    _log(db, mine, b, "meeting_booked", _at(TUE, 17))
    assert _stats(db, dispositions=mine.dispositions)["meetings"] == 2
    assert _stats(db)["meetings"] == 1  # the shipped file has no demo_booked
    header = SessionStats(started_at=TUE)
    header.record(demo)
    assert header.meetings == 1
