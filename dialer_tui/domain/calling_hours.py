"""Calling hours: may this number be called at this instant, why (not), and when next.

The rules are dated data (data/calling_rules.yaml, read by services/bundle.py). They are compiled
once per loaded file into per-weekday second ranges, and each distinct Target gets a cached plan
(zones and the rules that apply in each), so judge() costs one astimezone() and a few comparisons
per candidate zone: the queue judges hundreds of rows on every refresh.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Sequence
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import NumberParseException
from phonenumbers import timezone as pn_timezone
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from dialer_tui.domain import phones
from dialer_tui.domain.regions import (
    Calendar,
    CountryCode,
    CountryRule,
    Law,
    Rule,
    Schedule,
    Spans,
    StateRule,
    ZoneIndex,
    ZoneTable,
    compile_law,
    describe,
    equivalent,
    get_zone,
    intersect,
    next_open,
    period_text,
    secs_of,
    window_spans,
    within,
)

__all__ = ["CallingRules", "Target", "Verdict", "judge", "next_slot", "candidate_zones",
           "longest_cap_period", "rules_warnings"]

UTC = timezone.utc
SEARCH_HORIZON = timedelta(days=14)
CAP_WINDOW = timedelta(hours=24)  # the period of a cap given as attempts_per_24h
STALE_AFTER = timedelta(days=365)  # `check` warns when the file's as_of is older
RUNS_OUT_WITHIN = timedelta(days=60)  # `check` warns when a holiday list ends this soon
_PLAN_CACHE_MAX = 50_000  # distinct (target, user window) pairs kept; cleared whole when full


class NotEncoded(BaseModel):
    """A rule the file knows of and does not apply, and why (said so, not silently left out)."""

    model_config = ConfigDict(extra="forbid")

    where: str = Field(min_length=1)
    what: str = Field(min_length=1)
    why: str = Field(min_length=1)
    source: str = ""
    url: str = ""


class CallingRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date
    note: str
    countries: dict[CountryCode, CountryRule] = {}
    default: Rule  # every country without its own entry
    states: dict[str, StateRule] = {}
    calendars: dict[str, Calendar] = {}
    not_encoded: list[NotEncoded] = []
    zones: ZoneTable
    _compiled: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _states_are_places(self) -> CallingRules:
        for code, rule in self.states.items():
            if code not in self.zones.regions.get(rule.country, {}):
                raise ValueError(f"states.{code}: not listed under zones.regions.{rule.country}")
        for where, rule in self.rules():
            for entry in rule.holidays:
                if isinstance(entry, str) and entry not in self.calendars:
                    raise ValueError(f"{where}.holidays: {entry!r} is not under calendars: "
                                     f"(known: {', '.join(sorted(self.calendars)) or 'none'})")
        return self

    def rules(self) -> list[tuple[str, Rule]]:
        """Every rule with its id as written in the file ("countries.US", "states.TX")."""
        return [("default", self.default),
                *((f"countries.{k}", r) for k, r in self.countries.items()),
                *((f"states.{k}", r) for k, r in self.states.items())]


class _Places(BaseModel):
    model_config = ConfigDict(extra="forbid")

    countries: dict[CountryCode, Any] = {}
    regions: dict[CountryCode, dict[str, Any]] = {}


class RulesOverlay(BaseModel):
    """A user's calling_rules.yaml: any part of the file, each rule whole (validated here so
    an error names the user's file; services/bundle.py merges it onto the shipped rules)."""

    model_config = ConfigDict(extra="forbid")

    replace_shipped: bool = False  # true: this file is the whole rule set
    as_of: date | None = None
    note: str | None = None
    countries: dict[CountryCode, CountryRule] = {}
    default: Rule | None = None
    states: dict[str, StateRule] = {}
    calendars: dict[str, Calendar] = {}
    not_encoded: list[NotEncoded] = []
    zones: _Places | None = None


