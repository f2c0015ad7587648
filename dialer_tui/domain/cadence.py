"""Cadences: which touch comes next, when, on which channel and in which part of the day.

The seeds' polite persistence as rules: at least 7 attempts over 2-3 weeks, about 2 a week; vary
the channel, the time of day and the number; give a voicemail a day or so; promise the next attempt
("I'll try you again Thursday morning") and keep it; end with a breakup voicemail. Pure functions:
the caller passes the prospect's zone and the current instant, and the cadences already loaded
(services/bundle.py reads cadences.yaml into CadenceFile)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialer_tui.channels import StepChannel
from dialer_tui.channels import is_call as channel_is_call

Part = Literal["morning", "midday", "afternoon", "evening", "any"]
PARTS_ORDER = ("morning", "midday", "afternoon", "evening")
MIN_ATTEMPTS = 7  # seed 003: don't give up until you've tried at least 7 times
# Seed 004: "don't ... try again in an hour". The planner keeps another unanswered call at least
# this far away, and services.calling takes a call logged sooner than this after the last
# attempt as a re-dial of that attempt (it does not advance the cadence): one spacing for both.
ATTEMPT_SPACING = timedelta(hours=2)


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    day: int = Field(ge=0, le=365)
    channel: StepChannel
    template: str
    part: Part = "any"


class Cadence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = ""
    steps: tuple[Step, ...] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _ordered(cls, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        for a, b in zip(steps, steps[1:], strict=False):
            if b.day < a.day:
                raise ValueError("steps must be in order of day")
        return steps


def _hhmm(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a HH:MM time") from None


class CadenceFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    default: str
    # at most ten years, as an outcome's recycle_days: the recycle date must stay a date
    # (3,000,000 days passed check, then OverflowError once a prospect ran out of steps)
    unresponsive_recycle_days: int = Field(default=60, ge=1, le=3650)
    parts_of_day: dict[str, tuple[str, str]]
    cadences: dict[str, Cadence]

    @field_validator("parts_of_day")
    @classmethod
    def _parts(cls, parts: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        missing = set(PARTS_ORDER) - set(parts)
        if missing:
            raise ValueError(f"missing parts of day: {', '.join(sorted(missing))}")
        for name, (start, end) in parts.items():
            if _hhmm(start) >= _hhmm(end):
                raise ValueError(f"{name}: start must be before end")
        return parts

    @model_validator(mode="after")
    def _default_exists(self) -> "CadenceFile":
        if self.default not in self.cadences:
            raise ValueError(f"default cadence {self.default!r} is not defined")
        return self

    @property
    def cadence(self) -> Cadence:
        return self.cadences[self.default]

    def part_window(self, part: str) -> tuple[time, time]:
        start, end = self.parts_of_day[part]
        return _hhmm(start), _hhmm(end)

    def part_of(self, local: datetime) -> str:
        """The part of the day a local time falls in ("evening" after hours, "morning" before)."""
        t = local.time()
        for name in PARTS_ORDER:
            start, end = self.part_window(name)
            if start <= t < end:
                return name
        return "morning" if t < self.part_window("morning")[0] else "evening"


@dataclass(frozen=True)
class Planned:
    """The next touch of a cadence."""

    step_index: int
    channel: str
    template: str
    part: str  # the part of the day chosen (after rotation), or "any"
    due_start: datetime  # UTC
    due_end: datetime | None  # UTC; end of the part-of-day window
    label: str  # "tomorrow morning": what the rep says now, in the prospect's time
    day_label: str = ""  # "Thursday morning": what the follow-up is called later on

    @property
    def is_call(self) -> bool:
        return self.channel == "call"


def rest_of_day(at: datetime, zone: ZoneInfo) -> datetime:
    """The end of the prospect's day at `at` (their next local midnight): a voicemail keeps them
    out for the rest of it (seed 003: "give them a day or so"), and so does the promise it makes."""
    local = at.astimezone(zone)
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def _business_day(d: date) -> date:
    while d.weekday() >= 5:  # prospecting calls go to business days
        d += timedelta(days=1)
    return d


def rotate_part(preferred: str, recent_parts: list[str]) -> str:
    """Keep the preferred part unless the last attempts were already made then (seed 004: try
    different times of day); otherwise take the next part not used lately."""
    if preferred == "any" or preferred not in recent_parts[-2:]:
        return preferred
    start = PARTS_ORDER.index(preferred)
    for offset in range(1, len(PARTS_ORDER)):
        candidate = PARTS_ORDER[(start + offset) % len(PARTS_ORDER)]
        if candidate != "evening" and candidate not in recent_parts[-2:]:
            return candidate
    return preferred


def plan_step(cf: CadenceFile, *, step_index: int, first_touch_at: datetime, at: datetime,
              zone: ZoneInfo, recent_parts: list[str], not_before: datetime | None = None
              ) -> Planned | None:
    """When step `step_index` of the default cadence is due, or None past the last step.

    `not_before` pushes the step later (e.g. a voicemail keeps the prospect out for the rest of
    their day); the day offset counts from the first touch in the prospect's calendar."""
    steps = cf.cadence.steps
    if step_index >= len(steps):
        return None
    step = steps[step_index]
    part = rotate_part(step.part, recent_parts) if step.channel == "call" else "any"
    local_at = at.astimezone(zone)
    earliest = max(at, not_before or at)
    day = max((first_touch_at.astimezone(zone) + timedelta(days=step.day)).date(),
              earliest.astimezone(zone).date())
    day = _business_day(day)
    for _ in range(14):
        if part == "any":
            start = datetime.combine(day, time(0, 0), tzinfo=zone)
            start = max(start, earliest)
            end = None
        else:
            wstart, wend = cf.part_window(part)
            start = datetime.combine(day, wstart, tzinfo=zone)
            end = datetime.combine(day, wend, tzinfo=zone)
            if end <= earliest:  # today's window has passed
                day = _business_day(day + timedelta(days=1))
                continue
            start = max(start, earliest)
        local_start = start.astimezone(zone)
        label = _label(local_start, part, local_at)
        day_label = f"{local_start:%A} {_PART_WORDS.get(part, part)}".strip()
        return Planned(step_index, step.channel, step.template, part,
                       start.astimezone(ZoneInfo("UTC")),
                       end.astimezone(ZoneInfo("UTC")) if end else None, label, day_label)
    return None  # pragma: no cover - 14 business days always contain the window


