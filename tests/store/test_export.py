"""CSV export: formula neutralisation on every cell, streaming from a real SQLite file, and the
prospects file importing back into an empty database as the same prospects and numbers."""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from dialer_tui.config import DATA_DIR
from dialer_tui.services.exporter import (
    FORMULA_TRIGGERS,
    export_prospects,
    export_touches,
    neutralise,
    prospect_columns,
)
from dialer_tui.services.importer import import_csv
from dialer_tui.store.engine import make_engine
from dialer_tui.store.models import PhoneNumber, Prospect, Touch

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEMO = DATA_DIR / "demo_prospects.csv"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
# What a prospect is, as an import can give it back (ids, queue state and timestamps are the
# store's own bookkeeping).
SAME = ("first_name", "last_name", "title", "company", "industry", "city", "region", "country",
        "time_zone", "email", "email_key", "linkedin_url", "referrer_name", "referrer_company",
        "assistant_name", "preferred_channel", "research_notes", "priority", "owner", "source",
        "custom_fields", "name_key", "status")


@pytest.mark.parametrize("cell, expected", [
    ("=1+1", "'=1+1"), ("+13055550101", "'+13055550101"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("\nx", "'\nx"), ("", ""), ("Acme", "Acme"),
    ("a=b", "a=b"), ("'quoted", "'quoted"), (" =x", " =x"),
])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


@pytest.mark.parametrize("cell", [
    "+13055550101", "+442079460123", "+1234567", "+123456789012345",  # 7 to 15 digits
])
def test_the_crm_format_leaves_exactly_e164_bare(cell):
    assert neutralise(cell, "crm") == cell
    assert neutralise(cell, "spreadsheet") == "'" + cell


@pytest.mark.parametrize("cell", [
    "=1+1", "@SUM(A1)", "-5", "\t=1", "\r=1", "\n+13055550101",
    "+13055550101 ext. 12", "+1 305 555 0101", "+13055550101\n", "+13055550101=1",
    "+123456", "+1234567890123456", "+0123456789", "+1305555010a", "+1-305-555-0101",
    "+1\u0663\u0660\u0665\u0665\u0665\u0665\u0660\u0661\u0660\u0661",  # Arabic-Indic digits
    "+", "+=1+1", "+1+1",
])
def test_the_crm_format_still_neutralises_everything_else(cell):
    assert neutralise(cell, "crm") == "'" + cell == neutralise(cell, "spreadsheet")


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def load(engine) -> None:
    import_csv(engine, DEMO, source="demo", now=NOW)
    import_csv(engine, FIXTURES / "import_messy.csv", now=NOW)
    import_csv(engine, FIXTURES / "import_pipedrive.csv", region="DE", now=NOW)


def test_every_cell_is_neutralised(engine, tmp_path):
    load(engine)
    with Session(engine) as s:  # values that would start a formula in any column
        p = s.exec(select(Prospect).where(Prospect.first_name == "Dana")).one()
        p.research_notes, p.city, p.title = "\tTabbed", "-Minus", "\nNewline"
        s.add(p)
        s.commit()
    out = tmp_path / "prospects.csv"
    count = export_prospects(engine, out)
    rows = read_rows(out)
    assert count == len(rows) - 1 == 60 + 7 + 3
    assert rows[0] == prospect_columns()
    risky = [c for row in rows for c in row if c[:1] in FORMULA_TRIGGERS]
    assert risky == []
    cells = {c for row in rows for c in row}
    assert {"'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", "'+1 is fine", "'\tTabbed",
            "'-Minus", "'\nNewline", "'+13055550101 ext. 12"} <= cells


def test_round_trip(any_engine, tmp_path):
    engine = any_engine
    load(engine)
    with Session(engine) as s:  # a number of a kind already taken goes to other_phones
        dana = s.exec(select(Prospect).where(Prospect.first_name == "Dana")).one()
        s.add(PhoneNumber(prospect_id=dana.id, e164="+19175550199", extension="3", kind="mobile",
                          raw="917-555-0199 x3", number_type="fixed_line_or_mobile",
                          time_zones="America/New_York", created_at=NOW))
        s.commit()
    out = tmp_path / "prospects.csv"
    export_prospects(engine, out)
    copy = make_engine(tmp_path / "copy.db")
    result = import_csv(copy, out, now=NOW)
    assert (result.summary(), result.warnings) == (
        {"imported": 70, "merged": 0, "rejected": 0}, [])

    def state(eng) -> list:
        with Session(eng) as s:
            people = s.exec(select(Prospect).order_by(Prospect.id)).all()
            phones = s.exec(select(PhoneNumber).order_by(PhoneNumber.id)).all()
        by_person: dict[int, set] = {}
        for ph in phones:
            by_person.setdefault(ph.prospect_id, set()).add(
                (ph.e164, ph.extension, ph.kind, ph.number_type, ph.time_zones, ph.valid))
        notes = {(ph.prospect_id, ph.e164, ph.note) for ph in phones if ph.note}
        return [(tuple(getattr(p, f) for f in SAME), by_person.get(p.id, set()),
                 {n[1:] for n in notes if n[0] == p.id}) for p in people]

    original, copied = state(engine), state(copy)
    assert copied == original
    names = {row[0][0] for row in copied}
    assert {'=HYPERLINK("http://x","y")', "[@click=app.quit]", "Zoë"} <= names


def test_export_touches(engine, tmp_path):
    load(engine)
    with Session(engine) as s:
        dana = s.exec(select(Prospect).where(Prospect.first_name == "Dana")).one()
        s.add(Touch(prospect_id=dana.id, phone_e164="+12125550101", channel="call",
                    outcome="left_voicemail", started_at=datetime(2026, 3, 3, 14, 5,
                                                                  tzinfo=timezone.utc),
                    duration_s=42, note="=cmd|' /C calc'!A0", template_id="vm-1", rep="alex",
                    compliance="outside the rules: 22:10 in America/Chicago"))
        s.add(Touch(prospect_id=dana.id, channel="email", outcome="email_sent",
                    started_at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), rep="alex"))
        s.commit()
        dana_id = dana.id
    out = tmp_path / "touches.csv"
    assert export_touches(engine, out) == 2
    rows = read_rows(out)
    assert rows[0] == ["prospect_id", "name", "company", "phone", "channel", "outcome",
                       "started_at", "duration_s", "note", "template_id", "rep", "compliance"]
    assert rows[1] == [str(dana_id), "Dana Whitfield", "Harbor Point Manufacturing", "",
                       "email", "email_sent", "2026-03-02T09:00:00+00:00", "", "", "", "alex",
                       ""]
    assert rows[2] == [str(dana_id), "Dana Whitfield", "Harbor Point Manufacturing",
                       "'+12125550101", "call", "left_voicemail", "2026-03-03T14:05:00+00:00",
                       "42", "'=cmd|' /C calc'!A0", "vm-1", "alex",
                       "outside the rules: 22:10 in America/Chicago"]


def test_empty_exports_have_headers(engine, tmp_path):
    assert export_prospects(engine, tmp_path / "p.csv") == 0
    assert export_touches(engine, tmp_path / "t.csv") == 0
    assert read_rows(tmp_path / "p.csv") == [prospect_columns()]
    assert len(read_rows(tmp_path / "t.csv")) == 1
    assert list(tmp_path.glob("*.part")) == []  # the temporary file was renamed into place
