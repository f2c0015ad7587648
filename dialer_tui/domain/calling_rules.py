"""The calling rules file's schema: data/calling_rules.yaml and a user's calling_rules.yaml laid
over it (both read and merged by services/bundle.py), validated here so that an error names the
file; and what `dialer-tui check` warns of in the rules on a given day (rules_warnings).

Judging a call under these rules is calling_hours.py's (which re-exports the names here that
callers use); the parts of one rule (its weekly hours, holidays, caps) are rule_schema.py's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from dialer_tui.domain.regions import (
    Calendar,
    CountryCode,
    CountryRule,
    Rule,
    StateRule,
    ZoneTable,
)

STALE_AFTER = timedelta(days=365)  # `check` warns when the file's as_of is older
RUNS_OUT_WITHIN = timedelta(days=60)  # `check` warns when a holiday list ends this soon


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
