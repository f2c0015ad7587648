"""The values the command line takes and the places it names: instants, bounded numbers,
`import --map`, and where a database error happened (without a password). Light: importing it
loads neither SQLAlchemy nor Textual."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Callable

from dialer_tui.errors import InputError as UsageError


def parse_instant(text: str | None, what: str = "--at") -> datetime:
    """ISO 8601; a time without an offset is read as UTC; none is the clock's now."""
    if not text:
        from dialer_tui.clock import system_now

        return system_now()
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what} {text!r} is not an ISO 8601 time "
                         "(e.g. 2026-11-26T14:05:00Z)") from None
    if not 1971 <= value.year <= 2199:  # what the calendar arithmetic around it can hold
        raise UsageError(f"{what} {text!r}: the year must be between 1971 and 2199")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def bounded(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high], else a one-line error (exit 2)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low} and {high}")
        return value
    return parse


PROSPECT_ID = bounded(1, 2**63 - 1, "a prospect id")


def where(db: str | None) -> str:
    """The store a message may name: a path, or a URL with its password hidden."""
    from sqlalchemy.engine import make_url

    from dialer_tui.store.engine import resolve_url

    try:
        url = make_url(resolve_url(db))
    except Exception:  # noqa: BLE001 - a message about a message: never fail here
        return "the database"
    return url.database or "" if url.get_backend_name() == "sqlite" else \
        url.render_as_string(hide_password=True)


def column_map(text: str | None) -> dict[str, str] | None:
    """`--map "Correo=email,Nombre=full_name"` -> {header: field}, fields checked."""
    if not text:
        return None
    from typing import get_args

    from dialer_tui.config import ImportField
    from dialer_tui.services.header_map import PHONE_KINDS

    allowed = [*get_args(ImportField), "email", "phone", *PHONE_KINDS, "ignore"]
    out = {}
    for pair in text.split(","):
        header, eq, field = pair.partition("=")
        if not eq or not header.strip() or field.strip() not in allowed:
            raise UsageError(f"--map {pair.strip()!r}: expected HEADER=FIELD, FIELD one of "
                             + ", ".join(allowed))
        out[header.strip()] = field.strip()
    return out
