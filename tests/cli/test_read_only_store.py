"""A store that cannot be written (docs/product-rules.md, *Command line*): the reading commands
answer as they would on a writable copy, writing commands fail in one line naming the file (exit
1), and the file and its folder are left exactly as they were.

The tests run as root, which permission bits do not stop; so a root run makes the folder and its
files immutable (chattr +i), which stops root too and which the kernel reports through access(2)
the way it reports a read-only mount. Another user gets plain chmod a-w."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import CI

ARRIVED = "2026-11-30T12:00:00Z"
AT = "2026-12-01T15:00:00Z"  # Tuesday 10:00 in New York
CSV = """First Name,Last Name,Company Name,State/Province,Phone Number
Tim,Okafor,Quality Fabricators,OH,(937) 555-0101
Ana,Lima,Lima Foods,FL,813-555-0102
Zoe,Roy,Roy Clinics,CA,310-555-0104
"""
READS = [("queue", "--at", AT, "--json"), ("lookup", "okafor", "--json"),
         ("history", "1", "--at", AT, "--json"), ("why", "3", "--at", AT, "--json"),
         ("stats", "--at", AT, "--json")]


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DIALER_TUI_CONFIG": str(db.parent.parent / "cfg")}
    return subprocess.run([sys.executable, "-m", "dialer_tui", "--db", str(db), *args],
                          capture_output=True, text=True, env=env, timeout=120,
                          stdin=subprocess.DEVNULL)


def _chattr(flag: str, paths: list[Path]) -> bool:
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True).returncode == 0


@contextlib.contextmanager
def unwritable(folder: Path):
    """The folder and every file in it made unwritable, for this process too; undone after."""
    paths = [*sorted(folder.iterdir()), folder]
    if os.geteuid() == 0:
        if not _chattr("+i", paths):
            _chattr("-i", paths)
            message = "needs chattr +i (CAP_LINUX_IMMUTABLE on a file system that has it)"
            if CI:
                pytest.fail(f"{message} (CI=true: missing tools fail the run)", pytrace=False)
            pytest.skip(message)
        try:
            yield
        finally:
            _chattr("-i", paths)
        return
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths:
        p.chmod(modes[p] & ~0o222)
    try:
        yield
    finally:
        for p in reversed(paths):
            p.chmod(modes[p])


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "store").mkdir()
    db = tmp_path / "store" / "dialer.db"
    (tmp_path / "list.csv").write_text(CSV, encoding="utf-8")
    for args in (("import", str(tmp_path / "list.csv"), "--at", ARRIVED),
                 ("log", "1", "left_voicemail", "--at", AT, "--note", "left one")):
        proc = run(db, *args)
        assert proc.returncode == 0, proc.stderr
    return db


def test_reading_commands_answer_as_on_a_writable_store(store):
    expected = {args[0]: run(store, *args) for args in READS}
    assert all(p.returncode == 0 for p in expected.values())
    before = snapshot(store.parent)
    assert set(before) == {"dialer.db"}  # closed cleanly: no -wal, no -shm
    with unwritable(store.parent):
        got = {args[0]: run(store, *args) for args in READS}
        after = snapshot(store.parent)
    for name, proc in got.items():
        assert proc.returncode == 0, (name, proc.stderr)
        assert json.loads(proc.stdout) == json.loads(expected[name].stdout), name
    assert json.loads(got["history"].stdout)["touches"][0]["note"] == "left one"
    assert after == before  # nothing written, not even a -shm


def test_writing_commands_fail_in_one_line_naming_the_file(store, tmp_path):
    (tmp_path / "more.csv").write_text("First Name,Phone\nNew,(212) 555-0110\n", encoding="utf-8")
    before = snapshot(store.parent)
    with unwritable(store.parent):
        for args in (("log", "2", "no_answer", "--at", AT),
                     ("import", str(tmp_path / "more.csv"), "--at", AT),
                     ("dnc", "add", "(212) 555-0111", "--at", AT)):
            proc = run(store, *args)
            lines = proc.stderr.strip().splitlines()
            assert proc.returncode == 1, (args, proc.stderr)
            assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
            assert f"{store} is read-only" in lines[0] and f"'{args[0]}'" in lines[0], lines
        after = snapshot(store.parent)
    assert after == before


def _crash_after_a_write(db: Path) -> None:
    """A committed change left in the -wal, as a writer killed before it closed leaves it."""
    code = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('PRAGMA wal_autocheckpoint = 0'); "
            "c.execute(\"UPDATE prospect SET company = 'Walonly Inc' WHERE id = 1\"); "
            "c.commit(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    assert db.with_name("dialer.db-wal").stat().st_size > 0


def test_changes_still_in_the_wal_are_read_not_skipped(store):
    """An immutable read would ignore the -wal and show the company as it was before."""
    _crash_after_a_write(store)
    with unwritable(store.parent):
        proc = run(store, "history", "1", "--at", AT, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["prospect"]["company"] == "Walonly Inc"


def test_a_wal_that_cannot_be_read_is_named_not_skipped(store):
    _crash_after_a_write(store)
    store.with_name("dialer.db-shm").unlink()  # the index SQLite needs to read the -wal
    with unwritable(store.parent):
        proc = run(store, "queue", "--at", AT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and f"{store} is read-only" in proc.stderr
    assert "dialer.db-wal" in proc.stderr
