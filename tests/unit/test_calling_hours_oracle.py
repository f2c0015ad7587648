"""Property: no (number, instant, person) the code calls callable is one the law forbids, judged
by an oracle that knows nothing of the code under test: its own table of where each number and
each address is, its own hours per jurisdiction and its own caps (none read from calling_rules
.yaml or from the verdict). Soundness only: the code may be stricter (holidays, extra zones of a
number, the rep's window), never looser.

What the oracle holds the code to: every zone of the number under the number's country's law;
every zone of the address's state under the address's country and state law; an address country
other than the number's under its own law (at the clock of the place); a state law presumed by
the area code of any of the person's numbers (Florida, Oklahoma, Maryland: 08:00-20:00 and 3
calls per rolling 24 h to the person, whichever number is used; Texas, Utah, Rhode Island,
Washington: their own hours and days, issue 15)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer_tui.domain import phones
from dialer_tui.domain.calling_hours import CallingRules, judge
from dialer_tui.services.bundle import load_rules
from dialer_tui.services.targets import target_for

UTC = timezone.utc
RULES: CallingRules = load_rules()

# The oracle's own map. Number -> (country, the zone(s) the person may be in by the number).
NUMBER_PLACE = {
    "+12125550100": ("US", ["America/New_York"]),  # New York
    "+13055550100": ("US", ["America/New_York"]),  # Miami: Florida by area code
    "+19045550100": ("US", ["America/New_York"]),  # Jacksonville: Florida by area code
    "+14055550100": ("US", ["America/Chicago"]),  # Oklahoma City: Oklahoma by area code
    "+13015550100": ("US", ["America/New_York"]),  # Maryland by area code
    "+17135550100": ("US", ["America/Chicago"]),  # Houston: Texas by area code
    "+12145550100": ("US", ["America/Chicago"]),  # Dallas: Texas by area code
    "+18015550100": ("US", ["America/Denver"]),  # Salt Lake City: Utah by area code
    "+14015550100": ("US", ["America/New_York"]),  # Providence: Rhode Island by area code
    "+12065550100": ("US", ["America/Los_Angeles"]),  # Seattle: Washington by area code
    "+14165550100": ("CA", ["America/Toronto"]),
    "+16042220000": ("CA", ["America/Vancouver"]),
    "+34612345678": ("ES", ["Europe/Madrid"]),
    "+33612345678": ("FR", ["Europe/Paris"]),
    "+447400123456": ("GB", ["Europe/London"]),
    "+4930123456": ("DE", ["Europe/Berlin"]),
    "+61212345678": ("AU", ["Australia/Sydney"]),
}
# Area codes that presume a state with its own rule (capped or not).
AREA_STATE = {"305": "FL", "904": "FL", "405": "OK", "301": "MD", "713": "TX", "214": "TX",
              "801": "UT", "401": "RI", "206": "WA"}
# Address state -> (country, every zone of the state).
STATE_PLACE = {
    "FL": ("US", ["America/New_York", "America/Chicago"]),  # the panhandle is Central
    "OK": ("US", ["America/Chicago"]), "MD": ("US", ["America/New_York"]),
    "NY": ("US", ["America/New_York"]), "TX": ("US", ["America/Chicago", "America/Denver"]),
    "UT": ("US", ["America/Denver"]), "RI": ("US", ["America/New_York"]),
    "ON": ("CA", ["America/Toronto"]), "BC": ("CA", ["America/Vancouver"]),
}
# An address country alone: its clock where the person's number agrees with it, else its capital.
COUNTRY_CLOCK = {("CA", "America/New_York"): "America/Toronto",
                 ("CA", "America/Chicago"): "America/Winnipeg",
                 ("CA", "America/Denver"): "America/Edmonton",
                 ("CA", "America/Los_Angeles"): "America/Vancouver",
                 ("US", "America/Toronto"): "America/New_York",
                 ("US", "America/Vancouver"): "America/Los_Angeles",
                 ("FR", "Europe/Madrid"): "Europe/Paris", ("FR", "Europe/Berlin"): "Europe/Paris"}
CAPITAL = {"US": "America/New_York", "CA": "America/Toronto", "FR": "Europe/Paris",
           "GB": "Europe/London", "DE": "Europe/Berlin", "ES": "Europe/Madrid"}

WEEK, WEEKDAYS, WEEKEND = range(7), range(5), range(5, 7)
# The oracle's own hours: (weekdays, start, end) windows, any of which allows.
HOURS = {
    "US": [(WEEK, time(8), time(21))],
    "FL": [(WEEK, time(8), time(20))], "OK": [(WEEK, time(8), time(20))],
    "MD": [(WEEK, time(8), time(20))],
    # Tex. Bus. & Com. Code 301.051; Utah Code 13-25a-103 (no Sundays); R.I. 5-61-2 (no
    # Sundays); RCW 19.158.040. Holidays are left out: the code may be stricter, never looser.
    "TX": [(range(6), time(9), time(21)), ([6], time(12), time(21))],
    "UT": [(range(6), time(8), time(21))],
    "RI": [(WEEKDAYS, time(9), time(18)), ([5], time(10), time(17))],
    "WA": [(WEEK, time(8), time(20))],
    "CA": [(WEEKDAYS, time(9), time(21, 30)), (WEEKEND, time(10), time(18))],
    "FR": [(WEEKDAYS, time(10), time(13)), (WEEKDAYS, time(14), time(20))],
    "GB": [(WEEKDAYS, time(9), time(18))], "DE": [(WEEKDAYS, time(9), time(18))],
    "ES": [(WEEKDAYS, time(9), time(18))],  # no rule of its own: the house business window
    # ACMA Telemarketing and Research Calls Industry Standard 2017: no Sundays.
    "AU": [(WEEKDAYS, time(9), time(20)), ([5], time(9), time(17))],
}
# Caps: (calls, rolling period) per law; France's D223-9 counts 4 per 30 days.
CAPS = {"FL": (3, timedelta(hours=24)), "OK": (3, timedelta(hours=24)),
        "MD": (3, timedelta(hours=24)), "FR": (4, timedelta(days=30))}


def allowed(law: str, zone: str, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(zone))
    t = local.time().replace(tzinfo=None)
    return any(local.weekday() in days and start <= t < end for days, start, end in HOURS[law])


def obligations(e164: str, others: list[str], state: str, country: str
                ) -> tuple[list[tuple[str, str]], set[str]]:
    """(law, zone) pairs a call must satisfy, and the capped state laws protecting the person."""
    n_country, n_zones = NUMBER_PLACE[e164]
    pairs = [(n_country, z) for z in n_zones]
    states = {AREA_STATE[phones.area_code(n)] for n in [e164, *others]
              if phones.area_code(n) in AREA_STATE}
    for s in states:  # presumed by an area code: the person is in that state, on this clock
        pairs += [(s, z) for z in n_zones if n_country == "US"]
    if state:
        s_country, s_zones = STATE_PLACE[state]
        pairs += [(s_country, z) for z in s_zones]
        if state in HOURS:
            pairs += [(state, z) for z in s_zones]
            states.add(state)
    elif country and country != n_country:
        zone = COUNTRY_CLOCK.get((country, n_zones[0]), CAPITAL[country])
        pairs.append((country, zone))
    capped = {s for s in states if s in CAPS} | {law for law, _ in pairs if law in CAPS}
    return pairs, capped


@st.composite
def cases(draw):
    e164 = draw(st.sampled_from(sorted(NUMBER_PLACE)))
    us = [n for n, (c, _) in NUMBER_PLACE.items() if c == "US" and n != e164]
    others = draw(st.lists(st.sampled_from(us), max_size=2, unique=True))
    state = draw(st.sampled_from(["", "", *sorted(STATE_PLACE)]))
    country = "" if state else draw(st.sampled_from(["", "", "US", "CA", "FR", "GB", "DE"]))
    at = draw(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31))
              ).replace(tzinfo=UTC)
    # Within a day (the 24 h caps) or a month (France's 30 days), a few past either edge.
    span = draw(st.sampled_from([24 * 60 - 1, 31 * 24 * 60]))
    calls = sorted((at - timedelta(minutes=draw(st.integers(1, span)))
                    for _ in range(draw(st.integers(0, 5)))), reverse=True)
    return e164, others, state, country, at, calls


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(cases())
def test_no_call_the_law_forbids_is_callable(case) -> None:
    e164, others, state, country, at, calls = case
    number = SimpleNamespace(e164=e164, time_zones=" ".join(phones.zones_for(e164)))
    person = [SimpleNamespace(e164=n, time_zones=" ".join(phones.zones_for(n)))
              for n in [e164, *others]]
    prospect = SimpleNamespace(time_zone="", region=state, country=country)
    v = judge(RULES, target_for(prospect, number, person, None), at, calls=calls)
    if not v.callable:
        return
    pairs, capped = obligations(e164, others, state, country)
    broken = [(law, zone) for law, zone in pairs if not allowed(law, zone, at)]
    assert not broken, (f"{e164} (+{others}) state={state!r} country={country!r} at {at}: "
                        f"callable, but {broken} forbid it; code said {v.reasons}")
    over = [s for s in capped if sum(c > at - CAPS[s][1] for c in calls) >= CAPS[s][0]]
    assert not over, f"{calls} before {at}, a person under {over}: {v.reasons}"


def test_the_issue_scenarios_by_name() -> None:
    """The cases the review found, each once, in words a compliance reader checks."""
    def verdict(e164, others=(), state="", country="", at=None):
        number = SimpleNamespace(e164=e164, time_zones=" ".join(phones.zones_for(e164)))
        person = [SimpleNamespace(e164=n, time_zones=" ".join(phones.zones_for(n)))
                  for n in [e164, *others]]
        return judge(RULES, target_for(SimpleNamespace(time_zone="", region=state,
                                                       country=country), number, person, None), at)

    # 20:30 in Toronto, Florida prospect on a Toronto mobile: Florida's 20:00 applies.
    v = verdict("+14165550100", state="FL", at=datetime(2026, 12, 2, 1, 30, tzinfo=UTC))
    assert not v.callable and "Florida" in v.laws and v.attempt_cap == 3
    # 08:30 in Jacksonville is 07:30 in Florida's panhandle.
    v = verdict("+19045550100", state="FL", at=datetime(2026, 12, 2, 13, 30, tzinfo=UTC))
    assert not v.callable and "America/Chicago" in v.zones
    # Saturday 19:00 in New York, Canadian address: the CRTC's weekend 18:00 applies.
    v = verdict("+12125550100", country="CA", at=datetime(2026, 12, 6, 0, 0, tzinfo=UTC))
    assert not v.callable
    # 13:30 in Madrid, French address: France's lunch break applies.
    v = verdict("+34612345678", country="FR", at=datetime(2026, 12, 2, 12, 30, tzinfo=UTC))
    assert not v.callable
    # A 212 office line of a person who also has a 305 mobile: Florida's cap follows the person.
    v = verdict("+12125550100", others=["+13055550100"],
                at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    assert v.callable and v.attempt_cap == 3
