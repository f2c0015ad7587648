"""`dialer-tui export ... --for crm|spreadsheet` (issue 17): a CRM's importer gets E.164 numbers
bare, a spreadsheet gets them prefixed; every other cell that could start a formula is
neutralised in both. Real subprocesses against a real SQLite file; instants given with --at."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from .test_cli import ARRIVED, AT, CSV, run

HOSTILE = "=HYPERLINK(\"http://x.example\",\"y\")"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    src = tmp_path / "list.csv"
    src.write_text(CSV, encoding="utf-8")
    run("import", str(src), "--at", ARRIVED, db=path)
    ben = json.loads(run("lookup", "Ben Cho", "--json", db=path).stdout)[0]["prospect_id"]
    run("log", str(ben), "no_answer", "--note", HOSTILE, "--at", AT, db=path)
    return path


def _cells(path: Path, column: str) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [row[column] for row in csv.DictReader(fh)]


@pytest.mark.parametrize("what,phone_column,note_column", [
    ("crm-calls", "Phone number", "Call notes"),
    ("touches", "phone", "note"),
])
def test_crm_format_leaves_e164_bare_and_neutralises_the_rest(db, tmp_path, what,
                                                                phone_column, note_column):
    crm, sheet = tmp_path / "crm.csv", tmp_path / "sheet.csv"
    run("export", what, str(crm), "--for", "crm", db=db)
    run("export", what, str(sheet), "--for", "spreadsheet", db=db)
    assert _cells(crm, phone_column) == ["+12125550103"]
    assert _cells(sheet, phone_column) == ["'+12125550103"]
    assert _cells(crm, note_column) == _cells(sheet, note_column) == ["'" + HOSTILE]


def test_the_default_is_crm_for_crm_calls_and_spreadsheet_for_the_others(db, tmp_path):
    calls, prospects = tmp_path / "calls.csv", tmp_path / "prospects.csv"
    run("export", "crm-calls", str(calls), db=db)
    run("export", "prospects", str(prospects), db=db)
    assert _cells(calls, "Phone number") == ["+12125550103"]
    assert "'+12125550103" in _cells(prospects, "office_phone")
    run("export", "prospects", str(prospects), "--for", "crm", db=db)
    assert "+12125550103" in _cells(prospects, "office_phone")
    # an extension makes it more than a number: prefixed in both formats
    assert "'+18135550102 ext. 114" in _cells(prospects, "office_phone")


def test_for_is_refused_where_it_means_nothing(db, tmp_path):
    proc = run("export", "callbacks", str(tmp_path / "cb.ics"), "--for", "crm", "--at", AT,
               db=db, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--for" in proc.stderr
    assert not (tmp_path / "cb.ics").exists()
    proc = run("export", "touches", str(tmp_path / "t.csv"), "--for", "excel", db=db,
               check=False)
    assert proc.returncode == 2 and "excel" in proc.stderr
