"""Import prospects from a CSV export (HubSpot, Salesforce, Pipedrive, Close, a spreadsheet).

One prospect per row, every phone column kept as its own number. Rows that share an E.164 number
or an email with an earlier row or a stored prospect merge into it: empty fields are filled,
filled ones are never overwritten. Writes go in batches of BATCH_ROWS rows, each batch one
transaction (prospects and their numbers together), through Core executemany: an interrupted
import leaves whole batches only, and 100k rows take seconds, not minutes. A large first import
(into an empty store) is one transaction instead, with the secondary indexes built once at the
end (see ImportStore.first_load): interrupted, it leaves the store empty as it found it. The
dedupe and the writes are in import_store.py, the reading of records in import_reader.py.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy.engine import Engine

from dialer_tui.clock import system_now
from dialer_tui.errors import InputError
from dialer_tui.gc_pause import paused as paused_gc
from dialer_tui.services import csv_headers as ch
from dialer_tui.services.exporter import check_target, write_csv
from dialer_tui.services.header_map import Vocabulary, header_key
from dialer_tui.services.import_reader import read_rows
from dialer_tui.services.import_store import ImportStore
from dialer_tui.store import locks
from dialer_tui.text_safety import has_controls

BATCH_ROWS = 5000
FIRST_LOAD_MIN_ROWS = 10_000  # a first import this large builds its indexes once, at the end
MAX_RECORD_LINES = 200  # a quoted field this long is an unbalanced double quote, not data
# The csv module refuses a field over 128 KiB with an error that ends the whole file; read up to
# 16 MiB and let RowReader reject just the row with the oversized cell (ch.MAX_CELL).
csv.field_size_limit(16 * 1024 * 1024)
_BINARY_MAGIC = {b"PK\x03\x04": "a ZIP or Excel .xlsx file", b"\xd0\xcf\x11\xe0": "an Excel .xls",
                 b"%PDF": "a PDF file", b"\x89PNG": "a PNG image", b"\x1f\x8b": "a gzip file",
                 b"SQLite format": "an SQLite database"}


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
    columns: dict[str, str | None] = field(default_factory=dict)  # header -> field, or None
    near: dict[str, str] = field(default_factory=dict)  # unmapped header -> field it resembles
    nameless: int = 0  # rows kept without a name (the file has no name column at all)
    number_problems: list[dict] = field(default_factory=list)  # numbers dropped from kept rows

    def summary(self) -> dict:
        return {"imported": self.imported, "merged": self.merged, "rejected": self.rejected}

    def report(self) -> dict:
        """`import --json`: the summary, how each header was read, rows kept without a name,
        and the numbers dropped from rows that were kept (by another number or their email)."""
        return {**self.summary(), "columns": self.columns, "nameless": self.nameless,
                "number_problems": self.number_problems}

    def mapping_lines(self) -> list[str]:
        """How each header was read, for the dry run and the summary."""
        width = max((len(h) for h in self.columns), default=0)
        out = []
        for header, what in self.columns.items():
            hint = f" (did you mean {self.near[header]}?)" if header in self.near else ""
            out.append(f"  {header:<{width}}  -> {what or 'not mapped: kept as a custom field'}"
                       f"{hint}")
        return out


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


# --------------------------------------------------------------------------------- the entry


def import_csv(engine: Engine, path: Path, *, region: str = "US", dry_run: bool = False,
               rejects_path: Path | None = None,
               progress: Callable[[int, int], None] | None = None, source: str = "",
               now: datetime | None = None, column_map: dict[str, str] | None = None,
               vocab: Vocabulary | None = None) -> ImportResult:
    """Import the prospects of one CSV file. Raises CsvInputError when the file cannot be read as
    a prospect list at all; bad rows are rejected or warned about in the result instead.

    dry_run computes everything and writes nothing to the database (a rejects file, when one is
    asked for, is still written: it previews what would be left out). `column_map` ({header:
    field}, `import --map`) wins over the header vocabulary (`vocab`, default the shipped one)."""
    path, now, region = Path(path), now or system_now(), (region or "US").upper()
    if rejects_path is not None:
        check_target(rejects_path)  # before any row is written: a bad path is said up front
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
    if column_map:
        unknown = [h for h in column_map if header_key(h) not in map(header_key, headers)]
        if unknown:
            raise CsvInputError(f"--map: {path} has no column {unknown[0]!r}; its headers are "
                                + ", ".join(repr(h) for h in headers))
    reader = ch.RowReader(headers, region=region, source=source, vocab=vocab, manual=column_map)
    result.columns, result.near = reader.hmap.columns, reader.hmap.near
    if not reader.hmap.usable:
        guesses = "; ".join(f"{h!r} looks like {f}" for h, f in reader.hmap.near.items())
        raise CsvInputError(f"{path}, line {line}: no recognisable phone or email column; "
                            f"headers found: {', '.join(repr(h) for h in headers)}"
                            + (f" ({guesses}; fix the header or map it with --map "
                               f"'HEADER=FIELD')" if guesses else
                               " (map one with --map 'HEADER=phone' or 'HEADER=email')"))
    # An exact count for the progress bar; a malformed record fails here, before any write.
    total = sum(1 for _ in _records(path, text, delim)) - 1 - skip
    dirty = has_controls(text)
    # Two imports at once would each look up who holds a row's number before the other wrote
    # it, and both insert every row (issue 18, finding 6): one import at a time per store, from
    # the first lookup to the last batch. A dry run writes nothing and does not wait.
    with nullcontext() if dry_run else locks.held(engine, locks.IMPORT):
        store = ImportStore(engine, result, now, dry_run, named=reader.named)
        with paused_gc(), store.first_load() if total >= FIRST_LOAD_MIN_ROWS else nullcontext():
            rejected = _import_rows(records, reader, store, dirty, progress, total)
    result.rejected = len(result.rejects)
    if progress:
        progress(total, total)
    if result.nameless:
        result.warnings.append(f"{result.nameless} rows have no name: the file has no name "
                               "column (the script will greet them without one)")
    if rejects_path is not None:
        write_csv(rejects_path, [*headers, "row", "reject_reason"], rejected)
    return result


def _import_rows(records, reader: ch.RowReader, store: ImportStore, dirty: bool,
                 progress: Callable[[int, int], None] | None, total: int) -> list[list[str]]:
    """Read, check and write the records in batches; returns the rejected rows' cells."""
    result, rejected, batch, done = store.result, [], [], 0
    nameless: dict[int, list[str]] = {}  # line -> cells of rows without a name, this batch

    def write(rows: list) -> None:
        store.write(rows)
        for line in store.refused:
            result.rejects.append(Reject(line, store.NO_NAME))
            rejected.append([*nameless[line], str(line), store.NO_NAME])
        store.refused.clear()
        nameless.clear()

    for line, cells, row in read_rows(records, reader, dirty, total):
        done += 1
        if row is None:
            continue
        if row.notes:
            result.warnings.extend(f"row {line}: {note}" for note in row.notes)
        if not row.usable:
            detail = "; ".join(f"phone {raw!r}: {why}" for raw, why in row.phone_errors if raw)
            reason = "; ".join(why for raw, why in row.phone_errors if not raw) or (
                "no valid phone number or email" + (f" ({detail})" if detail else ""))
            result.rejects.append(Reject(line, reason))
            rejected.append([*cells, str(line), reason])
            continue
        if reader.named and reader.nameless(row):  # refused by the store unless it merges
            nameless[line] = cells
        if row.phone_errors:  # the row is kept (another number or an email reaches them)
            result.warnings.extend(f"row {line}: phone {raw!r} ignored: {why}"
                                   for raw, why in row.phone_errors)
            result.number_problems.extend({"row": line, "phone": raw, "reason": why}
                                          for raw, why in row.phone_errors)
        row.line = line
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            write(batch)
            batch = []
            if progress:
                progress(done, total)
    if batch:
        write(batch)
    result.rejects.sort(key=lambda r: r.row)  # refused at a batch's write: after later lines
    rejected.sort(key=lambda cells: int(cells[-2]))
    return rejected
