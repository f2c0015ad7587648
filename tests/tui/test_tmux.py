"""The installed `dialer-tui` in a real terminal (tmux): an outcome acknowledged on screen is in
the store after the process is killed with SIGKILL right after the acknowledgement."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from dialer_tui.services.bundle import load_bundle
from dialer_tui.services.queue import build_queue
from dialer_tui.store.engine import make_engine
from dialer_tui.store.models import Touch

from ..conftest import installed_exe
from ..reliability.conftest import round_the_clock_config
from .conftest import _import, write_csv

NUMBERS = ["(212) 736-5000", "(312) 253-4410", "(415) 554-4000"]


def _capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=False).stdout


def _wait_for(session: str, needle: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(session)
        if needle in screen:
            return screen
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} never appeared; last screen:\n{screen}")


@pytest.mark.needs("tmux", "exe")
def test_acknowledged_outcome_survives_sigkill(tmp_path):
    rows = [f"Zone{i},Caller,Owner,Zone Co {i},Logistics,,,,z{i}@example.com,{num},,,,{i}"
            for i, num in enumerate(NUMBERS)]
    db = tmp_path / "tmux.db"
    engine = make_engine(db)
    _import(engine, write_csv(tmp_path / "world.csv", rows))
    cfg = round_the_clock_config(tmp_path / "config")
    with Session(engine) as s:
        assert build_queue(s, load_bundle(cfg), at=datetime.now(timezone.utc), limit=5)
    session = f"dialer-tui-test-{uuid.uuid4().hex[:8]}"
    cmd = (f"exec env DIALER_TUI_DB={db} DIALER_TUI_CONFIG={cfg} TERM=xterm-256color "
           f"{installed_exe()}")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "35", cmd],
                   check=True)
    try:
        pid = int(subprocess.run(["tmux", "display-message", "-p", "-t", session,
                                  "#{pane_pid}"], capture_output=True, text=True,
                                 check=True).stdout.strip())
        screen = _wait_for(session, "callable now")
        assert "Queue" in screen and "Zone" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "5"], check=True)
        screen = _wait_for(session, "Logged no answer for")
        os.kill(pid, signal.SIGKILL)  # at once: no clean shutdown, no flush on exit
        name = screen.split("Logged no answer for ", 1)[1].split(" - ")[0].split("│")[0].strip()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False,
                       capture_output=True)
    engine.dispose()
    engine = make_engine(db)
    with Session(engine) as s:
        stored = list(s.exec(select(Touch).where(Touch.outcome == "no_answer")))
    assert len(stored) == 1, name
    assert Path(db).exists()


@pytest.mark.needs("tmux", "exe")
def test_keys_in_one_burst_act_in_order_on_the_right_prospects(tmp_path):
    """`5 d 4` typed in one burst into the real terminal: a no-answer on the first prospect,
    the dial refused or dropped as the rep moved on, a voicemail on the second; no stray note."""
    rows = [f"Burst{i},Caller,Owner,Burst Co {i},Logistics,,,,b{i}@example.com,{num},,,,{9 - i}"
            for i, num in enumerate(NUMBERS)]
    db = tmp_path / "burst.db"
    engine = make_engine(db)
    _import(engine, write_csv(tmp_path / "burst.csv", rows))
    cfg = round_the_clock_config(tmp_path / "config")
    with Session(engine) as s:
        order = [it.prospect_id for it in build_queue(s, load_bundle(cfg),
                                                      at=datetime.now(timezone.utc), limit=5)]
    session = f"dialer-tui-test-{uuid.uuid4().hex[:8]}"
    cmd = (f"exec env DIALER_TUI_DB={db} DIALER_TUI_CONFIG={cfg} TERM=xterm-256color "
           f"{installed_exe()}")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "35", cmd],
                   check=True)
    try:
        _wait_for(session, "callable now")
        subprocess.run(["tmux", "send-keys", "-t", session, "-l", "5d4"], check=True)
        _wait_for(session, "Logged left voicemail for")
        time.sleep(0.3)  # anything the burst might still do, it does now
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False,
                       capture_output=True)
    engine.dispose()
    engine = make_engine(db)
    with Session(engine) as s:
        stored = [(t.prospect_id, t.outcome, t.note) for t in s.exec(select(Touch)
                                                                     .order_by(Touch.id))]
    engine.dispose()
    assert stored == [(order[0], "no_answer", ""), (order[1], "left_voicemail", "")]
