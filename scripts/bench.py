#!/usr/bin/env python3
"""The figures of docs/product-rules.md (*Figures*), measured on generated data.

What it does
    1. Builds (once, then cached by scale, seed and generator version) a database of 100,000
       prospects, 250,000 valid numbers (US, CA, GB, DE, FR), 1,000,000 touches and 50,000 open
       follow-ups, one prospect with exactly 500 touches (scripts/make_bench_db.py), worked by a
       team: callbacks asked of alex, sam or jo, other reps' live and expired leases. --scale F
       multiplies every count (--scale 10: 1M prospects, 10M touches; ~9 minutes to build on
       a busy 2-core machine, once); --fresh rebuilds. A cached database from an older schema
       is upgraded by the app's migrations. Measurements run on a copy (some write).
       Everything is measured as a named rep, as users run it: 'alex' (who owns some of the
       due callbacks), and for queue_named_ms 'newbie' (who owns none).
    2. Measures each figure as the median of several runs after a warm-up (7 runs for queue and
       lookup, 5 launches for cold start, 3 imports; fewer below scale 0.5) and prints a table
       whose last lines give the machine's load: on a shared 2-core box other work inflates
       every figure. With --json the last line is one JSON object: the figures below, `scale`,
       `budgets` ({key: {limit, kind: max|min}}), `missed` (keys over budget) and `notes`.

How to run
    python scripts/bench.py                      # scale 1.0: a few minutes the first time
    python scripts/bench.py --scale 0.1 --json   # smaller, machine-readable
    python scripts/bench.py --only queue,lookup  # a subset (queue lookup outcome rss cold import)
    python scripts/bench.py --db postgresql+psycopg://USER@HOST/DB  # every figure there: the
        same data COPYed into a database of its own on that server (dtb_<key>, kept for reuse;
        the role needs CREATEDB), each run on a CREATE DATABASE ... TEMPLATE copy of it
        (scripts/bench_pg.py). The cockpit, the cold start and the imports use that URL.
    python scripts/bench.py --curve [--db URL]   # scales 0.1, 1 and 10 (--curve-scales to
        choose), one run each, then a table of each figure per scale: what grows with the data
    Cache: $DIALER_BENCH_CACHE or <tmp>/dialer-tui-bench (--cache-dir): the database (keyed by
    scale, seed and the generator's source), the import CSV and bytecode. --fresh rebuilds.
    Needs tmux for the cold start (else a headless `python -c` run is timed, and says so).

The figures (budget in brackets)
    outcome_p50_ms / outcome_p95_ms [25 / 50]  In the real cockpit under Textual's Pilot
        (app.run_test(size=(120, 35)), clock running from the bench instant): press an outcome
        key ('5' no answer and '4' voicemail, alternately) -> the touch is committed -> the next
        prospect's full dossier (not the "loading" placeholder) has been painted. Timed from
        posting the key to the end of the first screen update after that dossier was shown;
        the update is also encoded to terminal sequences, which the headless driver would skip.
        Between outcomes the cockpit settles (workers done, empty note skipped with Enter), as
        it does while a rep is on the next call. 50 outcomes after 5 warm-ups (10 below scale
        0.1, which is for the smoke test).
    queue_ms [20]  services.queue.build_queue(limit=200, rep='alex') with the calling-hours
        verdicts, at a Tuesday 15:00 UTC (make_bench_db.AT), one read-only Session per run as
        the cockpit's worker opens it (callbacks_mine_only on, the default).
    queue_named_ms [20]  The same for 'newbie', who owns none of the due callbacks: every one
        of them is another rep's and stays out of this queue.
    lookup_ms [30]  review.lookup (phone typed in national format; then by name) + review.dossier
        of the prospect with 500 touches; the figure is the slower of the two.
    cold_start_s [0.5]  From launching the CLI (`dialer_tui.cli.main --db FILE --rep alex`, what
        `python -m dialer_tui --db FILE` runs) in a tmux pane (120x35) to the first captured
        frame that shows a queue row (tmux capture-pane polled every ~10 ms). It is started
        through a `python -c` launcher that pins the app's clock to the bench instant, since the
        app has no clock option and the queue's cost depends on who is callable at that hour
        (on a US holiday, 300 entries cost ~3x more); --real-clock runs the literal
        `python -m dialer_tui --db FILE` at the real time. Bytecode is cached (in the bench
        cache) as for an installed package; the first launch of each kind is a warm-up.
    cold_start_ratio [<= 4]  cold_start_s over a bare Textual app (one Static) measured the
        same way, interleaved, in the same run.
    import_rows_per_s [>= 25,000] / import_ratio [>= 0.5]  import_csv of a 100k-row CSV from
        scripts/gen_csv.py (validation, dedupe) into an empty database; the ratio is over a bare
        phonenumbers parse + is_valid_number + format_number(E164) loop over the same numbers.
        (The CSV has 100,000 rows at scale 1 and above, fewer below.)
    import_existing_rows_per_s [>= 25,000] / import_existing_ratio [>= 0.5]  One import of the
        same CSV into the bench store itself (100k prospects at scale 1, 1M at scale 10): the
        batch-by-batch path every later import takes, into indexed tables. Run last (it writes).
    rss_mb [200; 250 above scale 1]  Peak resident memory (VmHWM) of a child process that opens
        the cockpit under run_test on that data and waits until the queue and the dossier are
        shown. (The table also gives the real CLI process's VmHWM at its first frame, from the
        cold-start runs.)
The JSON also carries `backend` (sqlite or postgresql), `load` (1-minute load average at start
and end) and `build_s` (the SQLite data's build time, when it was built).
Figures whose piece is missing or broken print "n/a" (null in JSON) with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import make_bench_db as gen  # noqa: E402

BUDGETS = {  # key: (limit, "max" = must not exceed, "min" = must reach)
    "outcome_p50_ms": (25.0, "max"), "outcome_p95_ms": (50.0, "max"), "queue_ms": (20.0, "max"),
    "queue_named_ms": (20.0, "max"), "lookup_ms": (30.0, "max"), "cold_start_s": (0.5, "max"),
    "cold_start_ratio": (4.0, "max"), "import_rows_per_s": (25_000.0, "min"),
    "import_ratio": (0.5, "min"), "import_existing_rows_per_s": (25_000.0, "min"),
    "import_existing_ratio": (0.5, "min"), "rss_mb": (200.0, "max"),
}
RSS_AT_SCALE_10 = 250.0  # issue 20: the cockpit's memory budget at ten times the data
KEYS = list(BUDGETS)
PARTS = ("queue", "lookup", "outcome", "rss", "cold", "import")
CURVE = (0.1, 1.0, 10.0)
QUEUE_ROW = re.compile(r"\b(callback|promised|cadence|new|recycled)!?\s+\d\d:\d\d\b")
EMPTY_QUEUE = "Nobody is callable right now"
DOSSIER_SHOWN = re.compile(r"\battempt \d+ of \d+")  # in a loaded dossier, not a pending one
BARE_TEXT = "bare textual app ready"


def _log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:8]


# ------------------------------------------------------------------------------ data (cached)


def ensure_db(cache: Path, scale: float, seed: int, fresh: bool) -> tuple[Path, dict]:
    # Keyed by the generator. A database built at an older schema version is brought to the
    # current one by the app's own migrations when it is opened (below), as a user's store is:
    # --scale 10 takes minutes to build and is not rebuilt for a new column or index.
    key = f"v{gen.GEN_VERSION}-{_digest(HERE / 'make_bench_db.py')}-s{scale:g}-seed{seed}"
    db, meta = cache / f"bench-{key}.db", cache / f"bench-{key}.json"
    if fresh or not (db.exists() and meta.exists()):
        for p in (db, meta, Path(f"{db}-wal"), Path(f"{db}-shm")):
            p.unlink(missing_ok=True)
        tmp = cache / f"building-{os.getpid()}.db"
        tmp.unlink(missing_ok=True)
        _log(f"generating the database (scale {scale:g}, seed {seed}) ...")
        facts = gen.build(tmp, scale=scale, seed=seed, log=_log)
        tmp.rename(db)
        meta.write_text(json.dumps(facts))
        for stale in cache.glob(f"bench-v*-s{scale:g}-seed{seed}.*"):  # older generators
            if stale.stem != db.stem:
                stale.unlink(missing_ok=True)
        _log(f"  built in {facts['build_s']} s: {facts['prospects']:,} prospects, "
             f"{facts['numbers']:,} numbers, {facts['touches']:,} touches, "
             f"{facts['follow_ups']:,} open follow-ups -> {db}")
    from dialer_tui.store.engine import make_engine

    make_engine(db).dispose()  # migrations, if the schema moved on since it was built
    return db, json.loads(meta.read_text())


def ensure_csv(cache: Path, rows: int, seed: int, fresh: bool) -> tuple[Path, list]:
    import gen_csv

    key = f"{_digest(HERE / 'gen_csv.py')}-{rows}-seed{seed}"
    path, nums = cache / f"import-{key}.csv", cache / f"import-{key}.numbers.json"
    if fresh or not (path.exists() and nums.exists()):
        _log(f"generating a {rows:,}-row CSV with scripts/gen_csv.py ...")
        tmp = cache / f"csv-{os.getpid()}.tmp"
        numbers = gen_csv.generate(rows, tmp, seed)
        tmp.rename(path)
        nums.write_text(json.dumps(numbers))
    return path, json.loads(nums.read_text())


def work_copy(db: Path, cache: Path) -> Path:
    work = cache / f"work-{os.getpid()}.db"
    drop_db(work)
    shutil.copyfile(db, work)
    return work


def drop_db(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


# ------------------------------------------------------------------------------ in-process


def measure_queue(db: Path | str, at: datetime, runs: int, rep: str) -> tuple[float, str]:
    """build_queue as the cockpit's worker runs it for `rep` (callbacks_mine_only on, the
    default: another rep's callbacks are not in it)."""
    from sqlmodel import Session

    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.services.queue import build_queue
    from dialer_tui.store.engine import make_engine, reader

    engine, bundle = make_engine(db), load_bundle(None)
    samples, items = [], []
    try:
        for i in range(2 + runs):
            # A read-only unit of work, as services.queue.read_queue_window opens it.
            with Session(reader(engine), expire_on_commit=False) as s:
                t0 = time.perf_counter()
                items = build_queue(s, bundle, at=at, limit=200, rep=rep)
                took = time.perf_counter() - t0
            if i >= 2:
                samples.append(took)
    finally:
        engine.dispose()
    reasons: dict[str, int] = {}
    for it in items:
        reasons[it.reason] = reasons.get(it.reason, 0) + 1
    mix = ", ".join(f"{n} {r}" for r, n in reasons.items())
    return _median_ms(samples), f"as {rep!r}: {len(items)} entries ({mix})"


