"""The demo database: the shipped demo prospects plus a few days of believable history, so the
queue has callbacks, promises and cadence steps due when the demo opens."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dialer_tui.config import DATA_DIR
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.calling import OutcomeError, log_outcome
from dialer_tui.store.models import Prospect

# (days ago, outcome, note, callback) scripted for some prospects, oldest first.
_SCRIPTS = [
    [(6, "left_voicemail", "VM: value, mentioned the plant expansion", None),
     (6, "email_sent", "Sent the case study", None),
     (3, "no_answer", "", None)],
    [(4, "gatekeeper", "Assistant says he's at the Dallas site Tue-Wed", None),
     (2, "left_voicemail", "Promised a call back", None)],
    [(3, "callback_requested", "Busy with the audit; asked for a call back", "in 3 days")],
    [(8, "left_voicemail", "", None), (8, "email_sent", "", None),
     (5, "linkedin", "Connected", None), (3, "left_voicemail", "Second VM, promise", None)],
    [(2, "not_interested", "Happy with current vendor; revisit next quarter", None)],
    [(5, "no_answer", "", None), (1, "left_voicemail", "", None)],
]


def seed_demo(engine: Engine, bundle: Bundle, *, now: datetime, seed: int = 7) -> int:
    """Import the demo prospects and script a little history; 0 if the database has data."""
    from dialer_tui.services.importer import import_csv

    with Session(engine) as s:
        if s.exec(select(func.count()).select_from(Prospect)).one():
            return 0
    result = import_csv(engine, DATA_DIR / "demo_prospects.csv", region="US", source="demo",
                        now=now - timedelta(days=10))
    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as s:
        ids = list(s.exec(select(Prospect.id).order_by(col(Prospect.id))))
        for pid, script in zip(rng.sample(ids, min(len(ids), len(_SCRIPTS) * 2)),
                               _SCRIPTS * 2):
            for days_ago, outcome, note, callback in script:
                at = (now - timedelta(days=days_ago)).replace(minute=rng.randrange(60))
                try:
                    log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at, note=note,
                                callback=callback, rep="demo")  # type: ignore[arg-type]
                except OutcomeError:
                    continue  # e.g. an email-only demo prospect: skip that step
    return result.imported
