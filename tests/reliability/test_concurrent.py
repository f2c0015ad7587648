"""Two cockpits and an import on one SQLite file at once: nobody sees "database is locked", no
acknowledged write is lost, and every imported row is there."""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import threading
import time
from collections import Counter

import pytest

from dialer_tui.services.bundle import load_bundle

from .conftest import (
    ACK_RE,
    BAD_WORDS,
    Tmux,
    ack_line,
    app_command,
    exe,
    integrity,
    letters,
    needs_terminal,
    note_saved,
    press_outcome,
    prospect_rows,
    round_the_clock_config,
    seed_db,
    stored_outcomes,
    write_csv,
)

# "locked" as a word: a dossier may well say "blocked: status not_interested until ...".
LOCKED = re.compile(r"\blocked\b", re.IGNORECASE)

IMPORT_ROWS = 12_000  # three of the importer's 5,000-row transactions
KEYS = "55544463m"


class Cockpit(threading.Thread):
    """Logs outcomes (each with a note) in one tmux pane until told to stop; every screen seen
    is checked for an error text."""

    def __init__(self, tmux: Tmux, name: str, labels: dict[str, str], seed: int):
        super().__init__(daemon=True)
        self.tmux, self.name, self.labels = tmux, name, labels
        self.index = seed
        self.rng = random.Random(seed)
        self.acked: Counter = Counter()
        self.notes: list[str] = []
        self.stop = threading.Event()
        self.screens = 0
        self.error: BaseException | None = None

    def _wait(self, predicate) -> str:
        def check(screen: str) -> bool:
            self.screens += 1
            for word in BAD_WORDS:
                assert word not in screen, f"{word!r} on the screen of {self.name}:\n{screen}"
            return predicate(screen)

        return self.tmux.wait_for(self.name, check, timeout=60)

    def run(self) -> None:
        try:
            self._wait(lambda s: "callable now" in s)
            n = 0
            while not self.stop.is_set():
                press_outcome(self.tmux, self.name, self.rng.choice(KEYS))
                # The ack before the key was "Note saved" (or none): any outcome ack is new.
                screen = self._wait(lambda s: ACK_RE.search(ack_line(s)) is not None)
                m = ACK_RE.search(ack_line(screen))
                self.acked[(m.group(2), self.labels[m.group(1)])] += 1
                note = f"NOTE {letters(self.index)} {letters(n)}"
                self.tmux.keys(self.name, "c")  # open the note on the touch just logged
                self.tmux.literal(self.name, note)
                self.tmux.keys(self.name, "Enter")
                self._wait(note_saved)
                self.notes.append(note)
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


@needs_terminal
@pytest.mark.slow
def test_two_cockpits_and_an_import_share_one_sqlite_file(tmp_path):
    """Two real app processes (tmux panes) log outcomes and notes on the same SQLite file while
    a third process runs `dialer-tui import` of a 12,000-row CSV (three write transactions).
    Every screen capture of both cockpits and the import's stdout/stderr are free of "database
    is locked" (and of tracebacks); every acknowledged outcome and note is stored; all 12,000
    rows are imported."""
    cfg = round_the_clock_config(tmp_path / "cfg")
    db = tmp_path / "shared.db"
    seed_db(db, write_csv(tmp_path / "seed.csv", prospect_rows("Cz", 300, last="Pair")))
    big = write_csv(tmp_path / "big.csv", prospect_rows("Im", IMPORT_ROWS, start=10_000, width=5,
                                                       last="Bulk"))
    labels = {o.label.lower(): o.name for o in load_bundle(cfg).dispositions.outcomes}
    tmux = Tmux()
    cockpits = [Cockpit(tmux, f"c{i}", labels, seed=100 + i) for i in range(2)]
    try:
        for c in cockpits:
            tmux.start(c.name, app_command(db, cfg))
            c.start()
        deadline = time.monotonic() + 60
        while sum(c.acked.total() for c in cockpits) < 6 and time.monotonic() < deadline:
            assert all(c.error is None for c in cockpits), [c.error for c in cockpits]
            time.sleep(0.05)
        started = time.monotonic()
        at_start = sum(c.acked.total() for c in cockpits)
        proc = subprocess.run([exe(), "--db", str(db), "--config", str(cfg), "import", str(big)],
                              capture_output=True, text=True, timeout=180)
        import_s = time.monotonic() - started
        # Keep logging a little after the import: the cockpits' polls pick up the new rows.
        at_end = [c.acked.total() for c in cockpits]
        during = sum(at_end) - at_start
        deadline = time.monotonic() + 60
        while (any(c.acked.total() < n + 3 for c, n in zip(cockpits, at_end, strict=True))
               and time.monotonic() < deadline and all(c.error is None for c in cockpits)):
            time.sleep(0.05)
        for c in cockpits:
            c.stop.set()
        for c in cockpits:
            c.join(timeout=60)
        for c in cockpits:
            if c.error is not None:
                raise c.error
            screen = tmux.capture(c.name)
            assert "Traceback" not in screen and not LOCKED.search(screen), screen
    finally:
        tmux.close()

    for stream in (proc.stdout, proc.stderr):
        assert not LOCKED.search(stream) and "Traceback" not in stream, stream
    assert proc.returncode == 0, proc.stderr
    assert f"imported {IMPORT_ROWS}, merged 0, rejected 0" in proc.stdout, proc.stdout

    acked = sum((c.acked for c in cockpits), Counter())
    stored = stored_outcomes(db)
    lost = {k: (n, stored[k]) for k, n in acked.items() if stored[k] < n}
    assert lost == {}
    assert sum(stored.values()) == acked.total()  # the panes were stopped between outcomes
    assert during >= 1, "no outcome was acknowledged while the import ran"
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM prospect WHERE last_name = 'Bulk'"
                           ).fetchone()[0] == IMPORT_ROWS
        assert con.execute("SELECT count(DISTINCT p.id) FROM prospect p JOIN phone_number ph "
                           "ON ph.prospect_id = p.id WHERE p.last_name = 'Bulk'"
                           ).fetchone()[0] == IMPORT_ROWS
        notes = {r[0] for r in con.execute("SELECT note FROM touch WHERE note != ''")}
    finally:
        con.close()
    assert {n for c in cockpits for n in c.notes} <= notes
    assert integrity(db) == ("ok", [])
    print(  # noqa: T201 - the figures, shown with -s
        f"\nconcurrent: {acked.total()} acknowledged outcomes "
        f"({during} while the import ran), "
        f"{sum(len(c.notes) for c in cockpits)} notes, import of {IMPORT_ROWS} rows in "
        f"{import_s:.1f}s; {sum(c.screens for c in cockpits)} screens checked; lost 0")


def test_rows_helper_makes_distinct_numbers():
    rows = prospect_rows("Im", IMPORT_ROWS, start=10_000, width=5, last="Bulk")
    phones = [r.split(",")[7] for r in rows]
    assert len(set(phones)) == IMPORT_ROWS
    assert not set(phones) & {r.split(",")[7] for r in prospect_rows("Cz", 300, last="Pair")}