# --- the public answers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    e164: str
    phone_zones: tuple[str, ...] = ()  # from phones.zones_for(e164); () = unknown (toll-free etc.)
    phone_region: str = ""  # ISO country of the number: "US", "CA", "GB"...
    prospect_zone: str = ""  # explicit IANA zone of the prospect, if any
    prospect_region: str = ""  # state/province as typed ("FL", "Florida", "ON", "Bavaria")
    prospect_country: str = ""  # ISO alpha-2 (a country name is accepted too)
    # NANP area codes of the person's other numbers, sorted: a state law presumed by any of the
    # person's area codes (Florida's hours and its 3-per-24-h cap) protects the person on every
    # number, "regardless of the phone number used" (Fla. Stat. 501.616(6)).
    person_area_codes: tuple[str, ...] = ()
    # Whom the line reaches ("business" or "consumer", as recorded or the setting default_line)
    # and whether rules that protect consumers judge a business line too (the setting
    # apply_consumer_rules_to_business; true, the conservative reading, unless a team says not).
    line: str = "business"
    consumer_rules: bool = True
    consent_on: date | None = None  # the day the person's consent was recorded; None: none is


def _applies(law: Law, target: Target) -> bool:
    """Whether a law protects the line called (see Target.line)."""
    return (law.protects in ("all", target.line)
            or (law.protects == "consumer" and target.consumer_rules))


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


# --- per-target plans: which zones, which laws in each ----------------------------------------

@dataclass(frozen=True)
class _ZonePlan:
    name: str
    tz: ZoneInfo
    laws: tuple[Law, ...]
    schedule: Schedule


@dataclass(frozen=True)
class _Plan:
    zones: tuple[_ZonePlan, ...]
    names: tuple[str, ...]
    primary: _ZonePlan
    warnings: tuple[str, ...]
    cap_laws: tuple[Law, ...]  # every law that caps attempts, the smallest cap first
    window: Spans | None  # the user's window, None when it does not narrow
    window_text: str
    consent_laws: tuple[Law, ...] = ()  # laws applied that require recorded prior consent
    line_notes: tuple[str, ...] = ()  # consumer laws applied to, or left off, a business line


