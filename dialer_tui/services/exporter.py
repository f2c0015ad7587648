"""CSV export of prospects and touches, safe to open in a spreadsheet, streamed from the store.

Formula injection (OWASP): every cell that starts with = + - @ tab CR or LF gets a leading
apostrophe, E.164 phone numbers included ('+13055550101 shows as text and is never evaluated).
The importer takes one leading apostrophe off phone and email cells, and off any other cell when
it precedes one of those characters, so an export imports back exactly ("=HYPERLINK(..)" stays).
"""

from __future__ import annotations

import csv
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dialer_tui.store.engine import reader
from dialer_tui.store.models import PhoneNumber, Prospect, Touch

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")
PHONE_COLUMNS = ("office_phone", "direct_phone", "mobile_phone", "assistant_phone", "home_phone")
TOUCH_COLUMNS = ("prospect_id", "name", "company", "phone", "channel", "outcome", "started_at",
                 "duration_s", "note", "template_id", "rep", "compliance")
_YIELD_PER = 2000  # rows fetched at a time: memory stays flat however big the table


def neutralise(cell: str) -> str:
    """The cell as a spreadsheet must not evaluate it."""
    return "'" + cell if cell[:1] in FORMULA_TRIGGERS else cell


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def phone_cell(e164: str, extension: str = "") -> str:
    return f"{e164} ext. {extension}" if extension else e164


def write_atomic(path: Path, write: Callable[[TextIO], int]) -> int:
    """`write(fh)` into a temporary file that then replaces `path`: a failed export never
    leaves a truncated file behind. Returns what `write` returns (the rows or events written)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            count = write(fh)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


def write_csv(path: Path, header: Iterable[str], rows: Iterable[list[str]]) -> int:
    """A CSV with every cell formula-neutralised, written atomically; returns the row count."""
    def write(fh: TextIO) -> int:
        writer = csv.writer(fh)
        writer.writerow(list(header))
        count = 0
        for row in rows:
            writer.writerow([neutralise(cell) for cell in row])
            count += 1
        return count

    return write_atomic(path, write)


def prospect_columns() -> list[str]:
    return [c.name for c in Prospect.__table__.columns] + [
        *PHONE_COLUMNS, "other_phones", "phone_notes"]


def _phone_cells(phones: list) -> list[str]:
    """First number of each kind in its own column; the rest in other_phones as
    '+1... ext. 5 (mobile); +44... (office)' so that their kinds survive a round trip."""
    cells = dict.fromkeys(PHONE_COLUMNS, "")
    others: list[str] = []
    note = ""
    for ph in phones:
        column = f"{ph.kind}_phone"
        if column in cells and not cells[column]:
            cells[column] = phone_cell(ph.e164, ph.extension)
        else:
            others.append(f"{phone_cell(ph.e164, ph.extension)} ({ph.kind})")
        note = note or ph.note
    return [*cells.values(), "; ".join(others), note]


def export_prospects(engine: Engine, path: Path) -> int:
    """One row per prospect: every prospect column, then its numbers. Returns the row count."""
    p, ph = Prospect.__table__, PhoneNumber.__table__
    columns = prospect_columns()

    def rows() -> Iterator[list[str]]:
        with reader(engine).connect() as conn:
            prospects = conn.execute(
                select(p).order_by(p.c.id).execution_options(yield_per=_YIELD_PER))
            # Both streams are ordered by prospect id: a merge join keeps memory flat.
            phones = iter(conn.execute(
                select(ph).order_by(ph.c.prospect_id, ph.c.id)
                .execution_options(yield_per=_YIELD_PER)))
            pending = next(phones, None)
            for row in prospects:
                own = []
                while pending is not None and pending.prospect_id <= row.id:
                    if pending.prospect_id == row.id:
                        own.append(pending)
                    pending = next(phones, None)
                yield [_text(v) for v in row] + _phone_cells(own)

    return write_csv(path, columns, rows())


def export_touches(engine: Engine, path: Path) -> int:
    """One row per touch, oldest first, with the prospect's name and company."""
    t, p = Touch.__table__, Prospect.__table__
    stmt = (select(t.c.prospect_id, p.c.first_name, p.c.last_name, p.c.company, t.c.phone_e164,
                   t.c.channel, t.c.outcome, t.c.started_at, t.c.duration_s, t.c.note,
                   t.c.template_id, t.c.rep, t.c.compliance)
            .join(p, p.c.id == t.c.prospect_id)
            .order_by(t.c.started_at, t.c.id)
            .execution_options(yield_per=_YIELD_PER))

    def rows() -> Iterator[list[str]]:
        with reader(engine).connect() as conn:
            for r in conn.execute(stmt):
                name = f"{r.first_name} {r.last_name}".strip()
                yield [_text(r.prospect_id), name, r.company, r.phone_e164, r.channel, r.outcome,
                       _text(r.started_at), _text(r.duration_s), r.note, r.template_id, r.rep,
                       r.compliance]

    return write_csv(path, TOUCH_COLUMNS, rows())
