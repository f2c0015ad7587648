"""The real clock, in one place: the app reads it through DialerApp.now() (tests inject their
own), the CLI through here, and the benchmark pins it here for the whole process."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo


def system_now() -> datetime:
    return datetime.now(timezone.utc)


def local_zone(at: datetime | None = None) -> tzinfo:
    """The rep's own zone (the machine's), as its offset at `at`: the "your time" of history
    rows and the day boundaries of stats."""
    return (at or system_now()).astimezone().tzinfo or timezone.utc
