"""Import prospects from a CSV export (HubSpot, Salesforce, Pipedrive, Close, a spreadsheet).

One prospect per row, every phone column kept as its own number. Rows that share an E.164 number
or an email with an earlier row or a stored prospect merge into it: empty fields are filled,
filled ones are never overwritten. Writes go in batches of BATCH_ROWS rows, each batch one
transaction (prospects and their numbers together), through Core executemany: an interrupted
import leaves whole batches only, and 100k rows take seconds, not minutes.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from dialer_tui.services import csv_headers as ch
from dialer_tui.services.exporter import FORMULA_TRIGGERS, neutralise
from dialer_tui.store.models import RANK_NEW, STATUS_NEW, PhoneNumber, Prospect

BATCH_ROWS = 5000
MAX_RECORD_LINES = 200  # a quoted field longer than this is an unbalanced quote, not data
_P, _PH = Prospect.__table__, PhoneNumber.__table__
# Fields a merge fills when empty and never overwrites (PRODUCT.md section 4).
MERGE_FIELDS = ("first_name", "last_name", "title", "company", "industry", "city", "region",
                "country", "time_zone", "email", "linkedin_url", "referrer_name",
                "referrer_company", "assistant_name", "preferred_channel", "research_notes",
                "owner", "source", "priority")
_UPDATE_COLS = (*MERGE_FIELDS, "email_key", "name_key", "custom_fields", "updated_at")
_EMAIL_RE = re.compile(r"[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]+")
# Terminal escape sequences (CSI, OSC such as OSC 52 clipboard writes, 8-bit forms), then any
# C0/C1 control byte left: imported text is shown in a terminal and must never drive it.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|"
                      r"\x1b[@-Z\\-_]?|\x9b[0-?]*[ -/]*[@-~]?|\x9d[^\x07\x9c]*[\x07\x9c]?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BINARY_MAGIC = {b"PK\x03\x04": "a ZIP or Excel .xlsx file", b"\xd0\xcf\x11\xe0": "an Excel .xls file",
                 b"%PDF": "a PDF file", b"\x89PNG": "a PNG image", b"\x1f\x8b": "a gzip file",
                 b"SQLite format": "an SQLite database"}


class CsvInputError(Exception):
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
    return any(_EMAIL_RE.fullmatch(c.strip()) or len(re.sub(r"\D", "", c)) >= 7 and
               re.fullmatch(r"[\d\s()+\-./x#ext]+", c.strip()) for c in cells)


# ------------------------------------------------------------------------------- a row's values


def _clean(value: str) -> tuple[str, bool]:
    """Normalise line ends; strip terminal escape sequences and control characters."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(value):
        return _CONTROL.sub("", _ESCAPES.sub("", value)), True
    return value, False


