"""export_callbacks: the .ics file parsed back with a tiny RFC 5545 reader, and the CSV variant."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from dialer_tui.errors import InputError
from dialer_tui.services.calendar import escape_text, export_callbacks, fold
from dialer_tui.services.calling import log_outcome
from dialer_tui.store.models import FollowUp, Prospect

from .conftest import add_prospect

UTC = timezone.utc
TUE = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 09:00 in Chicago, 10:00 in New York
HOSTILE = 'Acme; Inc, "[bold]"\nX'


def _log(engine, bundle, pid, outcome, at, **kw):
    with Session(engine, expire_on_commit=False) as s:
        return log_outcome(s, bundle, prospect_id=pid, outcome=outcome, at=at, **kw)


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def parse_ics(path: Path) -> tuple[list[dict[str, str]], list[bytes]]:
    """(events as {property: raw value}, physical lines). Checks CRLF and the 75-octet limit."""
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    physical = raw.split(b"\r\n")[:-1]
    for line in physical:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never splits a multi-byte character
    text = raw.decode("utf-8")
    lines = re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
    return events, physical


@pytest.fixture
def booked(engine, bundle):
    """A callback asked by a Chicago prospect with a hostile company, and a promised call."""
    chi = add_prospect(engine, first="Dana", company=HOSTILE, at=TUE, time_zone="America/Chicago",
                       numbers=[("305-555-0101", "mobile"), ("212-555-0123", "office")])
    ny = add_prospect(engine, first="Eve", at=TUE, numbers=[("212-555-0150", "office")])
    _log(engine, bundle, chi, "callback_requested", TUE, callback="thu 9am")
    _log(engine, bundle, ny, "left_voicemail", TUE + timedelta(minutes=5))
    with Session(engine) as s:
        fus = {f.kind: f for f in s.exec(select(FollowUp).where(FollowUp.status == "open"))
               if f.kind in ("callback", "promise")}
    return chi, ny, fus


def test_ics_events_times_uids_and_description(engine, bundle, booked, tmp_path):
    chi, ny, fus = booked
    path = tmp_path / "callbacks.ics"
    assert export_callbacks(engine, path, bundle, now=TUE) == 2
    events, _ = parse_ics(path)
    by_uid = {e["UID"]: e for e in events}
    cb, pr = (by_uid[f"followup-{fus[k].id}@dialer-tui"] for k in ("callback", "promise"))
    # Thursday 09:00 in Chicago is 15:00 UTC; the callback lasts 30 minutes.
    assert (cb["DTSTART"], cb["DTEND"]) == ("20261203T150000Z", "20261203T153000Z")
    assert _unescape(cb["SUMMARY"]) == f"Call back Dana Test ({HOSTILE})"
    assert cb["SUMMARY"] == 'Call back Dana Test (Acme\\; Inc\\, "[bold]"\\nX)'
    desc = _unescape(cb["DESCRIPTION"])
    assert "their time: Thu 09:00 America/Chicago" in desc.splitlines()
    assert "+13055550101 (mobile)" in desc and "+12125550123 (office)" in desc
    assert f"label: {fus['callback'].label}" in desc
    assert _unescape(pr["SUMMARY"]) == "Promised call: Eve Test"
    start = datetime.strptime(pr["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert start == fus["promise"].due_start
    assert "America/New_York" in _unescape(pr["DESCRIPTION"])
    for ev in events:
        assert re.fullmatch(r"\d{8}T\d{6}Z", ev["DTSTART"]) and ev["DTEND"].endswith("Z")
        assert ev["DTSTAMP"] == "20261201T150000Z" and ev["SEQUENCE"].isdigit()


def test_reexport_keeps_uids_and_drops_what_was_done(engine, bundle, booked, tmp_path):
    chi, _, fus = booked
    first, second, third = (tmp_path / f"{n}.ics" for n in ("a", "b", "c"))
    export_callbacks(engine, first, bundle, now=TUE)
    export_callbacks(engine, second, bundle, now=TUE + timedelta(hours=1))
    one, _ = parse_ics(first)
    two, _ = parse_ics(second)
    assert [e["UID"] for e in one] == [e["UID"] for e in two]
    assert int(two[0]["SEQUENCE"]) > int(one[0]["SEQUENCE"])
    # The callback is returned: the next export no longer carries it.
    _log(engine, bundle, chi, "no_answer", fus["callback"].due_start + timedelta(minutes=2))
    assert export_callbacks(engine, third, bundle, now=TUE + timedelta(days=3)) == 1
    assert [e["UID"] for e in parse_ics(third)[0]] == [f"followup-{fus['promise'].id}@dialer-tui"]


def test_long_multibyte_lines_fold_without_splitting_characters(engine, bundle, tmp_path):
    company = "Société Générale — 東京海上日動火災保険株式会社 " * 4
    pid = add_prospect(engine, first="Zoë", company=company, at=TUE,
                       numbers=[("212-555-0123", "office")])
    _log(engine, bundle, pid, "callback_requested", TUE, callback="tomorrow 10am")
    path = tmp_path / "c.ics"
    export_callbacks(engine, path, bundle, now=TUE)
    events, physical = parse_ics(path)
    assert any(line.startswith(b" ") for line in physical)
    assert _unescape(events[0]["SUMMARY"]) == f"Call back Zoë Test ({company})"


def test_fold_and_escape_units():
    # controls removed as an import removes them (text_safety.strip_controls): an escape sequence
    # goes whole, not leaving "[31m" behind
    assert escape_text("a\\b;c,d\ne\r\nf\rg\x1b[31m\x07") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line).split("\r\n ")
    assert "".join(folded) == line
    assert len(folded[0].encode()) <= 75
    assert all(len(part.encode()) <= 74 for part in folded[1:])
    assert fold("X" * 75) == "X" * 75


def test_refuses_other_suffixes_naming_the_path(engine, bundle, tmp_path):
    for name in ("callbacks.txt", "callbacks", "callbacks.ics.bak"):
        with pytest.raises(InputError, match=re.escape(str(tmp_path / name))):
            export_callbacks(engine, tmp_path / name, bundle)
    assert not [p for p in tmp_path.iterdir() if "callbacks" in p.name]


def test_csv_holds_the_same_events_neutralised(engine, bundle, booked, tmp_path):
    chi, _, fus = booked
    with Session(engine) as s:
        p = s.get(Prospect, chi)
        p.first_name, p.last_name = "=HYPERLINK(\"http://evil\")", ""
        s.add(p)
        s.commit()
    path = tmp_path / "callbacks.csv"
    assert export_callbacks(engine, path, bundle, now=TUE) == 2
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cb = next(r for r in rows if r["kind"] == "callback")
    assert cb["uid"] == f"followup-{fus['callback'].id}@dialer-tui"
    assert (cb["start_utc"], cb["end_utc"]) == ("2026-12-03T15:00:00Z", "2026-12-03T15:30:00Z")
    assert cb["their_time"] == "Thu 09:00 America/Chicago"
    assert cb["name"] == "'=HYPERLINK(\"http://evil\")"
    assert cb["phones"].startswith("'+1")
    assert cb["company"] == HOSTILE


def test_empty_store_writes_an_empty_calendar(engine, bundle, tmp_path):
    assert export_callbacks(engine, tmp_path / "none.ics", bundle) == 0
    events, _ = parse_ics(tmp_path / "none.ics")
    assert events == []
