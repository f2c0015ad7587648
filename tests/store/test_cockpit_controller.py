"""The cockpit's controller without Textual: a real SQLite file, the real bundle, a pinned clock.
What a rep's keys do to the state and the store, checked where the rep would check them."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import Session, select

from dialer_tui.services.cockpit_controller import (
    SNOOZE,
    Cockpit,
    Host,
    KeptLocally,
    Refused,
    Stored,
)
from dialer_tui.services.journal import Journal
from dialer_tui.store.models import Touch

from .conftest import add_prospect

# Tuesday 15:00 UTC: 10:00 in New York, callable.
AT = datetime(2025, 3, 4, 15, 0, tzinfo=timezone.utc)


def make_cockpit(engine, bundle, tmp_path: Path, clock: list[datetime]) -> Cockpit:
    return Cockpit(Host(engine=lambda: engine, bundle=bundle, rep="ana", now=lambda: clock[0],
                        journal=lambda: Journal(tmp_path / "journal.jsonl")))


def three(engine) -> list[int]:
    return [add_prospect(engine, first=name, numbers=[(num, "mobile")], at=AT, priority=p)
            for name, num, p in (("Ann", "212-736-5000", 3), ("Bob", "212-736-5001", 2),
                                 ("Cat", "212-736-5002", 1))]


def test_the_cockpit_module_needs_no_textual():
    import subprocess

    code = ("import sys, dialer_tui.services.cockpit_controller, dialer_tui.services.queue_window;"
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_outcome_is_stored_undone_and_the_queue_arranged(engine, bundle, tmp_path):
    ann, bob, cat = three(engine)
    clock = [AT]
    c = make_cockpit(engine, bundle, tmp_path, clock)
    items, _total = c.read_queue(10)
    assert [it.prospect_id for it in items] == [ann, bob, cat]
    assert c.select(items[0]) is None  # nothing read yet: the screen reads it
    view = c.read_view(ann)
    assert view is not None and c.remember(ann, view)
    c.shown(view)
    assert c.state.phone == "+12127365000" and c.who() == "Ann Test"

    result = c.log(bundle.dispositions.get("no_answer"))
    assert isinstance(result, Stored) and result.undo.prospect_id == ann
    assert c.state.note_touch == result.logged.touch_id
    with Session(engine) as s:
        stored = s.exec(select(Touch).where(Touch.prospect_id == ann)).all()
    assert [t.outcome for t in stored] == ["no_answer"]
    assert [t.phone_e164 for t in stored] == ["+12127365000"]

    undone = c.undo()
    assert undone is not None and not isinstance(undone, str) and undone.prospect_id == ann
    assert c.state.note_touch is None
    with Session(engine) as s:
        assert s.exec(select(Touch).where(Touch.prospect_id == ann)).all() == []
    assert c.undo() is None  # nothing left to undo


def test_skip_goes_to_the_back_and_snooze_hides_for_an_hour(engine, bundle, tmp_path):
    ann, bob, cat = three(engine)
    clock = [AT]
    c = make_cockpit(engine, bundle, tmp_path, clock)
    items, _ = c.read_queue(10)
    c.select(items[0])
    c.skip()
    c.select(items[1])
    assert c.snooze()
    assert [it.prospect_id for it in c.arrange(items, AT)] == [cat, ann]
    clock[0] = AT + SNOOZE + timedelta(seconds=1)
    assert [it.prospect_id for it in c.arrange(items, clock[0])] == [bob, cat, ann]


def test_next_number_cycles_only_dialable_numbers(engine, bundle, tmp_path):
    pid = add_prospect(engine, first="Dee", at=AT,
                       numbers=[("212-736-5000", "mobile"), ("212-736-5009", "direct")])
    c = make_cockpit(engine, bundle, tmp_path, [AT])
    c.select(None, pid)
    c.remember(pid, c.read_view(pid))
    c.shown(c.view())
    first = c.state.phone
    phone, said = c.next_number()
    assert phone and phone != first and phone in said
    assert c.state.chosen[pid] == phone
    view = c.read_view(pid)  # judged again for the chosen number
    assert view is not None and view.explanation.phone == phone


def test_a_bad_callback_time_is_refused_and_nothing_stored(engine, bundle, tmp_path):
    ann, _bob, _cat = three(engine)
    c = make_cockpit(engine, bundle, tmp_path, [AT])
    c.select(None, ann)
    result = c.log(bundle.dispositions.get("callback_requested"), callback="whenever")
    assert isinstance(result, Refused) and "whenever" in result.said
    with Session(engine) as s:
        assert s.exec(select(Touch)).all() == []
    assert c.state.undo_stack == []


def test_a_database_that_cannot_write_keeps_the_outcome_in_the_journal(engine, bundle,
                                                                       tmp_path):
    ann, _bob, _cat = three(engine)
    c = make_cockpit(engine, bundle, tmp_path, [AT])
    c.select(None, ann)
    with engine.begin() as conn:  # the store refuses every touch from now on
        conn.exec_driver_sql("CREATE TRIGGER no_touch BEFORE INSERT ON touch "
                             "BEGIN SELECT RAISE(ABORT, 'disk is full'); END")
    result = c.log(bundle.dispositions.get("no_answer"))
    assert isinstance(result, KeptLocally) and "disk is full" in result.said
    kept = Journal(tmp_path / "journal.jsonl").pending()
    assert [(p.prospect_id, p.outcome) for p in kept] == [(ann, "no_answer")]
    assert c.state.undo_stack == []  # nothing in the store to undo
