"""An import killed in the middle leaves no process behind: its readers die with it (issue:
SIGKILL or SIGTERM of `dialer-tui import` left both workers blocked on a pipe, ~115 MB each,
holding the caller's stdout, so `$(dialer-tui import ...)` never returned)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import exe, prospect_rows, write_csv


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.needs("exe")
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killing_an_import_leaves_no_worker_and_releases_stdout(tmp_path, how):
    src = write_csv(tmp_path / "big.csv", prospect_rows("Kw", 60_000))
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    proc = subprocess.Popen([exe(), "--db", str(tmp_path / "kill.db"), "--config", str(cfg),
                             "import", str(src)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        workers = _children(proc.pid)  # the two readers, once the parallel read is running
        time.sleep(0.02)
    assert len(workers) >= 2, "the import never started its readers"
    os.kill(proc.pid, how)
    try:
        # returns only once nobody holds the pipe any more: what `$(dialer-tui import)` needs
        proc.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "a reader outlived the import"
    except subprocess.TimeoutExpired:
        pytest.fail("the import's stdout is still held open by a reader after it was killed")
    finally:
        for w in workers:  # never leave one behind for the rest of the suite
            if _alive(w):
                os.kill(w, signal.SIGKILL)
