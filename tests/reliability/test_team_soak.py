"""The team soak (issue 18): simulated reps, each its own process (soak_rep.py), work one
PostgreSQL list at once, claim_next -> a short call -> log_outcome, while the server itself is
restarted (`pg_ctl -m fast` stop, a second with no server at all, start: a throwaway cluster of
the test's own, pg_cluster.py), reps are SIGKILLed and restarted, and every rep's backend is
ended under it now and then (pg_terminate_backend). Counted from the reps' own event logs and
the database:

  doubles   a rep's claim that happened entirely while another rep held that prospect (from
            its claim's return to the start of its outcome, or its death): must be 0
  lost      acknowledged outcomes (committed, or kept in the rep's journal) with no touch once
            the journals are replayed: must be 0
  leases    live leases left once every rep has stopped (a stop and a restart release them):
            must be 0
and claim_next's latency (p50/p95). The small run (4 reps, 15 s, one server restart) is part of
the suite; the 8- and 20-rep runs (45 s each, two server restarts) are heavy
(DIALER_TUI_HEAVY=1; DIALER_TUI_SOAK_SECONDS makes them longer)."""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dialer_tui.services.importer import import_csv
from dialer_tui.store.engine import make_engine
from tests.conftest import CI

from .conftest import prospect_rows, write_csv
from .pg_cluster import Cluster, usable

REP = Path(__file__).resolve().with_name("soak_rep.py")
AT0 = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # soak_rep.AT0


@pytest.fixture
def cluster():
    """A server of the test's own, which it restarts (never the shared test server)."""
    missing = usable()
    if missing:
        if CI:
            pytest.fail(f"needs {missing} (CI=true: missing tools fail the run)", pytrace=False)
        pytest.skip(f"needs {missing}")
    own = Cluster()
    yield own
    own.remove()


def _seed(url: str, folder: Path, n: int) -> None:
    engine = make_engine(url)
    try:
        result = import_csv(engine, write_csv(folder / "list.csv", prospect_rows("Sk", n)),
                            region="US", source="soak", now=AT0 - timedelta(days=1))
    finally:
        engine.dispose()
    assert result.imported == n


class Team:
    """The rep processes, their kills and restarts, and the backend terminations."""

    def __init__(self, url: str, folder: Path, reps: int, seed: int) -> None:
        self.name = f"soak-{uuid.uuid4().hex[:8]}"
        sep = "&" if "?" in url else "?"
        self.admin_url = url
        self.url, self.folder = f"{url}{sep}application_name={self.name}", folder
        self.rng, self.t0 = random.Random(seed), time.time()
        self.procs: dict[str, subprocess.Popen] = {}
        self.kills: list[tuple[str, float]] = []
        self.exits: list[int] = []
        self.terminated = 0
        for n in range(reps):
            self.spawn(f"rep{n:02d}")

    def spawn(self, rep: str) -> None:
        err = (self.folder / f"stderr-{rep}.txt").open("a")
        self.procs[rep] = subprocess.Popen(
            [sys.executable, str(REP), self.url, rep, str(self.folder), str(self.t0),
             str(self.rng.randrange(10**9))], stdout=subprocess.DEVNULL, stderr=err)
        err.close()

    def kill_one(self) -> None:
        """SIGKILL a rep mid-work, and start its cockpit again (it replays and releases)."""
        rep = self.rng.choice(sorted(self.procs))
        self.procs[rep].send_signal(signal.SIGKILL)
        self.procs[rep].wait()
        self.kills.append((rep, time.time()))
        self.spawn(rep)

    def terminate_backends(self) -> None:
        admin = create_engine(self.admin_url)
        try:
            with admin.connect() as conn:
                self.terminated += conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :n"), {"n": self.name}).scalar()
        finally:
            admin.dispose()

    def stop(self) -> None:
        (self.folder / "stop").touch()
        for proc in self.procs.values():
            self.exits.append(proc.wait(timeout=300))


def run_soak(cluster: Cluster, folder: Path, *, reps: int, seconds: float, kills: int,
             restarts: int, terminate_every: float, prospects: int, seed: int = 18) -> dict:
    """`kills` SIGKILLs and `restarts` server restarts spread over `seconds`, interleaved
    (a rep is never killed while the server is down: its restart would only wait for it)."""
    url = cluster.url
    began = time.monotonic()
    _seed(url, folder, prospects)
    team = Team(url, folder, reps, seed)
    stop = threading.Event()
    server_up = threading.Lock()  # held while the server is down: no backend to terminate

    def terminator() -> None:
        while not stop.wait(terminate_every):
            with server_up:
                team.terminate_backends()

    acts = sorted([(seconds * (k + 1) / (kills + 1), "kill") for k in range(kills)]
                  + [(seconds * (k + 0.6) / (restarts + 0.5), "restart")
                     for k in range(restarts)])
    thread = threading.Thread(target=terminator, daemon=True)
    thread.start()
    start = time.monotonic()
    try:
        for at, act in acts:
            time.sleep(max(0.0, start + at - time.monotonic()))
            if act == "kill":
                team.kill_one()
            else:
                with server_up:
                    cluster.restart()
        time.sleep(max(0.0, start + seconds - time.monotonic()))
    finally:
        stop.set()
        thread.join()
        team.stop()
    counts = _count(url, folder, team)
    counts.update(reps=reps, seconds=seconds, prospects=prospects,
                  server_restarts=len(cluster.restarts),
                  server_down_s=round(sum(b - a for a, b in cluster.restarts), 1),
                  elapsed_s=round(time.monotonic() - start, 1),
                  wall_s=round(time.monotonic() - began, 1))
    (folder / "soak.json").write_text(json.dumps(counts, indent=1), encoding="utf-8")
    print(f"\nteam soak: {json.dumps(counts)}")
    return counts


