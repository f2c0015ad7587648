"""Places and weekly windows: the building blocks of calling hours (see calling_hours.py).

Country and state/province names -> IANA zones (the `zones:` tables of data/calling_rules.yaml),
cached ZoneInfo objects, the schema of one rule's weekly hours, and the compiled form those hours
take: per-weekday [start, end) second ranges that intersect cheaply and are searched by window
start (not minute by minute) for the next opening, DST gaps included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Annotated, Literal, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

UTC = timezone.utc
_DAY = 86400
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_PLURAL = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")

Spans = tuple[tuple[int, int], ...]  # [start, end) seconds after local midnight, sorted, disjoint

_ZONES: dict[str, ZoneInfo | None] = {}


def get_zone(name: str) -> ZoneInfo | None:
    """The ZoneInfo for an IANA name, None when unknown; cached because construction is not free."""
    try:
        return _ZONES[name]
    except KeyError:
        pass
    try:
        zi: ZoneInfo | None = ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError, OSError):  # typed by a user: anything goes
        zi = None
    _ZONES[name] = zi
    return zi


def _check_zone(name: str) -> str:
    if get_zone(name) is None:
        raise ValueError(f"unknown IANA time zone {name!r}")
    return name


ZoneName = Annotated[str, AfterValidator(_check_zone)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

# Two instants half a year apart: zones with equal offsets at both keep the same clock.
_PROBES = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))


@lru_cache(maxsize=4096)
def equivalent(a: str, b: str) -> bool:
    """Whether two zone names keep the same clock (America/Detroit vs America/New_York).

    Used to decide whether the phone and the address disagree; not for judging calls."""
    if a == b:
        return True
    za, zb = get_zone(a), get_zone(b)
    if za is None or zb is None:
        return False
    return all(p.astimezone(za).utcoffset() == p.astimezone(zb).utcoffset() for p in _PROBES)


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = []
    zones: list[ZoneName] = Field(min_length=1)  # first is the primary zone


class ZoneTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    countries: dict[CountryCode, Place]
    regions: dict[CountryCode, dict[str, Place]] = {}


@dataclass(frozen=True)
class Region:
    country: str  # ISO alpha-2
    code: str  # "FL", "ON"
    name: str
    zones: tuple[str, ...]


def _key(text: str) -> str:
    # "Florida", " florida ", "FLORIDA" and "Washington D.C." vs "washington dc" all meet here.
    return " ".join(text.replace(".", "").split()).casefold()


class ZoneIndex:
    """Look-ups over a ZoneTable, built once per loaded rules file."""

    def __init__(self, table: ZoneTable) -> None:
        self._countries: dict[str, tuple[str, ...]] = {}
        self._country_keys: dict[str, str] = {}
        self._zone_country: dict[str, str] = {}
        for code, place in table.countries.items():
            self._countries[code] = tuple(place.zones)
            for k in (code, place.name, *place.aliases):
                self._country_keys.setdefault(_key(k), code)
            for z in place.zones:
                self._zone_country.setdefault(z, code)
        # Per country, and a combined one (first country wins) for when the country is not given.
        self._regions: dict[str, dict[str, Region]] = {}
        self._any_region: dict[str, Region] = {}
        for country, places in table.regions.items():
            found = self._regions.setdefault(country, {})
            for code, place in places.items():
                region = Region(country, code, place.name, tuple(place.zones))
                for k in (code, place.name, *place.aliases):
                    found.setdefault(_key(k), region)
                    self._any_region.setdefault(_key(k), region)
                for z in place.zones:
                    self._zone_country.setdefault(z, country)

    def country_code(self, text: str) -> str:
        """ISO code for a code or name ("de", "Germany"); unknown 2-letter codes pass through."""
        k = _key(text)
        if not k:
            return ""
        code = self._country_keys.get(k)
        if code:
            return code
        return k.upper() if len(k) == 2 and k.isalpha() else ""

    def region(self, text: str, country: str = "") -> Region | None:
        """The state/province named by `text` (code or name), within `country` when given."""
        k = _key(text)
        if not k:
            return None
        if country:
            return self._regions.get(country, {}).get(k)
        return self._any_region.get(k)

    def country_zones(self, code: str) -> tuple[str, ...]:
        return self._countries.get(code, ())

    def country_of_zone(self, zone: str) -> str:
        return self._zone_country.get(zone, "")


# --- one rule's weekly hours ----------------------------------------------------------------------

def _check_hhmm(v: str) -> str:
    if not _HHMM.match(v):
        raise ValueError(f"expected a time as HH:MM between 00:00 and 24:00, got {v!r}")
    return v


def _seconds(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


def _day_set(spec: str) -> frozenset[int]:
    """Weekday numbers (Monday 0) of "mon-fri", "sat,sun", "fri-mon" (wraps) or "daily"."""
    days: set[int] = set()
    for part in spec.replace(" ", "").lower().split(","):
        if part == "daily":
            days.update(range(7))
            continue
        lo, _, hi = part.partition("-")
        if lo not in _DAYS or (hi and hi not in _DAYS):
            raise ValueError(f"unknown days {spec!r}: use mon..sun, ranges like mon-fri, commas")
        a = _DAYS.index(lo)
        b = _DAYS.index(hi) if hi else a
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(days)


def _check_days(spec: str) -> str:
    _day_set(spec)
    return spec


class Hours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: Annotated[str, AfterValidator(_check_days)]
    start: Annotated[str, AfterValidator(_check_hhmm)]
    end: Annotated[str, AfterValidator(_check_hhmm)]

    @model_validator(mode="after")
    def _ordered(self) -> Hours:
        if _seconds(self.start) >= _seconds(self.end):
            raise ValueError(f"start {self.start} must be before end {self.end} "
                             "(write an overnight window as two entries)")
        return self


CalendarId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")]


class Calendar(BaseModel):
    """A list of holidays of one place (`calendars:` in calling_rules.yaml), named by rules.

    The list is complete `through` a day (default: the 31st of December of its last year);
    `dialer-tui check` warns when that day is near, since a rule cannot ban a day not listed."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    place: str = Field(min_length=1)  # the verdict says "... is a holiday in {place}"
    source: str = Field(min_length=1)
    url: str = ""
    checked: date | None = None
    verified: bool = True
    note: str = ""
    through: date | None = None
    dates: dict[date, str] = Field(min_length=1)  # day -> its name

    def runs_out(self) -> date:
        return self.through or date(max(self.dates).year, 12, 31)


