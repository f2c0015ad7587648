"""The demo database: the shipped demo prospects plus a few days of believable history, so the
queue has callbacks, promises and cadence steps due when the demo opens."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dialer_tui.config import DATA_DIR
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.calling import OutcomeError, log_outcome
from dialer_tui.services.targets import zone_of
from dialer_tui.store import repo
from dialer_tui.store.models import Prospect

# (business days ago, outcome, note, callback) scripted for some prospects, oldest first. The
# last touches are recent, so promises and callbacks fall due around the day the demo opens.
_SCRIPTS = [
    [(5, "left_voicemail", "VM: value, mentioned the plant expansion", None),
     (5, "email_sent", "Sent the case study", None),
     (2, "no_answer", "", None)],
    [(3, "gatekeeper", "Assistant says he's at the Dallas site Tue-Wed", None),
     (1, "left_voicemail", "Promised a call back", None)],
    [(1, "callback_requested", "Busy with the audit; asked for a call back", "tomorrow 10am")],
    [(7, "left_voicemail", "", None), (7, "email_sent", "", None),
     (4, "linkedin", "Connected", None), (2, "left_voicemail", "Second VM, promise", None)],
    [(2, "not_interested", "Happy with current vendor; revisit next quarter", None)],
    [(4, "no_answer", "", None), (1, "left_voicemail", "", None)],
]

# Who "you" are in the demo, when settings.yaml does not say.
DEMO_REP = {"rep_name": "Sam Rivera", "rep_company": "Northwind Supply",
            "rep_mobile": "+1 416 555 0199"}


def demo_bundle(bundle: Bundle) -> Bundle:
    """The bundle with a demo rep filled in where the user's settings leave it empty. One rep
    works the demo list: every callback in it is theirs to see, whoever seeded it."""
    missing = {k: v for k, v in DEMO_REP.items() if not getattr(bundle.settings, k)}
    return replace(bundle, settings=bundle.settings.model_copy(
        update={**missing, "callbacks_mine_only": False}))


def demo_rep(bundle: Bundle) -> str:
    """The rep the demo opens as, and seeds its history as."""
    return bundle.settings.rep_name or "demo"


def _business_days_ago(now: datetime, days: int) -> datetime:
    at = now
    while days > 0:
        at -= timedelta(days=1)
        if at.weekday() < 5:
            days -= 1
    return at


def seed_demo(engine: Engine, bundle: Bundle, *, now: datetime, seed: int = 7) -> int:
    """Import the demo prospects and script a little history; 0 if the database has data."""
    from dialer_tui.services.importer import import_csv

    with Session(engine) as s:
        if s.exec(select(func.count()).select_from(Prospect)).one():
            return 0
    result = import_csv(engine, DATA_DIR / "demo_prospects.csv", region="US", source="demo",
                        now=now - timedelta(days=14))
    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as s:
        ids = list(s.exec(select(Prospect.id).order_by(col(Prospect.id))))
        chosen = rng.sample(ids, min(len(ids), len(_SCRIPTS) * 2))
        for pid, script in zip(chosen, _SCRIPTS * 2, strict=False):
            prospect = s.get(Prospect, pid)
            phones = repo.phones_of(s, prospect_ids=[pid]).get(pid, [])
            zone = zone_of(bundle.rules, prospect, phones[0] if phones else None)
            for days_ago, outcome, note, callback in script:
                # Mid-morning to mid-afternoon in the prospect's own day.
                day = _business_days_ago(now, days_ago).astimezone(zone)
                at = day.replace(hour=rng.randrange(9, 16), minute=rng.randrange(60), second=0,
                                 microsecond=0)
                if at >= now:
                    continue
                try:
                    log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at, note=note,  # type: ignore[arg-type]
                                callback=callback, rep=demo_rep(bundle))
                except OutcomeError:
                    continue  # e.g. an email-only demo prospect: skip that step
    return result.imported
