"""The do-not-call list: add a number, import a list, export it."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dialer_tui.domain.phones import PhoneError, parse_phone
from dialer_tui.errors import InputError as UsageError
from dialer_tui.services.exporter import write_csv
from dialer_tui.store import repo


def add_number(engine: Engine, raw: str, *, reason: str, at: datetime, region: str = "US") -> str:
    try:
        e164 = parse_phone(raw, region).e164
    except PhoneError as exc:
        raise UsageError(f"dnc add {raw!r}: {exc}") from None
    with Session(engine) as s:
        repo.add_dnc(s, at=at, e164=e164, source="manual", reason=reason)
        s.commit()
    return e164


def import_list(engine: Engine, path: Path, *, source: str, at: datetime, region: str = "US"
                ) -> int:
    """One number per row (the first column that parses); every row checked before any write."""
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise UsageError(f"dnc import: cannot read {path}: {exc.strerror}") from None
    numbers: list[str] = []
    for lineno, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip().lstrip("'") for c in row if c.strip()]
        if not cells:
            continue
        parsed = None
        for cell in cells:
            try:
                parsed = parse_phone(cell, region).e164
                break
            except PhoneError:
                continue
        if parsed is None:
            if lineno == 1:
                continue  # a header
            raise UsageError(f"{path}:{lineno}: no phone number in {row[0]!r}")
        numbers.append(parsed)
    with Session(engine) as s:
        known = repo.dnc_numbers(s, e164s=numbers)
        fresh = sorted(set(numbers) - known)
        for e164 in fresh:
            repo.add_dnc(s, at=at, e164=e164, source=source, reason="imported list")
        s.commit()
    return len(fresh)


def list_entries(engine: Engine) -> list[dict]:
    with Session(engine) as s:
        return [{"phone": e.e164, "prospect_id": e.prospect_id, "source": e.source,
                 "reason": e.reason, "created_at": e.created_at.isoformat()}
                for e in repo.list_dnc(s)]


def export_list(engine: Engine, path: Path) -> int:
    columns = ("phone", "prospect_id", "source", "reason", "created_at")
    return write_csv(path, columns, ([str(r[k] if r[k] is not None else "") for k in columns]
                                     for r in list_entries(engine)))
