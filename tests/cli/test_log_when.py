"""`dialer-tui log ID OUTCOME --when WHEN` (alias --callback): the time agreed, read in the
prospect's zone relative to --at, stored snapped into calling hours (issue 17, time entry).
Real subprocesses against a real SQLite file; every instant is given with --at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import ARRIVED, CSV, run

# Tuesday 1 December 2026, 10:00 in New York (Ben Cho's zone: a 212 number in NY).
TUE = "2026-12-01T15:00:00Z"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    src = tmp_path / "list.csv"
    src.write_text(CSV, encoding="utf-8")
    run("import", str(src), "--at", ARRIVED, db=path)
    return path


def ben(db: Path) -> str:
    return str(json.loads(run("lookup", "Ben Cho", "--json", db=db).stdout)[0]["prospect_id"])


def callback(db: Path, pid: str, *words: str, at: str = TUE, env: dict | None = None) -> dict:
    return json.loads(run("log", pid, "callback_requested", "--at", at, *words, "--json",
                          db=db, env=env).stdout)


def test_when_reads_the_forms_issue_17_found_broken(db):
    pid = ben(db)
    # "wed next week" was Monday; it is the Wednesday of next week.
    assert callback(db, pid, "--when", "wed next week")["callback_at"] == \
        "2026-12-09T14:00:00+00:00"
    # "jan 20 9am" was rejected; --callback is the same option.
    assert callback(db, pid, "--callback", "jan 20 9am")["callback_at"] == \
        "2027-01-20T14:00:00+00:00"
    # "thu 9am" said on a Thursday at 08:00 was next week; 09:00 is still ahead: today.
    assert callback(db, pid, "--when", "thu 9am", at="2026-12-03T13:00:00Z")["callback_at"] == \
        "2026-12-03T14:00:00+00:00"


def test_the_text_output_says_how_ambiguous_words_were_read(db):
    pid = ben(db)
    out = run("log", pid, "callback_requested", "--at", TUE, "--when", "at 3", db=db).stdout
    assert "next: Tuesday 01 Dec 15:00 (America/New_York)" in out, out
    assert "read: '3' read as 15:00: the next 3 o'clock in calling hours" in out, out
    out = run("log", pid, "callback_requested", "--at", TUE, "--when", "1/20", db=db).stdout
    assert "read: '1/20' read as month/day (region US): 20 January 2027" in out, out


def test_a_numeric_date_is_day_month_outside_the_us_and_canada(db, tmp_path):
    pid = ben(db)
    assert callback(db, pid, "--when", "2/3 10am")["callback_at"] == "2027-02-03T15:00:00+00:00"
    gb = tmp_path / "cfg-gb"
    gb.mkdir()
    (gb / "settings.yaml").write_text("region: GB\n", encoding="utf-8")
    assert callback(db, pid, "--when", "2/3 10am", env={"DIALER_TUI_CONFIG": str(gb)})[
        "callback_at"] == "2027-03-02T15:00:00+00:00"


def test_a_time_outside_calling_hours_is_moved_and_the_warning_says_what_moved(db):
    pid = ben(db)
    out = callback(db, pid, "--when", "sat 7am")
    assert out["callback_at"] == "2026-12-05T13:00:00+00:00"  # 08:00 in New York
    assert out["warnings"] == ["Sat 07:00 is outside the calling hours (before they open); "
                               "moved to Sat 05 Dec 08:00"]


def test_words_it_cannot_read_and_a_time_it_cannot_keep_are_exit_2_and_write_nothing(db):
    pid = ben(db)
    proc = run("log", pid, "callback_requested", "--at", TUE, "--when", "thu 9 bananas", db=db,
               check=False)
    assert proc.returncode == 2
    assert "cannot read 'bananas'" in proc.stderr and "'jan 20 9am'" in proc.stderr
    proc = run("log", pid, "no_answer", "--at", TUE, "--when", "thu 2pm", db=db,
               check=False)
    assert proc.returncode == 2
    assert "--when is not recorded for no_answer" in proc.stderr
    hist = json.loads(run("history", pid, "--at", TUE, "--json", db=db).stdout)
    assert hist["touches"] == []


def test_a_meetings_time_is_kept_as_agreed(db):
    pid = ben(db)
    proc = run("log", pid, "meeting_booked", "--at", TUE, "--when", "thu 2pm", db=db)
    assert "next: meeting Thursday" in proc.stdout
    hist = json.loads(run("history", pid, "--at", TUE, "--json", db=db).stdout)
    assert hist["touches"][0]["promised"].startswith("meeting Thu")