def measure_lookup(db: Path | str, at: datetime, facts: dict, runs: int) -> tuple[float, str]:
    import phonenumbers
    from sqlmodel import Session

    from dialer_tui.services import review
    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.store.engine import make_engine

    engine, bundle = make_engine(db), load_bundle(None)
    pid = facts["special_id"]
    national = phonenumbers.format_number(phonenumbers.parse(facts["special_e164"]),
                                          phonenumbers.PhoneNumberFormat.NATIONAL)
    texts = {"phone": national, "name": facts["special_name"].lower()}
    medians = {}
    try:
        for what, text in texts.items():
            samples = []
            for i in range(2 + runs):
                with Session(engine, expire_on_commit=False) as s:
                    t0 = time.perf_counter()
                    found = review.lookup(s, text=text, region="US")
                    hit = next((m for m in found if m["prospect_id"] == pid), None)
                    d = review.dossier(s, bundle, prospect_id=pid, at=at) if hit else None
                    took = time.perf_counter() - t0
                if d is None or len(d.touches) != gen.SPECIAL_TOUCHES:
                    raise RuntimeError(f"lookup {text!r} did not find the 500-touch dossier")
                if i >= 2:
                    samples.append(took)
            medians[what] = _median_ms(samples)
    finally:
        engine.dispose()
    note = f"phone {national!r} {medians['phone']:.1f} ms, name {medians['name']:.1f} ms"
    return max(medians.values()), note


