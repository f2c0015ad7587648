"""CSV export of prospects and touches, safe to open in a spreadsheet, streamed from the store.

Formula injection (OWASP): every cell that starts with = + - @ tab CR or LF gets a leading
apostrophe. Two formats (FORMATS), for who opens the file first:
- "spreadsheet": E.164 phone numbers too ('+13055550101 shows as text and is never evaluated);
- "crm": a cell that is exactly an E.164 number stays bare, as a CRM's importer wants it (HubSpot
  keeps the apostrophe: "'+1305..." is not a number to it). Nothing else is let through: a bare
  E.164 number holds no function or reference, only digits a spreadsheet could do sums with.
The importer takes one leading apostrophe off phone and email cells, and off any other cell when
it precedes one of those characters, so an export imports back exactly ("=HYPERLINK(..)" stays).
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import stat
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dialer_tui.clock import utc_iso
from dialer_tui.errors import InputError
from dialer_tui.store.engine import reader
from dialer_tui.store.models import PhoneNumber, Prospect, Touch
from dialer_tui.text_safety import file_text

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")
FORMATS = ("spreadsheet", "crm")
# ASCII digits only: "\d" would let other scripts' digits through as a "number".
E164_CELL = re.compile(r"\+[1-9][0-9]{6,14}")
PHONE_COLUMNS = ("office_phone", "direct_phone", "mobile_phone", "assistant_phone", "home_phone")
TOUCH_COLUMNS = ("prospect_id", "name", "company", "phone", "channel", "outcome", "started_at",
                 "duration_s", "note", "template_id", "rep", "compliance")
_YIELD_PER = 2000  # rows fetched at a time: memory stays flat however big the table


def neutralise(cell: str, fmt: str = "spreadsheet") -> str:
    """The cell as a spreadsheet must not evaluate it; in the "crm" format a cell that is
    exactly an E.164 number is left as it is (see the module's docstring)."""
    if cell[:1] not in FORMULA_TRIGGERS:
        return cell
    if fmt == "crm" and E164_CELL.fullmatch(cell):
        return cell
    return "'" + cell


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; one of: {', '.join(FORMATS)}")
    return fmt


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def phone_cell(e164: str, extension: str = "") -> str:
    return f"{e164} ext. {extension}" if extension else e164


def check_target(path: Path) -> int:
    """Where a file may be written: an existing folder, and either nothing yet or a regular
    file (never a symlink, folder, device or pipe). Returns the mode to create it with: 0600,
    or the existing file's if stricter. InputError (exit 2) says what is wrong, before any work."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"{path}: folder {path.parent} does not exist")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return 0o600
    if stat.S_ISLNK(st.st_mode):
        raise InputError(f"{path}: is a symbolic link; not written through (give the real path)")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: is not a regular file (a folder, device or pipe); "
                         "give a file name")
    return stat.S_IMODE(st.st_mode) & 0o600


def write_atomic(path: Path, write: Callable[[TextIO], int]) -> int:
    """`write(fh)` into a new temporary file beside `path` (created exclusively, never through a
    planted symlink, owner-only) that then replaces `path`: a failed export never leaves a
    truncated file behind, and prospect data is never readable by others. Returns what `write`
    returns (the rows or events written)."""
    path = Path(path)
    mode = check_target(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            count = write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return count


def write_csv(path: Path, header: Iterable[str], rows: Iterable[list[str]],
              fmt: str = "spreadsheet") -> int:
    """A CSV with every cell formula-neutralised for `fmt` (FORMATS) and its control characters
    made visible (text_safety.file_text), written atomically; returns the row count. A row with
    a tab in a cell is written fully quoted, so a tab-separated reader cannot split the cell."""
    check_format(fmt)

    def write(fh: TextIO) -> int:
        writer, quoted = csv.writer(fh), csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(list(header))
        count = 0
        for row in rows:
            cells = [file_text(neutralise(cell, fmt)) for cell in row]
            (quoted if any("\t" in c for c in cells) else writer).writerow(cells)
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


def export_prospects(engine: Engine, path: Path, fmt: str = "spreadsheet") -> int:
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

    return write_csv(path, columns, rows(), fmt)


def export_touches(engine: Engine, path: Path, fmt: str = "spreadsheet") -> int:
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

    return write_csv(path, TOUCH_COLUMNS, rows(), fmt)
