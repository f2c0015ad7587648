"""Import prospects from a CSV export (HubSpot, Salesforce, Pipedrive, Close, a spreadsheet).

One prospect per row, every phone column kept as its own number. Rows that share an E.164 number
or an email with an earlier row or a stored prospect merge into it: empty fields are filled,
filled ones are never overwritten. Writes go in batches of BATCH_ROWS rows, each batch one
transaction (prospects and their numbers together), through Core executemany: an interrupted
import leaves whole batches only, and 100k rows take seconds, not minutes. A large first import
(into an empty store) is one transaction instead, with the secondary indexes built once at the
end (see _Store.first_load): interrupted, it leaves the store empty as it found it.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import re
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from dialer_tui.errors import InputError
from dialer_tui.services import csv_headers as ch
from dialer_tui.services.csv_headers import name_key
from dialer_tui.services.exporter import neutralise
from dialer_tui.services.import_reader import read_rows
from dialer_tui.store.engine import bulk
from dialer_tui.store.models import RANK_NEW, STATUS_NEW, PhoneNumber, Prospect

BATCH_ROWS = 5000
FIRST_LOAD_MIN_ROWS = 10_000  # a first import this large builds its indexes once, at the end
MAX_RECORD_LINES = 200  # a quoted field this long is an unbalanced double quote, not data
_P, _PH = Prospect.__table__, PhoneNumber.__table__
# Fields a merge fills when empty and never overwrites (PRODUCT.md section 4).
MERGE_FIELDS = ("first_name", "last_name", "title", "company", "industry", "city", "region",
                "country", "time_zone", "email", "linkedin_url", "referrer_name",
                "referrer_company", "assistant_name", "preferred_channel", "research_notes",
                "owner", "source", "priority")
_KEEP = ("id", *MERGE_FIELDS, "email_key", "name_key", "custom_fields")  # what a merge needs
_UPDATE_COLS = (*_KEEP[1:], "updated_at")
_BINARY_MAGIC = {b"PK\x03\x04": "a ZIP or Excel .xlsx file", b"\xd0\xcf\x11\xe0": "an Excel .xls",
                 b"%PDF": "a PDF file", b"\x89PNG": "a PNG image", b"\x1f\x8b": "a gzip file",
                 b"SQLite format": "an SQLite database"}
_Row = ch.RowValues


class CsvInputError(InputError):
    """The file cannot be imported at all; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Reject:
    row: int  # physical CSV line where the record starts (1 = header)
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    merged: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"imported": self.imported, "merged": self.merged, "rejected": self.rejected}