def _bare_loop(numbers: list) -> float:
    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    t0 = time.perf_counter()
    for raw, region in numbers:
        num = phonenumbers.parse(raw, region)
        phonenumbers.is_valid_number(num)
        phonenumbers.format_number(num, PhoneNumberFormat.E164)
    return time.perf_counter() - t0


def measure_import(csv_path: Path, numbers: list, rows: int, runs: int, tmpdir: Path,
                   pg_url: str | None) -> tuple[float, float, str]:
    """import_csv into an empty store (a fresh SQLite file, or a fresh PostgreSQL database),
    `runs` times after a warm-up, each beside a bare phonenumbers loop over the same numbers."""
    from dialer_tui.services.importer import import_csv
    from dialer_tui.store.engine import make_engine

    bare, took, summary = [], [], {}
    for i in range(1 + runs):
        bare.append(_bare_loop(numbers))
        if pg_url:
            import bench_pg

            target: Path | str = bench_pg.empty_db(pg_url, f"{os.getpid()}_{i}")
        else:
            target = tmpdir / f"import-{os.getpid()}-{i}.db"
            drop_db(target)
        engine = make_engine(target)  # the empty schema exists before the clock starts
        try:
            t0 = time.perf_counter()
            result = import_csv(engine, csv_path, region="US", source="bench")
            took.append(time.perf_counter() - t0)
        finally:
            engine.dispose()
            if pg_url:
                bench_pg.drop(pg_url, str(target))
            else:
                drop_db(target)
        summary = result.summary()
    bare_s, import_s = statistics.median(bare[1:]), statistics.median(took[1:])
    IMPORT_BARE["s"] = bare_s
    note = (f"{rows:,} rows ({len(numbers):,} numbers) in {import_s:.2f} s into an empty store, "
            f"{summary}; bare loop {rows / bare_s:,.0f} rows/s")
    return rows / import_s, bare_s / import_s, note


IMPORT_BARE: dict[str, float] = {}


def measure_import_existing(target: Path | str, csv_path: Path, numbers: list, rows: int,
                            prospects: int) -> tuple[float, float, str]:
    """One import of the same CSV into the bench's own store (every prospect of this scale
    already there: the batch-by-batch path, each batch checked against the indexed tables).
    Runs last: it writes into the working copy."""
    from dialer_tui.services.importer import import_csv
    from dialer_tui.store.engine import make_engine

    bare_s = IMPORT_BARE.get("s") or _bare_loop(numbers)
    engine = make_engine(target)
    try:
        t0 = time.perf_counter()
        result = import_csv(engine, csv_path, region="US", source="bench")
        took = time.perf_counter() - t0
    finally:
        engine.dispose()
    note = (f"{rows:,} rows into the bench store holding {prospects:,} prospects in "
            f"{took:.2f} s (one run), {result.summary()}")
    return rows / took, bare_s / took, note


# ------------------------------------------------------------------------------ children


def _child(kind: str, db: Path | str, at: datetime, extra: list[str], timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--db", str(db),
           "--at", at.isoformat(), *extra]
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{kind} child failed (exit {proc.returncode}): {tail}")
    return json.loads(lines[-1])


