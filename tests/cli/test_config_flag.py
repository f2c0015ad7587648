"""`--config` naming a folder that does not exist is an error for every command (exit 2, one
line), `check` included (issue 17: it said "ok"); stats and the CRM export read the user's
outcomes from the folder it names. Real subprocesses on a real SQLite file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dialer_tui.config import DATA_DIR

from .test_cli import ARRIVED, AT, CSV, run

# Two outcomes of the user's own: a meeting by another name, and HubSpot's "Busy".
MINE = ('  - {name: demo_booked, key: "0", label: "Demo booked", channel: call, attempt: true,\n'
        '     connect: true, terminal: meeting_booked, recycle_days: 120, follow_up: none}\n'
        '  - {name: busy_signal, key: "b", label: "Busy signal", channel: call, attempt: true,\n'
        '     connect: false, follow_up: next_step, crm: Busy}\n')


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    src = tmp_path / "list.csv"
    src.write_text(CSV, encoding="utf-8")
    run("import", str(src), "--at", ARRIVED, db=path)
    return path


@pytest.mark.parametrize("args", [
    ("check",), ("stats",), ("queue",), ("export", "prospects", "{out}"),
    ("export", "crm-calls", "{out}"), ("lookup", "555"), ("dnc", "list"),
])
def test_a_config_folder_that_does_not_exist_is_exit_2_in_one_line(db, tmp_path, args):
    out = tmp_path / "out.csv"
    proc = run("--config", str(tmp_path / "no-such-folder"),
               *(a.format(out=out) for a in args), db=db, check=False)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "no-such-folder: --config names a folder or file that does not exist" in proc.stderr
    assert proc.stdout == "" and not out.exists()


def test_stats_and_the_crm_export_read_the_users_outcomes(db, tmp_path):
    cfg = tmp_path / "mine"
    cfg.mkdir()
    shipped = (DATA_DIR / "dispositions.yaml").read_text(encoding="utf-8")
    (cfg / "dispositions.yaml").write_text(shipped + MINE, encoding="utf-8")
    ids = [str(m["prospect_id"]) for m in json.loads(run("lookup", "a", "--json", db=db).stdout)]
    run("--config", str(cfg), "log", ids[0], "demo_booked", "--at", AT, db=db)
    run("--config", str(cfg), "log", ids[1], "busy_signal", "--at", AT, db=db)
    stats = json.loads(run("--config", str(cfg), "stats", "--at", AT, "--json", db=db).stdout)
    assert (stats["meetings"], stats["dials"]) == (1, 2)
    out = tmp_path / "calls.csv"
    run("--config", str(cfg), "export", "crm-calls", str(out), db=db)
    with open(out, newline="", encoding="utf-8") as fh:
        outcomes = sorted(row["Call outcome"] for row in csv.DictReader(fh))
    assert outcomes == ["Busy", "Connected"]
