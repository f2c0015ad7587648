"""Team mode in the cockpit: the prospect on screen is leased to the rep, so another rep's
cockpit never shows it; a prospect another rep already holds is skipped, never dialled twice."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from dialer_tui.services.queue import build_queue
from dialer_tui.store.models import Prospect

from .conftest import PINNED, make_app, screen_text, settle


async def test_the_prospect_on_screen_is_leased_and_hidden_from_other_reps(many_engine, bundle):
    app = make_app(many_engine, bundle)  # rep "tester"
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        shown = app.screen.state.current_id
        with Session(many_engine) as s:
            p = s.get(Prospect, shown)
            assert p.claimed_by == "tester" and p.claim_expires_at > PINNED
            others = [i.prospect_id for i in build_queue(s, bundle, at=PINNED, rep="bob")]
        assert shown not in others and others

        # Bob holds the next one: moving on skips it instead of showing it.
        nxt = app.screen.query_one("#queue").items[1].prospect_id
        with Session(many_engine) as s:
            q = s.get(Prospect, nxt)
            q.claimed_by, q.claim_expires_at = "bob", PINNED + timedelta(minutes=10)
            s.add(q)
            s.commit()
        await pilot.press("s")
        await settle(pilot, app)
        await settle(pilot, app)
        assert app.screen.state.current_id not in (shown, nxt)
        with Session(many_engine) as s:
            assert s.get(Prospect, nxt).claimed_by == "bob"  # untouched


async def test_another_reps_outcome_shows_in_this_queue_within_seconds(many_engine, bundle,
                                                                        monkeypatch):
    from dialer_tui.services import queue_window
    from dialer_tui.services.calling import log_outcome

    monkeypatch.setattr(queue_window, "POLL_S", 0.2)
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        queue = app.screen.query_one("#queue")
        theirs = queue.items[3].prospect_id
        await pilot.pause(0.5)  # the first poll records where the store stands
        with Session(many_engine, expire_on_commit=False) as s:  # another rep, another process
            log_outcome(s, bundle, prospect_id=theirs, outcome="not_interested", at=PINNED,
                        rep="bob")
        for _ in range(30):
            await pilot.pause(0.2)
            await settle(pilot, app)
            if theirs not in [i.prospect_id for i in queue.items]:
                break
        assert theirs not in [i.prospect_id for i in queue.items]


def _holder(engine, pid: int) -> str:
    with Session(engine) as s:
        return s.get(Prospect, pid).claimed_by


async def test_browsing_leases_nothing_and_moving_on_lets_go(many_engine, bundle, monkeypatch):
    from dialer_tui.screens import cockpit_lease

    monkeypatch.setattr(cockpit_lease, "LEASE_AFTER_S", 0.5)
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.7)
        first = app.screen.state.current_id
        assert _holder(many_engine, first) == "tester"
        await pilot.press("down", "down", "down")  # passing over rows
        await settle(pilot, app)
        rows = [it.prospect_id for it in app.screen.query_one("#queue").items[:4]]
        assert [_holder(many_engine, pid) for pid in rows] == ["", "", "", ""]
        await pilot.pause(0.7)  # stays on the fourth: now it is leased
        await settle(pilot, app)
        assert [_holder(many_engine, pid) for pid in rows] == ["", "", "", "tester"]


async def test_a_lease_lost_mid_call_is_said_and_the_prospect_stays(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        assert _holder(many_engine, pid) == "tester"
        with Session(many_engine) as s:  # bob took it over (the lease ran out meanwhile)
            p = s.get(Prospect, pid)
            p.claimed_by, p.claim_expires_at = "bob", PINNED + timedelta(minutes=10)
            s.add(p)
            s.commit()
        app.screen.lease.renew()  # the heartbeat
        await settle(pilot, app)
        assert app.screen.state.current_id == pid  # never changed under the rep
        assert "bob holds this prospect now: d will not dial it" in screen_text(app)
        await pilot.press("d")
        await settle(pilot, app)
        assert "Not dialled: bob holds this prospect" in screen_text(app)


async def test_quitting_lets_go_of_the_lease(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        assert _holder(many_engine, pid) == "tester"
        await pilot.press("ctrl+q")
    assert _holder(many_engine, pid) == ""


async def test_undo_brings_the_prospect_back_and_it_is_leased_again(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        await pilot.press("5")
        await settle(pilot, app)
        await pilot.press("u")  # the row's version moved twice since the queue read it
        await settle(pilot, app)
        await settle(pilot, app)
        assert app.screen.state.current_id == pid
        assert _holder(many_engine, pid) == "tester"
