"""Team mode in the cockpit: the prospect on screen is leased to the rep, so another rep's
cockpit never shows it; a prospect another rep already holds is skipped, never dialled twice."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from dialer_tui.services.queue import build_queue
from dialer_tui.store.models import Prospect

from .conftest import PINNED, make_app, settle


async def test_the_prospect_on_screen_is_leased_and_hidden_from_other_reps(many_engine, bundle):
    app = make_app(many_engine, bundle)  # rep "tester"
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        shown = app.screen.current_id
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
        assert app.screen.current_id not in (shown, nxt)
        with Session(many_engine) as s:
            assert s.get(Prospect, nxt).claimed_by == "bob"  # untouched
