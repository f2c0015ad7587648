"""A rep's flow through the cockpit, from the key to what is stored and shown (issue 17)."""

from __future__ import annotations

import time

from textual.widgets import Input, Static

from dialer_tui.widgets.script_pane import ScriptPane, Stopwatch

from .conftest import make_app, settle, touches


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
