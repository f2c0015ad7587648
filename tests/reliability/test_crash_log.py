"""An unexpected exception, in a command or in the cockpit: the user gets one line naming the
log; the log (crash.log in the data folder, owner-only) gets the frames and the exception,
redacted: no password, no e-mail or phone number, no local variable of any frame.

Nothing in the product raises unexpectedly on purpose, so the exception is planted: a
sitecustomize module on PYTHONPATH wraps one function of the installed program (the real lookup,
or the cockpit's first-frame hook) so that it raises after the real work, with prospect data in
its frames' locals and secrets in its message."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dialer_tui import crash_log

from .conftest import phone, prospect_rows, seed_db, write_csv

SECRET = "s3cr3t-pw"
MESSAGE = (f"cannot reach postgresql://rep:{SECRET}@db.example/list for ann.lee@example.com "
           "at +1 (212) 736-5000")
FAULTS = f'''
import os
fault = os.environ.get("DIALER_TUI_TEST_FAULT", "")
if fault == "lookup":
    from dialer_tui.services import review
    real_lookup = review.lookup
    def lookup(*args, **kwargs):
        matches = real_lookup(*args, **kwargs)  # prospect data in this frame's locals
        token = "LOCAL" + "SECRET"
        raise RuntimeError({MESSAGE!r})
    review.lookup = lookup
elif fault == "app":
    from dialer_tui.app import DialerApp
    real_started = DialerApp.started
    def started(self):
        real_started(self)
        token = "LOCAL" + "SECRET"
        raise RuntimeError({MESSAGE!r})
    DialerApp.started = started
'''
LEAKS = (SECRET, "ann.lee@example.com", "736-5000", "7365000", "LOCALSECRET", "Cq0001")


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    (tmp_path / "faults").mkdir()
    (tmp_path / "faults" / "sitecustomize.py").write_text(FAULTS, encoding="utf-8")
    (tmp_path / "cfg").mkdir()
    db = tmp_path / "dialer.db"
    seed_db(db, write_csv(tmp_path / "seed.csv", prospect_rows("Cq", 3)))
    path = os.pathsep.join(filter(None, [str(tmp_path / "faults"), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path,
           "XDG_DATA_HOME": str(tmp_path / "data"), "DIALER_TUI_CONFIG": str(tmp_path / "cfg"),
           "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}
    return db, env


def run(db: Path, env: dict[str, str], fault: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dialer_tui", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**env, "DIALER_TUI_TEST_FAULT": fault})


def check_log(log: Path, where: str) -> str:
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last):" in text and f"in {where}\n" in text, text
    assert "builtins.RuntimeError: cannot reach postgresql://rep:***@db.example/list for " \
           "<email> at <number>" in text, text
    for leak in LEAKS:
        assert leak not in text, leak
    return text


def test_an_unexpected_error_in_a_command_is_one_line_and_a_redacted_log(setup, tmp_path):
    db, env = setup
    proc = run(db, env, "lookup", "lookup", phone(1))
    log = tmp_path / "data" / "dialer-tui" / "crash.log"
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("dialer-tui: unexpected error in 'lookup' (RuntimeError: ")
    assert proc.stderr.endswith(f"; details in {log}\n") and SECRET not in proc.stderr
    check_log(log, "lookup")
    assert run(db, env, "", "lookup", phone(1)).returncode == 0  # the fault is the only cause


def test_an_unexpected_error_in_the_cockpit_is_one_line_and_a_redacted_log(setup, tmp_path):
    db, env = setup
    proc = run(db, env, "app")
    log = tmp_path / "data" / "dialer-tui" / "crash.log"
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "LOCALSECRET" not in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("dialer-tui: unexpected error in the cockpit (RuntimeError: ")
    assert proc.stderr.endswith(f"; details in {log}\n") and SECRET not in proc.stderr
    check_log(log, "started")


def _raise() -> RuntimeError:
    try:
        raise RuntimeError(MESSAGE)
    except RuntimeError as exc:
        return exc


def test_the_log_is_appended_owner_only_and_never_through_a_symlink(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    log = crash_log.log_path()
    log.parent.mkdir(parents=True)
    log.write_text("an earlier crash\n", encoding="utf-8")
    log.chmod(0o644)
    line = crash_log.report(_raise(), "a test")
    assert line.endswith(f"details in {log}")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert log.read_text(encoding="utf-8").startswith("an earlier crash\n=== ")
    victim = tmp_path / "victim"
    victim.write_text("keep me", encoding="utf-8")
    log.unlink()
    log.symlink_to(victim)
    line = crash_log.report(_raise(), "a test")
    assert f"the details could not be written to {log}" in line and SECRET not in line
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_redact():
    assert crash_log.redact("postgresql+psycopg://rep:pw@h:5432/x and mysql://a:b@c/d") == \
        "postgresql+psycopg://rep:***@h:5432/x and mysql://a:***@c/d"
    assert crash_log.redact("[SQL: INSERT INTO t VALUES (?)]\n[parameters: ('Ann Lee', 3)]") == \
        "[SQL: INSERT INTO t VALUES (?)]\n[parameters: (redacted)]"
    assert crash_log.redact("call 030 901820 or +44 20 7946 0958, mail a.b+c@x.co.uk") == \
        "call <number> or <number>, mail <email>"
    assert crash_log.redact('  File "/x/cli.py", line 1234, in main') == \
        '  File "/x/cli.py", line 1234, in main'
