"""The demo shows the rep who opens it every kind of queue entry (issue 17: its callbacks were
seeded for rep "demo" and hidden from the settings' rep by callbacks_mine_only)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from sqlmodel import Session

from dialer_tui.services.demo import demo_bundle, demo_rep, seed_demo
from dialer_tui.services.queue import build_queue

# Wednesday 3 March 2027, 16:00 UTC: 11:00 in New York, 08:00 in Los Angeles.
WED = datetime(2027, 3, 3, 16, 0, tzinfo=timezone.utc)


def test_the_demo_queue_has_callbacks_promises_tasks_and_new_for_the_settings_rep(engine,
                                                                                  bundle):
    named = replace(bundle, settings=bundle.settings.model_copy(update={"rep_name": "Alex"}))
    demo = demo_bundle(named)
    assert demo_rep(demo) == "Alex"
    assert seed_demo(engine, demo, now=WED) > 0
    with Session(engine) as s:
        items = build_queue(s, demo, at=WED, limit=300, rep=demo_rep(demo))
    reasons = {it.reason for it in items}
    assert {"callback", "promised", "cadence", "new"} <= reasons, reasons
    assert any(it.channel != "call" for it in items)  # an email or LinkedIn task