async def _cockpit_child(db: str, at: datetime, mode: str, n: int, warm: int, rep: str
                         ) -> dict:
    """Runs in a child process: the real app under run_test on the bench data."""
    import resource

    from dialer_tui.gc_pause import pause_gc

    pause_gc()  # as `dialer-tui` does before its first heavy import, until the first frame
    from textual._compositor import CompositorUpdate

    from dialer_tui.app import DialerApp
    from dialer_tui.screens.cockpit import CockpitScreen
    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.store.engine import make_engine
    from dialer_tui.widgets.dossier import DossierPane
    from dialer_tui.widgets.queue_list import QueueList

    engine, bundle = make_engine(db), load_bundle(None)
    start = time.monotonic()
    app = DialerApp(engine=engine, bundle=bundle, rep=rep,
                    clock=lambda: at + timedelta(seconds=time.monotonic() - start))
    out: dict = {}
    async with app.run_test(size=(120, 35)) as pilot:
        async def until(cond, timeout: float = 120.0) -> None:
            end = time.monotonic() + timeout
            while not cond():
                if time.monotonic() > end:
                    raise TimeoutError("the cockpit did not show a queue and a dossier")
                await pilot.pause(0.01)

        def shown() -> bool:
            s = app.screen
            if not isinstance(s, CockpitScreen) or s.state.current_id is None:
                return False
            view = s.query_one(DossierPane).view
            return view is not None and view.prospect_id == s.state.current_id

        async def settle() -> None:
            await pilot.pause()
            await asyncio.wait_for(app.workers.wait_for_complete(), 60)
            await pilot.pause()

        await until(shown)
        screen = app.screen
        pane, queue = screen.query_one(DossierPane), screen.query_one(QueueList)
        out["queue_rows"] = len(queue.items)
        if mode == "rss":
            await settle()
            await asyncio.sleep(0.3)
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent
            # (the bench process itself), VmHWM is this program's own peak.
            status = Path("/proc/self/status").read_text()
            hwm = re.search(r"VmHWM:\s+(\d+) kB", status)
            now = re.search(r"VmRSS:\s+(\d+) kB", status)
            out["rss_mb"] = (int(hwm.group(1)) / 1024 if hwm else
                             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            out["vmrss_mb"] = int(now.group(1)) / 1024 if now else out["rss_mb"]
            return out

        class St:
            armed, prev, show_pid, t1, t_show, t_commit = False, None, None, 0.0, 0.0, 0.0
            done = asyncio.Event()

        orig_show, orig_display = pane.show, app._display

        def show(view, *a, **kw):
            orig_show(view, *a, **kw)
            if St.armed and view.prospect_id != St.prev:
                St.show_pid, St.t_show = view.prospect_id, St.t_show or time.perf_counter()

        def display(scr, renderable):
            orig_display(scr, renderable)
            if isinstance(renderable, CompositorUpdate):  # what a real terminal driver encodes
                renderable.render_segments(app.console)
            if (St.armed and St.show_pid is not None and St.show_pid != St.prev
                    and St.show_pid == screen.state.current_id and pane.view is not None
                    and pane.view.prospect_id == St.show_pid):
                St.t1, St.armed = time.perf_counter(), False
                St.done.set()

        pane.show, app._display = show, display
        # Best effort (diagnosis only): when the outcome's commit returned.
        try:  # the controller imports log_outcome from here at each outcome
            import dialer_tui.services.calling as outcomes_mod
        except ImportError:
            outcomes_mod = None
        orig_log = getattr(outcomes_mod, "log_outcome", None)
        if orig_log is not None:
            def timed_log(*a, **kw):
                result = orig_log(*a, **kw)
                St.t_commit = time.perf_counter()
                return result

            outcomes_mod.log_outcome = timed_log
        samples, commits, shows, flags = [], [], [], []
        count_before = _touch_count(engine)
        await settle()
        for i in range(warm + n):
            if screen.state.current_id is None or not queue.items:
                break
            index = queue.index_of(screen.state.current_id)
            nxt = queue.items[index + 1] if index is not None and index + 1 < len(
                queue.items) else None
            St.prev, St.show_pid, St.armed = screen.state.current_id, None, True
            St.t_show = St.t_commit = 0.0
            St.done.clear()
            key = "5" if i % 2 == 0 else "4"
            t0 = time.perf_counter()
            press = asyncio.create_task(pilot.press(key))
            await asyncio.wait_for(St.done.wait(), 60)
            await press
            if i >= warm:
                samples.append(St.t1 - t0)
                if St.t_commit:
                    commits.append(St.t_commit - t0)
                shows.append(St.t_show - t0)
                flags.append(bool(nxt is not None and nxt.prospect_id in screen.state.views))
            if app.focused is not None and app.focused.id == "note":
                await pilot.press("enter")  # an empty note: back to the queue
            await settle()  # the rep is on the next call: workers finish, prefetch lands
        await settle()
        out.update(samples_ms=[round(s * 1000, 2) for s in samples], prefetched=flags,
                   commit_ms=[round(s * 1000, 2) for s in commits],
                   shown_ms=[round(s * 1000, 2) for s in shows],
                   touches_added=_touch_count(engine) - count_before, outcomes=warm + n)
    return out


def _touch_count(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM touch")).scalar_one()


def measure_outcome(db: Path | str, at: datetime, n: int, rep: str
                    ) -> tuple[float, float, str]:
    got = _child("outcome", db, at, ["--outcomes", str(n), "--rep", rep], timeout=900)
    samples = [s / 1000 for s in got["samples_ms"]]
    if len(samples) < n:
        raise RuntimeError(f"only {len(samples)} outcomes could be timed")
    if got["touches_added"] != got["outcomes"]:
        raise RuntimeError(f"{got['outcomes']} outcomes but {got['touches_added']} touches")
    flags = got["prefetched"]
    hit = [s for s, f in zip(samples, flags, strict=True) if f]
    miss = [s for s, f in zip(samples, flags, strict=True) if not f]
    split = (f" (p50 {_median_ms(hit):.1f} ms when it was, {_median_ms(miss):.1f} ms when not)"
             if hit and miss else "")
    commit = (f"commit returned at p50 {statistics.median(got['commit_ms']):.1f} ms, "
              if got.get("commit_ms") else "")
    note = (f"{len(samples)} outcomes, min {min(samples) * 1000:.1f} max "
            f"{max(samples) * 1000:.1f} ms; {commit}next dossier handed to the pane at p50 "
            f"{statistics.median(got['shown_ms']):.1f} ms, painted at p50 "
            f"{_median_ms(samples):.1f} ms; next dossier prefetched {sum(flags)}/"
            f"{len(samples)}{split}; queue window {got['queue_rows']} rows; as {rep!r}")
    return _median_ms(samples), _p95(samples) * 1000, note


def measure_rss(db: Path | str, at: datetime, rep: str) -> tuple[float, str]:
    got = _child("rss", db, at, ["--rep", rep], timeout=600)
    return got["rss_mb"], (f"peak RSS (VmHWM) under run_test, queue {got['queue_rows']} rows + "
                           f"dossier shown; {got['vmrss_mb']:.0f} MB resident then")


# ------------------------------------------------------------------------------ cold start


class Tmux:
    """A private tmux server (its own socket), one window per launch."""

    def __init__(self, env: dict[str, str]) -> None:
        self.sock = f"dialer-bench-{os.getpid()}"
        # The server (and every pane) gets `env`; it starts with the first command.
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d", "-s",
                        "bench", "-x", "120", "-y", "35", "sleep", "100000"], env=env,
                       check=True, capture_output=True)
        self._run("set-option", "-g", "default-size", "120x35")

    def _run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True,
                              check=True).stdout

    def launch(self, argv: list[str]) -> tuple[float, str]:
        t0 = time.perf_counter()
        pane = self._run("new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "bench", "-c",
                         str(ROOT), *argv).strip()
        return t0, pane

    def capture(self, pane: str) -> str:
        return self._run("capture-pane", "-p", "-t", pane)

    def pid(self, pane: str) -> int:
        return int(self._run("display", "-p", "-t", pane, "#{pane_pid}").strip())

    def kill(self, pane: str) -> None:
        subprocess.run(["tmux", "-L", self.sock, "kill-pane", "-t", pane], capture_output=True)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)


