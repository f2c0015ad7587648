"""Plain-words times for callbacks: "thu 9am", "tomorrow 14:30", "in 2 days", "next week".

Read relative to a local `now` (the prospect's zone): the result is an aware datetime in that zone.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DEFAULT_TIME = time(9, 0)
_PARTS = {"morning": time(9, 0), "midday": time(12, 0), "noon": time(12, 0),
          "afternoon": time(14, 0), "evening": time(17, 30), "eod": time(16, 30)}


class WhenError(ValueError):
    pass


def _weekday(word: str) -> int | None:
    word = word.lower().rstrip(".")
    if len(word) < 2:
        return None
    for i, name in enumerate(WEEKDAYS):
        if name.startswith(word) and (len(word) >= 3 or word in ("mo", "tu", "we", "th", "fr",
                                                                   "sa", "su")):
            return i
    return None


_TIME_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a|p)?$")


def _clock(word: str) -> time | None:
    word = word.lower().replace(".", "")
    if word in _PARTS:
        return _PARTS[word]
    m = _TIME_RE.match(word)
    if not m:
        return None
    hour, minute, ampm = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    elif m.group(2) is None and hour < 7:
        hour += 12  # "at 3" in a sales call means 3 pm
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_when(text: str, now: datetime) -> datetime:
    """Parse `text` relative to `now` (aware, in the prospect's zone)."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    raw = " ".join((text or "").strip().lower().split())
    if not raw:
        raise WhenError("empty time: try 'thu 9am', 'tomorrow 14:30' or 'in 2 days'")
    try:  # ISO first: "2026-12-01 10:00", "2026-12-01T10:00"
        iso = datetime.fromisoformat(raw.upper().replace(" ", "T"))
        return iso if iso.tzinfo else iso.replace(tzinfo=now.tzinfo)
    except ValueError:
        pass
    m = re.fullmatch(r"in (\d+|an?|one|two|three) (minute|min|hour|hr|day|week)s?", raw)
    if m:
        n = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}.get(m.group(1)) or int(m.group(1))
        unit = {"minute": "minutes", "min": "minutes", "hour": "hours", "hr": "hours",
                "day": "days", "week": "weeks"}[m.group(2)]
        if n > 400:
            raise WhenError(f"{text!r} is too far away")
        moved = now + timedelta(**{unit: n})
        return moved if unit in ("minutes", "hours") else moved.replace(
            hour=_DEFAULT_TIME.hour, minute=0, second=0, microsecond=0)
    words = raw.replace(" at ", " ").replace(",", " ").split()
    day: datetime | None = None
    clock: time | None = None
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("today", "tonight"):
            day = now
            if w == "tonight":
                clock = clock or _PARTS["evening"]
        elif w in ("tomorrow", "tmrw", "tmr", "tom"):
            day = now + timedelta(days=1)
        elif w == "next" and i + 1 < len(words) and words[i + 1] == "week":
            day = now + timedelta(days=7 - now.weekday())
            i += 1
        elif w == "next" and i + 1 < len(words) and _weekday(words[i + 1]) is not None:
            wd = _weekday(words[i + 1])
            assert wd is not None
            day = now + timedelta(days=(wd - now.weekday()) % 7 or 7)
            i += 1
        elif _weekday(w) is not None:
            wd = _weekday(w)
            assert wd is not None
            day = now + timedelta(days=(wd - now.weekday()) % 7 or 7)
        elif i + 1 < len(words) and words[i + 1] in ("am", "pm") and _clock(w + words[i + 1]):
            clock = _clock(w + words[i + 1])  # "9 am"
            i += 1
        elif _clock(w) is not None:
            clock = _clock(w)
        else:
            raise WhenError(f"{text!r}: cannot read {w!r}; try 'thu 9am', 'tomorrow 14:30', "
                            "'in 2 days'")
        i += 1
    if day is None and clock is None:
        raise WhenError(f"{text!r}: no day or time found")
    if day is None:
        day = now
        candidate = day.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
        if candidate <= now:  # "9am" said in the afternoon means tomorrow
            day = now + timedelta(days=1)
    clock = clock or _DEFAULT_TIME
    return day.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
