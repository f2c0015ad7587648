"""`dialer-tui stats` reads as a short report (issue 17: it was a key dump with `since: None`);
`stats --json` is the stable contract, unchanged. Real subprocesses on a real SQLite file,
every instant given with --at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import ARRIVED, CSV, run

AT = "2026-12-02T20:00:00Z"
UTC_ENV = {"TZ": "UTC"}  # dials per hour count calendar days in the machine's zone


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    src = tmp_path / "list.csv"
    src.write_text(CSV, encoding="utf-8")
    run("import", str(src), "--at", ARRIVED, db=path)
    ids = {name: str(json.loads(run("lookup", name, "--json", db=path).stdout)[0]["prospect_id"])
           for name in ("Tim", "Ana", "Ben", "Zoe")}
    for who, outcome, at, extra in (
            ("Ben", "no_answer", "2026-12-01T15:00:00Z", ()),  # 10:00 in New York
            ("Ben", "left_voicemail", "2026-12-01T18:00:00Z", ()),
            ("Tim", "callback_requested", "2026-12-01T15:10:00Z", ("--when", "tomorrow 10am")),
            ("Tim", "meeting_booked", "2026-12-02T15:05:00Z", ()),  # the callback returned
            ("Ana", "no_answer", "2026-12-01T15:20:00Z", ()),
            ("Zoe", "email_sent", "2026-12-01T19:00:00Z", ())):
        run("log", ids[who], outcome, "--at", at, *extra, db=path)
    return path


def test_stats_is_a_short_aligned_report(db):
    text = run("stats", "--at", AT, db=db, env=UTC_ENV).stdout
    lines = text.splitlines()
    assert [line[:18].strip() for line in lines] == [
        "period", "dials", "connects", "conversations", "meetings", "voicemails",
        "callbacks returned", "promises", "best local hours", "other touches"]
    # labels padded to one column, values starting in the next one
    assert all(line[18:20] == "  " and line[20] != " " for line in lines)
    values = {line[:18].strip(): line[20:] for line in lines}
    assert values["period"] == "every touch on record, as of Wed 02 Dec 2026 20:00 UTC"
    assert values["dials"].startswith("5 (")
    assert values["connects"] == "2, 40.0% of dials (1 in 7 is 14.3%)"
    assert (values["conversations"], values["meetings"], values["voicemails"]) == ("2", "1", "1")
    assert values["callbacks returned"] == "1 of 1 requested"
    assert values["promises"].endswith("made") and "kept" in values["promises"]
    assert values["best local hours"] == "10:00 (2 of 4) in their time"
    assert values["other touches"] == "email 1"
    assert "None" not in text and "{" not in text


def test_since_names_the_period_and_json_is_unchanged(db):
    text = run("stats", "--since", "2026-12-02", "--at", AT, db=db, env=UTC_ENV).stdout
    values = {line[:18].strip(): line[20:] for line in text.splitlines()}
    assert values["period"] == "since Wed 02 Dec 2026 00:00 UTC, as of Wed 02 Dec 2026 20:00 UTC"
    assert values["dials"].startswith("1 (")
    data = json.loads(run("stats", "--at", AT, "--json", db=db, env=UTC_ENV).stdout)
    assert data["since"] is None and data["until"] is None
    assert (data["dials"], data["connects"], data["meetings"]) == (5, 2, 1)
    assert {"connect_rate", "by_local_hour", "promises_kept", "dials_per_hour"} <= set(data)


def test_no_calls_yet_reads_plainly(tmp_path):
    text = run("stats", "--at", AT, db=tmp_path / "empty.db", env=UTC_ENV).stdout
    values = {line[:18].strip(): line[20:] for line in text.splitlines()}
    assert values["dials"] == "0" and values["connects"] == "0"
    assert values["best local hours"] == "none yet (no connects)"