def _events(folder: Path) -> dict[str, list[dict]]:
    out = {}
    for path in sorted(folder.glob("events-*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        out[path.stem.removeprefix("events-")] = [json.loads(x) for x in lines if x.strip()]
    return out


def _holds(events: dict[str, list[dict]], kills: list[tuple[str, float]]) -> list[tuple]:
    """(prospect, rep, claim's t0, held from, held until): from the claim's return to the start
    of the rep's next act (its outcome), or to its death when it was killed holding it."""
    holds = []
    for rep, evs in events.items():
        deaths = sorted(t for r, t in kills if r == rep)
        for i, e in enumerate(evs):
            if e["e"] != "claim":
                continue
            nxt = evs[i + 1] if i + 1 < len(evs) else None
            if nxt is not None and nxt["e"] != "start":
                until = nxt["t0"]
            else:  # killed (a restart follows) while holding it
                until = next((t for t in deaths if t >= e["t1"]), e["t1"])
            holds.append((e["p"], rep, e["t0"], e["t1"], until))
    return holds


def _count(url: str, folder: Path, team: Team) -> dict:
    events = _events(folder)
    claims = [(e["p"], rep, e["t0"], e["t1"]) for rep, evs in events.items() for e in evs
              if e["e"] == "claim"]
    by_prospect = defaultdict(list)
    for hold in _holds(events, team.kills):
        by_prospect[hold[0]].append(hold)
    doubles = sum(1 for p, rep, t0, t1 in claims for _, other, c0, held, until in by_prospect[p]
                  if c0 != t0 and held <= t0 and t1 <= until)
    acked = {e["cid"]: e["via"] for evs in events.values() for e in evs if e["e"] == "ack"}
    latencies = sorted(e["ms"] for evs in events.values() for e in evs
                       if e["e"] in ("claim", "none"))
    admin = create_engine(url)
    try:
        with admin.connect() as conn:
            stored = set(conn.execute(text("SELECT client_id FROM touch WHERE client_id != ''"))
                         .scalars())
            live, named = conn.execute(text(
                "SELECT count(*) FILTER (WHERE claim_expires_at > now()), "
                "count(*) FILTER (WHERE claimed_by != '') FROM prospect")).one()
    finally:
        admin.dispose()
    pending = sum(len(p.read_text().splitlines()) for p in folder.glob("journal-rep*.jsonl")
                  if not p.name.endswith(".unwritable.jsonl"))
    return {
        "claims": len(claims),
        "claims_call": sum(1 for evs in events.values() for e in evs
                           if e["e"] == "claim" and e["ch"] == "call"),
        "outcomes_db": sum(1 for v in acked.values() if v == "db"),
        "outcomes_journal": sum(1 for v in acked.values() if v == "journal"),
        "refused": sum(1 for evs in events.values() for e in evs if e["e"] == "refused"),
        "claim_errors": sum(1 for evs in events.values() for e in evs if e["e"] == "err"),
        "kills": len(team.kills), "backends_terminated": team.terminated,
        "exit_codes": sorted(set(team.exits)),
        "doubles": doubles, "lost": len(set(acked) - stored), "journal_left": pending,
        "leases_live_left": live, "leases_named_left": named,
        "claim_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "claim_p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 1)
        if latencies else None,
    }


def _check(c: dict, restarts: int, *, journalled: bool) -> None:
    assert c["exit_codes"] == [0], c
    assert c["claims"] >= 20 and c["kills"] >= 1, c  # the soak did work (a loaded machine: few)
    assert c["server_restarts"] == restarts and c["claim_errors"] >= 1, c  # reps saw it away
    if journalled:  # a team is mid-call when the server goes: those outcomes were journalled
        assert c["outcomes_journal"] >= 1, c  # (4 reps may all be claiming at that instant)
    assert (c["doubles"], c["lost"], c["journal_left"]) == (0, 0, 0), c
    assert (c["leases_live_left"], c["leases_named_left"]) == (0, 0), c


def test_four_reps_work_one_list_through_a_server_restart_and_kills(cluster, tmp_path):
    _check(run_soak(cluster, tmp_path, reps=4, seconds=15, kills=1, restarts=1,
                    terminate_every=4, prospects=1500), restarts=1, journalled=False)


@pytest.mark.heavy
@pytest.mark.parametrize("reps", [8, 20])
def test_a_team_soak(cluster, tmp_path, reps):
    seconds = float(os.environ.get("DIALER_TUI_SOAK_SECONDS", "45"))
    _check(run_soak(cluster, tmp_path, reps=reps, seconds=seconds, kills=4, restarts=2,
                    terminate_every=6, prospects=8000), restarts=2, journalled=True)
