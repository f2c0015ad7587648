"""`dialer-tui dnc import` of registry copies (issue 15, part 5), as real subprocesses: the US
registry's area-code files, a newer copy replacing an older one, malformed rows to --rejects
with their line numbers, and `check` warning of a copy older than 31 days at --at."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .test_cli import run


def _listed(db: Path) -> dict[str, str]:
    return {r["phone"]: r["source"] for r in json.loads(run("dnc", "list", "--json",
                                                            db=db).stdout)}


def test_registry_copies_replace_their_older_copy_per_area_code(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    first = tmp_path / "dnc-2026-11-01.txt"
    # The registry's flat file: one 10-digit number a line, or area code and number.
    first.write_text("2125550101\n212,5550102\n6465550103\n(212) 555-0104\n", encoding="utf-8")
    out = json.loads(run("dnc", "import", str(first), "--source", "US DNC", "--downloaded",
                         "2026-11-01", "--at", "2026-11-02T12:00:00Z", "--json", db=db).stdout)
    assert out == {"added": 4, "removed": 0, "kept": 0, "rejected": 0,
                   "lists": ["US DNC 212", "US DNC 646"]}
    assert _listed(db) == {"+12125550101": "US DNC 212", "+12125550102": "US DNC 212",
                           "+12125550104": "US DNC 212", "+16465550103": "US DNC 646"}

    # A newer 212 copy: 0102 and 0104 left the registry, 0109 joined; 646 is untouched.
    newer = tmp_path / "dnc-212-2026-11-25.txt"
    newer.write_text("2125550101\n2125550109\n", encoding="utf-8")
    out = json.loads(run("dnc", "import", str(newer), "--source", "US DNC", "--downloaded",
                         "2026-11-25", "--at", "2026-11-26T12:00:00Z", "--json", db=db).stdout)
    assert (out["added"], out["removed"], out["kept"]) == (1, 2, 1)
    assert set(_listed(db)) == {"+12125550101", "+12125550109", "+16465550103"}

    # An older copy than the one held changes nothing (exit 2, said why).
    older = run("dnc", "import", str(first), "--source", "US DNC", "--downloaded", "2026-11-10",
                "--at", "2026-11-26T12:00:00Z", db=db, check=False)
    assert older.returncode == 2 and "newer than --downloaded 2026-11-10" in older.stderr
    assert "Traceback" not in older.stderr
    assert set(_listed(db)) == {"+12125550101", "+12125550109", "+16465550103"}

    # The registry's 31 days, at explicit instants: 646 (2026-11-01) is stale on 2026-12-03,
    # 212 (2026-11-25) is not.
    fresh = run("check", "--at", "2026-12-02T12:00:00Z", db=db).stdout
    assert "do-not-call registry" not in fresh
    stale = run("check", "--at", "2026-12-03T12:00:00Z", db=db)
    assert stale.returncode == 0
    assert ("warning: 1 do-not-call registry copy is older than 31 days on 2026-12-03: "
            "US DNC 646 (2026-11-01)") in stale.stdout
    assert "US DNC 212" not in stale.stdout


def test_a_malformed_row_goes_to_rejects_with_its_line(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    tps = tmp_path / "tps.csv"
    tps.write_text("number\n020 7946 0018\n=HYPERLINK(\"x\")\n\n0161 496 0000\nnot a phone\n",
                   encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    proc = run("dnc", "import", str(tps), "--source", "TPS", "--downloaded", "2026-11-30",
               "--region", "GB", "--rejects", str(rejects), "--at", "2026-12-01T09:00:00Z",
               db=db)
    assert "added 2, removed 0, already listed 0, rejected 2" in proc.stdout
    with rejects.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["row"], r["number"]) for r in rows] == [
        ("3", "'=HYPERLINK(\"x\")"), ("6", "not a phone")]  # a formula stays text
    assert set(_listed(db)) == {"+442079460018", "+441614960000"}
    # Without --rejects the lines are named on screen.
    again = run("dnc", "import", str(tps), "--source", "TPS", "--downloaded", "2026-11-30",
                "--region", "GB", "--at", "2026-12-01T09:00:00Z", db=db).stdout
    assert "rejected line 3:" in again and "rejected line 6:" in again


def test_registry_options_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    src = tmp_path / "list.txt"
    src.write_text("2125550101\n", encoding="utf-8")
    for args, said in [
            (("--downloaded", "2026-11-31", "--source", "US DNC"), "is not a day as YYYY-MM-DD"),
            (("--downloaded", "2026-11-01"), "--downloaded needs --source NAME"),
            (("--downloaded", "2026-11-01", "--source", "manual"), "is reserved"),
            (("--downloaded", "2026-12-09", "--source", "US DNC"), "is after the import's day"),
            (("--rejects", str(tmp_path / "no" / "r.csv")), "does not exist")]:
        proc = run("dnc", "import", str(src), *args, "--at", "2026-12-01T09:00:00Z", db=db,
                   check=False)
        assert proc.returncode == 2 and said in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert _listed(db) == {}
