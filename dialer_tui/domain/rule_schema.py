"""The schema of one rule of calling_rules.yaml: its weekly hours (Hours), holidays (dates, or
the Calendar lists it names), blackouts, caps on attempts, whose lines it protects and the
consent it requires (Rule, CountryRule, StateRule).

The file as a whole is calling_rules.py's; the compiled form these hours take is regions.py's,
which re-exports these names, so callers import them from there.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from dialer_tui.domain.places import CountryCode

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


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
