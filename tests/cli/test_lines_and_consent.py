"""Line and consent through the command line (issue 15, part 4): imported from a CSV's columns,
explained by `why`, exported and imported back. Every instant is given (--at)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .test_cli import run

ARRIVED = "2026-11-30T12:00:00Z"
AT = "2026-12-02T10:00:00Z"  # Wednesday 11:00 in Berlin

CSV = """Name,Phone,Country,Line type,Consent,Consent date,Consent source
Clara Vogel,+49 30 1234560,DE,B2C,,,
Carl Braun,+49 30 1234563,DE,consumer,asked at the fair,2026-11-20,CRM note 4411
Bernd Hahn,+49 30 1234561,DE,B2B,,,
Ute [bold]Keller[/],+49 30 1234562,DE,sometimes,=cmd|' /C calc'!A0,30/11/2026,
"""


def _ids(db: Path) -> dict[str, int]:
    out = {}
    for first in ("Clara", "Carl", "Bernd", "Ute"):
        found = json.loads(run("lookup", first, "--json", db=db).stdout)
        out[first] = next(p["prospect_id"] for p in found if p["name"].startswith(first + " "))
    return out


def test_import_why_and_export_of_line_and_consent(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    src = tmp_path / "list.csv"
    src.write_text(CSV, encoding="utf-8")
    out = run("import", str(src), "--at", ARRIVED, db=db).stdout
    assert "imported 4," in out
    assert "Line type       -> line" in out and "Consent date    -> consent_date" in out
    # An unreadable line or date is named and kept aside, not guessed.
    assert "row 5: line 'sometimes' ignored: not a line (business or consumer) we know" in out
    assert "row 5: consent_date '30/11/2026' ignored" in out

    ids = _ids(db)
    clara = run("why", str(ids["Clara"]), "--at", AT, db=db).stdout
    assert "not callable now" in clara
    assert "consumer line without recorded consent: Germany UWG §7 requires prior consent" \
        in clara
    assert "consumer line; consent: none recorded" in clara
    carl = run("why", str(ids["Carl"]), "--at", AT, db=db).stdout
    assert "callable now" in carl and "not callable" not in carl
    assert "consent: asked at the fair on 2026-11-20 (CRM note 4411)" in carl
    # The shipped default applies consumer rules to business lines too...
    bernd = run("why", str(ids["Bernd"]), "--at", AT, db=db).stdout
    assert "business line without recorded consent" in bernd
    # ...unless the team's settings say consumer rules are for consumers.
    (tmp_path / "cfg" / "settings.yaml").write_text(
        "apply_consumer_rules_to_business: false\n", encoding="utf-8")
    bernd = json.loads(run("why", str(ids["Bernd"]), "--at", AT, "--json", db=db).stdout)
    assert bernd["callable"] is True, bernd
    assert any("not applied to this business line" in r for r in bernd["reasons"])
    queued = {i["prospect_id"] for i in json.loads(run("queue", "--at", AT, "--json",
                                                       db=db).stdout)}
    assert queued == {ids["Carl"], ids["Bernd"], ids["Ute"]}  # Ute: default_line business

    exported = tmp_path / "out.csv"
    run("export", "prospects", str(exported), db=db)
    with exported.open(encoding="utf-8", newline="") as f:
        rows = {r["first_name"]: r for r in csv.DictReader(f)}
    assert (rows["Carl"]["line"], rows["Carl"]["consent_basis"], rows["Carl"]["consent_date"],
            rows["Carl"]["consent_source"]) == ("consumer", "asked at the fair", "2026-11-20",
                                                "CRM note 4411")
    assert rows["Clara"]["line"] == "consumer" and rows["Bernd"]["line"] == "business"

    # Back into a fresh store: the same line and consent.
    again = tmp_path / "again.db"
    run("import", str(exported), "--at", ARRIVED, "--json", db=again)
    carl = run("why", str(_ids(again)["Carl"]), "--at", AT, db=again).stdout
    assert "consent: asked at the fair on 2026-11-20 (CRM note 4411)" in carl
