"""Re-dials inside the attempt spacing: stored, capped, but one attempt of the cadence (issue 17:
four no-answers in 2 minutes put a prospect at "attempt 5 of 7"). Real SQLite file, and
PostgreSQL when configured."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from dialer_tui.domain.cadence import ATTEMPT_SPACING
from dialer_tui.services.calling import log_outcome, undo_touch
from dialer_tui.services.queue import explain
from dialer_tui.store.models import FollowUp, Prospect, Touch

TUE = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York


@pytest.fixture
def engine(any_engine):
    return any_engine


def _log(engine, bundle, pid, outcome, at, **kw):
    with Session(engine, expire_on_commit=False) as s:
        return log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at, **kw)


def _state(engine, pid):
    with Session(engine) as s:
        p = s.get(Prospect, pid)
        fus = s.exec(select(FollowUp).where(FollowUp.prospect_id == pid)
                     .order_by(FollowUp.id)).all()
        return p.model_dump(exclude={"version"}), [(f.kind, f.step_index, f.status, f.due_start)
                                                   for f in fus]  # (version: a write counter)


def test_no_answers_minutes_apart_are_one_attempt_and_the_plan_stands(engine, bundle,
                                                                     make_prospect):
    pid = make_prospect(first="Rita", at=TUE, numbers=[("212-555-0123", "office")])
    first = _log(engine, bundle, pid, "no_answer", TUE)
    planned = _state(engine, pid)
    redials = [_log(engine, bundle, pid, "no_answer", TUE + timedelta(seconds=s))
               for s in (30, 60)]
    before_last = _state(engine, pid)
    redials.append(_log(engine, bundle, pid, "no_answer", TUE + timedelta(seconds=120)))
    with Session(engine) as s:
        p = s.get(Prospect, pid)
        touches = s.exec(select(Touch).order_by(Touch.started_at)).all()
        assert (p.attempts, p.cadence_step) == (1, 1)
        assert p.last_attempt_at == TUE  # the attempt, not its re-dials
        assert [t.counts_attempt for t in touches] == [True, False, False, False]
    assert _state(engine, pid)[1] == planned[1]  # the plan the first attempt made, untouched
    with Session(engine) as s:
        plan = s.exec(select(FollowUp).where(FollowUp.touch_id == first.touch_id)).one()
    assert plan.label  # "Tuesday afternoon"
    assert {r.next_label for r in redials} == {f"re-dial: the plan stands ({plan.label})"}

    # Undoing a re-dial puts back exactly what was there before it.
    with Session(engine) as s:
        undo_touch(s, touch_id=redials[-1].touch_id)
    assert _state(engine, pid) == before_last

    # Three hours later the next call is a new attempt: the cadence moves on.
    later = _log(engine, bundle, pid, "no_answer", TUE + timedelta(hours=3))
    with Session(engine) as s:
        p = s.get(Prospect, pid)
        assert (p.attempts, p.cadence_step) == (2, 2)
        assert s.get(Touch, later.touch_id).counts_attempt
    assert not later.next_label.startswith("re-dial")


def test_the_spacing_is_the_planners(engine, bundle, make_prospect):
    """A call exactly ATTEMPT_SPACING after the attempt is the one the planner allows: it counts;
    a minute less is a re-dial."""
    pid = make_prospect(first="Sam", at=TUE, numbers=[("212-555-0123", "office")])
    _log(engine, bundle, pid, "no_answer", TUE)
    _log(engine, bundle, pid, "gatekeeper", TUE + ATTEMPT_SPACING - timedelta(minutes=1))
    _log(engine, bundle, pid, "no_answer", TUE + ATTEMPT_SPACING)
    with Session(engine) as s:
        assert [t.counts_attempt for t in s.exec(select(Touch).order_by(Touch.started_at))] \
            == [True, False, True]
        assert s.get(Prospect, pid).cadence_step == 2


def test_a_voicemail_or_a_call_after_a_callback_request_still_counts(engine, bundle,
                                                                     make_prospect):
    pid = make_prospect(first="Vic", at=TUE, numbers=[("212-555-0123", "office")])
    _log(engine, bundle, pid, "no_answer", TUE)
    vm = _log(engine, bundle, pid, "left_voicemail", TUE + timedelta(minutes=2))
    assert not vm.next_label.startswith("re-dial")  # it promised, and planned the day off
    other = make_prospect(first="Cal", at=TUE, numbers=[("212-555-0124", "office")])
    _log(engine, bundle, other, "callback_requested", TUE, callback="in 10 minutes")
    _log(engine, bundle, other, "no_answer", TUE + timedelta(minutes=10))
    with Session(engine) as s:
        assert s.get(Prospect, pid).attempts == 2
        assert s.get(Prospect, other).attempts == 2
        assert s.get(Prospect, other).cadence_step == 1


def test_re_dials_still_count_for_the_legal_24h_cap(engine, bundle, make_prospect):
    pid = make_prospect(first="Flo", region="FL", at=TUE, numbers=[("305-555-0101", "office")])
    for minutes in (0, 1, 2):
        _log(engine, bundle, pid, "no_answer", TUE + timedelta(minutes=minutes))
    with Session(engine) as s:
        assert s.get(Prospect, pid).attempts == 1
        ex = explain(s, bundle, prospect_id=pid, at=TUE + timedelta(hours=3))
    assert not ex.callable
    assert any("3" in r and "24" in r for r in ex.reasons)
