"""The callback form (outcome 2) shows, while the rep types, the slot the words mean in the
prospect's time and the slot that will be stored after moving it into calling hours; after Enter
the stored callback is that slot (issue 17, time entry). The real app, a real SQLite file."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from dialer_tui.store.models import FU_CALLBACK, FollowUp

from .conftest import make_app, screen_text, settle, touches

UTC = timezone.utc


async def type_words(pilot, words: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in words])


def stored_callback(engine, pid: int) -> FollowUp:
    with Session(engine) as s:
        return s.exec(select(FollowUp).where(FollowUp.prospect_id == pid,
                                             FollowUp.kind == FU_CALLBACK)).one()


async def open_form(pilot, app) -> tuple[int, str]:
    await settle(pilot, app)
    cockpit = app.screen
    pid = cockpit.state.current_id
    view = cockpit.state.views[pid]
    await pilot.press("2")
    await settle(pilot, app)  # the form looks up the prospect's calling hours once
    return pid, view.dossier.prospect.name


async def test_the_snapped_slot_is_previewed_before_enter_and_is_what_is_stored(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        pid, name = await open_form(pilot, app)
        # PINNED is Tuesday 10:00 in Miami. Florida's 08:00 in its Central panhandle is 09:00
        # in Miami, so Thursday 07:30 cannot be called: the form says so before Enter.
        assert name == "Dana Whitfield"
        await type_words(pilot, "thu 7:30am")
        await pilot.pause()
        text = screen_text(app)
        assert "Asked for: Thu 06 Mar 2025 07:30 their time (America/New_York)" in text, text
        assert "Stored:    Thu 06 Mar 2025 09:00 their time" in text, text
        assert "Thu 07:30 is outside the calling hours (before they open)" in text, text
        assert "moved to Thu 06 Mar 09:00" in text, text
        assert touches(engine, pid) == []  # nothing stored while typing
        await pilot.press("enter")
        await settle(pilot, app)
        fu = stored_callback(engine, pid)
        assert fu.due_start.astimezone(UTC) == datetime(2025, 3, 6, 14, 0, tzinfo=UTC)
        assert [t.outcome for t in touches(engine, pid)] == ["callback_requested"]


async def test_a_bare_hour_is_previewed_as_the_hour_in_calling_hours_and_stored(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        pid, _ = await open_form(pilot, app)
        await type_words(pilot, "at 3")
        await pilot.pause()
        text = screen_text(app)
        assert "Asked for: Tue 04 Mar 2025 15:00 their time" in text, text
        assert "'3' read as 15:00: the next 3 o'clock in calling hours" in text, text
        assert "Stored:    as said, inside their calling hours" in text, text
        await pilot.press("enter")
        await settle(pilot, app)
        fu = stored_callback(engine, pid)
        assert fu.due_start.astimezone(UTC) == datetime(2025, 3, 4, 20, 0, tzinfo=UTC)


async def test_the_preview_says_which_way_round_a_numeric_date_was_read(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        pid, _ = await open_form(pilot, app)
        await type_words(pilot, "4/3 2pm")
        await pilot.pause()
        text = screen_text(app)
        assert "'4/3' read as month/day (region US): 03 April 2025" in text, text
        assert "Asked for: Thu 03 Apr 2025 14:00" in text, text
        await pilot.press("enter")
        await settle(pilot, app)
        assert stored_callback(engine, pid).due_start.astimezone(UTC) == datetime(
            2025, 4, 3, 18, 0, tzinfo=UTC)


async def test_words_it_cannot_read_are_named_and_enter_keeps_the_form(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        pid, _ = await open_form(pilot, app)
        await type_words(pilot, "thu 9 bananas")
        await pilot.press("enter")
        await settle(pilot, app)
        text = screen_text(app)
        assert "cannot read 'bananas'" in text and "'jan 20 9am'" in text, text
        assert app.screen.query_one("#callback-input").value == "thu 9 bananas"
        assert touches(engine, pid) == []
