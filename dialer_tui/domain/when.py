"""Plain words for a time agreed with a prospect, read in the prospect's time zone.

What a rep types while the prospect is still talking: "thu 9am", "jan 20 9am", "20 jan 14:30",
"1/20", "2027-01-20 09:00", "tomorrow 14:30", "in 2 days", "wed next week", "next wed", "at 3".
`read_when` gives the instant and, in words, how anything ambiguous was read (which way round
"1/20" is, which 3 o'clock "at 3" is), so the form can show it before the rep confirms it.
Pure: `now` (aware, in the prospect's zone) is passed in; the calling hours come in as a
predicate (`callable_at`), since this module knows no rules (domain/agreed_time.py joins them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
MONTH_FIRST_REGIONS = frozenset({"US", "CA"})  # where "1/20" is month/day
_DEFAULT_TIME = time(9, 0)  # a day without a time: the start of a normal calling morning
_PARTS = {"morning": time(9, 0), "midday": time(12, 0), "noon": time(12, 0),
          "lunch": time(12, 0), "lunchtime": time(12, 0), "afternoon": time(14, 0),
          "evening": time(17, 30), "eod": time(16, 30)}
_TOMORROW = ("tomorrow", "tmrw", "tmr", "tom")
_FILLER = frozenset({"at", "on", "the", "of", "around", "about", "this", "by", "ish"})
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "couple": 2, "few": 3}
_UNITS = {"minute": "minutes", "min": "minutes", "hour": "hours", "hr": "hours",
          "day": "days", "week": "weeks"}
MAX_AHEAD = timedelta(days=400)  # a promise further out than a year is a typo, not a plan

# A clock: 9, 9am, 9:30, 9.30pm, 14:30, 14h30 (the French way).
_CLOCK_RE = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(am|pm|a|p)?$")
_DAY_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
# 1/20, 1/20/2027, 20/1/27; and 20.1. or 20.1.2027 (a dot date needs its trailing dot or year,
# so that "9.30" stays a time).
_NUMERIC_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$"
                              r"|^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?$")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class WhenError(ValueError):
    """Words that do not name a time; the message says which word and gives examples."""


@dataclass(frozen=True)
class When:
    at: datetime  # aware, in the zone of `now`
    notes: tuple[str, ...] = ()  # how ambiguous words were read, for the rep to check


def examples(region: str = "US") -> str:
    numeric = "1/20" if region.upper() in MONTH_FIRST_REGIONS else "20/1"
    return (f"try 'thu 9am', 'jan 20 9am', '{numeric} 14:30', '2027-01-20 09:00', "
            "'tomorrow 14:30', 'in 2 days', 'wed next week', 'at 3'")


def _weekday(word: str) -> int | None:
    word = word.rstrip(".")
    if len(word) < 2:
        return None
    for i, name in enumerate(WEEKDAYS):
        if name.startswith(word) and (len(word) >= 3 or word in ("mo", "tu", "we", "th", "fr",
                                                                   "sa", "su")):
            return i
    return None


def _month(word: str) -> int | None:
    word = word.rstrip(".")
    if len(word) < 3:
        return None
    for i, name in enumerate(MONTHS):
        if name.startswith(word) or (word == "sept" and i == 8):
            return i + 1
    return None


@dataclass(frozen=True)
class _Clock:
    times: tuple[time, ...]  # one, or two readings (am, pm) of an hour said without am/pm
    word: str

    @property
    def ambiguous(self) -> bool:
        return len(self.times) > 1


def _clock(word: str) -> _Clock | None:
    if word in _PARTS:
        return _Clock((_PARTS[word],), word)
    m = _CLOCK_RE.match(word)
    if not m:
        return None
    hour, minute, ampm = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if minute > 59:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        return _Clock((time(hour % 12 + (12 if ampm.startswith("p") else 0), minute),), word)
    if hour > 23:
        return None
    if 1 <= hour <= 12 and not m.group(1).startswith("0"):
        # "3" or "3:30": morning or afternoon; the caller picks the one in calling hours.
        return _Clock((time(hour % 12, minute), time(hour % 12 + 12, minute)), word)
    return _Clock((time(hour, minute),), word)  # 14:30, 09:00, 0: a 24-hour clock


def _tokens(raw: str) -> list[str]:
    raw = raw.replace("a.m.", "am").replace("p.m.", "pm").replace(",", " ")
    out: list[str] = []
    for w in raw.split():
        iso = re.match(r"^(\d{4}-\d{2}-\d{2})t(.+)$", w)  # 2027-01-20T09:00
        if iso:
            out.extend(iso.groups())
        elif w in ("am", "pm") and out and _CLOCK_RE.match(out[-1]):
            out[-1] += w  # "9 am"
        elif w not in _FILLER:
            out.append(w)
    return out


class _Reader:
    """One pass over the words: at most one day and one time, each from any of the forms."""

    def __init__(self, text: str, now: datetime, region: str) -> None:
        self.text, self.now, self.region = text, now, region.upper()
        self.today = now.date()
        self.days: list[date] | None = None  # candidate days, earliest first
        self.day_word = ""
        self.clock: _Clock | None = None
        self.instant: datetime | None = None  # "in 2 hours"
        self.notes: list[str] = []

    def fail(self, why: str) -> WhenError:
        return WhenError(f"{self.text.strip()!r}: {why}; {examples(self.region)}")

    def set_day(self, days: list[date], word: str) -> None:
        if self.days is not None or self.instant is not None:
            raise self.fail(f"two days named ({self.day_word!r} and {word!r})")
        self.days, self.day_word = days, word

    def set_clock(self, clock: _Clock) -> None:
        if self.clock is not None or self.instant is not None:
            raise self.fail(f"two times named ({self.clock.word if self.clock else 'in ...'!r} "
                            f"and {clock.word!r})")
        self.clock = clock

    def read(self, words: list[str]) -> None:
        i = 0
        while i < len(words):
            i = self.step(words, i)

    def step(self, w: list[str], i: int) -> int:  # noqa: C901 - one branch per form, in order
        word, nxt = w[i], (w[i + 1] if i + 1 < len(w) else "")
        if word in ("today", "tonight"):
            self.set_day([self.today], word)
            if word == "tonight" and self.clock is None and not _clock(nxt):
                self.set_clock(_Clock((_PARTS["evening"],), word))
            return i + 1
        if word in _TOMORROW:
            self.set_day([self.today + timedelta(days=1)], word)
            return i + 1
        if word == "overmorrow" or w[i:i + 3] == ["day", "after", "tomorrow"]:
            self.set_day([self.today + timedelta(days=2)], "day after tomorrow")
            return i + (1 if word == "overmorrow" else 3)
        if word == "next" and nxt == "week":
            monday = self.today + timedelta(days=7 - self.today.weekday())
            after = w[i + 2] if i + 2 < len(w) else ""
            wd = _weekday(after)
            if wd is not None:  # "next week wed"
                self.set_day([monday + timedelta(days=wd)], f"next week {after}")
                return i + 3
            self.set_day([monday], "next week")
            return i + 2
        if word == "next" and _weekday(nxt) is not None:
            wd = _weekday(nxt)
            assert wd is not None
            coming = self.today + timedelta(days=(wd - self.today.weekday()) % 7 or 7)
            self.set_day([coming], f"next {nxt}")
            if coming.isocalendar()[1] == self.today.isocalendar()[1]:
                self.notes.append(f"'next {nxt}' read as the coming {WEEKDAYS[wd].title()}, "
                                  f"{coming:%d %b}; for the week after say '{nxt} next week'")
            return i + 2
        wd = _weekday(word)
        if wd is not None:
            if w[i + 1:i + 3] == ["next", "week"]:  # "wed next week": that week's Wednesday
                monday = self.today + timedelta(days=7 - self.today.weekday())
                self.set_day([monday + timedelta(days=wd)], f"{word} next week")
                return i + 3
            first = self.today + timedelta(days=(wd - self.today.weekday()) % 7)
            self.set_day([first, first + timedelta(days=7)], word)
            return i + 1
        if word == "in":  # "in 2 days"; else a filler: "tomorrow in the morning"
            return self.relative(w, i) if nxt.isdigit() or nxt in _NUMBERS else i + 1
        if _ISO_DATE_RE.match(word):
            try:
                self.set_day([date.fromisoformat(word)], word)
            except ValueError:
                raise self.fail(f"{word!r} is not a date") from None
            return i + 1
        m = _NUMERIC_DATE_RE.match(word)
        if m:
            self.numeric_date(word, m)
            return i + 1
        month, day = _month(word), _DAY_RE.match(nxt)
        if month is not None and day:  # "jan 20", "january 20th"
            return self.named_date(w, i + 2, month, int(day.group(1)), f"{word} {nxt}")
        month, day = _month(nxt), _DAY_RE.match(word)
        if month is not None and day:  # "20 jan", "20th january"
            return self.named_date(w, i + 2, month, int(day.group(1)), f"{word} {nxt}")
        clock = _clock(word)
        if clock is not None:
            self.set_clock(clock)
            return i + 1
        raise self.fail(f"cannot read {word!r}")

    def relative(self, w: list[str], i: int) -> int:
        """"in 2 days", "in a week", "in a couple of days", "in 3 hours", "in 45 min"."""
        k = i + 1
        if w[k] == "a" and w[k + 1:k + 2] == ["couple"]:
            k += 1
        count = w[k]
        n = int(count) if count.isdigit() else _NUMBERS.get(count)
        unit = w[k + 1].rstrip("s") if k + 1 < len(w) else ""
        said = " ".join(w[i:k + 2])
        if n is None or unit not in _UNITS:
            raise self.fail(f"cannot read {said!r} (say 'in 2 days', 'in 3 hours')")
        if n > 400:
            raise self.fail(f"{said!r} is too far away")
        kind = _UNITS[unit]
        if kind in ("minutes", "hours"):
            self.set_instant(timedelta(**{kind: n}), said)
        else:
            self.set_day([self.today + timedelta(**{kind: n})], said)
        return k + 2

    def set_instant(self, delta: timedelta, word: str) -> None:
        if self.days is not None or self.clock is not None or self.instant is not None:
            raise self.fail(f"{word!r} cannot go with another day or time")
        # Elapsed time, so through UTC: "in 2 hours" across a DST change is still 2 hours.
        tz = self.now.tzinfo
        self.instant = (self.now.astimezone(timezone.utc) + delta).astimezone(tz).replace(
            second=0, microsecond=0)
        self.day_word = word

    def named_date(self, w: list[str], k: int, month: int, day: int, word: str) -> int:
        year = None
        if k < len(w) and re.fullmatch(r"\d{4}", w[k]) and 2000 <= int(w[k]) <= 2100:
            year, word, k = int(w[k]), f"{word} {w[k]}", k + 1
        self.set_day([self.dated(year, month, day, word)], word)
        return k

    def numeric_date(self, word: str, m: re.Match[str]) -> None:
        a, b, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (
            m.group(4), m.group(5), m.group(6))
        first, second = int(a), int(b)
        month_first = "/" in word and self.region in MONTH_FIRST_REGIONS
        month, day = (first, second) if month_first else (second, first)
        order = "month/day" if month_first else "day/month"
        why = f"region {self.region}" if "/" in word else "written with dots"
        if not 1 <= month <= 12 and 1 <= day <= 12:  # "20/1" in the US can only be 20 Jan
            month, day = day, month
            order, why = ("day/month", f"{first} is not a month") if month_first else (
                "month/day", f"{second} is not a month")
        year = None if y is None else (int(y) + 2000 if len(y) == 2 else int(y))
        found = self.dated(year, month, day, word, say_year=False)
        self.set_day([found], word)
        self.notes.append(f"'{word}' read as {order} ({why}): {found:%d %B %Y}")

    def dated(self, year: int | None, month: int, day: int, word: str,
              say_year: bool = True) -> date:
        try:
            if year is not None:
                return date(year, month, day)
            found = date(self.today.year, month, day)
        except ValueError:
            raise self.fail(f"{word!r} is not a date") from None
        if found < self.today:  # "jan 5" said in March: next January
            try:
                found = date(self.today.year + 1, month, day)
            except ValueError:  # 29 Feb
                raise self.fail(f"{word!r} is not a date next year") from None
            if say_year:
                self.notes.append(f"'{word}' has passed this year: read as {found:%d %b %Y}")
        return found

    def resolve(self, callable_at: Callable[[datetime], bool]) -> datetime:
        if self.instant is not None:
            return self.instant
        if self.days is None and self.clock is None:
            raise self.fail("no day or time found")
        tz = self.now.tzinfo
        days = self.days
        if days is None:  # a time alone: today's if ahead, else tomorrow's; an hour without
            # am/pm looks a week ahead for a reading inside calling hours (Friday evening's
            # "at 5" is Monday's 17:00 when the weekend is closed)
            span = 8 if self.clock is not None and self.clock.ambiguous else 2
            days = [self.today + timedelta(days=n) for n in range(span)]
        if self.clock is None and len(days) > 1 and days[0] == self.today:
            # "thu" said on a Thursday, no time: the prospect means next week's.
            days = days[1:]
            self.notes.append(f"'{self.day_word}' is today; with no time given, read as "
                              f"{days[0]:%a %d %b} (say '{self.day_word} 3pm' for today)")
        times = self.clock.times if self.clock else (_DEFAULT_TIME,)
        if self.day_word == "tonight":
            times = times[-1:]  # "tonight 8": 20:00, never 08:00
        ahead = [t for d in days for c in times
                 if (t := datetime.combine(d, c, tzinfo=tz)) > self.now]
        if not ahead:
            shown = datetime.combine(days[-1], times[-1], tzinfo=tz)
            raise self.fail(f"{shown:%a %d %b %Y %H:%M} has already passed")
        if self.clock is None or not self.clock.ambiguous or self.day_word == "tonight":
            return ahead[0]
        # An hour without am/pm: the first of its readings, in order, inside calling hours.
        chosen = next((t for t in ahead if callable_at(t)), ahead[0])
        word = self.clock.word
        said = word if re.search(r"[:.h]", word) else f"{word} o'clock"
        fits = ("in calling hours" if callable_at(chosen)
                else "(no reading of it is in calling hours)")
        self.notes.append(f"'{word}' read as {chosen:%H:%M}: the next {said} {fits}")
        return chosen


def _business_hours(at: datetime) -> bool:
    """Without the calling rules: 08:00-20:00, the narrowest legal window most places allow."""
    return 8 <= at.hour < 20


def read_when(text: str, now: datetime, *, region: str = "US",
              callable_at: Callable[[datetime], bool] | None = None) -> When:
    """Read `text` relative to `now` (aware, in the prospect's zone).

    `region`: the settings' region; "1/20" is month/day in the US and Canada, day/month
    elsewhere. `callable_at(t)`: whether `t` is inside calling hours, used only to choose
    between the two readings of an hour said without am/pm ("at 3": 03:00 or 15:00)."""
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    raw = " ".join((text or "").strip().lower().split())
    if not raw:
        raise WhenError(f"no time given; {examples(region)}")
    try:  # a full ISO instant, perhaps with its own offset: "2027-01-20T09:00+01:00"
        iso = datetime.fromisoformat(raw.upper().replace(" ", "T"))
    except ValueError:
        iso = None
    if iso is not None and iso.tzinfo is not None:
        found = When(iso.astimezone(now.tzinfo))
    else:
        reader = _Reader(text, now, region)
        reader.read(_tokens(raw))
        found = When(reader.resolve(callable_at or _business_hours), tuple(reader.notes))
    if found.at <= now:
        raise WhenError(f"{text.strip()!r}: {found.at:%a %d %b %Y %H:%M} has already passed")
    if found.at - now > MAX_AHEAD:
        raise WhenError(f"{text.strip()!r}: {found.at:%d %b %Y} is more than a year away")
    return found


def parse_when(text: str, now: datetime, *, region: str = "US",
               callable_at: Callable[[datetime], bool] | None = None) -> datetime:
    """The instant `read_when` reads, without the notes."""
    return read_when(text, now, region=region, callable_at=callable_at).at