def _first_frame(tmux: Tmux, argv: list[str], ready, timeout: float = 60.0, then=None
                 ) -> tuple[float, str, float | None, float | None]:
    """Seconds from launch to the first capture that `ready` accepts; the text; VmHWM MB; and
    seconds to the first capture `then` accepts after it (None without `then`, or not seen
    within 5 s)."""
    t0, pane = tmux.launch(argv)
    try:
        while True:
            text = tmux.capture(pane)
            seen = ready(text)
            if seen:
                took = time.perf_counter() - t0
                hwm = None
                try:
                    status = Path(f"/proc/{tmux.pid(pane)}/status").read_text()
                    m = re.search(r"VmHWM:\s+(\d+) kB", status)
                    hwm = int(m.group(1)) / 1024 if m else None
                except (OSError, ValueError, subprocess.CalledProcessError):
                    pass
                return took, seen, hwm, _then(tmux, pane, then, t0, text)
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError(f"no first frame after {timeout:.0f} s; screen:\n{text}")
            time.sleep(0.01)
    finally:
        tmux.kill(pane)
        time.sleep(0.2)  # let it exit before the next launch


def _then(tmux: Tmux, pane: str, then, t0: float, text: str) -> float | None:
    if then is None:
        return None
    while not then(text):
        if time.perf_counter() - t0 > 5:
            return None
        time.sleep(0.01)
        text = tmux.capture(pane)
    return time.perf_counter() - t0


def _queue_now_nonempty(db: Path | str) -> bool:
    from sqlmodel import Session

    from dialer_tui.services.bundle import load_bundle
    from dialer_tui.services.queue import build_queue
    from dialer_tui.store.engine import make_engine

    engine = make_engine(db)
    try:
        with Session(engine) as s:
            return bool(build_queue(s, load_bundle(None), at=datetime.now(timezone.utc),
                                    limit=1))
    finally:
        engine.dispose()


