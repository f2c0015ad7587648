"""Calling hours: may this number be called at this instant, why (not), and when next.

The rules are dated data (data/calling_rules.yaml, read by services/bundle.py). They are compiled
once per loaded file into per-weekday second ranges, and each distinct Target gets a cached plan
(zones and the rules that apply in each), so judge() costs one astimezone() and a few comparisons
per candidate zone: the queue judges hundreds of rows on every refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import NumberParseException
from phonenumbers import timezone as pn_timezone
from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

from dialer_tui.domain import phones
from dialer_tui.domain.regions import (
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
    secs_of,
    window_spans,
    within,
)

__all__ = ["CallingRules", "Target", "Verdict", "judge", "next_slot", "candidate_zones"]

UTC = timezone.utc
SEARCH_HORIZON = timedelta(days=14)
CAP_WINDOW = timedelta(hours=24)  # the rolling window of every attempt cap (gate.py counts in it)
_PLAN_CACHE_MAX = 50_000  # distinct (target, user window) pairs kept; cleared whole when full


class CallingRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date
    note: str
    countries: dict[CountryCode, CountryRule] = {}
    default: Rule  # every country without its own entry
    states: dict[str, StateRule] = {}
    zones: ZoneTable
    _compiled: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _states_are_places(self) -> CallingRules:
        for code, rule in self.states.items():
            if code not in self.zones.regions.get(rule.country, {}):
                raise ValueError(f"states.{code}: not listed under zones.regions.{rule.country}")
        return self


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


@dataclass(frozen=True)
class Verdict:
    callable: bool
    reasons: tuple[str, ...]  # human sentences, one per zone judged plus cap/next-time notes
    next_allowed: datetime | None  # UTC; None when callable now or nothing within 14 days
    zones: tuple[str, ...]  # every zone judged
    time_zone: str  # the zone shown to the rep
    local_time: datetime  # `at` in time_zone
    warnings: tuple[str, ...]
    attempt_cap: int | None  # per rolling 24 h, None when no rule caps attempts
    laws: tuple[str, ...] = ()  # the name of every law applied, in the order first met


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
    cap_law: Law | None
    window: Spans | None  # the user's window, None when it does not narrow
    window_text: str


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
        self.country_laws: dict[str, Law] = {}
        for code, rule in rules.countries.items():
            law = compile_law(code, rule)
            self.country_laws[code] = law
            for other in rule.covers:
                self.country_laws.setdefault(other, law)
        self.default = compile_law("default", rules.default)
        self.states: dict[tuple[str, str], Law] = {}
        self.by_area_code: dict[str, list[Law]] = {}
        for code, st in rules.states.items():
            law = compile_law(f"{st.country}-{code}", st, st.country)
            self.states[(st.country, code)] = law
            for ac in st.area_codes:
                self.by_area_code.setdefault(ac, []).append(law)
        self.plans: dict[tuple[Target, Any], _Plan] = {}
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

    def plan(self, target: Target, user_window: tuple[time, time] | None) -> _Plan:
        key = (target, user_window)
        found = self.plans.get(key)
        if found is None:
            if len(self.plans) >= _PLAN_CACHE_MAX:
                self.plans.clear()
            found = self.plans[key] = self._build(target, user_window)
        return found

    def _build(self, target: Target, user_window: tuple[time, time] | None) -> _Plan:
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
        window = window_spans(user_window)
        zplans = []
        for zone, countries in found.items():
            laws = [self.country_laws.get(c, self.default) for c in sorted(countries)]
            laws += [law for law in triggered if law.country in countries]
            unique = tuple(dict.fromkeys(laws))
            zplans.append(_ZonePlan(zone, get_zone(zone), unique, self.schedule(unique, window)))
        # A cap protects the person: one presumed by any of their numbers counts whichever
        # number is dialled, even a foreign one whose zones are judged under another law.
        capped = [law for zp in zplans for law in zp.laws if law.cap is not None]
        capped += [law for law in triggered if law.cap is not None]
        primary = next((zp for zp in zplans if zp.name == explicit), zplans[0])
        return _Plan(
            zones=tuple(zplans), names=tuple(zp.name for zp in zplans), primary=primary,
            warnings=tuple(dict.fromkeys(warnings)),
            cap_law=min(capped, key=lambda law: law.cap) if capped else None,
            window=window, window_text=describe(window) if window else "")


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
            out.append(f"blocked: {day.isoformat()} is a holiday in {zp.name} ({law.name})")
        elif not within(law.week[wd], s):
            out.append(f"blocked: {hm} in {zp.name}; {law.name} allows {law.allows[wd]}")
    if plan.window is not None and not within(plan.window, s):
        out.append(f"blocked: {hm} in {zp.name}; your calling window is {plan.window_text}")
    return out or [f"blocked: {hm} in {zp.name}"]


def judge(rules: CallingRules, target: Target, at: datetime, *, attempts_24h: int = 0,
          oldest_attempt_24h: datetime | None = None,
          user_window: tuple[time, time] | None = None) -> Verdict:
    """Whether `target` may be called at `at`, why, and if not, the earliest instant it may.

    `attempts_24h` counts attempts in the rolling 24 h before `at`, the oldest of which is
    `oldest_attempt_24h` (its +24 h is when the cap lifts; unknown means `at` + 24 h)."""
    _aware(at, "at")
    plan = _compiled(rules).plan(target, user_window)
    reasons: list[str] = []
    blocked = False
    for zp in plan.zones:
        local = at.astimezone(zp.tz)
        if zp.schedule.open_at(local):
            reasons.append(_allowed_reason(zp, local, plan))
        else:
            blocked = True
            reasons.extend(_blocked_reasons(zp, local, plan))
    start = at
    law = plan.cap_law
    if law is not None and law.cap is not None and attempts_24h >= law.cap:
        if oldest_attempt_24h is not None:
            _aware(oldest_attempt_24h, "oldest_attempt_24h")
        release = (oldest_attempt_24h or at) + CAP_WINDOW
        if release > at:  # an "oldest" already 24 h old means the count is stale: not capped
            blocked, start = True, release
            rel = release.astimezone(plan.primary.tz)
            reasons.append(f"blocked: {attempts_24h} attempts in the last 24 h; {law.name} "
                           f"allows {law.cap} per rolling 24 h, so not before {rel:%a %H:%M} "
                           f"in {plan.primary.name}")
    local_time = at.astimezone(plan.primary.tz)
    cap = law.cap if law is not None else None
    laws = tuple(dict.fromkeys(x.name for zp in plan.zones for x in zp.laws))
    if not blocked:
        return Verdict(True, tuple(reasons), None, plan.names, plan.primary.name, local_time,
                       plan.warnings, cap, laws)
    nxt = _search(plan, start)
    if nxt is None:
        reasons.append(f"no time allowed in every zone within {SEARCH_HORIZON.days} days")
    else:
        shown = nxt.astimezone(plan.primary.tz)
        reasons.append(f"next allowed: {shown:%a %Y-%m-%d %H:%M} in {plan.primary.name}")
    return Verdict(False, tuple(reasons), nxt, plan.names, plan.primary.name, local_time,
                   plan.warnings, cap, laws)


def next_slot(rules: CallingRules, target: Target, after: datetime, *,
              user_window: tuple[time, time] | None = None) -> datetime:
    """Earliest instant >= `after` allowed in every zone (attempt caps ignored), in UTC.

    Used to snap a callback time. Raises ValueError when nothing within 14 days is allowed."""
    _aware(after, "after")
    found = _search(_compiled(rules).plan(target, user_window), after)
    if found is None:
        raise ValueError(f"no allowed time within {SEARCH_HORIZON.days} days "
                         f"of {after.isoformat()}")
    return found


def candidate_zones(rules: CallingRules, target: Target) -> tuple[str, ...]:
    """Every zone a call to `target` is judged in: the phone's, then the prospect's."""
    return _compiled(rules).plan(target, None).names