# ---------------------------------------------------------------------------- reading the file


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CsvInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CsvInputError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise CsvInputError(f"{path}: cannot read ({exc.strerror})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel "Unicode text"
        return data.decode("utf-16", errors="replace")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise CsvInputError(f"{path}: is {what}, not CSV; save it as CSV (UTF-8) first")
    head = data[:8192]
    odd = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    if head.count(0) > len(head) // 100 or odd > len(head) // 10:
        at = next(i for i, b in enumerate(head) if b < 32 and b not in (9, 10, 12, 13, 27))
        raise CsvInputError(f"{path}: looks like a binary file, not CSV (control byte "
                            f"0x{head[at]:02x} at offset {at})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" as Windows-1252; its five unused bytes become U+FFFD.
        return data.decode("cp1252", errors="replace")


def _delimiter(lines: list[str]) -> str:
    """Comma, semicolon (European Excel, Pipedrive), tab or pipe: the one that splits the first
    lines into the same number of cells most often, and into the most cells."""
    best, best_score = ",", (-1, 0)
    for delim in (",", ";", "\t", "|"):
        if delim not in lines[0]:
            continue
        rows = list(csv.reader(lines, delimiter=delim))
        width = len(rows[0])
        score = (sum(1 for r in rows[1:] if len(r) == width), width)
        if width > 1 and score > best_score:
            best, best_score = delim, score
    return best


def _records(path: Path, text: str, delim: str) -> Iterator[tuple[int, bool, list[str]]]:
    """(line where the record starts, spans several lines, cells); blank lines skipped and line
    numbers kept exact, so a rejects file points at the right line despite quoted newlines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    prev = 0
    try:
        for cells in reader:
            start, prev = prev + 1, reader.line_num
            if prev - start >= MAX_RECORD_LINES:
                raise CsvInputError(f"{path}, line {start}: a quoted field runs on for "
                                    f"{prev - start + 1} lines; a double quote is unbalanced")
            if cells:
                yield start, prev > start, cells
    except csv.Error as exc:
        raise CsvInputError(f"{path}, line {reader.line_num}: {exc}") from None


def _looks_like_data(cells: list[str]) -> bool:
    return any(ch.EMAIL.fullmatch(c.strip()) or len(re.sub(r"\D", "", c)) >= 7 and
               re.fullmatch(r"[\d\s()+\-./x#ext]+", c.strip()) for c in cells)


# ------------------------------------------------------------------------- dedupe and writing


def _same_person(target: dict, fields: dict) -> bool:
    """A shared number (a switchboard) must not fold two named people into one prospect."""
    a_first, a_last = target["first_name"].casefold(), target["last_name"].casefold()
    b_first = fields.get("first_name", "").casefold()
    b_last = fields.get("last_name", "").casefold()
    if not (a_first or a_last) or not (b_first or b_last):
        return True
    if a_last and b_last and a_last != b_last:
        return False
    a_first, b_first = a_first.rstrip("."), b_first.rstrip(".")
    return not a_first or not b_first or a_first.startswith(b_first) or b_first.startswith(a_first)


class _Store:
    """The dedupe maps and the batch writes.

    The maps (E.164 -> prospect, email -> prospect) are loaded once: a dict lookup per row, not a
    query. A batch is matched first, then written in one transaction. New prospects get
    provisional negative ids, swapped for real ones inside that transaction (`real`), so that
    matching needs no database round trip. A dry run keeps what it would have written in
    `virtual` (compact _KEEP tuples) for later rows to merge into.
    (A writer thread overlapping the writes with the next batch's parsing was tried: the GIL
    hand-offs around each sqlite3 step ate the gain, so the code stays sequential.)"""

    def __init__(self, engine: Engine, result: ImportResult, now: datetime, dry_run: bool):
        self.engine, self.result, self.now, self.dry_run = engine, result, now, dry_run
        # Rows go to the driver as they are (see _insert): defaults from the models, and `now`
        # converted once by the column's own type.
        stamp = _P.c.created_at.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
        stamped = stamp(now) if stamp else now
        self.base = Prospect().model_dump(exclude={"id"})
        self.base.update(status=STATUS_NEW, queue_rank=RANK_NEW, queue_due_at=stamped,
                         created_at=stamped, updated_at=stamped)
        self.phone_base = {**PhoneNumber(prospect_id=0, e164="").model_dump(exclude={"id"}),
                           "created_at": stamped}
        self.phone_owner: dict[str, int] = {}
        self.shared: dict[str, list[int]] = {}  # numbers on several prospects (switchboards)
        self.email_owner: dict[str, int] = {}
        self.virtual: dict[int, tuple] = {}
        self.real: dict[int, int] = {}
        self.last_id = 0
        self.load_conn: Connection | None = None  # the one transaction of a first load
        with engine.connect() as conn:
            for e164, pid in conn.execute(select(_PH.c.e164, _PH.c.prospect_id)):
                self._own(e164, pid)
            for key, pid in conn.execute(select(_P.c.email_key, _P.c.id)
                                         .where(_P.c.email_key != "")):
                self.email_owner.setdefault(key, pid)

    @contextmanager
    def first_load(self, rows: int) -> Iterator[None]:
        """Around the whole import: when `rows` go into an empty store, one transaction that
        drops the prospect and number tables' secondary indexes first and builds them once at
        the end. Sorting 100k keys once beats 100k B-tree inserts into each of eight indexes:
        the import is ~15% faster. Nobody has anything to call from an empty store, so holding
        its write lock for the few seconds costs no one; and an interrupted load leaves it empty
        and fully indexed (the DDL rolls back with the rows)."""
        if self.dry_run or rows < FIRST_LOAD_MIN_ROWS or self.phone_owner or self.email_owner:
            yield
            return
        with bulk(self.engine).begin() as conn:
            # Checked under the write lock: another import may have filled it meanwhile.
            if conn.execute(select(_P.c.id).limit(1)).first() is None:
                indexes = [*_P.indexes, *_PH.indexes]
                for index in indexes:
                    index.drop(conn, checkfirst=True)
                self.load_conn = conn
                try:
                    yield
                finally:
                    self.load_conn = None
                for index in indexes:
                    index.create(conn)
                return
        yield  # not empty after all: batches of their own, as for any later import

    def _connection(self, *, write: bool):
        """The first load's transaction, else a new one (a batch's, or a read)."""
        if self.load_conn is not None:
            return nullcontext(self.load_conn)
        return bulk(self.engine).begin() if write else self.engine.connect()

    def _own(self, e164: str, pid: int) -> bool:
        """Record that the number is on the prospect; False if it already was."""
        owner = self.phone_owner.get(e164)
        if owner is None:
            self.phone_owner[e164] = pid
        elif owner == pid or pid in self.shared.get(e164, ()):
            return False
        else:
            self.shared.setdefault(e164, [owner]).append(pid)
        return True

    def _owners(self, e164: str) -> list[int] | tuple[int, ...]:
        owner = self.phone_owner.get(e164)
        return () if owner is None else self.shared.get(e164) or (owner,)

    def write(self, rows: list[_Row]) -> None:
        new, updated, phones = self._plan(rows, self._targets(rows))
        if self.dry_run:
            self.virtual.update((i, tuple(p[k] for k in _KEEP))
                                for i, p in (*new.items(), *updated.items()))
        else:
            self._commit(list(new.values()), phones, list(updated.values()))

    def _targets(self, rows: list[_Row]) -> dict[int, dict]:
        """Copies of the prospects this batch may merge into (stored ones in a query per 500)."""
        ids = {pid for row in rows for ph in row.phones for pid in self._owners(ph["e164"])}
        ids.update(self.email_owner[r.email_key] for r in rows if r.email_key in self.email_owner)
        targets = {i: dict(zip(_KEEP, self.virtual[i], strict=True)) for i in ids
                   if i in self.virtual}
        stored = {self.real.get(i, i): i for i in ids if i not in targets}
        keys = sorted(stored)
        with self._connection(write=False) if keys else nullcontext() as conn:
            for i in range(0, len(keys), 500):
                for r in conn.execute(select(*(_P.c[k] for k in _KEEP))
                                      .where(_P.c.id.in_(keys[i:i + 500]))):
                    targets[stored[r.id]] = dict(r._mapping)
        return targets

    def _plan(self, rows: list[_Row], targets: dict[int, dict]) -> tuple[dict, dict, list]:
        new: dict[int, dict] = {}
        updated: dict[int, dict] = {}
        phones: list[dict] = []
        for row in rows:
            pid = self._match(row, targets)
            if pid is None:
                self.last_id -= 1
                pid = self.last_id
                targets[pid] = new[pid] = self._new(pid, row)
                self.result.imported += 1
                touched = False
            else:
                self.result.merged += 1
                touched = self._merge(pid, targets[pid], row)
            for ph in row.phones:
                if self._own(ph["e164"], pid):
                    phones.append({**self.phone_base, **ph, "prospect_id": pid})
                    touched = True
            if touched and pid not in new:
                targets[pid]["updated_at"] = self.now
                updated[pid] = targets[pid]
        return new, updated, phones

    def _commit(self, new: list[dict], phones: list[dict], updated: list[dict]) -> None:
        """One batch, one transaction: its prospects, their numbers and the merges."""
        with self._connection(write=True) as conn:
            ids = self._ids(conn, len(new)) if new else iter(())
            for p in new:
                real_id = next(ids)
                self.real[p["id"]] = real_id
                p["id"] = real_id
            for ph in phones:
                ph["prospect_id"] = self.real.get(ph["prospect_id"], ph["prospect_id"])
            _insert(conn, _P, new)
            _insert(conn, _PH, phones)
            if updated:
                stmt = (update(_P).where(_P.c.id == bindparam("b_id"))
                        .values({c: bindparam(f"b_{c}") for c in _UPDATE_COLS}))
                conn.execute(stmt, [{"b_id": self.real.get(t["id"], t["id"]),
                                     **{f"b_{c}": t[c] for c in _UPDATE_COLS}} for t in updated])

    @staticmethod
    def _ids(conn: Connection, n: int) -> Iterator[int]:
        if conn.dialect.name == "postgresql":  # reserved from the sequence, like any insert
            yield from conn.execute(select(func.nextval(func.pg_get_serial_sequence(
                "prospect", "id"))).select_from(func.generate_series(1, n))).scalars()
            return
        # SQLite: BEGIN IMMEDIATE holds the write lock, so max(id) + 1 is ours to use.
        yield from range((conn.execute(select(func.max(_P.c.id))).scalar() or 0) + 1, 2 ** 62)

    def _new(self, pid: int, row: _Row) -> dict:
        p = self.base.copy()
        p.update(row.fields)
        p.update(id=pid, email_key=row.email_key,
                 name_key=name_key(p["first_name"], p["last_name"], p["company"]),
                 custom_fields=json.dumps(row.custom, ensure_ascii=False) if row.custom else "{}")
        if row.email_key:
            self.email_owner.setdefault(row.email_key, pid)
        return p

    def _match(self, row: _Row, targets: dict[int, dict]) -> int | None:
        if row.email_key and (pid := self.email_owner.get(row.email_key)) is not None:
            return pid
        for ph in row.phones:
            for pid in self._owners(ph["e164"]):
                if _same_person(targets[pid], row.fields):
                    return pid
        return None

    def _merge(self, pid: int, t: dict, row: _Row) -> bool:
        """Fill the target's empty fields from the row; report, never overwrite, the rest."""
        who = f"prospect #{pid}" if pid > 0 else "the prospect of an earlier row"
        changed = False
        custom = json.loads(t["custom_fields"] or "{}") if row.custom else {}
        for name, value, have in [*((n, v, t) for n, v in row.fields.items()),
                                  *((k, v, custom) for k, v in row.custom.items())]:
            current = have.get(name)
            if not current:
                have[name] = value
                changed = True
            elif (current.casefold() if isinstance(current, str) else current) != (
                    value.casefold() if isinstance(value, str) else value):
                self.result.warnings.append(f"row {row.line}: {name} {value!r} not imported: "
                                            f"{who} already has {current!r}")
        if row.email_key:
            self.email_owner.setdefault(row.email_key, pid)
            if not t["email_key"] and t["email"].lower() == row.email_key:
                t["email_key"] = row.email_key
        if changed:
            t["custom_fields"] = json.dumps(custom, ensure_ascii=False) if custom else \
                t["custom_fields"]
            t["name_key"] = name_key(t["first_name"], t["last_name"], t["company"])
        return changed


def _insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """executemany of the compiled INSERT, handed to the driver as it is. Rows are already in the
    driver's terms (see _Store.__init__); SQLAlchemy's per-row parameter processing would add
    a third to the write time."""
    if not rows:
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(rows[0]))
    if keys := compiled.positiontup:  # positional paramstyles (SQLite's qmark) take tuples
        values = itemgetter(*keys)
        rows = [values(r) for r in rows]
    conn.exec_driver_sql(str(compiled), rows)


