"""A database written by schema version 1, filled with a realistic history, upgraded by opening it
with make_engine: not a row lost, not a value changed."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import Session, select

from dialer_tui.store import name_search
from dialer_tui.store.engine import make_engine
from dialer_tui.store.migrations import current_version
from dialer_tui.store.models import SCHEMA_VERSION, FollowUp, PhoneNumber, Prospect, Touch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PROSPECTS, TOUCHES = 5_000, 10_000
T0 = datetime(2026, 1, 5, 14, 0)


def _stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")  # how v1 (SQLAlchemy on SQLite) stored times


def _v1_database(path: Path, rng: random.Random) -> None:
    """The v1 DDL and its sample rows from the fixture, then thousands of generated rows in the
    same shape, written with plain sqlite3 as an old release would have left them."""
    con = sqlite3.connect(path)
    con.executescript((FIXTURES / "schema_v1.sql").read_text(encoding="utf-8"))
    names = ["Ana", "Tim", "José", "Zoë", "O'Brien", "[@click=app.quit]", "=SUM(A1)", "李", ""]
    prospects, phones, sessions, touches, follow_ups, enrolments, dnc = [], [], [], [], [], [], []
    for i in range(3, PROSPECTS + 3):
        created = T0 + timedelta(minutes=i)
        touched = rng.random() < 0.6
        prospects.append((
            i, rng.choice(names), f"Last{i}", rng.choice(["CFO", "Owner", ""]),
            f"Company {i % 700}",
            rng.choice(["manufacturing", "healthcare", ""]), "Dayton", rng.choice(["OH", "FL", ""]),
            "US", rng.choice(["", "America/New_York"]), f"p{i}@example.com", f"p{i}@example.com",
            "", "", "", rng.choice([None, 1, 2]), "", "", f"notes {i}\nline two",
            rng.choice(["new", "working", "meeting_booked"]), rng.randint(0, 5), "", "v1",
            '{"Territory": "East"}' if i % 7 == 0 else "{}", f"last{i} company {i % 700}",
            _stamp(created), _stamp(created + timedelta(days=1)),
            _stamp(created + timedelta(days=90)) if i % 11 == 0 else None, rng.randint(0, 5),
            _stamp(created + timedelta(days=2)) if touched else None,
            _stamp(created + timedelta(hours=1)) if touched else None,
            _stamp(created + timedelta(hours=5)) if touched else None,
            rng.randint(0, 7), rng.randint(0, 9), rng.choice(["", "sam"]),
            _stamp(created + timedelta(minutes=15)) if i % 13 == 0 else None))
        for k in range(1 + i % 3):
            phones.append((len(phones) + 3, i, f"+1937{i:06d}{k}", "" if k else "12",
                           f"(937) {i:07d}", rng.choice(["office", "mobile", "direct"]),
                           rng.randint(0, 1), "fixed_line_or_mobile", "America/New_York",
                           int(i % 97 == 0), int(i % 89 == 0), _stamp(created)))
    for s in range(2, 40):
        sessions.append((s, rng.choice(["sam", "ana"]), _stamp(T0 + timedelta(days=s)),
                         _stamp(T0 + timedelta(days=s, hours=2)) if s % 5 else None))
    outcomes = ["no_answer", "left_voicemail", "gatekeeper", "meeting_booked", "email_sent"]
    for t in range(2, TOUCHES + 2):
        pid = rng.randint(1, PROSPECTS + 2)
        outcome = rng.choice(outcomes)
        touches.append((t, pid, None, f"+1937{pid:07d}", "call", outcome,
                        _stamp(T0 + timedelta(minutes=3 * t)), rng.choice([None, 25, 300]),
                        rng.choice(["", "called back later", "=cmd", "ünïcode ✓"]),
                        int(outcome != "email_sent"), int(outcome == "meeting_booked"),
                        rng.choice(["", "vm_value", "promise"]),
                        _stamp(T0 + timedelta(days=3)) if outcome == "left_voicemail" else None,
                        "Thursday morning" if outcome == "left_voicemail" else "",
                        rng.choice(["sam", "ana"]), rng.choice([None, 2, 3])))
        if t % 4 == 0:
            follow_ups.append((len(follow_ups) + 2, pid, rng.choice(["promise", "callback"]),
                               "call", _stamp(T0 + timedelta(days=4)), None,
                               rng.choice(["open", "done"]), rng.choice([None, 1]), "", "Friday",
                               "sam", "", t, _stamp(T0), None))
    for i in range(3, PROSPECTS + 3, 5):
        enrolments.append((len(enrolments) + 1, i, "standard", _stamp(T0), "active"))
    for d in range(2, 300):
        dnc.append((d, f"+1305555{d:04d}", rng.choice([None, 3, 4]), "manual", "asked",
                    _stamp(T0)))

    def put(table: str, rows: list[tuple]) -> None:
        con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)

    put("prospect", prospects)
    put("phone_number", phones)
    put("calling_session", sessions)
    put("touch", touches)
    put("follow_up", follow_ups)
    put("cadence_enrolment", enrolments)
    put("dnc_entry", dnc)
    con.commit()
    con.close()


def _tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        # The name search index (v11) and its shadow tables hold no rows of their own.
        "AND name NOT LIKE 'prospect_fts%' ORDER BY name")]


def _dump(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table: its columns and all of its rows, ordered by id."""
    con = sqlite3.connect(path)
    try:
        out = {}
        for table in _tables(con):
            cur = con.execute(f"SELECT * FROM {table} ORDER BY id")
            out[table] = ([d[0] for d in cur.description], cur.fetchall())
        return out
    finally:
        con.close()


