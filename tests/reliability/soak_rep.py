"""One simulated rep of the team soak (test_team_soak.py), run as its own process:

    python soak_rep.py URL REP FOLDER T0 SEED

Loops claim_next -> a short "call" -> log_outcome on the shared PostgreSQL list, as the cockpit
does: an outcome the database cannot take (its connection killed) goes to the rep's local
journal (services/journal.py) and counts as acknowledged, and the journal is replayed every
couple of seconds; while the server is down (restarting) claims fail and are retried. A
(re)start (waiting for the server if it is down) replays the journal and releases the rep's leases, as a cockpit
recovering from a crash; the FOLDER/stop file ends the loop the same way. Every event is one
JSON line in FOLDER/events-REP.jsonl (times from time.time(): one machine, one clock); `ack`
lines are written only once the outcome is committed or in the journal. The instant the rules
are judged at runs from a fixed Tuesday 10:00 in New York, T0 being its wall-clock start."""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dialer_tui.errors import StoreError
from dialer_tui.services.bundle import load_bundle
from dialer_tui.services.calling import OutcomeError, log_outcome
from dialer_tui.services.journal import Journal, Pending, first_line
from dialer_tui.services.queue import claim_next
from dialer_tui.store.engine import make_engine
from dialer_tui.store.repo import release_leases

AT0 = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
CALL_OUTCOMES = (["no_answer"] * 10 + ["left_voicemail"] * 4 + ["gatekeeper"] * 2
                 + ["not_interested", "do_not_call", "meeting_booked", "callback_requested"])
TASK_OUTCOMES = {"email": "email_sent", "linkedin": "linkedin", "letter": "letter",
                 "visit": "visit"}


def _open(url: str):
    """make_engine, waiting for a server that is restarting (a rep started again while it is
    down, as a rep would start the cockpit again a little later); gives up after a minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return make_engine(url)
        except (SQLAlchemyError, StoreError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(url: str, rep: str, folder: Path, t0: float, seed: int) -> int:
    rng = random.Random(seed)
    events = (folder / f"events-{rep}.jsonl").open("a", buffering=1, encoding="utf-8")

    def ev(**kw) -> None:
        events.write(json.dumps(kw) + "\n")

    def at() -> datetime:
        return AT0 + timedelta(seconds=time.time() - t0)

    engine, bundle = _open(url), load_bundle(None)
    journal = Journal(folder / f"journal-{rep}.jsonl")

    def settle() -> None:
        """Replay the journal and let go of this rep's leases (a cockpit's start and quit)."""
        while True:
            try:
                written, left, _ = journal.replay(engine, bundle)
                if written:
                    ev(e="replayed", t0=time.time(), n=written)
                if left == 0:
                    with Session(engine) as s:
                        release_leases(s, rep=rep)
                    return
            except SQLAlchemyError:
                pass
            time.sleep(0.2)

    settle()
    ev(e="start", t0=time.time())
    stop, last_replay = folder / "stop", time.monotonic()
    while not stop.exists():
        if time.monotonic() - last_replay > 2:
            last_replay = time.monotonic()
            try:
                written, _, _ = journal.replay(engine, bundle)
                if written:
                    ev(e="replayed", t0=time.time(), n=written)
            except SQLAlchemyError:
                pass
        start = time.time()
        try:
            with Session(engine) as s:
                item = claim_next(s, bundle, rep=rep, at=at(), lease_minutes=1)
        except SQLAlchemyError as exc:
            ev(e="err", w="claim", t0=start, m=first_line(exc)[:120])
            time.sleep(0.05)
            continue
        end = time.time()
        if item is None:
            ev(e="none", t0=start, ms=(end - start) * 1000)
            time.sleep(0.2)
            continue
        ev(e="claim", p=item.prospect_id, t0=start, t1=end, ch=item.channel,
           ms=(end - start) * 1000)
        time.sleep(rng.uniform(0.02, 0.2))  # the call, or writing the email
        outcome = (rng.choice(CALL_OUTCOMES) if item.channel == "call"
                   else TASK_OUTCOMES.get(item.channel, "email_sent"))
        callback = "in 2 hours" if outcome == "callback_requested" else None
        cid, when, begun = uuid.uuid4().hex, at(), time.time()
        try:
            with Session(engine) as s:
                log_outcome(s, bundle, prospect_id=item.prospect_id, outcome=outcome, at=when,
                            callback=callback, rep=rep, client_id=cid)
            ev(e="ack", p=item.prospect_id, cid=cid, t0=begun, t1=time.time(), via="db")
        except OutcomeError as exc:
            ev(e="refused", p=item.prospect_id, t0=begun, m=str(exc)[:120])
        except SQLAlchemyError as exc:
            journal.append(Pending(client_id=cid, prospect_id=item.prospect_id,
                                   outcome=outcome, at=when.isoformat(), callback=callback,
                                   rep=rep))
            ev(e="ack", p=item.prospect_id, cid=cid, t0=begun, t1=time.time(), via="journal",
               m=first_line(exc)[:120])
    settle()
    ev(e="stop", t0=time.time())
    engine.dispose()
    return 0


if __name__ == "__main__":
    url, rep, folder, t0, seed = sys.argv[1:6]
    sys.exit(main(url, rep, Path(folder), float(t0), int(seed)))
