"""export_crm_calls: a HubSpot-shaped calls CSV from a real database, formula-neutralised, with
E.164 numbers bare for the CRM (or prefixed too, for a spreadsheet)."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session

from dialer_tui.errors import InputError
from dialer_tui.services.calling import log_outcome
from dialer_tui.services.crm_export import COLUMNS, export_crm_calls, hubspot_outcome
from dialer_tui.store.models import Prospect

from .conftest import add_prospect

TUE = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def _log(engine, bundle, pid, outcome, minutes, **kw):
    with Session(engine) as s:
        log_outcome(s, bundle, prospect_id=pid, outcome=outcome,
                    at=TUE + timedelta(minutes=minutes), **kw)


def _read(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def test_calls_as_hubspot_rows_neutralised(engine, bundle, tmp_path):
    pid = add_prospect(engine, first="@evil", company="+Acme", at=TUE,
                       numbers=[("212-555-0123", "office"), ("917-555-0124", "mobile")])
    with Session(engine) as s:
        p = s.get(Prospect, pid)
        p.email, p.last_name = "dana@acme.example", "-Doe"
        s.add(p)
        s.commit()
    _log(engine, bundle, pid, "wrong_number", 0)
    _log(engine, bundle, pid, "no_answer", 1, duration_s=25)
    _log(engine, bundle, pid, "left_voicemail", 2, note='=HYPERLINK("http://x.example","y")')
    _log(engine, bundle, pid, "email_sent", 3)  # not a call: not exported
    _log(engine, bundle, pid, "gatekeeper", 60 * 24 * 2, note="@SUM(A1)")
    _log(engine, bundle, pid, "meeting_booked", 60 * 24 * 3, duration_s=95, note="booked")
    path = tmp_path / "calls.csv"
    assert export_crm_calls(engine, path, bundle.dispositions) == 5  # for a CRM: the default
    rows = _read(path)
    assert [r["Call outcome"] for r in rows] == [
        "Wrong number", "No answer", "Left voicemail", "Left live message", "Connected"]
    assert {r["Call direction"] for r in rows} == {"OUTBOUND"}
    assert rows[0]["Activity date"] == "2026-12-01T15:00:00Z"
    assert rows[2]["Call notes"] == "'=HYPERLINK(\"http://x.example\",\"y\")"
    assert rows[3]["Call notes"] == "'@SUM(A1)"
    assert rows[4]["Call notes"] == "booked"
    assert [r["Call duration (ms)"] for r in rows] == ["", "25000", "", "", "95000"]
    # a CRM reads E.164 as a number: bare (HubSpot would keep an apostrophe in the number)
    assert rows[0]["Phone number"] == "+19175550124"  # the mobile, tried first
    assert rows[1]["Phone number"] == "+12125550123"
    last = rows[-1]
    assert (last["First name"], last["Last name"], last["Company name"], last["Contact email"]) \
        == ("'@evil", "'-Doe", "'+Acme", "dana@acme.example")
    assert last["Call Title"] == "Call with @evil -Doe: Meeting booked"

    # For a spreadsheet the numbers are prefixed too; every other cell is the same
    sheet = tmp_path / "calls-sheet.csv"
    assert export_crm_calls(engine, sheet, bundle.dispositions, fmt="spreadsheet") == 5
    sheet_rows = _read(sheet)
    assert [r["Phone number"] for r in sheet_rows[:2]] == ["'+19175550124", "'+12125550123"]
    assert [{k: v for k, v in r.items() if k != "Phone number"} for r in sheet_rows] == \
        [{k: v for k, v in r.items() if k != "Phone number"} for r in rows]


def test_outcome_mapping_comes_from_the_dispositions_else_from_what_happened(bundle):
    d = bundle.dispositions
    assert hubspot_outcome(d, "gatekeeper", "call", False) == "Left live message"  # `crm:`
    # an outcome no longer in the file: what the call was
    assert hubspot_outcome(d, "custom_connected", "call", True) == "Connected"
    assert hubspot_outcome(d, "custom_vm", "voicemail", False) == "Left voicemail"
    assert hubspot_outcome(d, "", "call", False) == "No answer"


def test_empty_store_and_bad_suffix(engine, tmp_path):
    assert export_crm_calls(engine, tmp_path / "none.csv") == 0
    assert _read(tmp_path / "none.csv") == []
    with pytest.raises(InputError, match="calls.xlsx"):
        export_crm_calls(engine, tmp_path / "calls.xlsx")
    assert not (tmp_path / "calls.xlsx").exists()
