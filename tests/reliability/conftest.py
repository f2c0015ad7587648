"""Shared pieces for the reliability trials (docs/product-rules.md, *Safety*): the installed `dialer-tui`
driven in real terminals (a private tmux server per test), a round-the-clock config so the queue
never depends on the hour the suite runs at, and seeded SQLite files filled by the real importer."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import yaml

from dialer_tui.config import DATA_DIR

from ..conftest import installed_exe, need

# The US area codes used for generated prospects: none is in a state that caps attempts (FL, OK,
# MD); Texas's (713) and Washington's (206) hours are opened round the clock below.
AREA_CODES = ("212", "312", "415", "713", "206", "617")
CSV_HEADER = "First Name,Last Name,Title,Company,Industry,City,Email,Phone,Notes\n"
# "Logged no answer for Kx0007 Trial - next: today" -> ("no answer", "Kx0007"). Generated first
# names are unique; the space after the digits proves they are all drawn (a frame caught half
# drawn, or a notification toast over the end of the line, must not yield a wrong name).
ACK_RE = re.compile(r"Logged (.+?) for ([A-Z][a-z]\d{4,5}) ")
# "locked" alone would also match the dossier's "blocked: ..." verdicts.
BAD_WORDS = ("database is locked", "is locked", "Traceback", "OperationalError")


def exe() -> str:
    need("exe")
    return installed_exe() or ""


needs_terminal = pytest.mark.needs("tmux", "exe")


def round_the_clock_config(cfg: Path) -> Path:
    """A config dir whose calling_rules.yaml allows every minute of every day in the US (the
    installed app runs on the real clock; "24:00" closes the day with no gap at 23:59)."""
    rules = yaml.safe_load((DATA_DIR / "calling_rules.yaml").read_text(encoding="utf-8"))
    rules["countries"]["US"]["hours"] = [{"days": "mon-sun", "start": "00:00", "end": "24:00"}]
    rules["countries"]["US"]["holidays"] = []
    for state in rules["states"].values():  # Texas (713) and Washington (206) have own hours
        state["hours"] = [{"days": "mon-sun", "start": "00:00", "end": "24:00"}]
        state["holidays"] = []
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "calling_rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    return cfg


def phone(i: int) -> str:
    """A distinct valid US number per i (up to 60,000)."""
    ac = AREA_CODES[i // 10_000 % len(AREA_CODES)]
    return f"({ac}) {736 + i // 10_000 % 3}-{i % 10_000:04d}"


def prospect_rows(prefix: str, n: int, start: int = 0, width: int = 4,
                  last: str = "Trial") -> list[str]:
    return [f"{prefix}{i:0{width}d},{last},Owner,Co {prefix}{i},Logistics,,"
            f"{prefix.lower()}{i}@example.com,{phone(i)},," for i in range(start, start + n)]


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(CSV_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def seed_db(db: Path, csv: Path) -> int:
    from datetime import datetime, timedelta, timezone

    from dialer_tui.services.importer import import_csv
    from dialer_tui.store.engine import make_engine

    engine = make_engine(db)
    try:  # created a day ago: due now whatever the clock says
        result = import_csv(engine, csv, region="US", source="seed",
                            now=datetime.now(timezone.utc) - timedelta(days=1))
    finally:
        engine.dispose()
    assert result.rejected == 0 and result.merged == 0, result.summary()
    return result.imported


def stored_outcomes(db: Path) -> Counter:
    """(first name, outcome name) -> touches stored, read with plain sqlite3 after a crash."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT p.first_name, t.outcome FROM touch t "
                           "JOIN prospect p ON p.id = t.prospect_id").fetchall()
    finally:
        con.close()
    return Counter(rows)