@lru_cache(maxsize=65536)
def _number_region(e164: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or ""
    except NumberParseException:
        return ""


@lru_cache(maxsize=1024)
def _all_number_zones(e164: str) -> tuple[str, ...]:
    """phonenumbers' zones for a number even when there are dozens (the last resort)."""
    try:
        zones = pn_timezone.time_zones_for_number(phonenumbers.parse(e164, None))
    except NumberParseException:
        return ()
    return tuple(z for z in zones if get_zone(z) is not None)


class _Compiled:
    def __init__(self, rules: CallingRules) -> None:
        self.index = ZoneIndex(rules.zones)
        cals = rules.calendars
        self.country_laws: dict[str, Law] = {}
        for code, rule in rules.countries.items():
            law = compile_law(code, rule, calendars=cals)
            self.country_laws[code] = law
            for other in rule.covers:
                self.country_laws.setdefault(other, law)
        self.default = compile_law("default", rules.default, calendars=cals)
        self.states: dict[tuple[str, str], Law] = {}
        self.by_area_code: dict[str, list[Law]] = {}
        for code, st in rules.states.items():
            law = compile_law(f"{st.country}-{code}", st, st.country, calendars=cals)
            self.states[(st.country, code)] = law
            for ac in st.area_codes:
                self.by_area_code.setdefault(ac, []).append(law)
        # Rules with an `effective` day split time into epochs; a plan is built per epoch, so
        # the per-call cost stays one bisect. A rule counts from the day before its effective
        # day in UTC: in force by local midnight in every zone (a day early west of UTC).
        self.epochs: tuple[date, ...] = tuple(sorted(
            {law.effective - timedelta(days=1) for law in (
                *self.country_laws.values(), self.default, *self.states.values())
             if law.effective is not None}))
        self.plans: dict[tuple[Target, Any, int], _Plan] = {}
        self.schedules: dict[tuple[tuple[str, ...], Spans | None], Schedule] = {}

    def schedule(self, laws: tuple[Law, ...], window: Spans | None) -> Schedule:
        key = (tuple(law.key for law in laws), window)
        found = self.schedules.get(key)
        if found is None:
            week = laws[0].week
            for law in laws[1:]:
                week = tuple(intersect(a, b) for a, b in zip(week, law.week, strict=True))
            if window is not None:
                week = tuple(intersect(w, window) for w in week)
            holidays = frozenset().union(*(law.holidays for law in laws))
            found = self.schedules[key] = Schedule(week, holidays)
        return found

    def epoch(self, at: datetime | None) -> int:
        if not self.epochs or at is None:
            return len(self.epochs) if at is None else 0
        return bisect_right(self.epochs, at.astimezone(UTC).date())

    def in_force(self, law: Law, epoch: int) -> bool:
        return law.effective is None or (
            epoch > 0 and law.effective - timedelta(days=1) <= self.epochs[epoch - 1])

    def plan(self, target: Target, user_window: tuple[time, time] | None,
             at: datetime | None = None) -> _Plan:
        key = (target, user_window, self.epoch(at))
        found = self.plans.get(key)
        if found is None:
            if len(self.plans) >= _PLAN_CACHE_MAX:
                self.plans.clear()
            found = self.plans[key] = self._build(target, user_window, key[2])
        return found

    def _build(self, target: Target, user_window: tuple[time, time] | None,
               epoch: int) -> _Plan:
        idx, warnings = self.index, []
        e164 = target.e164.strip()
        phone_region = target.phone_region.strip().upper() or (_number_region(e164) if e164 else "")
        raw_zones = target.phone_zones or (phones.zones_for(e164) if e164 else ())
        phone_zones = tuple(z for z in raw_zones if get_zone(z) is not None)
        # The country's principal zone wins among the number's (a UK mobile's are Guernsey, Isle
        # of Man, Jersey and London): the number's own country's, else its calling code's (a
        # +44 7911 mobile is Guernsey's to phonenumbers, and still shown in Europe/London).
        home = (idx.country_zones(phone_region)[:1]
                or (idx.country_zones(phones.calling_code_country(e164))[:1] if e164 else ()))
        if home and home[0] in phone_zones:
            phone_zones = home + tuple(z for z in phone_zones if z != home[0])
        found: dict[str, set[str]] = {}  # zone -> countries whose laws apply there (ordered)
        for z in phone_zones:
            found.setdefault(z, set()).add(phone_region)

        p_country = idx.country_code(target.prospect_country)
        region = idx.region(target.prospect_region, p_country)
        if region is not None:
            p_country = region.country
        explicit = target.prospect_zone.strip()
        if explicit and get_zone(explicit) is None:
            warnings.append(f"unknown time zone {explicit!r} ignored")
            explicit = ""
        shown = ", ".join(phone_zones)
        # The number and the address both count: every zone of the number under the number's
        # country's law, and the address's zones under the address's (and its state's) law,
        # even where the clocks agree: a Florida prospect on a Toronto mobile is under Florida's
        # hours and cap, a Jacksonville number in state FL is judged in the Central panhandle
        # too, a French address with a Spanish mobile keeps French hours.
        if explicit:
            # The rep said where the prospect is: always judge there, whatever the phone says.
            country = p_country or idx.country_of_zone(explicit) or phone_region
            found.setdefault(explicit, set()).add(country)
            if phone_zones and not any(equivalent(explicit, z) for z in phone_zones):
                warnings.append(f"phone suggests {shown} "
                                f"but the prospect's time zone is {explicit}")
        if region is not None:  # a state or province: all its zones (Florida spans two)
            if phone_zones and not explicit and not any(
                    equivalent(p, z) for p in region.zones for z in phone_zones):
                warnings.append(f"phone suggests {shown} but the address is in "
                                f"{region.zones[0]}")
            for z in region.zones:
                found.setdefault(z, set()).add(region.country)
        elif p_country and not explicit and (p_country != phone_region or not phone_zones):
            # A country alone, other than the number's: its law at the clocks of its zones that
            # agree with the number's (a Spanish mobile in France: Paris), else at every zone.
            place = idx.country_zones(p_country)
            agreeing = tuple(p for p in place if any(equivalent(p, z) for z in phone_zones))
            if place and not agreeing and phone_zones:
                warnings.append(f"phone suggests {shown} but the address is in {place[0]}")
            for z in agreeing or place:
                found.setdefault(z, set()).add(p_country)
        if not found:
            # Nothing says where: judge in every zone of the country (the most restrictive reading).
            country = phone_region or p_country
            zones = idx.country_zones(country) or (_all_number_zones(e164) if e164 else ())
            if zones:
                where = country or "the number"
                warnings.append(f"time zone unknown: judged in every zone of {where}")
            else:
                zones = ("UTC",)
                warnings.append("time zone unknown: judged in UTC")
            for z in zones:
                found.setdefault(z, set()).add(country)

        triggered: list[Law] = list(self.by_area_code.get(phones.area_code(e164), ()))
        for code in target.person_area_codes:
            triggered += self.by_area_code.get(code, ())
        if region is not None and (region.country, region.code) in self.states:
            triggered.append(self.states[(region.country, region.code)])
        triggered = [law for law in triggered if self.in_force(law, epoch)]
        # A rule that does not protect this line (a consumer rule, a business line, the setting
        # off) is left off; where it was the country's law the default rule judges instead.
        left_off = [law for law in triggered if not _applies(law, target)]
        triggered = [law for law in triggered if _applies(law, target)]
        window = window_spans(user_window)
        zplans = []
        for zone, countries in found.items():
            laws = []
            for c in sorted(countries):
                law = self.country_laws.get(c, self.default)
                if not self.in_force(law, epoch):
                    law = self.default
                elif not _applies(law, target):
                    left_off.append(law)
                    law = self.default
                laws.append(law)
            laws += [law for law in triggered if law.country in countries]
            unique = tuple(dict.fromkeys(laws))
            zplans.append(_ZonePlan(zone, get_zone(zone), unique, self.schedule(unique, window)))
        # A cap protects the person: one presumed by any of their numbers counts whichever
        # number is dialled, even a foreign one whose zones are judged under another law.
        capped = [law for zp in zplans for law in zp.laws if law.cap is not None]
        capped += [law for law in triggered if law.cap is not None]
        primary = next((zp for zp in zplans if zp.name == explicit), zplans[0])
        applied = tuple(dict.fromkeys([*(x for zp in zplans for x in zp.laws), *triggered]))
        notes = [f"{law.name} protects consumer lines: not applied to this business line "
                 "(apply_consumer_rules_to_business is false)"
                 for law in dict.fromkeys(left_off) if law.protects == "consumer"]
        if target.line == "business":
            notes += [f"{law.name} protects consumer lines: applied to this business line too "
                      "(apply_consumer_rules_to_business is true)"
                      for law in applied if law.protects == "consumer"]
        return _Plan(
            zones=tuple(zplans), names=tuple(zp.name for zp in zplans), primary=primary,
            warnings=tuple(dict.fromkeys(warnings)),
            cap_laws=tuple(sorted(dict.fromkeys(capped), key=lambda law: law.cap or 0)),
            window=window, window_text=describe(window) if window else "",
            consent_laws=tuple(law for law in applied if law.consent is not None),
            line_notes=tuple(notes))


def _compiled(rules: CallingRules) -> _Compiled:
    c = rules._compiled
    if c is None:
        c = rules._compiled = _Compiled(rules)
    return c


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


def rules_warnings(rules: CallingRules, today: date) -> list[str]:
    """What `dialer-tui check` warns of on `today` (passed in: the clock, or `check --at`):
    a file not checked for a year, holiday lists that end within 60 days (a day missing from
    a list is a day the rule does not ban), rules whose current text could not be read."""
    out = []
    if today - rules.as_of > STALE_AFTER:
        out.append(f"calling_rules.yaml is as of {rules.as_of}, more than a year before "
                   f"{today}: check each rule against its source and update as_of")
    used = {e for _, r in rules.rules() for e in r.holidays if isinstance(e, str)}
    for cid, cal in sorted(rules.calendars.items()):
        if cid not in used:
            continue
        end = cal.runs_out()
        if end < today:
            out.append(f"holiday list {cid} ({cal.name}) ended on {end}: add the dates after it")
        elif end - today <= RUNS_OUT_WITHIN:
            out.append(f"holiday list {cid} ({cal.name}) runs out on {end}, within "
                       f"{RUNS_OUT_WITHIN.days} days: add the next year's dates")
    unverified: list[str] = [where for where, r in rules.rules() if not r.verified]
    unverified += [f"calendars.{cid}" for cid, cal in sorted(rules.calendars.items())
                   if cid in used and not cal.verified]
    if unverified:
        out.append(f"{len(unverified)} rules could not be checked against their current text "
                   f"(verified: false): {', '.join(unverified)}")
    return out
