"""`dialer-tui check` on calling_rules.yaml (issue 15): a bad rule in the user's file is exit 2
naming the file, line and key; dated data going stale is a warning (exit 0), judged at `--at`,
never at the day the test runs."""

from __future__ import annotations

from pathlib import Path

from .test_cli import run


def test_check_warns_when_a_holiday_list_runs_out_and_when_as_of_is_old(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    fresh = run("check", "--at", "2026-12-02T12:00:00Z", db=db)
    assert "runs out" not in fresh.stdout and "ok:" in fresh.stdout
    soon = run("check", "--at", "2027-11-15T12:00:00Z", db=db)
    assert "warning: holiday list US-house" in soon.stdout, soon.stdout
    assert "runs out on 2027-12-31, within 60 days" in soon.stdout
    old = run("check", "--at", "2028-01-10T12:00:00Z", db=db)
    assert "more than a year before 2028-01-10" in old.stdout and "ended on" in old.stdout
    assert old.returncode == 0 and "ok:" in old.stdout


def test_check_names_the_file_line_and_key_of_a_bad_rule(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "calling_rules.yaml").write_text(
        "states:\n  TX:\n    country: US\n    name: Texas\n    source: ours\n"
        "    hours: [{days: mon-sat, start: \"9am\", end: \"21:00\"}]\n", encoding="utf-8")
    proc = run("check", db=db, check=False)
    assert proc.returncode == 2, proc.stdout
    assert "calling_rules.yaml:6" in proc.stderr and "states.TX.hours.0.start" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_warns_when_a_refusal_comes_back_sooner_than_a_rule_allows(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "calling_rules.yaml").write_text(
        "countries:\n  FR:\n    name: France\n    source: D223-9\n"
        "    hours: [{days: mon-fri, start: \"10:00\", end: \"20:00\"}]\n"
        "    pause_after_refusal_days: 200\n", encoding="utf-8")
    proc = run("check", "--at", "2026-12-02T12:00:00Z", db=db)
    assert "countries.FR asks for 200 days without calls after a refusal" in proc.stdout
