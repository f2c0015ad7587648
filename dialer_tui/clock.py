"""The real clock, in one place: the app reads it through DialerApp.now() (tests inject their
own), the CLI through here, and the benchmark pins it here for the whole process. Also how an
instant is written as text (utc_iso, utc_stamp)."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo


def system_now() -> datetime:
    return datetime.now(timezone.utc)


def local_zone(at: datetime | None = None) -> tzinfo:
    """The rep's own zone (the machine's), as its offset at `at`: the "your time" of history
    rows and the day boundaries of stats."""
    return (at or system_now()).astimezone().tzinfo or timezone.utc


# How an instant is written as text, in one place. Both are UTC: a file or a JSON document is
# read on other machines, in other zones.

def utc_iso(at: datetime) -> str:
    """ISO 8601 in UTC, to the microsecond: "2026-12-01T15:00:00+00:00" (JSON, CSV exports)."""
    return at.astimezone(timezone.utc).isoformat()


def utc_stamp(at: datetime) -> str:
    """To the second with a Z: "2026-12-01T15:00:00Z", the form calendars and CRMs import."""
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