def test_v1_database_with_thousands_of_rows_upgrades_without_losing_one(tmp_path):
    """5,000 prospects, ~10,000 numbers, 10,000 touches, follow-ups, enrolments, sessions and
    do-not-call entries in the v1 shape (the fixture's DDL), then make_engine: the version is
    current, every table has the same row count, every row keeps every v1 column value exactly
    (all rows compared, not a sample), the new columns hold their defaults, SQLite's checks
    pass, the ORM reads the rows back as the same values, and a second open changes nothing."""
    path = tmp_path / "v1.db"
    _v1_database(path, random.Random(1))
    before = _dump(path)
    assert len(before["prospect"][1]) == PROSPECTS + 2
    assert len(before["touch"][1]) == TOUCHES + 1

    engine = make_engine(path)
    with engine.connect() as conn:
        assert current_version(conn) == SCHEMA_VERSION
    after = _dump(path)
    assert set(before) <= set(after)
    for table, (columns, rows) in before.items():
        new_columns, new_rows = after[table]
        assert len(new_rows) == len(rows), table
        assert set(columns) <= set(new_columns), table
        index = [new_columns.index(c) for c in columns]
        kept = [tuple(r[i] for i in index) for r in new_rows]
        if table == "schema_version":
            continue
        assert kept == rows, table  # field by field, every row
        # Added by an upgrade step: defaults, but for queue_owner, which v6 derives from the
        # open callbacks (tests/store/test_mine_only.py).
        for extra in set(new_columns) - set(columns) - {"queue_owner"}:
            values = {r[new_columns.index(extra)] for r in new_rows}
            assert values <= {"", None, 0}, (table, extra, list(values)[:3])

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"ix_touch_prospect_time", "ix_prospect_queue"} <= indexes
        if name_search.trigram_available():  # v11's index, filled from every upgraded row
            con.execute("INSERT INTO prospect_fts (prospect_fts, rank) "
                        "VALUES ('integrity-check', 1)")
    finally:
        con.close()

    # Through the ORM: a sample of each model compared with the raw v1 values.
    rng = random.Random(2)
    p_cols = before["prospect"][0]
    t_cols = before["touch"][0]
    with Session(engine) as s:
        for row in rng.sample(before["prospect"][1], 200):
            p = s.get(Prospect, row[0])
            for col, value in zip(p_cols, row, strict=True):
                got = getattr(p, col)
                if isinstance(got, datetime):
                    assert got.tzinfo is not None and _stamp(got.astimezone(timezone.utc)
                                                             .replace(tzinfo=None)) == value, col
                elif isinstance(got, bool):
                    assert got == bool(value), col
                else:
                    assert got == value, (col, got, value)
        for row in rng.sample(before["touch"][1], 200):
            t = s.get(Touch, row[0])
            assert (t.prospect_id, t.outcome, t.note, t.rep) == (
                row[t_cols.index("prospect_id")], row[t_cols.index("outcome")],
                row[t_cols.index("note")], row[t_cols.index("rep")])
            assert t.value_prop_id == "" and t.undo_state == ""
        assert len(s.exec(select(PhoneNumber.id)).all()) == len(before["phone_number"][1])
        assert len(s.exec(select(FollowUp.id)).all()) == len(before["follow_up"][1])
    engine.dispose()

    # Opening again is a no-op: not a byte of data changes.
    make_engine(path).dispose()
    assert _dump(path) == after
