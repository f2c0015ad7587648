"""Places and weekly windows: the building blocks of calling hours (see calling_hours.py).

Country and state/province names -> IANA zones (the `zones:` tables of data/calling_rules.yaml),
cached ZoneInfo objects, the schema of one rule's weekly hours, and the compiled form those hours
take: per-weekday [start, end) second ranges that intersect cheaply and are searched by window
start (not minute by minute) for the next opening, DST gaps included.

Here: that compiled form (Spans, Law and compile_law, Schedule, next_open, window_spans). The
places are places.py's and the schema of one rule rule_schema.py's; their names are re-exported
here, so callers import all of these building blocks from this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Mapping
from zoneinfo import ZoneInfo

from dialer_tui.domain.places import (  # noqa: F401 - re-exported: callers import them here
    _PROBES,
    _ZONES,
    UTC,
    CountryCode,
    Place,
    Region,
    ZoneIndex,
    ZoneName,
    ZoneTable,
    _check_zone,
    _key,
    equivalent,
    get_zone,
)
from dialer_tui.domain.rule_schema import (  # noqa: F401 - re-exported: callers import them here
    _DAYS,
    _HHMM,
    Attempts,
    Blackout,
    Calendar,
    CalendarId,
    Consent,
    CountryRule,
    Hours,
    Protects,
    Rule,
    StateRule,
    _check_days,
    _check_hhmm,
    _day_set,
    _seconds,
)

_DAY = 86400
_DAY_PLURAL = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")

Spans = tuple[tuple[int, int], ...]  # [start, end) seconds after local midnight, sorted, disjoint


def _merge(spans: list[tuple[int, int]]) -> Spans:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


def intersect(x: Spans, y: Spans) -> Spans:
    out, i, j = [], 0, 0
    while i < len(x) and j < len(y):
        lo, hi = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if lo < hi:
            out.append((lo, hi))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def within(spans: Spans, s: int) -> bool:
    for a, b in spans:
        if a <= s < b:
            return True
    return False


def _hm(s: int) -> str:
    return f"{s // 3600:02d}:{s // 60 % 60:02d}"


def describe(spans: Spans) -> str:
    return ", ".join(f"{_hm(a)}-{_hm(b)}" for a, b in spans)


def secs_of(t: datetime | time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def period_text(period: timedelta) -> str:
    """"24 h", "30 days": how a cap's rolling period is named in reasons."""
    if period.days and not period.seconds:
        return f"{period.days} days" if period.days != 1 else "24 h"
    return f"{int(period.total_seconds() // 3600)} h"


@dataclass(frozen=True, eq=False)
class Law:
    key: str
    name: str
    country: str  # for state laws: the country whose zones they apply in
    week: tuple[Spans, ...]  # Monday first
    holidays: frozenset[date]  # every whole day without calls (holidays and blackouts)
    cap: int | None
    allows: tuple[str, ...]  # per weekday, for reasons: "08:00-20:00", "no calls on Sundays"
    cap_period: timedelta = timedelta(hours=24)
    # day -> why it has no calls, for reasons: "is Independence Day, a holiday in Utah"
    closed: Mapping[date, str] = field(default_factory=dict)
    effective: date | None = None
    protects: str = "all"  # "consumer", "business" or "all"
    consent: Consent | None = None  # the rule requires recorded prior consent


def compile_law(key: str, rule: Rule, country: str = "",
                calendars: Mapping[str, Calendar] | None = None) -> Law:
    week_lists: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for h in rule.hours:
        for d in _day_set(h.days):
            week_lists[d].append((_seconds(h.start), _seconds(h.end)))
    week = tuple(_merge(w) for w in week_lists)
    uniform = len(set(week)) == 1  # the same every day: no need to name the day
    allows = tuple(
        (describe(w) if uniform else f"{describe(w)} on {_DAY_PLURAL[d]}") if w
        else f"no calls on {_DAY_PLURAL[d]}"
        for d, w in enumerate(week))
    closed: dict[date, str] = {}
    for entry in rule.holidays:
        if isinstance(entry, date):
            closed.setdefault(entry, "is a holiday")
            continue
        cal = (calendars or {}).get(entry)
        if cal is None:  # load_rules names the line first; this guards direct model use
            raise ValueError(f"{key}: holidays names {entry!r}, which is not under calendars:")
        for day, what in cal.dates.items():
            closed.setdefault(day, f"is {what}, a holiday in {cal.place}")
    for b in rule.blackouts:
        day = b.first
        while day <= b.last:
            closed.setdefault(day, f"is in {b.name}")
            day += timedelta(days=1)
    cap = rule.cap()
    return Law(key, rule.name, country, week, frozenset(closed), cap[0] if cap else None,
               allows, cap[1] if cap else timedelta(hours=24), closed, rule.effective,
               rule.protects, rule.requires_consent)


@dataclass(frozen=True)
class Schedule:
    """Everything allowed in one zone: the intersection of its laws and the user's window."""

    week: tuple[Spans, ...]
    holidays: frozenset[date]

    def open_at(self, local: datetime) -> bool:
        if self.holidays and local.date() in self.holidays:
            return False
        return within(self.week[local.weekday()], secs_of(local))


def _wall_to_utc(day: date, secs: int, tz: ZoneInfo, fold: int = 0) -> datetime:
    local = datetime(day.year, day.month, day.day, secs // 3600, secs // 60 % 60, secs % 60,
                     tzinfo=tz, fold=fold)
    return local.astimezone(UTC)


def _opening(day: date, secs: int, tz: ZoneInfo) -> datetime:
    """First instant whose wall clock on `day` reads >= secs; DST gaps open at the transition."""
    first = _wall_to_utc(day, secs, tz)  # fold=0: the first of a repeated (fall-back) wall time
    wall = datetime(day.year, day.month, day.day) + timedelta(seconds=secs)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # The wall time does not exist (spring-forward gap): find the transition by bisection.
    lo, hi = _wall_to_utc(day, secs, tz, fold=1), first
    while (hi - lo) > timedelta(seconds=1):
        mid = lo + timedelta(seconds=int((hi - lo).total_seconds()) // 2)
        if mid.astimezone(tz).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


def next_open(schedule: Schedule, tz: ZoneInfo, local: datetime, t: datetime,
              horizon_days: int) -> datetime | None:
    """Earliest instant > t when the zone opens, stepping window starts, not minutes.

    Known limit: a window that ENDS inside a repeated fall-back hour is not seen to reopen when
    the clock goes back; no shipped rule ends between 01:00 and 02:00."""
    today, s = local.date(), secs_of(local)
    for k in range(horizon_days + 2):
        day = today + timedelta(days=k)
        if day in schedule.holidays:
            continue
        for a, b in schedule.week[day.weekday()]:
            if k == 0 and b <= s:
                continue
            cand = _opening(day, a, tz)
            if cand > t:
                return cand
            cand = _wall_to_utc(day, a, tz, fold=1)  # the repeat of a fall-back hour
            if cand > t:
                return cand
    return None


def window_spans(window: tuple[time, time] | None) -> Spans | None:
    if window is None:
        return None
    a, b = secs_of(window[0]), secs_of(window[1])
    if a == b:  # a zero-length window would forbid every call; read it as "no preference"
        return None
    if a < b:
        return ((a, b),)
    return tuple(s for s in ((0, b), (a, _DAY)) if s[0] < s[1])  # overnight, e.g. 18:00-01:00
