"""The promise a voicemail speaks is the promise recorded (issue: "tomorrow around midday" said,
"Thursday morning" recorded), and a voicemail that promises nothing records no promise."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from dialer_tui.services.calling import log_outcome
from dialer_tui.services.cockpit import load_view
from dialer_tui.store.models import FU_PROMISE, FollowUp, Touch

# A Monday, 14:00 UTC (09:00 in New York).
MON = datetime(2025, 3, 3, 14, 0, tzinfo=timezone.utc)


def _promises(engine, pid: int) -> list[FollowUp]:
    with Session(engine) as s:
        return list(s.exec(select(FollowUp).where(FollowUp.prospect_id == pid,
                                                  FollowUp.kind == FU_PROMISE)))


def _view(engine, bundle, pid, at):
    with Session(engine, expire_on_commit=False) as s:
        return load_view(s, bundle, prospect_id=pid, at=at)


def _leave_voicemail(engine, bundle, pid, at, template: str):
    with Session(engine) as s:
        return log_outcome(s, bundle, prospect_id=pid, outcome="left_voicemail", at=at,
                           template_id=template)


@pytest.mark.parametrize("hours", [0, 2.5, 4, 6.5])  # morning, midday, afternoon attempts
def test_the_slot_the_script_promises_is_the_slot_recorded(engine, bundle, make_prospect,
                                                           hours):
    pid = make_prospect(first="Ann", numbers=[("212-736-5000", "direct")], at=MON)
    at = MON
    # Earlier calls at different parts of the day: the planner rotates away from them. The
    # script used to plan without them and promise a slot the log then did not record.
    for outcome, later in (("no_answer", timedelta(hours=0)), ("no_answer", timedelta(days=2,
                                                                                     hours=5))):
        with Session(engine) as s:
            log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at + later)
    at = MON + timedelta(days=7, hours=hours)
    view = _view(engine, bundle, pid, at)
    assert view is not None and view.script.voicemail_id == "promise"
    said = view.next_attempt
    assert said and said in view.script.voicemail.text  # the words read out
    logged = _leave_voicemail(engine, bundle, pid, at, view.script.voicemail_id)
    assert logged.next_label == said
    with Session(engine) as s:
        touch = s.get(Touch, logged.touch_id)
        assert touch is not None and touch.promised_label == said
    [promise] = [f for f in _promises(engine, pid) if f.touch_id == logged.touch_id]
    assert promise.label.split()[0] in said or said.startswith(("today", "tomorrow"))


def test_a_first_value_voicemail_records_no_promise(engine, bundle, make_prospect):
    pid = make_prospect(first="Bo", numbers=[("212-736-5001", "direct")], at=MON)
    view = _view(engine, bundle, pid, MON)
    assert view is not None and view.script.voicemail_id == "value"
    assert "try you again" not in view.script.voicemail.text
    logged = _leave_voicemail(engine, bundle, pid, MON, "value")
    assert _promises(engine, pid) == []
    with Session(engine) as s:
        touch = s.get(Touch, logged.touch_id)
        assert touch is not None and touch.promised_label == "" and touch.promised_start is None
    assert logged.next_label  # the cadence still plans the next attempt


def test_a_voicemail_logged_without_a_script_is_taken_as_promised(engine, bundle, make_prospect):
    pid = make_prospect(first="Cy", numbers=[("212-736-5002", "direct")], at=MON)
    _leave_voicemail(engine, bundle, pid, MON, "")  # `dialer-tui log ID left_voicemail`
    assert len(_promises(engine, pid)) == 1


def test_a_missed_promise_is_flagged_in_the_queue_and_the_dossier(engine, bundle, make_prospect):
    from dialer_tui.services.queue import build_queue
    from dialer_tui.services.review import dossier
    from dialer_tui.widgets.queue_list import QueueList

    pid = make_prospect(first="Di", numbers=[("212-736-5003", "direct")], at=MON)
    _leave_voicemail(engine, bundle, pid, MON, "")  # a promise for a later day
    [promise] = _promises(engine, pid)
    on_time = promise.due_start + timedelta(minutes=5)
    late = (promise.due_end or promise.due_start) + timedelta(days=17)
    late = late.replace(hour=15)  # a weekday afternoon in New York, 17 days on
    while late.weekday() >= 5:
        late += timedelta(days=1)
    with Session(engine, expire_on_commit=False) as s:
        [item] = [it for it in build_queue(s, bundle, at=on_time, limit=10) if it.prospect_id == pid]
        assert item.reason == "promised" and not item.missed
        [item] = [it for it in build_queue(s, bundle, at=late, limit=10) if it.prospect_id == pid]
        assert item.missed and item.detail.startswith("MISSED: promised")
        assert QueueList._row_of(item, late)[0] == "promised!"
        d = dossier(s, bundle, prospect_id=pid, at=late)
        assert d is not None and [f.status for f in d.follow_ups if f.kind == "promise"] == [
            "missed"]