class Blackout(BaseModel):
    """Days on which a rule allows no calls at all, such as a declared state of emergency."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1)
    first: date = Field(alias="from")
    last: date = Field(alias="to")  # inclusive
    source: str = ""
    url: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Blackout:
        if self.last < self.first:
            raise ValueError(f"to {self.last} is before from {self.first}")
        if (self.last - self.first).days > 366:
            raise ValueError("a blackout longer than a year: split it or check the dates")
        return self


class Attempts(BaseModel):
    """At most `max` calls to the person in any rolling period of `days` days or `hours` hours."""

    model_config = ConfigDict(extra="forbid")

    max: int = Field(ge=1)
    days: int | None = Field(default=None, ge=1, le=366)
    hours: int | None = Field(default=None, ge=1, le=24 * 366)

    @model_validator(mode="after")
    def _one_period(self) -> Attempts:
        if (self.days is None) == (self.hours is None):
            raise ValueError("give the period as either days or hours")
        return self

    def period(self) -> timedelta:
        return timedelta(days=self.days) if self.days else timedelta(hours=self.hours or 24)


Protects = Literal["consumer", "business", "all"]


class Consent(BaseModel):
    """A rule under which a call needs the person's recorded prior consent (Germany's UWG 7 for
    consumers; France's opt-in from 2026-08-11). Consent counts when the prospect has a basis
    and a date on or before the day of the call."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = ""  # the law as the verdict names it (default: the rule's name)
    first: date | None = Field(default=None, alias="from")  # required from this day on
    source: str = Field(min_length=1)
    url: str = ""
    note: str = ""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    source: str = Field(min_length=1)
    url: str = ""  # where the current text can be read
    checked: date | None = None  # when someone last read that text
    effective: date | None = None  # the rule applies from this day on (none: already in force)
    verified: bool = True  # false: the current text could not be read; see `note`
    note: str = ""
    hours: list[Hours] = Field(min_length=1)
    # Whole days without calls: dates, or the ids of lists under `calendars:`
    holidays: list[date | CalendarId] = []
    blackouts: list[Blackout] = []
    attempts_per_24h: int | None = Field(default=None, ge=1)  # the short form of attempts
    attempts: Attempts | None = None
    # Days a refusal ("not interested") keeps the person from being called again; enforced by
    # the refusal outcome's recycle_days in dispositions.yaml, which `check` compares with it.
    pause_after_refusal_days: int | None = Field(default=None, ge=1)
    # Whose line the rule protects: a consumer rule does not judge a business line unless the
    # team's setting apply_consumer_rules_to_business (true by default) says it does.
    protects: Protects = "all"
    requires_consent: Consent | None = None

    @model_validator(mode="after")
    def _one_cap(self) -> Rule:
        if self.attempts_per_24h is not None and self.attempts is not None:
            raise ValueError("give either attempts_per_24h or attempts, not both")
        return self

    def cap(self) -> tuple[int, timedelta] | None:
        if self.attempts is not None:
            return self.attempts.max, self.attempts.period()
        if self.attempts_per_24h is not None:
            return self.attempts_per_24h, timedelta(hours=24)
        return None


class CountryRule(Rule):
    covers: list[CountryCode] = []  # other country codes under the same law (US territories)


class StateRule(Rule):
    country: CountryCode
    area_codes: list[Annotated[str, StringConstraints(pattern=r"^[2-9]\d\d$")]] = []


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
