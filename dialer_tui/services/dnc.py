"""The do-not-call list: add a number, import a list or a registry copy, export it.

A registry copy (`dnc import FILE --source NAME --downloaded DAY`) is a list the team downloads
again and again: the US National DNC Registry's area-code files (one 10-digit number a line, or
"212,5550123"), the UK's TPS/CTPS or another country's list (one number a line). Each copy is
recorded (models.DncList: its name, the day it was downloaded, what it held); a newer copy of
the same list replaces the older one, so a number taken off the registry is callable again; and
`check` and the cockpit's header warn once a copy is older than the registry allows (31 days
under the US Telemarketing Sales Rule, 16 CFR 310.4(b)(3)(iv)). US numbers are kept per area
code, as the registry hands them out: importing the 212 file replaces only the 212 list.
A file is read whole and checked before anything is written; a row without a number goes to
the rejects file with its line number, the rest are imported in one transaction.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dialer_tui.domain.phones import PhoneError, parse_phone
from dialer_tui.errors import InputError as UsageError
from dialer_tui.services.exporter import check_target, write_csv
from dialer_tui.store import repo
from dialer_tui.store.engine import bulk, reader
from dialer_tui.store.models import DncEntry, DncList

REGISTRY_MAX_AGE = timedelta(days=31)  # a copy older than this is stale (TSR: every 31 days)
RESERVED_SOURCES = ("manual", "outcome", "import")  # entries the app writes itself
_CHUNK = 500  # numbers per DELETE ... IN (...)
# The US registry's full-list rows: "2125550123" or "212,5550123" (area code, number).
_US_ROW = re.compile(r"\s*\+?1?[\s-]*(\d{3})\s*[,;]?\s*(\d{3})[\s-]*(\d{4})\s*")


def add_number(engine: Engine, raw: str, *, reason: str, at: datetime, region: str = "US") -> str:
    try:
        e164 = parse_phone(raw, region).e164
    except PhoneError as exc:
        raise UsageError(f"dnc add {raw!r}: {exc}") from None
    with Session(engine) as s:
        repo.add_dnc(s, at=at, e164=e164, source="manual", reason=reason)
        s.commit()
    return e164


@dataclass
class DncImport:
    """What `dnc import` did."""

    added: int = 0
    removed: int = 0  # registry copies: numbers the newer copy no longer holds
    kept: int = 0  # already on the list
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text, reason)
    lists: list[str] = field(default_factory=list)  # the registry lists replaced

    def to_json(self) -> dict:
        return {"added": self.added, "removed": self.removed, "kept": self.kept,
                "rejected": len(self.rejected), "lists": self.lists}


def read_numbers(path: Path, region: str) -> tuple[list[str], list[tuple[int, str, str]]]:
    """The numbers of a list file (E.164, in file order) and its rows without one, each with
    its line number. A first line without a number is a header, skipped."""
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise UsageError(f"dnc import: cannot read {path}: {exc.strerror}") from None
    numbers: list[str] = []
    rejected: list[tuple[int, str, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if region == "US" and (m := _US_ROW.fullmatch(line)) and m.group(1)[0] in "23456789":
            numbers.append("+1" + "".join(m.groups()))  # the registry's rows: no parse needed
            continue
        cells = [c.strip().lstrip("'") for c in next(csv.reader([line]), []) if c.strip()]
        parsed, why = None, "no phone number in the row"
        for cell in cells:
            try:
                parsed = parse_phone(cell, region).e164
                break
            except PhoneError as exc:
                why = str(exc)
        if parsed is not None:
            numbers.append(parsed)
        elif lineno > 1 or numbers:
            rejected.append((lineno, line, why))
    return numbers, rejected


def list_name(source: str, e164: str) -> str:
    """The registry list a number belongs to: US numbers by area code ("US DNC 212")."""
    if not e164.startswith("+1"):
        return source
    area = e164[2:5]
    return source if source.rsplit(" ", 1)[-1] == area else f"{source} {area}"


def import_list(engine: Engine, path: Path, *, source: str, at: datetime, region: str = "US",
                downloaded: date | None = None, rejects_path: Path | None = None) -> DncImport:
    """Import a list of numbers as do-not-call entries. With `downloaded`, a registry copy:
    each list it holds replaces that list's older copy (numbers no longer in it are removed).
    Without, the numbers are added to what is there. UsageError (exit 2), nothing written,
    for a file that cannot be read, a copy older than the one held, a reserved source."""
    source = " ".join(source.split())
    if not source:
        raise UsageError("dnc import: --source must name the list")
    if downloaded is not None:
        if source.casefold() in RESERVED_SOURCES:
            raise UsageError(f"dnc import: --source {source!r} is reserved for entries the app "
                             "writes; name the registry list (e.g. 'US DNC', 'TPS')")
        if downloaded > at.date():
            raise UsageError(f"dnc import: --downloaded {downloaded} is after the import's day "
                             f"{at.date()}")
    if rejects_path is not None:
        check_target(rejects_path)  # a bad path is said before any work
    numbers, rejected = read_numbers(path, region)
    result = DncImport(rejected=rejected)
    with Session(bulk(engine)) as s:  # one transaction: the whole file or nothing
        if downloaded is None:
            known = _known(s, numbers)
            fresh = list(dict.fromkeys(n for n in numbers if n not in known))
            _insert(s, fresh, source, at)
            result.added, result.kept = len(fresh), len(numbers) - len(fresh)
        else:
            _replace_copies(s, numbers, source, downloaded, at, path.name, result)
        s.commit()
    if rejects_path is not None:
        write_csv(rejects_path, ["number", "row", "reject_reason"],
                  ([text, str(line), why] for line, text, why in rejected))
    return result


def _known(s: Session, numbers: list[str]) -> set[str]:
    wanted, out = sorted(set(numbers)), set()
    for i in range(0, len(wanted), _CHUNK):
        out |= repo.dnc_numbers(s, e164s=wanted[i:i + _CHUNK])
    return out


def _insert(s: Session, numbers: list[str], source: str, at: datetime) -> None:
    rows = [{"e164": n, "prospect_id": None, "source": source, "reason": "imported list",
             "created_at": at} for n in numbers]
    if rows:
        s.execute(insert(DncEntry.__table__), rows)  # executemany: ~15x the ORM's add()


def _replace_copies(s: Session, numbers: list[str], source: str, downloaded: date,
                    at: datetime, file_name: str, result: DncImport) -> None:
    by_list: dict[str, set[str]] = {}
    for n in numbers:
        by_list.setdefault(list_name(source, n), set()).add(n)
    held = {x.source: x for x in s.exec(
        select(DncList).where(col(DncList.source).in_(list(by_list))))}
    newer = sorted(name for name, x in held.items() if x.downloaded > downloaded)
    if newer:
        raise UsageError(f"dnc import: {newer[0]!r} already holds a copy downloaded on "
                         f"{held[newer[0]].downloaded}, newer than --downloaded {downloaded}; "
                         "nothing imported")
    table = DncEntry.__table__
    for name, wanted in sorted(by_list.items()):
        have = set(s.execute(select(table.c.e164).where(table.c.source == name,
                                                        table.c.e164 != "")).scalars())
        gone = sorted(have - wanted)
        for i in range(0, len(gone), _CHUNK):
            s.execute(delete(table).where(table.c.source == name,
                                          table.c.e164.in_(gone[i:i + _CHUNK])))
        _insert(s, sorted(wanted - have), name, at)
        result.added += len(wanted - have)
        result.removed += len(gone)
        result.kept += len(wanted & have)
        copy = held.get(name) or DncList(source=name, downloaded=downloaded, imported_at=at)
        copy.downloaded, copy.imported_at = downloaded, at
        copy.file_name, copy.numbers = file_name, len(wanted)
        s.add(copy)
        result.lists.append(name)


def stale_lists(engine: Engine, today: date) -> list[tuple[str, date]]:
    """Registry copies downloaded more than 31 days before `today`, oldest first."""
    with Session(reader(engine)) as s:
        rows = s.exec(select(DncList).order_by(DncList.downloaded, DncList.source))
        return [(x.source, x.downloaded) for x in rows
                if today - x.downloaded > REGISTRY_MAX_AGE]


def stale_warning(stale: list[tuple[str, date]], today: date, *, short: bool = False) -> str:
    """One sentence for `check` (or, `short`, for the cockpit's header) about stale copies."""
    if not stale:
        return ""
    name, day = stale[0]
    if short:
        more = f" +{len(stale) - 1}" if len(stale) > 1 else ""
        return f"DNC copy {(today - day).days} d old{more}"
    listed = ", ".join(f"{n} ({d})" for n, d in stale[:5])
    more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
    return (f"{len(stale)} do-not-call registry {'copy is' if len(stale) == 1 else 'copies are'}"
            f" older than {REGISTRY_MAX_AGE.days} days on {today}: {listed}{more}; download "
            "a fresh copy and `dialer-tui dnc import` it with --source and --downloaded")


def list_entries(engine: Engine) -> list[dict]:
    with Session(engine) as s:
        return [{"phone": e.e164, "prospect_id": e.prospect_id, "source": e.source,
                 "reason": e.reason, "created_at": e.created_at.isoformat()}
                for e in repo.list_dnc(s)]


def export_list(engine: Engine, path: Path) -> int:
    columns = ("phone", "prospect_id", "source", "reason", "created_at")
    return write_csv(path, columns, ([str(r[k] if r[k] is not None else "") for k in columns]
                                     for r in list_entries(engine)))