def _launch_env(cache: Path) -> dict[str, str]:
    """Bytecode cached the way an installed package has it: compiled once into the bench cache
    (not into the checkout), even where PYTHONDONTWRITEBYTECODE is set."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(cache / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure_cold(db: Path | str, at: datetime, runs: int, cache: Path, rep: str,
                 real_clock: bool = False) -> tuple[float, float, str, float | None]:
    env = _launch_env(cache)
    given = "URL" if str(db).startswith("postgresql") else "FILE"
    if shutil.which("tmux") is None:
        return _cold_headless(db, at, runs, env, rep)
    py = sys.executable
    if real_clock and _queue_now_nonempty(db):
        app_argv = [py, "-m", "dialer_tui", "--db", str(db), "--rep", rep]
        how = f"tmux, `python -m dialer_tui --db {given} --rep {rep}`, real clock (--real-clock)"
    else:
        # The app has no clock hook on the command line: this runs the same entry point
        # (dialer_tui.cli.main, as `python -m dialer_tui --db FILE` does) with the app's clock
        # pinned to the bench instant, so the figure does not depend on the hour or a holiday.
        launcher = ("import sys, datetime as d; import dialer_tui.clock as c; "
                    f"T = d.datetime.fromisoformat({at.isoformat()!r}); "
                    "c.system_now = lambda: T; "
                    f"sys.argv = ['dialer-tui', '--db', {str(db)!r}, '--rep', {rep!r}]; "
                    "from dialer_tui.cli import main; raise SystemExit(main())")
        app_argv = [py, "-c", launcher]
        how = (f"tmux, dialer_tui.cli.main('--db {given} --rep {rep}') via `python -c` with "
               "the app's clock "
               "pinned to the bench instant" + (" (nobody callable at the real time)"
                                                 if real_clock else ""))
    bare_argv = [py, "-c", "from textual.app import App\nfrom textual.widgets import Static\n"
                 "class Bare(App):\n    def compose(self):\n"
                 f"        yield Static({BARE_TEXT!r})\nBare().run()\n"]

    def app_ready(text: str) -> str:
        return "queue row" if QUEUE_ROW.search(text) else (
            "empty-queue message" if EMPTY_QUEUE in text else "")

    tmux = Tmux(env)
    app_s, bare_s, seen, hwm, dossier_s = [], [], set(), [], []
    try:
        for i in range(1 + runs):
            # Not budgeted, but felt: when the first prospect's dossier has filled in too.
            took, what, mb, dossier = _first_frame(tmux, app_argv, app_ready,
                                                   then=DOSSIER_SHOWN.search)
            seen.add(what)
            b_took, _, _, _ = _first_frame(tmux, bare_argv, lambda t: BARE_TEXT in t and "bare")
            if i:
                app_s.append(took)
                bare_s.append(b_took)
                if mb:
                    hwm.append(mb)
                if dossier:
                    dossier_s.append(dossier)
    finally:
        tmux.close()
    app_med, bare_med = statistics.median(app_s), statistics.median(bare_s)
    note = (f"{how}; first frame with a {' / '.join(sorted(seen))}; bare app "
            f"{bare_med:.3f} s; polled every ~10 ms")
    if dossier_s:
        note += f"; the first prospect's dossier filled in at {statistics.median(dossier_s):.3f} s"
    return app_med, app_med / bare_med, note, (statistics.median(hwm) if hwm else None)


def _cold_headless(db: Path | str, at: datetime, runs: int, env: dict[str, str], rep: str
                   ) -> tuple[float, float, str, None]:
    """No tmux: `python -c` runs the app headless (run_test) until the queue is shown."""
    app_code = (
        "import asyncio, time, sys\nt0 = time.perf_counter()\n"
        "from datetime import datetime\nfrom dialer_tui.app import DialerApp\n"
        "from dialer_tui.services.bundle import load_bundle\n"
        "from dialer_tui.store.engine import make_engine\n"
        f"AT = datetime.fromisoformat({at.isoformat()!r})\n"
        "async def main():\n"
        f"    app = DialerApp(engine=make_engine({str(db)!r}), bundle=load_bundle(None), "
        f"clock=lambda: AT, rep={rep!r})\n"
        "    async with app.run_test(size=(120, 35)) as pilot:\n"
        "        from dialer_tui.widgets.queue_list import QueueList\n"
        "        def shown():\n"
        "            found = app.screen.query(QueueList)\n"
        "            return bool(found and found.first().items)\n"
        "        while not shown():\n"
        "            await pilot.pause(0.005)\n"
        "asyncio.run(main())\nprint(time.perf_counter() - t0)\n")
    bare_code = (
        "import asyncio, time\nt0 = time.perf_counter()\nfrom textual.app import App\n"
        "from textual.widgets import Static\nclass Bare(App):\n    def compose(self):\n"
        "        yield Static('x')\nasync def main():\n"
        "    async with Bare().run_test(size=(120, 35)) as pilot:\n        await pilot.pause()\n"
        "asyncio.run(main())\n")
    app_s, bare_s = [], []
    for i in range(1 + runs):
        for code, into in ((app_code, app_s), (bare_code, bare_s)):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                           cwd=ROOT, env=env)
            if i:
                into.append(time.perf_counter() - t0)
    app_med, bare_med = statistics.median(app_s), statistics.median(bare_s)
    return (app_med, app_med / bare_med, "no tmux: `python -c` headless run_test until the "
            "queue is shown (process start to exit)", None)


# ------------------------------------------------------------------------------ report


def _fmt(key: str, value) -> str:
    if value is None:
        return "n/a"
    if key in ("import_rows_per_s", "import_existing_rows_per_s"):
        return f"{value:,.0f}"
    if key in ("cold_start_s", "cold_start_ratio", "import_ratio", "import_existing_ratio"):
        return f"{value:.2f}"
    return f"{value:.1f}"


def budgets_at(scale: float) -> dict[str, tuple[float, str]]:
    out = dict(BUDGETS)
    if scale > 1:
        out["rss_mb"] = (RSS_AT_SCALE_10, "max")
    return out


def missed(results: dict) -> list[str]:
    out = []
    for key, (limit, kind) in budgets_at(results.get("scale", 1.0)).items():
        v = results.get(key)
        if v is not None and (v > limit if kind == "max" else v < limit):
            out.append(key)
    return out


def table(results: dict, notes: dict, facts: dict) -> str:
    lines = [f"dialer-tui bench on {results['backend']}: scale {results['scale']:g} "
             f"({facts.get('prospects', 0):,} prospects, {facts.get('numbers', 0):,} numbers, "
             f"{facts.get('touches', 0):,} touches, {facts.get('follow_ups', 0):,} open "
             f"follow-ups), at {facts.get('at')}",
             f"{'figure':<26} {'value':>10}  {'budget':>10}  {'':4}  how / notes",
             "-" * 108]
    miss = missed(results)
    for key, (limit, kind) in budgets_at(results["scale"]).items():
        v = results.get(key)
        verdict = "n/a" if v is None else ("MISS" if key in miss else "ok")
        budget = f"{'<=' if kind == 'max' else '>='} {_fmt(key, limit)}"
        lines.append(f"{key:<26} {_fmt(key, v):>10}  {budget:>10}  {verdict:4}  "
                     f"{notes.get(key, '')}")
    for key, note in notes.items():
        if key not in BUDGETS:
            lines.append(f"{'':<26} {'':>10}  {'':>10}  {'':4}  {key}: {note}")
    return "\n".join(lines)


def run(args) -> int:
    if args.curve:
        return run_curve(args)
    cache = Path(args.cache_dir or os.environ.get("DIALER_BENCH_CACHE")
                 or Path(tempfile.gettempdir()) / "dialer-tui-bench")
    cache.mkdir(parents=True, exist_ok=True)
    at = datetime.fromisoformat(args.at)
    parts = set(args.only.split(",")) if args.only else set(PARTS)
    runs = args.runs or (7 if args.scale >= 0.5 else 5)
    args.outcomes = args.outcomes or (50 if args.scale >= 0.1 else 10)
    results: dict = {k: None for k in KEYS}
    results["scale"] = args.scale
    notes: dict[str, str] = {}
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    db, facts = ensure_db(cache, args.scale, args.seed, args.fresh)
    built_now = time.perf_counter() - t0 > 5
    rep, new_rep = facts.get("rep", "alex"), facts.get("new_rep", "newbie")
    notes["data"] = (f"SQLite built in {facts['build_s']:.0f} s by make_bench_db.py"
                     f"{'' if built_now else ' (cached)'}; {facts.get('leases_live', 0):,} "
                     f"live leases of other reps; callbacks asked of alex, sam and jo")
    work = work_copy(db, cache)
    measured: Path | str = work  # the SQLite copy, or (--db) the same data in PostgreSQL
    pg_url = None
    results["backend"] = "sqlite"
    if args.db:
        import bench_pg

        from dialer_tui.store.engine import hide_password, resolve_url

        pg_url = resolve_url(args.db)
        if not pg_url.startswith("postgresql"):
            raise SystemExit("--db takes a PostgreSQL URL (the SQLite figures are the default)")
        results["backend"] = "postgresql"
        _log(f"loading the data into {hide_password(pg_url)} ...")
        t0 = time.perf_counter()
        base = bench_pg.load(work, pg_url, facts, _log, key=db.stem)
        loaded = time.perf_counter() - t0
        t0 = time.perf_counter()
        measured = bench_pg.work_copy(base, pg_url, at, str(os.getpid()))
        notes["data"] += (f"; PostgreSQL {hide_password(pg_url)}: COPY + indexes + ANALYZE "
                          f"{loaded:.0f} s{'' if loaded > 5 else ' (cached)'}, working copy "
                          f"(CREATE DATABASE ... TEMPLATE) {time.perf_counter() - t0:.0f} s")

    def attempt(name: str, keys: list[str], fn) -> None:
        if name not in parts:
            for k in keys:
                notes.setdefault(k, "not run (--only)")
            return
        _log(f"measuring {name} ...")
        t0 = time.perf_counter()
        try:
            got = fn()
            _log(f"  {name}: {time.perf_counter() - t0:.1f} s")
        except Exception as exc:  # noqa: BLE001 - one broken piece must not stop the rest
            for k in keys:
                notes[k] = f"n/a: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            _log(f"  {name}: {type(exc).__name__}: {exc}")
            return
        for k, v in zip(keys, got[:len(keys)], strict=True):
            results[k] = v
        notes[keys[0]] = got[len(keys)]
        if len(got) > len(keys) + 1 and got[-1] is not None:
            notes["cold start RSS"] = f"VmHWM of the real CLI process at first frame " \
                                      f"{got[-1]:.0f} MB"

    try:
        attempt("queue", ["queue_ms"], lambda: measure_queue(measured, at, runs, rep))
        attempt("queue", ["queue_named_ms"], lambda: measure_queue(measured, at, runs, new_rep))
        attempt("lookup", ["lookup_ms"], lambda: measure_lookup(measured, at, facts, runs))
        attempt("outcome", ["outcome_p50_ms", "outcome_p95_ms"],
                lambda: measure_outcome(measured, at, args.outcomes, rep))
        attempt("rss", ["rss_mb"], lambda: measure_rss(measured, at, rep))
        attempt("cold", ["cold_start_s", "cold_start_ratio"],
                lambda: measure_cold(measured, at, 5 if args.scale >= 0.5 else 2, cache, rep,
                                     args.real_clock))
        rows = max(100, round(100_000 * min(args.scale, 1.0)))
        csv: list = []

        def imp():
            csv[:] = ensure_csv(cache, rows, args.seed, args.fresh)
            return measure_import(csv[0], csv[1], rows, 3 if args.scale >= 0.5 else 2, cache,
                                  pg_url)

        attempt("import", ["import_rows_per_s", "import_ratio"], imp)
        attempt("import", ["import_existing_rows_per_s", "import_existing_ratio"],
                lambda: measure_import_existing(measured, *(csv or ensure_csv(
                    cache, rows, args.seed, args.fresh)), rows, facts["prospects"]))
    finally:
        if not args.keep_work:
            drop_db(work)
            if pg_url:
                bench_pg.drop(pg_url, str(measured))
    load_after = os.getloadavg()[0]
    notes["machine"] = (f"{os.cpu_count()} CPUs, load average {load_before:.2f} at start, "
                        f"{load_after:.2f} at end (other work inflates every figure)")
    results["load"] = [round(load_before, 2), round(load_after, 2)]
    for key in ("outcome_p95_ms", "cold_start_ratio", "import_ratio", "import_existing_ratio"):
        if results[key] is not None:
            notes.pop(key, None)
    sys.stdout.write(table(results, notes, facts) + "\n")
    miss = missed(results)
    sys.stdout.write(("budgets missed: " + ", ".join(miss) if miss else "all budgets met") + "\n")
    if args.json:
        out = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in results.items()}
        out["budgets"] = {k: {"limit": lim, "kind": kind}
                          for k, (lim, kind) in budgets_at(args.scale).items()}
        out["missed"] = miss
        out["notes"] = notes
        out["build_s"] = facts.get("build_s")
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


def run_curve(args) -> int:
    """Each figure at each scale (CURVE, or --curve-scales), one bench.py run per scale on the
    same backend: what grows with the data and what does not."""
    scales = [float(x) for x in args.curve_scales.split(",")] if args.curve_scales else CURVE
    got: dict[float, dict] = {}
    for scale in scales:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--scale", f"{scale:g}", "--json",
               "--seed", str(args.seed), "--at", args.at]
        for flag, value in (("--db", args.db), ("--only", args.only),
                            ("--cache-dir", args.cache_dir), ("--runs", args.runs or None),
                            ("--outcomes", args.outcomes or None)):
            if value:
                cmd += [flag, str(value)]
        _log(f"--curve: scale {scale:g} ...")
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines:
            _log(f"  scale {scale:g} failed (exit {proc.returncode})")
            continue
        got[scale] = json.loads(lines[-1])
        _log("\n".join(lines[:-1]))
    sys.stdout.write(curve_table(got) + "\n")
    if args.json:
        sys.stdout.write(json.dumps({f"{k:g}": v for k, v in got.items()}) + "\n")
    return 0 if len(got) == len(scales) else 1


def curve_table(got: dict[float, dict]) -> str:
    scales = sorted(got)
    backend = next((g.get("backend") for g in got.values()), "?")
    head = f"{'figure':<26} {'budget':>10}" + "".join(f"  {'x' + format(s, 'g'):>10}"
                                                      for s in scales)
    lines = [f"dialer-tui bench --curve on {backend} (scale 1 = 100k prospects, 1M touches; "
             "* = over budget)", head, "-" * len(head)]
    for key, (limit, kind) in BUDGETS.items():
        row = f"{key:<26} {('<= ' if kind == 'max' else '>= ') + _fmt(key, limit):>10}"
        for scale in scales:
            g = got[scale]
            star = "*" if key in g.get("missed", []) else ""
            row += f"  {_fmt(key, g.get(key)) + star:>10}"
        lines.append(row)
    lines.append(f"{'load (start/end)':<26} {'':>10}" + "".join(
        f"  {'/'.join(f'{x:.1f}' for x in got[s].get('load', [])):>10}" for s in scales))
    lines.append(f"{'data build (s, SQLite)':<26} {'':>10}" + "".join(
        f"  {got[s].get('build_s') or 0:>10.0f}" for s in scales))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every count (1.0)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--fresh", action="store_true", help="rebuild the cached database and CSV")
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--json", action="store_true", help="one JSON object on the last line")
    ap.add_argument("--only", default="", help=f"comma-separated subset of {', '.join(PARTS)}")
    ap.add_argument("--runs", type=int, default=0, help="timed runs per figure (after warm-up)")
    ap.add_argument("--outcomes", type=int, default=0,
                    help="outcomes timed (default 50; 10 below --scale 0.1, for the smoke test)")
    ap.add_argument("--at", default=gen.AT.isoformat(), help="the instant measured at")
    ap.add_argument("--real-clock", action="store_true",
                    help="cold start: run `python -m dialer_tui` at the real time (the figure "
                         "then depends on the hour: who is callable)")
    ap.add_argument("--keep-work", action="store_true", help="keep the working copy")
    ap.add_argument("--curve", action="store_true",
                    help="run scales 0.1, 1 and 10 and print each figure per scale")
    ap.add_argument("--curve-scales", default="", help="--curve: other scales, e.g. 0.01,0.1")
    ap.add_argument("--child", choices=["outcome", "rss"], help=argparse.SUPPRESS)
    ap.add_argument("--rep", default=gen.REP, help=argparse.SUPPRESS)  # children
    ap.add_argument("--db", default=None,
                    help="a PostgreSQL URL: every figure there (the data is loaded into a "
                         "database of its own on that server; its role needs CREATEDB)")
    args = ap.parse_args(argv)
    if args.child:
        got = asyncio.run(_cockpit_child(args.db, datetime.fromisoformat(args.at),
                                         args.child, args.outcomes, 5, args.rep))
        sys.stdout.write(json.dumps(got) + "\n")
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
