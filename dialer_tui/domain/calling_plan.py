"""Calling hours, the plan for one target: which zones a call to a number (and a prospect) is
judged in, and which laws apply in each (calling_hours.py judges a call with it).

The rules are compiled once per loaded file into per-weekday second ranges, and each distinct
Target gets a cached plan (zones and the rules that apply in each), so judge() costs one
astimezone() and a few comparisons per candidate zone: the queue judges hundreds of rows on every
refresh. Target is re-exported by calling_hours.py, where callers import it from.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import NumberParseException
from phonenumbers import timezone as pn_timezone

from dialer_tui.domain import phones
from dialer_tui.domain.calling_rules import CallingRules
from dialer_tui.domain.regions import (
    Law,
    Schedule,
    Spans,
    ZoneIndex,
    compile_law,
    describe,
    equivalent,
    get_zone,
    intersect,
    window_spans,
)

UTC = timezone.utc
_PLAN_CACHE_MAX = 50_000  # distinct (target, user window) pairs kept; cleared whole when full


# --- the question: whom a call reaches ------------------------------------------------------------

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
