"""Logging outcomes and what each implies, on a real SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from dialer_tui.services.calling import OutcomeError, log_outcome, undo_touch
from dialer_tui.services.queue import build_queue, explain
from dialer_tui.store.models import DncEntry, FollowUp, PhoneNumber, Prospect, Touch

TUE = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York
NY = ZoneInfo("America/New_York")


@pytest.fixture
def engine(any_engine):
    """Every test here runs on SQLite and on PostgreSQL (when a server is configured)."""
    return any_engine


def _log(engine, bundle, pid, outcome, at=TUE, **kw):
    with Session(engine, expire_on_commit=False) as s:
        return log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at, **kw)


def _queue_ids(engine, bundle, at, **kw):
    with Session(engine) as s:
        return [i.prospect_id for i in build_queue(s, bundle, at=at, **kw)]


def test_do_not_call_lists_every_number_of_the_person_at_once(engine, bundle, make_prospect):
    pid = make_prospect(first="Dana", at=TUE, numbers=[("212-555-0123", "office"),
                                                        ("212-555-0124", "mobile"),
                                                        ("212-555-0125", "assistant")])
    _log(engine, bundle, pid, "do_not_call")
    with Session(engine) as s:
        entries = s.exec(select(DncEntry)).all()
        assert {e.e164 for e in entries} == {"", "+12125550123", "+12125550124", "+12125550125"}
        assert {e.created_at for e in entries} == {TUE}
        assert all(p.do_not_call for p in s.exec(select(PhoneNumber)))
        assert s.get(Prospect, pid).status == "do_not_call"
    assert pid not in _queue_ids(engine, bundle, TUE + timedelta(days=400))


def test_dnc_number_blocks_it_on_another_prospect_too(engine, bundle, make_prospect):
    a = make_prospect(first="A", at=TUE, numbers=[("212-555-0123", "office")])
    b = make_prospect(first="B", at=TUE, numbers=[("(212) 555 0123", "office")])
    _log(engine, bundle, a, "do_not_call")
    assert b not in _queue_ids(engine, bundle, TUE)


def test_wrong_number_marks_only_that_number(engine, bundle, make_prospect):
    pid = make_prospect(first="W", at=TUE, numbers=[("212-555-0123", "office"),
                                                     ("212-555-0124", "mobile")])
    logged = _log(engine, bundle, pid, "wrong_number")
    assert logged.phone_e164 == "+12125550124"  # the mobile is tried first
    with Session(engine) as s:
        flags = {p.e164: p.bad for p in s.exec(select(PhoneNumber))}
    assert flags == {"+12125550123": False, "+12125550124": True}
    with Session(engine) as s:
        items = build_queue(s, bundle, at=TUE + timedelta(minutes=5))
    assert [(i.prospect_id, i.phone) for i in items] == [(pid, "+12125550123")]


def test_voicemail_keeps_prospect_out_for_the_rest_of_their_day_and_promises(
        engine, bundle, make_prospect):
    pid = make_prospect(first="V", at=TUE, numbers=[("212-555-0123", "office")])
    logged = _log(engine, bundle, pid, "left_voicemail")
    with Session(engine) as s:
        promise = s.exec(select(FollowUp).where(FollowUp.kind == "promise")).one()
        touch = s.exec(select(Touch)).one()
    local = promise.due_start.astimezone(NY)
    assert local.date() > TUE.astimezone(NY).date()
    assert touch.promised_label == logged.next_label  # what the voicemail said
    assert promise.label.startswith(local.strftime("%A"))  # the day, named, for later
    # No call later the same local day (the email task may appear; a call may not).
    for hours in (1, 3, 6):
        with Session(engine) as s:
            items = [i for i in build_queue(s, bundle, at=TUE + timedelta(hours=hours))
                     if i.prospect_id == pid]
        assert all(i.channel != "call" for i in items)
    # Inside the promised window it is at the top of the queue, as "promised".
    other = make_prospect(first="New", at=TUE, numbers=[("212-555-0199", "office")],
                          priority=5)
    _log(engine, bundle, pid, "email_sent", at=TUE + timedelta(hours=2))
    with Session(engine) as s:
        items = build_queue(s, bundle, at=promise.due_start + timedelta(minutes=10))
    assert items[0].prospect_id == pid and items[0].reason == "promised"
    assert other in [i.prospect_id for i in items]


def test_promise_kept_when_called_inside_the_window(engine, bundle, make_prospect):
    pid = make_prospect(first="K", at=TUE, numbers=[("212-555-0123", "office")])
    _log(engine, bundle, pid, "left_voicemail")
    with Session(engine) as s:
        promise = s.exec(select(FollowUp).where(FollowUp.kind == "promise")).one()
    _log(engine, bundle, pid, "no_answer", at=promise.due_start + timedelta(minutes=30))
    with Session(engine) as s:
        assert s.get(FollowUp, promise.id).status == "done"


def test_undoing_the_call_that_kept_a_promise_opens_the_promise_again(
        engine, bundle, make_prospect):
    from dialer_tui.services.stats import compute_stats

    pid = make_prospect(first="K", at=TUE, numbers=[("212-555-0123", "office")])
    _log(engine, bundle, pid, "left_voicemail")
    with Session(engine) as s:
        promise = s.exec(select(FollowUp).where(FollowUp.kind == "promise")).one()
    inside = promise.due_start + timedelta(minutes=30)
    kept = _log(engine, bundle, pid, "no_answer", at=inside)
    with Session(engine) as s:
        assert compute_stats(s, now=inside)["promises_kept"] == 1
        undo_touch(s, touch_id=kept.touch_id)
    with Session(engine) as s:
        again = s.get(FollowUp, promise.id)
        assert (again.status, again.closed_at, again.closed_by_touch_id) == ("open", None, None)
        assert compute_stats(s, now=inside)["promises_kept"] == 0
        items = build_queue(s, bundle, at=inside)
    assert [(i.prospect_id, i.reason) for i in items] == [(pid, "promised")]


def test_promise_missed_when_the_window_passed(engine, bundle, make_prospect):
    pid = make_prospect(first="M", at=TUE, numbers=[("212-555-0123", "office")])
    _log(engine, bundle, pid, "left_voicemail")
    with Session(engine) as s:
        promise = s.exec(select(FollowUp).where(FollowUp.kind == "promise")).one()
    _log(engine, bundle, pid, "no_answer", at=promise.due_end + timedelta(days=1))
    with Session(engine) as s:
        assert s.get(FollowUp, promise.id).status == "missed"


def test_callback_is_snapped_into_calling_hours_with_a_warning(engine, bundle, make_prospect):
    pid = make_prospect(first="C", region="FL", at=TUE, numbers=[("305-555-0101", "office")])
    logged = _log(engine, bundle, pid, "callback_requested", callback="today 8:30pm")
    # 08:00 in Florida's panhandle (Central) is 09:00 in Miami: every zone of the state counts.
    assert logged.callback_at == datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)
    assert logged.warnings and "outside the calling hours" in logged.warnings[0]
    with Session(engine) as s:
        items = build_queue(s, bundle, at=logged.callback_at + timedelta(minutes=1))
    assert items[0].prospect_id == pid and items[0].reason == "callback"


def test_callback_without_time_or_with_nonsense_is_refused(engine, bundle, make_prospect):
    pid = make_prospect(first="C", at=TUE, numbers=[("212-555-0123", "office")])
    with pytest.raises(OutcomeError, match="needs a time"):
        _log(engine, bundle, pid, "callback_requested")
    with pytest.raises(OutcomeError, match="cannot read"):
        _log(engine, bundle, pid, "callback_requested", callback="when pigs fly")
    with Session(engine) as s:
        assert s.exec(select(Touch)).all() == []


def test_unknown_outcome_prospect_and_phone_are_refused(engine, bundle, make_prospect):
    pid = make_prospect(first="U", at=TUE, numbers=[("212-555-0123", "office")])
    with pytest.raises(OutcomeError, match="unknown outcome 'hung_up'"):
        _log(engine, bundle, pid, "hung_up")
    with pytest.raises(OutcomeError, match="no prospect with id 999"):
        _log(engine, bundle, 999, "no_answer")
    with pytest.raises(OutcomeError, match="not a number of prospect"):
        _log(engine, bundle, pid, "no_answer", phone="212-555-0999")


def test_undo_puts_everything_back(engine, bundle, make_prospect):
    pid = make_prospect(first="Z", at=TUE, numbers=[("212-555-0123", "office"),
                                                     ("212-555-0124", "mobile")])
    with Session(engine) as s:
        # The row's version is a write counter (undo is a write): everything else comes back.
        before = s.get(Prospect, pid).model_dump(exclude={"version"})
    logged = _log(engine, bundle, pid, "do_not_call")
    with Session(engine) as s:
        undo_touch(s, touch_id=logged.touch_id)
    with Session(engine) as s:
        assert s.get(Prospect, pid).model_dump(exclude={"version"}) == before
        assert s.exec(select(DncEntry)).all() == []
        assert not any(p.do_not_call for p in s.exec(select(PhoneNumber)))
        assert s.exec(select(Touch)).all() == []
    assert _queue_ids(engine, bundle, TUE) == [pid]


def test_undoing_a_referral_removes_the_referred_prospect_unless_worked_since(
        engine, bundle, make_prospect):
    from dialer_tui.services.referral import ReferralForm, create_referral

    pid = make_prospect(first="Ref", at=TUE, numbers=[("212-555-0123", "office")])

    def refer(name: str, phone: str) -> tuple[int, int]:
        logged = _log(engine, bundle, pid, "referred", phone="+12125550123")
        with Session(engine, expire_on_commit=False) as s:
            new = create_referral(s, referrer_id=pid, form=ReferralForm(name, phone=phone),
                                  region="US", at=TUE, touch_id=logged.touch_id)
        return logged.touch_id, new.id

    touch_id, new_id = refer("Lee Chen", "212 555 0142")
    with Session(engine) as s:
        undo_touch(s, touch_id=touch_id)
    with Session(engine) as s:
        assert s.get(Prospect, new_id) is None
        assert s.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == new_id)).all() == []
    assert _queue_ids(engine, bundle, TUE) == [pid]

    touch_id, new_id = refer("Kim Park", "212 555 0143")
    _log(engine, bundle, new_id, "left_voicemail", phone="+12125550143")  # worked since
    with Session(engine) as s:
        undo_touch(s, touch_id=touch_id)
    with Session(engine) as s:
        assert s.get(Prospect, new_id).first_name == "Kim"
        assert s.get(Touch, touch_id) is None


def test_a_referred_name_is_split_as_an_import_splits_it(engine, make_prospect):
    """One name splitter (csv_headers.split_name) for imported rows and typed referrals."""
    from dialer_tui.services.csv_headers import split_name
    from dialer_tui.services.referral import ReferralForm, create_referral

    for name, country in (("Dr. Jane A. Smith", "US"), ("Smith, Jane", "US"),
                          ("Nguyen Van An", "VN")):
        pid = make_prospect(first="Ref", country=country, at=TUE, numbers=[])
        with Session(engine, expire_on_commit=False) as s:
            new = create_referral(s, referrer_id=pid, form=ReferralForm(name), region="US",
                                  at=TUE)
        assert (new.first_name, new.last_name) == split_name(name, country), name


def test_three_attempts_per_24h_cap_in_florida(engine, bundle, make_prospect):
    pid = make_prospect(first="F", region="FL", at=TUE, numbers=[("305-555-0101", "office"),
                                                                  ("305-555-0102", "direct")])
    for minutes in (0, 10, 20):
        _log(engine, bundle, pid, "wrong_number" if minutes == 0 else "callback_requested",
             at=TUE + timedelta(minutes=minutes), callback="in 5 minutes" if minutes else None)
    with Session(engine) as s:
        ex = explain(s, bundle, prospect_id=pid, at=TUE + timedelta(minutes=40))
    assert not ex.callable
    assert any("3" in r and "24" in r for r in ex.reasons)
    assert pid not in _queue_ids(engine, bundle, TUE + timedelta(minutes=40))
    assert pid in _queue_ids(engine, bundle, TUE + timedelta(hours=24, minutes=1))


def test_cadence_reaches_unresponsive_after_the_breakup(engine, bundle, make_prospect):
    pid = make_prospect(first="C", at=TUE, numbers=[("212-555-0123", "office"),
                                                     ("212-555-0124", "mobile")])
    at, used, parts, days = TUE, [], [], []
    for _ in range(20):
        with Session(engine) as s:
            p = s.get(Prospect, pid)
            if p.status == "unresponsive":
                break
            at = max(at, p.queue_due_at) + timedelta(minutes=5)
            items = [i for i in build_queue(s, bundle, at=at) if i.prospect_id == pid]
        if not items:  # outside hours at the window start: try later that day
            at += timedelta(hours=1)
            continue
        item = items[0]
        outcome = {"call": "left_voicemail", "email": "email_sent", "linkedin": "linkedin",
                   "letter": "letter"}[item.channel]
        logged = _log(engine, bundle, pid, outcome, at=at)
        if item.channel == "call":
            used.append(logged.phone_e164)
            parts.append(bundle.cadences.part_of(at.astimezone(NY)))
            days.append(at.astimezone(NY).date())
    with Session(engine) as s:
        p = s.get(Prospect, pid)
        touches = s.exec(select(Touch)).all()
    assert p.status == "unresponsive" and p.recycle_at is not None
    assert p.attempts >= 7  # seed 003: at least 7 attempts
    span = (max(t.started_at for t in touches) - min(t.started_at for t in touches)).days
    assert 14 <= span <= 24  # two to three weeks
    assert {t.channel for t in touches} >= {"voicemail", "email", "linkedin", "letter"}
    assert set(used) == {"+12125550123", "+12125550124"}  # numbers rotate
    assert used[0] == "+12125550124"  # mobile first
    assert len(set(parts)) >= 2  # times of day vary
    assert len(set(days)) == len(days)  # never two voicemails on the same day
    breakup = [t for t in touches if t.channel == "voicemail"][-1]
    assert breakup.started_at == max(t.started_at for t in touches if t.channel == "voicemail")