def integrity(db: Path) -> tuple[str, list]:
    con = sqlite3.connect(db)
    try:
        return (con.execute("PRAGMA integrity_check").fetchone()[0],
                con.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        con.close()


class Tmux:
    """A private tmux server (its own socket): sessions of the real app, keys in, screens out."""

    def __init__(self) -> None:
        self.socket = f"dialer-rel-{uuid.uuid4().hex[:10]}"
        self.started = False

    def run(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def start(self, name: str, command: str, width: int = 120, height: int = 35) -> int:
        """Start `command` (exec'd, so the pane pid is the app itself); returns that pid."""
        self.run("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
                 f"exec {command}")
        if not self.started:  # else the server quits with its last session, racing the next
            self.run("set-option", "-s", "exit-empty", "off")
            # A crashed app's traceback stays on screen for the failure message.
            self.run("set-option", "-g", "remain-on-exit", "on")
            self.started = True
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def capture(self, name: str, escapes: bool = False) -> str:
        return self.run("capture-pane", "-p", *(["-e"] if escapes else []), "-t", name,
                        check=False)

    def keys(self, name: str, *keys: str) -> None:
        self.run("send-keys", "-t", name, *keys)

    def literal(self, name: str, text: str) -> None:
        self.run("send-keys", "-t", name, "-l", text)

    def settled(self, name: str, predicate, timeout: float = 30.0, quiet: float = 0.15) -> str:
        """The screen once `predicate` holds and nothing has changed for `quiet` seconds (a
        dossier filled in after its row moved): a condition awaited, not a fixed sleep."""
        screen = self.wait_for(name, predicate, timeout)
        deadline, still_since = time.monotonic() + timeout, time.monotonic()
        while time.monotonic() - still_since < quiet and time.monotonic() < deadline:
            time.sleep(0.03)
            now = self.capture(name)
            if now != screen:
                screen, still_since = now, time.monotonic()
        return screen

    def wait_exit(self, name: str, timeout: float = 30.0) -> None:
        """Until the app in `name` has exited (remain-on-exit keeps the dead pane)."""
        deadline = time.monotonic() + timeout
        while self.run("display-message", "-p", "-t", name, "#{pane_dead}",
                       check=False).strip() != "1":
            assert time.monotonic() < deadline, f"the app in {name} did not exit"
            time.sleep(0.03)

    def wait_for(self, name: str, predicate, timeout: float = 30.0, poll: float = 0.03) -> str:
        deadline = time.monotonic() + timeout
        screen, polls = "", 0
        while time.monotonic() < deadline:
            screen = self.capture(name)
            if predicate(screen):
                return screen
            polls += 1
            if "Pane is dead" in screen or polls % 30 == 0 and self.run(
                    "display-message", "-p", "-t", name, "#{pane_dead}", check=False
            ).strip() == "1":  # the app exited (remain-on-exit keeps its last words)
                history = self.run("capture-pane", "-p", "-S", "-200", "-t", name, check=False)
                raise AssertionError(f"the app in {name} exited:\n{history}")
            time.sleep(poll)
        # A hang: the app's threads as faulthandler sees them (PYTHONFAULTHANDLER is set).
        pid = self.run("display-message", "-p", "-t", name, "#{pane_pid}", check=False).strip()
        dump = ""
        if pid.isdigit() and self.run("display-message", "-p", "-t", name, "#{pane_dead}",
                                      check=False).strip() == "0":
            os.kill(int(pid), signal.SIGABRT)
            time.sleep(0.5)
            dump = self.capture(name)
        raise AssertionError(f"timed out after {timeout}s; last screen of {name}:\n{screen}"
                             + (f"\nthreads at the time:\n{dump}" if dump else ""))

    def kill_session(self, name: str) -> None:
        self.run("kill-session", "-t", name, check=False)

    def close(self) -> None:
        self.run("kill-server", check=False)


@pytest.fixture
def tmux():
    server = Tmux()
    yield server
    server.close()


def app_command(db: Path, cfg: Path, extra: str = "") -> str:
    # COLUMNS/LINES (which a tmux server started under pytest passes on as 80x24) would
    # override the pane's real size.
    return (f"env -u COLUMNS -u LINES DIALER_TUI_DB={db} DIALER_TUI_CONFIG={cfg} "
            f"TERM=xterm-256color TEXTUAL_ANIMATIONS=none PYTHONFAULTHANDLER=1 {extra} {exe()}")


def letters(n: int) -> str:
    """n in capital letters (A, B, ..., BA ...): safe to type into a note box, and a lost focus
    would not turn it into cockpit keys (those are lower-case letters and digits)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(65 + r) + out
        if not n:
            return out


def ack_line(screen: str) -> str:
    """The outcome bar's acknowledgement line ('' when none is shown; a toast may cover its
    right-hand end)."""
    for line in screen.splitlines():
        text = line.strip("│ ")
        if text.startswith(("Logged ", "Note saved", "Undid ")):
            return text
    return ""


def note_saved(screen: str) -> bool:
    return ack_line(screen).startswith("Note saved")


# Outcomes that ask for an optional time first (a meeting's, the gatekeeper's "try Monday"):
# a test that logs them skips the time with Enter once the form is up.
ASKS_TIME = {"1": "Meeting booked: when?", "6": "Gatekeeper: when to try again?"}


def press_outcome(tmux, name: str, key: str) -> None:
    tmux.keys(name, key)
    if key in ASKS_TIME:
        tmux.wait_for(name, lambda s: ASKS_TIME[key] in s)
        tmux.keys(name, "Enter")
