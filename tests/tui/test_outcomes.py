"""One-key outcomes against a real SQLite file: stored before the cockpit moves on, undoable."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select
from textual import events
from textual.widgets import Input

from dialer_tui.store.models import FU_CALLBACK, FollowUp, Prospect
from dialer_tui.widgets.dossier import DossierPane

from .conftest import make_app, screen_text, settle, touches


async def _answer_modal(pilot, app, outcome) -> None:
    """Fill the modal an outcome opens (callback time, referral form)."""
    if outcome.follow_up == "callback":
        app.screen.query_one("#callback-input", Input).value = "tomorrow 10am"
        await pilot.press("enter")
    elif outcome.asks:  # a meeting's time, a gatekeeper's "try Monday": optional
        await pilot.press("enter")
    elif outcome.creates_referral:
        app.screen.query_one("#ref-name", Input).value = "Robin Referral"
        app.screen.query_one("#ref-phone", Input).value = "(305) 555-0999"
        app.screen.query_one("#ref-phone", Input).focus()
        await pilot.press("enter")


async def test_every_outcome_key_stores_its_touch_and_moves_on(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        cockpit = app.screen
        for outcome in bundle.dispositions.outcomes:
            pid = cockpit.state.current_id
            assert pid is not None, f"no prospect selected before {outcome.name}"
            await pilot.press(outcome.key)
            await settle(pilot, app)
            await _answer_modal(pilot, app, outcome)
            await settle(pilot, app)
            stored = touches(many_engine, pid)
            assert stored and stored[0].outcome == outcome.name, outcome.name
            assert stored[0].rep == "tester"
            if outcome.is_call:
                assert stored[0].phone_e164.startswith("+1305555")
            assert cockpit.state.current_id != pid, f"{outcome.name} did not move on"
            ack = screen_text(app)
            assert f"Logged {outcome.label.lower()}" in ack
            assert app.focused is cockpit.query_one("#queue")  # the next prospect has the keys
        assert app.stats.dials == sum(o.is_call for o in bundle.dispositions.outcomes)
        with Session(many_engine) as s:
            referred = s.exec(select(Prospect).where(Prospect.first_name == "Robin")).one()
            assert referred.referrer_prospect_id is not None
            assert referred.referrer_name.startswith("P")


async def test_note_is_saved_on_the_touch(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        await pilot.press("5")
        await settle(pilot, app)
        await pilot.press("c")  # the note is opt-in
        assert app.focused is app.screen.query_one("#note", Input)
        app.screen.query_one("#note", Input).value = "asked for [bold]Tuesday[/]"
        await pilot.press("enter")
        await settle(pilot, app)
        assert touches(many_engine, pid)[0].note == "asked for [bold]Tuesday[/]"
        assert app.focused is app.screen.query_one("#queue")


async def test_enter_and_an_outcome_key_in_one_read_log_that_outcome(many_engine, bundle):
    """Fast fingers or a macro: with the note open, Enter (an empty note) and the next outcome
    key arrive together. The key is the next prospect's outcome, not the previous touch's note."""
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        first = app.screen.state.current_id
        await pilot.press("4")
        await settle(pilot, app)
        second = app.screen.state.current_id
        await pilot.press("c")
        assert app.focused is app.screen.query_one("#note", Input)
        app.post_message(events.Key("enter", "\r"))  # both queued before either is handled
        app.post_message(events.Key("5", "5"))
        await settle(pilot, app)
        assert [(t.outcome, t.note) for t in touches(many_engine, first)] == [
            ("left_voicemail", "")]
        assert [(t.outcome, t.note) for t in touches(many_engine, second)] == [("no_answer", "")]
        assert app.focused is app.screen.query_one("#queue")


async def test_a_note_typed_right_behind_c_is_the_note(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        await pilot.press("5")
        await settle(pilot, app)
        nxt = app.screen.state.current_id
        # c, the words and Enter queued behind one another, as fast typing delivers them:
        # "a" would add a number and "S" open stats if they reached the cockpit.
        for ch in "ccall back Tuesday":
            app.post_message(events.Key("space" if ch == " " else ch, ch))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot, app)
        assert app.screen.state.current_id == nxt  # nothing else happened
        assert touches(many_engine, pid)[0].note == "call back Tuesday"


async def test_outcome_keys_in_a_burst_land_on_three_prospects_and_no_note(many_engine, bundle):
    """`5 4 5` typed in one go: three touches, each on the prospect shown when its key came,
    and nothing typed into the note (no field the rep did not open takes a key)."""
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        queue = [it.prospect_id for it in app.screen.query_one("#queue").items[:3]]
        for key in "545":
            app.post_message(events.Key(key, key))  # all queued before the first is handled
        await settle(pilot, app)
        got = [[(t.outcome, t.note) for t in touches(many_engine, pid)] for pid in queue]
        assert got == [[("no_answer", "")], [("left_voicemail", "")], [("no_answer", "")]]
        assert app.screen.query_one("#note", Input).value == ""


async def test_undo_removes_the_touch_and_brings_the_prospect_back(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        await pilot.press("4")
        await settle(pilot, app)
        assert touches(many_engine, pid)
        await pilot.press("enter", "u")
        await settle(pilot, app)
        assert touches(many_engine, pid) == []
        assert app.screen.state.current_id == pid
        assert app.screen.query_one(DossierPane).view.prospect_id == pid
        assert app.stats.dials == 0
        with Session(many_engine) as s:
            assert s.get(Prospect, pid).attempts == 0


async def test_callback_outside_hours_is_snapped_with_a_visible_warning(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        cockpit = app.screen
        pid = cockpit.state.current_id
        name = cockpit.state.views[pid].dossier.prospect.name
        zone = cockpit.state.views[pid].dossier.zone
        await pilot.press("2")
        await settle(pilot, app)
        app.screen.query_one("#callback-input", Input).value = "tomorrow 11pm"
        await pilot.press("enter")
        await settle(pilot, app)
        text = screen_text(app)
        assert "outside the calling hours" in text, text
        assert f"Logged callback requested for {name}" in text
        with Session(engine) as s:
            fu = s.exec(select(FollowUp).where(FollowUp.prospect_id == pid,
                                               FollowUp.kind == FU_CALLBACK)).one()
        local = fu.due_start.astimezone(zone)
        # Asked for Wednesday 23:00 their time; stored at the next allowed slot, Thursday 08:00+.
        assert local.date() == datetime(2025, 3, 6).date() and 8 <= local.hour < 10
        assert fu.due_start > datetime(2025, 3, 6, 4, tzinfo=timezone.utc)


async def test_callback_words_that_make_no_sense_ask_again(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        await pilot.press("2")
        await settle(pilot, app)
        app.screen.query_one("#callback-input", Input).value = "when pigs fly"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen.query_one("#callback-input", Input).value == "when pigs fly"
        assert touches(engine, pid) == []
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen.state.current_id == pid