# --------------------------------------------------------------------------------- the entry


def import_csv(engine: Engine, path: Path, *, region: str = "US", dry_run: bool = False,
               rejects_path: Path | None = None,
               progress: Callable[[int, int], None] | None = None, source: str = "",
               now: datetime | None = None) -> ImportResult:
    """Import the prospects of one CSV file. Raises CsvInputError when the file cannot be read as
    a prospect list at all; bad rows are rejected or warned about in the result instead.

    dry_run computes everything and writes nothing to the database (a rejects file, when one is
    asked for, is still written: it previews what would be left out)."""
    path, now, region = Path(path), now or datetime.now(timezone.utc), (region or "US").upper()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if ch.country_code(region) != region:
        raise CsvInputError(f"region {region!r} is not a country code (e.g. US, GB, DE)")
    text, result = _decode(path), ImportResult()
    if "\x00" in text:
        result.warnings.append(f"{path}: {text.count(chr(0))} NUL characters removed")
        text = text.replace("\x00", "")
    sample = text[:65536].splitlines()
    first = next((i for i, line in enumerate(sample) if line.strip()), None)
    if first is None:
        raise CsvInputError(f"{path}: the file is empty")
    delim, skip = _delimiter(sample[first:first + 30]), 0
    if m := re.fullmatch(r"\s*sep=(.)\s*", sample[first]):  # Excel's "sep=;" first line
        delim, skip = m.group(1), 1
    records = _records(path, text, delim)
    if skip:
        next(records)
    line, _, headers = next(records, (first + 2, False, []))
    headers = [ch.clean(h.replace("\ufeff", "").strip())[0] or f"column {i + 1}"
               for i, h in enumerate(headers)]
    if not headers or _looks_like_data(headers):
        raise CsvInputError(f"{path}, line {line}: no header row; the first line looks like "
                            f"data ({', '.join(headers[:4])}). Add a header row such as "
                            "'First Name,Last Name,Company,Phone,Email'")
    reader = ch.RowReader(headers, region=region, source=source)
    if not reader.hmap.usable:
        raise CsvInputError(f"{path}, line {line}: no recognisable name, phone or email column; "
                            f"headers found: {', '.join(repr(h) for h in headers)}")
    # An exact count for the progress bar; a malformed record fails here, before any write.
    total = sum(1 for _ in _records(path, text, delim)) - 1 - skip
    dirty = bool(ch.CONTROL.search(text))
    store = _Store(engine, result, now, dry_run)
    gc_was_on = gc.isenabled()
    gc.disable()  # 100k rows of small dicts alive: cycle collection would cost a quarter
    try:
        with store.first_load(total):
            rejected = _import_rows(records, reader, store, dirty, progress, total)
    finally:
        if gc_was_on:
            gc.enable()
    result.rejected = len(result.rejects)
    if progress:
        progress(total, total)
    if rejects_path is not None:
        with open(rejects_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([neutralise(h) for h in [*headers, "row", "reject_reason"]])
            writer.writerows([neutralise(c) for c in row] for row in rejected)
    return result


def _import_rows(records, reader: ch.RowReader, store: _Store, dirty: bool,
                 progress: Callable[[int, int], None] | None, total: int) -> list[list[str]]:
    """Read, check and write the records in batches; returns the rejected rows' cells."""
    result, rejected, batch, done = store.result, [], [], 0
    for line, cells, row in read_rows(records, reader, dirty, total):
        done += 1
        if row is None:
            continue
        if row.notes:
            result.warnings.extend(f"row {line}: {note}" for note in row.notes)
        if not row.usable:
            detail = "; ".join(f"phone {raw!r}: {why}" for raw, why in row.phone_errors)
            reject = Reject(line, "no valid phone number or email" + (f" ({detail})" if detail
                                                                      else ""))
            result.rejects.append(reject)
            rejected.append([*cells, str(line), reject.reason])
            continue
        if row.phone_errors:
            result.warnings.extend(f"row {line}: phone {raw!r} ignored: {why}"
                                   for raw, why in row.phone_errors)
        row.line = line
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            store.write(batch)
            batch = []
            if progress:
                progress(done, total)
    if batch:
        store.write(batch)
    return rejected
