"""Team mode: reps in separate processes claiming from one list, on both backends."""

from __future__ import annotations

import multiprocessing as mp
import time
from datetime import datetime, timezone

import pytest

from dialer_tui.store.engine import make_engine

from .conftest import add_prospect

AT = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def _claim_all(url: str, rep: str, out) -> None:
    from sqlmodel import Session

    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.services.queue import claim_next

    bundle = load_bundle(None)
    engine = make_engine(url)
    got = []
    try:
        while True:
            with Session(engine) as s:
                item = claim_next(s, bundle, rep=rep, at=AT, lease_minutes=30)
            if item is None:
                break
            got.append(item.prospect_id)
        out.put((rep, got, None))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        out.put((rep, got, repr(exc)))


def test_eight_processes_claim_200_prospects_none_twice(any_db):
    engine = make_engine(any_db)
    ids = {add_prospect(engine, first=f"P{i}", at=AT,
                        numbers=[(f"+1212555{1000 + i:04d}", "office")]) for i in range(200)}
    engine.dispose()
    # fork: the children inherit this module (spawn would need it importable by name, which
    # pytest's importlib mode does not give); each opens its own engine after the fork.
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(any_db, f"rep{n}", out), daemon=True)
             for n in range(8)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    try:
        results = [out.get(timeout=120) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
    elapsed = time.perf_counter() - start
    errors = [err for _, _, err in results if err]
    assert errors == []
    claimed = [pid for _, got, _ in results for pid in got]
    assert len(claimed) == len(set(claimed)), "a prospect was handed to two reps"
    assert set(claimed) == ids  # all eventually claimed
    print(f"{len(claimed)} claims by 8 processes in {elapsed:.2f} s "
          f"({len(claimed) / elapsed:.0f} claims/s incl. process start)")


def test_undo_never_erases_another_reps_later_outcome(any_db):
    """Ann logs no answer, then Bob (on the phone with the same prospect a minute later) hears
    'not interested'. Ann's undo would put the prospect back as Ann left it, erasing Bob's
    outcome: it is refused, and Bob's touch and status stand. Bob's own undo works."""
    from sqlmodel import Session, select

    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.services.calling import OutcomeError, log_outcome, undo_touch
    from dialer_tui.store.models import Prospect, Touch

    bundle = load_bundle(None)
    engine = make_engine(any_db)
    try:
        pid = add_prospect(engine, first="Dana", at=AT, numbers=[("+12125550100", "office")])
        with Session(engine) as s:
            ann = log_outcome(s, bundle, prospect_id=pid, outcome="no_answer", at=AT, rep="ann")
        with Session(engine) as s:
            bob = log_outcome(s, bundle, prospect_id=pid, outcome="not_interested",
                              at=AT.replace(minute=1), rep="bob")
        with Session(engine) as s, pytest.raises(OutcomeError, match="bob"):
            undo_touch(s, touch_id=ann.touch_id)
        with Session(engine) as s:
            assert s.get(Prospect, pid).status == "not_interested"
            assert {t.rep for t in s.exec(select(Touch))} == {"ann", "bob"}
        with Session(engine) as s:
            undo_touch(s, touch_id=bob.touch_id)
            assert s.get(Prospect, pid).status != "not_interested"
    finally:
        engine.dispose()
