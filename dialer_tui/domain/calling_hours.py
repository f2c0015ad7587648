"""Calling hours: may this number be called at this instant, why (not), and when next.

The rules are dated data (data/calling_rules.yaml, read by services/bundle.py; its schema is
calling_rules.py). They are compiled once per loaded file into per-weekday second ranges, and each
distinct Target gets a cached plan (zones and the rules that apply in each: calling_plan.py), so
judge() costs one astimezone() and a few comparisons per candidate zone: the queue judges hundreds
of rows on every refresh.

Here: the verdict (judge), the next allowed instant (next_slot), the zones judged and how far back
caps count. The rule file's names (CallingRules, RulesOverlay, rules_warnings...) and Target are
re-exported, so callers import all of calling hours from this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Sequence

from dialer_tui.domain.calling_plan import Target, _compiled, _Plan, _ZonePlan
from dialer_tui.domain.calling_rules import (  # noqa: F401 - re-exported: callers import them here
    RUNS_OUT_WITHIN,
    STALE_AFTER,
    CallingRules,
    NotEncoded,
    RulesOverlay,
    rules_warnings,
)
from dialer_tui.domain.regions import next_open, period_text, secs_of, within

__all__ = ["CallingRules", "Target", "Verdict", "judge", "next_slot", "candidate_zones",
           "longest_cap_period", "rules_warnings"]

UTC = timezone.utc
SEARCH_HORIZON = timedelta(days=14)
CAP_WINDOW = timedelta(hours=24)  # the period of a cap given as attempts_per_24h


# --- the public answers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    callable: bool
    reasons: tuple[str, ...]  # human sentences, one per zone judged plus cap/next-time notes
    next_allowed: datetime | None  # UTC; None when callable now or nothing within 14 days
    zones: tuple[str, ...]  # every zone judged
    time_zone: str  # the zone shown to the rep
    local_time: datetime  # `at` in time_zone
    warnings: tuple[str, ...]
    attempt_cap: int | None  # the smallest cap of the rules applied; None when none caps
    laws: tuple[str, ...] = ()  # the name of every law applied, in the order first met
    # The longest rolling period of those caps: the calls to count are those this long before
    # the instant judged (24 h for Florida, 30 days for France).
    cap_period: timedelta | None = None


# --- searching for the next allowed instant -------------------------------------------------------

def _search(plan: _Plan, start: datetime) -> datetime | None:
    t = start.astimezone(UTC)
    limit = t + SEARCH_HORIZON
    while t <= limit:
        later: datetime | None = None
        for zp in plan.zones:
            local = t.astimezone(zp.tz)
            if zp.schedule.open_at(local):
                continue
            nxt = next_open(zp.schedule, zp.tz, local, t, SEARCH_HORIZON.days)
            if nxt is None:
                return None
            if later is None or nxt > later:
                later = nxt
        if later is None:
            return t  # open in every zone
        t = later  # nothing earlier can be open in the zone that opens last
    return None


# --- the verdict ----------------------------------------------------------------------------------

def _aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {at!r}")


def _allowed_reason(zp: _ZonePlan, local: datetime, plan: _Plan) -> str:
    wd = local.weekday()
    parts = [f"{law.name} {law.allows[wd]}" for law in zp.laws]
    if plan.window_text:
        parts.append(f"your window {plan.window_text}")
    return f"allowed: {local.hour:02d}:{local.minute:02d} in {zp.name} ({'; '.join(parts)})"


def _blocked_reasons(zp: _ZonePlan, local: datetime, plan: _Plan) -> list[str]:
    hm, wd, day, s = f"{local:%H:%M}", local.weekday(), local.date(), secs_of(local)
    out = []
    for law in zp.laws:
        if day in law.holidays:
            out.append(f"blocked: {day.isoformat()} {law.closed.get(day, 'is a holiday')}; "
                       f"{law.name} allows no calls that day (in {zp.name})")
        elif not within(law.week[wd], s):
            out.append(f"blocked: {hm} in {zp.name}; {law.name} allows {law.allows[wd]}")
    if plan.window is not None and not within(plan.window, s):
        out.append(f"blocked: {hm} in {zp.name}; your calling window is {plan.window_text}")
    return out or [f"blocked: {hm} in {zp.name}"]


def _consent_reasons(plan: _Plan, target: Target, at: datetime) -> list[str]:
    """A reason per law applied that requires prior consent the person has not given (on
    record: a basis and a day no later than the call's, in the prospect's zone)."""
    day = at.astimezone(plan.primary.tz).date()
    out = []
    for law in plan.consent_laws:
        need = law.consent
        if need is None or (need.first is not None and day < need.first):
            continue
        if target.consent_on is not None and target.consent_on <= day:
            continue
        after = (f" (the consent on record is dated {target.consent_on}, after this day)"
                 if target.consent_on is not None else "")
        since = f" since {need.first}" if need.first is not None else ""
        out.append(f"blocked: {target.line} line without recorded consent{after}: "
                   f"{need.name or law.name} requires prior consent{since} ({need.source})")
    return out


def judge(rules: CallingRules, target: Target, at: datetime, *, attempts_24h: int = 0,
          oldest_attempt_24h: datetime | None = None,
          user_window: tuple[time, time] | None = None,
          calls: Sequence[datetime] | None = None) -> Verdict:
    """Whether `target` may be called at `at`, why, and if not, the earliest instant it may.

    `calls` are the person's calls before `at`, newest first, going back at least the plan's
    longest cap period (Verdict.cap_period; longest_cap_period(rules) covers every plan). The
    older form, `attempts_24h` calls in the 24 h before `at` the oldest of which is
    `oldest_attempt_24h` (unknown: `at`), is read as that many calls at that instant."""
    _aware(at, "at")
    plan = _compiled(rules).plan(target, user_window, at)
    if calls is None:
        if oldest_attempt_24h is not None:
            _aware(oldest_attempt_24h, "oldest_attempt_24h")
        calls = [oldest_attempt_24h or at] * attempts_24h
    reasons = _consent_reasons(plan, target, at)
    no_consent = blocked = bool(reasons)
    for zp in plan.zones:
        local = at.astimezone(zp.tz)
        if zp.schedule.open_at(local):
            reasons.append(_allowed_reason(zp, local, plan))
        else:
            blocked = True
            reasons.extend(_blocked_reasons(zp, local, plan))
    start = at
    for law in plan.cap_laws:
        cap, period = law.cap or 0, law.cap_period
        recent = [c for c in calls if c > at - period]
        if len(recent) < cap:
            continue
        # The cap lifts when the cap-th newest call leaves the rolling period.
        release = sorted(recent, reverse=True)[cap - 1] + period
        blocked, start = True, max(start, release)
        rel = release.astimezone(plan.primary.tz)
        span = period_text(period)
        reasons.append(f"blocked: {len(recent)} attempts in the last {span}; {law.name} "
                       f"allows {cap} per rolling {span}, so not before "
                       f"{rel:%a %H:%M}{'' if period <= CAP_WINDOW else f' {rel:%Y-%m-%d}'} "
                       f"in {plan.primary.name}")
    local_time = at.astimezone(plan.primary.tz)
    cap_laws = plan.cap_laws
    cap = cap_laws[0].cap if cap_laws else None
    cap_period = max(law.cap_period for law in cap_laws) if cap_laws else None
    laws = tuple(dict.fromkeys(x.name for zp in plan.zones for x in zp.laws))
    reasons.extend(plan.line_notes)
    if not blocked:
        return Verdict(True, tuple(reasons), None, plan.names, plan.primary.name, local_time,
                       plan.warnings, cap, laws, cap_period)
    # Time does not bring consent: no next allowed instant until it is recorded.
    nxt = None if no_consent else _search(plan, start)
    if no_consent:
        reasons.append("next allowed: once the person's consent (basis and date) is recorded")
    elif nxt is None:
        reasons.append(f"no time allowed in every zone within {SEARCH_HORIZON.days} days")
    else:
        shown = nxt.astimezone(plan.primary.tz)
        reasons.append(f"next allowed: {shown:%a %Y-%m-%d %H:%M} in {plan.primary.name}")
    return Verdict(False, tuple(reasons), nxt, plan.names, plan.primary.name, local_time,
                   plan.warnings, cap, laws, cap_period)


def next_slot(rules: CallingRules, target: Target, after: datetime, *,
              user_window: tuple[time, time] | None = None) -> datetime:
    """Earliest instant >= `after` allowed in every zone (attempt caps ignored), in UTC.

    Used to snap a callback time. Raises ValueError when nothing within 14 days is allowed."""
    _aware(after, "after")
    found = _search(_compiled(rules).plan(target, user_window, after), after)
    if found is None:
        raise ValueError(f"no allowed time within {SEARCH_HORIZON.days} days "
                         f"of {after.isoformat()}")
    return found


def candidate_zones(rules: CallingRules, target: Target) -> tuple[str, ...]:
    """Every zone a call to `target` is judged in: the phone's, then the prospect's."""
    return _compiled(rules).plan(target, None).names


def longest_cap_period(rules: CallingRules) -> timedelta:
    """How far back any rule counts calls: what the gate reads before judging a person."""
    c = _compiled(rules)
    laws = (*c.country_laws.values(), c.default, *c.states.values())
    return max((law.cap_period for law in laws if law.cap is not None), default=CAP_WINDOW)
