"""The real clock, in one place: the app reads it through DialerApp.now() (tests inject their
own), the CLI through here, and the benchmark pins it here for the whole process."""

from __future__ import annotations

from datetime import datetime, timezone


def system_now() -> datetime:
    return datetime.now(timezone.utc)
