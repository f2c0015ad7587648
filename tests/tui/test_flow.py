"""A rep's flow through the cockpit, from the key to what is stored and shown (issue 17)."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import Session, select
from textual.widgets import Input, Static

from dialer_tui.store.models import Prospect
from dialer_tui.widgets.queue_list import QueueList
from dialer_tui.widgets.script_pane import ScriptPane, Stopwatch

from .conftest import make_app, screen_text, settle, touches


async def test_voicemail_length_and_objection_answer_go_on_the_touch(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        cockpit = app.screen
        pid = cockpit.state.current_id
        await pilot.press("v")  # the voicemail stopwatch
        watch = cockpit.query_one(Stopwatch)
        assert watch.running
        watch.started = time.monotonic() - 33  # 33 s of message, without waiting for them
        await pilot.press("o")
        await pilot.press(*"busy")
        await pilot.press("enter")  # the answer to "too busy" opens
        await settle(pilot, app)
        answer = str(cockpit.query_one("#objection-answer", Static).render())
        assert answer.strip()
        await pilot.press("escape")  # back to the queue
        await pilot.press("4")
        await settle(pilot, app)
        [touch] = touches(many_engine, pid)
        assert touch.outcome == "left_voicemail"
        assert 33 <= touch.duration_s <= 35  # the stopwatch still ran while the keys went in
        assert touch.objection_id in bundle.playbook.objections


async def test_each_prospect_opens_the_script_at_the_top(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        cockpit = app.screen
        pane = cockpit.query_one(ScriptPane)
        await pilot.press("v")
        await pilot.press("o")
        await pilot.press(*"busy", "enter")
        await settle(pilot, app)
        assert pane.scroll_y > 0  # scrolled down to the answer
        await pilot.press("escape")
        await pilot.press("5")
        await settle(pilot, app)
        assert pane.scroll_y == 0  # opener, voicemail and stopwatch in view
        assert cockpit.query_one("#objection-filter", Input).value == ""
        assert str(cockpit.query_one("#objection-answer", Static).render()).strip() == ""
        assert not cockpit.query_one(Stopwatch).running
        assert cockpit.query_one(Stopwatch).seconds() is None


async def test_c_in_a_text_box_is_a_letter_not_the_note(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("5")
        await settle(pilot, app)
        await pilot.press("o", *"cost")
        box = app.screen.query_one("#objection-filter", Input)
        assert app.focused is box and box.value == "cost"


async def test_a_snooze_outlives_a_restart(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        snoozed = app.screen.state.current_id
        await pilot.press("z")
        await settle(pilot, app)
        assert "Snoozed for an hour" in screen_text(app)
    again = make_app(many_engine, bundle)  # the same clock: the hour is not over
    async with again.run_test(size=(120, 35)) as pilot:
        await settle(pilot, again)
        queue = again.screen.query_one(QueueList)
        assert snoozed not in [it.prospect_id for it in queue.items]
        assert again.screen.state.current_id != snoozed


async def test_f_filters_calls_and_tasks_and_y_copies_the_task(many_engine, bundle):
    from dialer_tui.services.calling import log_outcome

    from .conftest import PINNED

    with Session(many_engine) as s:  # a voicemail yesterday: the cadence's email is due now
        pid = s.exec(select(Prospect.id).where(Prospect.first_name == "P00")).one()
        log_outcome(s, bundle, prospect_id=pid, outcome="left_voicemail",
                    at=PINNED - timedelta(days=1))
    copied: list[str] = []
    app = make_app(many_engine, bundle)
    app.copy_to_clipboard = copied.append
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        queue = app.screen.query_one(QueueList)
        channels = {it.channel for it in queue.items}
        assert "call" in channels and channels - {"call"}  # both kinds before filtering
        await pilot.press("f")
        await settle(pilot, app)
        assert {it.channel for it in queue.items} == {"call"}
        assert "queue 15 (calls)" in screen_text(app)
        await pilot.press("f")
        await settle(pilot, app)
        assert [it.prospect_id for it in queue.items] == [pid]  # the email task only
        assert app.screen.state.current_id == pid
        await pilot.press("y")
        task = app.screen.cockpit.view().task
        assert task is not None and task.channel == "email"
        assert copied == [(f"{task.subject.text}\n\n" if task.subject else "") + task.text.text]
        assert "Copied the email text" in screen_text(app)
        await pilot.press("f")
        await settle(pilot, app)
        assert len(queue.items) == 16


async def test_skip_says_so(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("s")
        await settle(pilot, app)
        assert "Skipped P00 Tester: back at the end of the queue" in screen_text(app)


async def test_an_unknown_inbound_number_becomes_a_prospect(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"(617) 555-0199")
        await settle(pilot, app)
        assert "Enter: add +1 617-555-0199 as a new prospect" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot, app)
        pid = app.screen.state.current_id
        with Session(many_engine) as s:
            new = s.get(Prospect, pid)
            assert new is not None and new.source == "inbound" and new.country == "US"
        assert "Added +16175550199 as a new prospect" in screen_text(app)
        assert "+1 617-555-0199" in screen_text(app)  # its dossier, with the number


async def test_a_meeting_keeps_its_time_and_a_gatekeeper_moves_the_next_call(many_engine,
                                                                             bundle, tmp_path):
    from dialer_tui.services.calendar import export_callbacks
    from dialer_tui.store.models import FollowUp

    from .conftest import PINNED

    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        met = app.screen.state.current_id
        await pilot.press("1")
        await settle(pilot, app)
        await pilot.press(*"thu 2pm")  # Thursday 14:00 in Miami: the meeting, as agreed
        await settle(pilot, app)
        assert "as said (a meeting, not a call)" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot, app)
        gk = app.screen.state.current_id
        await pilot.press("6")
        await settle(pilot, app)
        await pilot.press(*"mon 10am", "enter")  # the assistant: "try Monday"
        await settle(pilot, app)
    [meeting] = touches(many_engine, met)
    assert meeting.outcome == "meeting_booked"
    assert meeting.promised_start is not None
    assert meeting.promised_start.isoformat() == "2025-03-06T19:00:00+00:00"  # 14:00 EST
    ics = tmp_path / "agenda.ics"
    export_callbacks(many_engine, ics, bundle, now=PINNED)
    assert "SUMMARY:Meeting: P00 Tester (Company 00)" in ics.read_text()
    with Session(many_engine) as s:
        advised = s.exec(select(FollowUp).where(FollowUp.prospect_id == gk,
                                                FollowUp.kind == "callback")).one()
    # Monday 10 March, 10:00 in Miami (daylight saving time from 9 March): 14:00 UTC.
    assert advised.due_start.isoformat() == "2025-03-10T14:00:00+00:00"
    assert "gatekeeper" in advised.label


async def test_a_number_added_to_a_londoner_is_read_as_a_london_number(db_path, tmp_path,
                                                                      bundle):
    from dialer_tui.store.engine import make_engine
    from dialer_tui.store.models import PhoneNumber

    from .conftest import PINNED, _import, write_csv

    engine = make_engine(db_path)
    _import(engine, write_csv(tmp_path / "uk.csv", [
        "Oliver,Hughes,CFO,Thames Ltd,Finance,London,,GB,o@thames.example,,"
        "+44 20 7946 0018,,,5"]))
    app = make_app(engine, bundle, clock=lambda: PINNED.replace(hour=11))  # 11:00 in London
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        assert pid is not None
        await pilot.press("a")
        await settle(pilot, app)
        await pilot.press(*"020 7946 0123", "enter")  # national format, as a Londoner says it
        await settle(pilot, app)
    with Session(engine) as s:
        numbers = {p.e164 for p in s.exec(select(PhoneNumber).where(
            PhoneNumber.prospect_id == pid))}
    engine.dispose()
    assert "+442079460123" in numbers


async def test_shift_arrows_scroll_the_script_from_the_queue(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pane = app.screen.query_one(ScriptPane)
        assert pane.scroll_y == 0
        await pilot.press("shift+down")
        await settle(pilot, app)
        assert pane.scroll_y > 0 and app.focused is app.screen.query_one(QueueList)
        await pilot.press("shift+up")
        await settle(pilot, app)
        assert pane.scroll_y == 0