def _unneutralise(value: str) -> str:
    """Undo the exporter's apostrophe (see exporter.py's docstring)."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_TRIGGERS else value


def name_key(first: str, last: str, company: str) -> str:
    return " ".join(f"{first} {last} {company}".split()).casefold()


@dataclass(slots=True)
class _Row:
    line: int
    cells: list[str]
    fields: dict  # prospect field -> non-empty value
    phones: list  # PhoneNumber column dicts (without prospect_id)
    email_key: str
    custom: dict


class _Reader:
    """Turns CSV records into _Rows (pure: no database)."""

    def __init__(self, headers: list[str], region: str, source: str, result: ImportResult,
                 dirty: bool):
        self.headers, self.region, self.source, self.result = headers, region, source, result
        self.hmap = ch.map_headers(headers)
        self.dirty = dirty  # the file holds control characters somewhere
        self.phones = ch.FastPhoneParser()
        self.text_fields = [(f, cols) for f, cols in self.hmap.fields.items()
                            if f not in ("full_name", "phone_notes", "extension", "custom_fields")]

    def warn(self, line: int, text: str) -> None:
        self.result.warnings.append(f"row {line}: {text}")

    def read(self, line: int, multiline: bool, cells: list[str]) -> _Row | Reject | None:
        width = len(self.headers)
        if len(cells) != width:
            if any(c.strip() for c in cells[width:]):
                self.warn(line, f"{len(cells) - width} cells beyond the last column ignored")
            cells = (cells + [""] * width)[:width]
        if self.dirty or multiline:  # a CR inside a field always makes the record multi-line
            for i, value in enumerate(cells):
                cells[i], changed = _clean(value)
                if changed:
                    self.warn(line, f"control characters removed from {self.headers[i]!r}")
        if not any(cells):
            return None
        ours, get = self.hmap.ours, self._value
        fields = {}
        for name, cols in self.text_fields:
            value = get(cells, cols, ours)
            if value:
                fields[name] = value
        if "first_name" not in fields and "last_name" not in fields:
            full = get(cells, self.hmap.fields.get("full_name", ()), ours)
            if full:
                fields["first_name"], last = ch.split_name(full)
                if last:
                    fields["last_name"] = last
        custom = {self.headers[i]: cells[i].strip() for i in self.hmap.custom if cells[i].strip()}
        self._normalise(line, fields, custom, cells)
        phones, errors = self._phones(line, cells, fields.get("country") or self.region)
        email_key = ""
        for col in self.hmap.emails:
            raw = cells[col].strip().removeprefix("'")
            if not raw:
                continue
            m = _EMAIL_RE.search(raw)
            if m and not email_key:
                fields["email"] = m.group(0)
                email_key = m.group(0).casefold()
            elif not m:
                self.warn(line, f"email {raw!r} ignored: not an email address")
        if not phones and not email_key:
            detail = "; ".join(errors)
            return Reject(line, "no valid phone number or email" + (f" ({detail})" if detail else ""))
        for text in errors:
            self.warn(line, f"{text} ignored")
        return _Row(line, cells, fields, phones, email_key, custom)

    @staticmethod
    def _value(cells: list[str], cols, ours: bool) -> str:
        for col in cols:
            value = cells[col].strip()
            if value:
                return _unneutralise(value)
        return ""

    def _normalise(self, line: int, fields: dict, custom: dict, cells: list[str]) -> None:
        if country := fields.get("country"):
            code = ch.country_code(country)
            if code is None:
                self.warn(line, f"country {country!r} not recognised; numbers read as {self.region}")
                custom["country"] = country
                del fields["country"]
            else:
                fields["country"] = code
        if zone := fields.get("time_zone"):
            iana = ch.time_zone(zone)
            if iana is None:
                self.warn(line, f"time zone {zone!r} is not an IANA zone; ignored")
                custom["time_zone"] = zone
                del fields["time_zone"]
            else:
                fields["time_zone"] = iana
        if "priority" in fields:
            value = ch.priority_value(fields["priority"])
            if value is None:
                self.warn(line, f"priority {fields['priority']!r} not understood; 0 used")
                custom["priority"] = fields.pop("priority")
            elif value:
                fields["priority"] = value
            else:
                del fields["priority"]
        if "referrer_name" in fields and "referrer_company" not in fields and not self.hmap.ours:
            name, company = ch.split_referrer(fields["referrer_name"])
            if company:
                fields["referrer_name"], fields["referrer_company"] = name, company
        if "source" not in fields and self.source:
            fields["source"] = self.source
        if cols := self.hmap.fields.get("custom_fields"):
            blob = self._value(cells, cols, True)
            try:
                extra = json.loads(blob) if blob else {}
            except ValueError:
                extra = None
            if isinstance(extra, dict):
                custom.update({str(k): v for k, v in extra.items()})
            else:
                self.warn(line, "custom_fields is not a JSON object; kept as text")
                custom["custom_fields"] = blob

    def _phones(self, line: int, cells: list[str], region: str) -> tuple[list, list[str]]:
        hmap, phones, errors, seen = self.hmap, [], [], set()
        wanted = [(col, kind, False) for col, kind in hmap.phones]
        if hmap.other_phones is not None:
            wanted.append((hmap.other_phones, "office", True))
        for col, kind, tagged in wanted:
            cell = cells[col].strip()
            if not cell:
                continue
            for raw in re.split(r"\s*[;|]\s*", cell) if (";" in cell or "|" in cell) else [cell]:
                raw, this_kind = raw.strip().removeprefix("'"), kind
                if tagged and (m := re.fullmatch(r"(.*?)\s*\((\w+)\)", raw)):
                    raw, this_kind = m.group(1), m.group(2)
                if not raw:
                    continue
                parsed = self.phones.parse(raw, region)
                if isinstance(parsed, str):
                    errors.append(f"phone {raw!r}: {parsed}")
                    continue
                e164, ext, ntype, zones = parsed
                if e164 in seen:
                    continue
                seen.add(e164)
                if ntype == "mobile" and not tagged:
                    this_kind = "mobile"
                phones.append({"e164": e164, "extension": ext, "raw": raw, "kind": this_kind,
                               "valid": True, "number_type": ntype, "time_zones": zones,
                               "note": ""})
        if phones:
            if cols := hmap.fields.get("extension"):
                ext = re.sub(r"\D", "", self._value(cells, cols, True))
                target = next((p for p in phones if not p["extension"]), None)
                if ext and target:
                    target["extension"] = ext
            if cols := hmap.fields.get("phone_notes"):
                note = self._value(cells, cols, hmap.ours)
                target = next((p for p in phones if p["kind"] in ("office", "direct")), phones[0])
                target["note"] = note
        return phones, errors


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
    """The dedupe maps (loaded once: a dict lookup per row, not a query) and the batch writes."""

    def __init__(self, engine: Engine, result: ImportResult, now: datetime, dry_run: bool):
        self.engine, self.result, self.now, self.dry_run = engine, result, now, dry_run
        self.pg = engine.dialect.name == "postgresql"
        # Core inserts bypass the models' defaults: start every row from them.
        self.base = Prospect().model_dump(exclude={"id"})
        self.base.update(status=STATUS_NEW, queue_rank=RANK_NEW, queue_due_at=now,
                         created_at=now, updated_at=now)
        self.phone_base = PhoneNumber(prospect_id=0, e164="").model_dump(exclude={"id"})
        self.phone_base["created_at"] = now
        self.phone_owner: dict[str, int] = {}
        self.shared: dict[str, list[int]] = {}  # numbers on several prospects (rare)
        self.email_owner: dict[str, int] = {}
        self.virtual: dict[int, dict] = {}  # dry run: prospects "written" by earlier batches
        self.fake_id = 0
        with engine.connect() as conn:
            for e164, pid in conn.execute(select(_PH.c.e164, _PH.c.prospect_id)):
                self._own(e164, pid)
            for key, pid in conn.execute(select(_P.c.email_key, _P.c.id)
                                         .where(_P.c.email_key != "")):
                self.email_owner.setdefault(key, pid)

    def _own(self, e164: str, pid: int) -> None:
        owner = self.phone_owner.setdefault(e164, pid)
        if owner != pid:
            owners = self.shared.setdefault(e164, [owner])
            if pid not in owners:
                owners.append(pid)

    def _owners(self, e164: str) -> list[int]:
        if e164 in self.shared:
            return self.shared[e164]
        owner = self.phone_owner.get(e164)
        return [] if owner is None else [owner]

    def write(self, rows: list[_Row]) -> None:
        if self.dry_run:
            self._apply(None, rows)
        else:
            with self.engine.begin() as conn:  # one batch, one transaction
                self._apply(conn, rows)

    def _targets(self, conn: Connection | None, rows: list[_Row]) -> dict[int, dict]:
        """The stored prospects this batch may merge into, read in one query per 500."""
        ids = {pid for row in rows for ph in row.phones for pid in self._owners(ph["e164"])}
        ids.update(self.email_owner[r.email_key] for r in rows if r.email_key in self.email_owner)
        targets = {i: self.virtual[i] for i in ids if i in self.virtual}
        stored = sorted(i for i in ids if i not in targets)
        if not stored:
            return targets
        cols = [_P.c.id, *(_P.c[f] for f in MERGE_FIELDS), _P.c.email_key, _P.c.custom_fields,
                _P.c.name_key]
        with self.engine.connect() if conn is None else nullcontext(conn) as c:
            for i in range(0, len(stored), 500):
                for r in c.execute(select(*cols).where(_P.c.id.in_(stored[i:i + 500]))):
                    targets[r.id] = dict(r._mapping)
        return targets

    def _ids(self, conn: Connection | None, n: int) -> Iterator[int]:
        if conn is None:
            while True:
                self.fake_id -= 1
                yield self.fake_id
        if self.pg:  # reserved from the sequence: safe next to other writers
            yield from conn.execute(select(func.nextval(func.pg_get_serial_sequence(
                "prospect", "id"))).select_from(func.generate_series(1, n))).scalars()
            return
        # SQLite: BEGIN IMMEDIATE holds the write lock, so max(id) + 1 is ours to use.
        yield from range((conn.execute(select(func.max(_P.c.id))).scalar() or 0) + 1, 2 ** 62)

    def _apply(self, conn: Connection | None, rows: list[_Row]) -> None:
        targets = self._targets(conn, rows)
        ids = self._ids(conn, len(rows))
        new: dict[int, dict] = {}
        updated: dict[int, dict] = {}
        phones: list[dict] = []
        for row in rows:
            pid = self._match(row, targets)
            if pid is None:
                pid = next(ids)
                targets[pid] = new[pid] = self._new(pid, row)
                self.result.imported += 1
                touched = False
            else:
                self.result.merged += 1
                touched = self._merge(pid, targets[pid], row)
            for ph in row.phones:
                if pid not in self._owners(ph["e164"]):
                    self._own(ph["e164"], pid)
                    phones.append({**self.phone_base, **ph, "prospect_id": pid})
                    touched = True
            if touched and pid not in new:
                targets[pid]["updated_at"] = self.now
                updated[pid] = targets[pid]
        if conn is None:  # dry run: remember what would have been written, for later batches
            self.virtual.update(new)
            self.virtual.update(updated)
            return
        if new:
            conn.execute(insert(_P), list(new.values()))
        if phones:
            conn.execute(insert(_PH), phones)
        if updated:
            stmt = (update(_P).where(_P.c.id == bindparam("b_id"))
                    .values({c: bindparam(f"b_{c}") for c in _UPDATE_COLS}))
            conn.execute(stmt, [{"b_id": t["id"], **{f"b_{c}": t[c] for c in _UPDATE_COLS}}
                                for t in updated.values()])

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
        for name, value in row.fields.items():
            current = t[name]
            if not current:
                t[name] = value
                changed = True
            elif (current.casefold() if isinstance(current, str) else current) != (
                    value.casefold() if isinstance(value, str) else value):
                self.result.warnings.append(f"row {row.line}: {name} {value!r} not imported: "
                                            f"{who} already has {current!r}")
        if row.email_key:
            self.email_owner.setdefault(row.email_key, pid)
            if not t["email_key"] and t["email"].casefold() == row.email_key:
                t["email_key"] = row.email_key
        if row.custom:
            custom = json.loads(t["custom_fields"] or "{}")
            for key, value in row.custom.items():
                if key not in custom:
                    custom[key] = value
                    changed = True
                elif custom[key] != value:
                    self.result.warnings.append(f"row {row.line}: {key} {value!r} not imported: "
                                                f"{who} already has {custom[key]!r}")
            t["custom_fields"] = json.dumps(custom, ensure_ascii=False)
        if changed:
            t["name_key"] = name_key(t["first_name"], t["last_name"], t["company"])
        return changed


# --------------------------------------------------------------------------------- the entry


def import_csv(engine: Engine, path: Path, *, region: str = "US", dry_run: bool = False,
               rejects_path: Path | None = None,
               progress: Callable[[int, int], None] | None = None, source: str = "",
               now: datetime | None = None) -> ImportResult:
    """Import the prospects of one CSV file. Raises CsvInputError when the file cannot be read as
    a prospect list at all; bad rows are rejected or warned about in the result instead.

    dry_run computes everything and writes nothing to the database (a rejects file, when one is
    asked for, is still written: it is the preview of what would be left out)."""
    path = Path(path)
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    region = (region or "US").upper()
    if ch.country_code(region) != region:
        raise CsvInputError(f"region {region!r} is not a country code (e.g. US, GB, DE)")
    text = _decode(path)
    result = ImportResult()
    if "\x00" in text:
        result.warnings.append(f"{path}: {text.count(chr(0))} NUL characters removed")
        text = text.replace("\x00", "")
    sample = text[:65536].splitlines()
    first = next((i for i, line in enumerate(sample) if line.strip()), None)
    if first is None:
        raise CsvInputError(f"{path}: the file is empty")
    delim = _delimiter(sample[first:first + 30])
    if m := re.fullmatch(r"\s*sep=(.)\s*", sample[first]):  # Excel's "sep=;" first line
        delim = m.group(1)
    records = _records(path, text, delim)
    line, _, headers = next(records)
    if m:
        line, _, headers = next(records, (line + 1, False, []))
    headers = [_clean(h.replace("\ufeff", "").strip())[0] or f"column {i + 1}"
               for i, h in enumerate(headers)]
    if not headers or _looks_like_data(headers):
        raise CsvInputError(f"{path}, line {line}: no header row; the first line looks like "
                            f"data ({', '.join(headers[:4])}). Add a header row such as "
                            "'First Name,Last Name,Company,Phone,Email'")
    reader = _Reader(headers, region, source, result, dirty=bool(_CONTROL.search(text)))
    if not reader.hmap.usable:
        raise CsvInputError(f"{path}, line {line}: no recognisable name, phone or email column; "
                            f"headers found: {', '.join(repr(h) for h in headers)}")
    total = sum(1 for _ in _records(path, text, delim)) - 1 - (1 if m else 0)
    store = _Store(engine, result, now, dry_run)
    rejected: list[list[str]] = []
    batch: list[_Row] = []
    done = 0
    for line, multiline, cells in records:
        done += 1
        row = reader.read(line, multiline, cells)
        if isinstance(row, Reject):
            result.rejects.append(row)
            rejected.append([*cells, str(row.row), row.reason])
        elif row is not None:
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                store.write(batch)
                batch = []
                if progress:
                    progress(done, total)
    if batch:
        store.write(batch)
    result.rejected = len(result.rejects)
    if progress:
        progress(total, total)
    if rejects_path is not None:
        _write_rejects(Path(rejects_path), headers, rejected)
    return result


def _write_rejects(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([neutralise(h) for h in [*headers, "row", "reject_reason"]])
        writer.writerows([neutralise(c) for c in row] for row in rows)