_PART_WORDS = {"midday": "around midday", "any": ""}


def _label(local_start: datetime, part: str, local_now: datetime) -> str:
    """ "Thursday morning" / "tomorrow afternoon" / "Thursday" for channel tasks."""
    days = (local_start.date() - local_now.date()).days
    when = _PART_WORDS.get(part, part)
    if days == 0:
        if part == "any":
            return "today"
        return "today around midday" if part == "midday" else f"this {part}"
    day = "tomorrow" if days == 1 else local_start.strftime("%A")
    return f"{day} {when}".strip()


def parts_called(cf: CadenceFile, touches: list[tuple[datetime, str]], zone: ZoneInfo
                 ) -> list[str]:
    """The parts of the day of the calls among `touches` ((started_at, channel), oldest first),
    which the next call avoids (seed 004: vary the time of day)."""
    return [cf.part_of(at.astimezone(zone)) for at, channel in touches if channel_is_call(channel)]


def plan_after(cf: CadenceFile, *, step: int, first_touch_at: datetime, at: datetime,
               zone: ZoneInfo, recent_parts: list[str], voicemail: bool,
               not_before: datetime | None = None) -> tuple[Planned | None, Planned | None]:
    """The one planner of what follows a touch at `at` that moves the cadence to `step`: (the
    next step, the call a promise made now names). The voicemail script reads the promise from
    here and log_outcome records it from here, with the same inputs, so the slot spoken is the
    slot recorded. `recent_parts` include the touch at `at` itself.

    A voicemail keeps the prospect out for the rest of their day (seed 003: "give them a day or
    so"); another unanswered call waits at least ATTEMPT_SPACING."""
    day_end = rest_of_day(at, zone)
    steps = cf.cadence.steps
    is_call_step = step < len(steps) and steps[step].channel == "call"
    # The gatekeeper's "try Monday" (`not_before`) pushes the next step later still.
    not_before = max(day_end if voicemail else at + ATTEMPT_SPACING, not_before or at)
    planned = plan_step(cf, step_index=step, first_touch_at=first_touch_at, at=at, zone=zone,
                        recent_parts=recent_parts, not_before=not_before if is_call_step else None)
    if planned is None:
        return None, None
    if planned.is_call:
        return planned, planned
    call_index = next_call_index(cf, step)
    promised = (plan_step(cf, step_index=call_index, first_touch_at=first_touch_at, at=at,
                          zone=zone, recent_parts=recent_parts, not_before=day_end)
                if call_index else None)
    return planned, promised


def next_call_index(cf: CadenceFile, after: int) -> int | None:
    for i, s in enumerate(cf.cadence.steps[after + 1:], start=after + 1):
        if s.channel == "call":
            return i
    return None
