"""Property: judge() agrees with a plain reading of the YAML in every candidate zone, and its
next_allowed is really the first allowed instant, across DST changes on both sides of the ocean."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer_tui.domain import phones
from dialer_tui.domain.calling_hours import CallingRules, Target, judge
from dialer_tui.services.bundle import load_rules

UTC = timezone.utc
RULES: CallingRules = load_rules()

NUMBERS = {
    "US": ["+12125550100", "+13055550100", "+14055550100", "+13015550100", "+12085550100",
           "+16055550100", "+19075550100", "+18085550100", "+16025550100", "+13125550100",
           "+12135550100", "+13034440000", "+18005550100"],
    "CA": ["+14165550100", "+16042220000", "+17095550100", "+15145550100"],
    "GB": ["+442079460000", "+447400123456"],
    "DE": ["+4930123456", "+498912345678"],
    "FR": ["+33142685300", "+33612345678"],
}
# Prospect regions in the number's own country, so every zone is judged under that country's law.
REGIONS = {
    "US": ["", "FL", "florida", "TX", "Arizona", "OK", "Maryland", "HI", "ID"],
    "CA": ["", "ON", "bc", "Quebec", "NL"],
}
WINDOWS = [None, (time(9), time(17)), (time(7), time(22)), (time(12), time(20, 30))]
# Days whose neighbourhoods hold the 2026/2027 DST changes: US second Sunday of March and first
# Sunday of November; EU last Sunday of March and of October.
DST_DAYS = [datetime(2026, 3, 8), datetime(2026, 11, 1), datetime(2027, 3, 14),
            datetime(2027, 11, 7), datetime(2026, 3, 29), datetime(2026, 10, 25),
            datetime(2027, 3, 28), datetime(2027, 10, 31)]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _days(spec: str) -> set[int]:
    out: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        a, b = DAYS.index(lo), DAYS.index(hi or lo)
        out.update(range(a, b + 1))
    return out


def _minutes(hhmm: str) -> float:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _closed_days(rule) -> set:
    """A rule's whole days without calls: its dates, its calendars' dates, its blackouts."""
    out = set()
    for entry in rule.holidays:
        out |= set(RULES.calendars[entry].dates) if isinstance(entry, str) else {entry}
    for b in rule.blackouts:
        out |= {b.first + timedelta(days=i) for i in range((b.last - b.first).days + 1)}
    return out


def _rule_allows(rule, t: datetime) -> bool:
    if t.date() in _closed_days(rule):
        return False
    m = t.hour * 60 + t.minute + t.second / 60
    return any(t.weekday() in _days(h.days) and _minutes(h.start) <= m < _minutes(h.end)
               for h in rule.hours)


def _states_for(e164: str, region: str) -> list:
    found = []
    for code, st_rule in RULES.states.items():
        place = RULES.zones.regions[st_rule.country][code]
        names = {code.casefold(), place.name.casefold()}
        if phones.area_code(e164) in st_rule.area_codes or region.strip().casefold() in names:
            found.append(st_rule)
    return found


def _expected(e164: str, country: str, region: str, zones, window, at: datetime) -> bool:
    rules = [RULES.countries.get(country, RULES.default)]
    if country == "US":
        rules += _states_for(e164, region)
    for zone in zones:
        t = at.astimezone(ZoneInfo(zone))
        if not all(_rule_allows(r, t) for r in rules):
            return False
        if window is not None and not window[0] <= t.time().replace(microsecond=0) < window[1]:
            return False
    return True


@st.composite
def cases(draw):
    country = draw(st.sampled_from(sorted(NUMBERS)))
    e164 = draw(st.sampled_from(NUMBERS[country]))
    region = draw(st.sampled_from(REGIONS.get(country, [""])))
    window = draw(st.sampled_from(WINDOWS))
    anywhere = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))
    near_dst = st.builds(lambda day, s: day + timedelta(seconds=s), st.sampled_from(DST_DAYS),
                         st.integers(-2 * 86400, 3 * 86400))
    at = draw(st.one_of(anywhere, near_dst)).replace(tzinfo=UTC)
    return e164, country, region, window, at


@settings(max_examples=300, deadline=None)
@given(cases())
def test_verdict_matches_the_rules_in_every_zone_and_next_allowed_is_first(case) -> None:
    e164, country, region, window, at = case
    p = phones.parse_phone(e164)
    # consent on record long ago: the oracle below knows hours, not consent
    target = Target(e164=p.e164, phone_zones=p.time_zones, phone_region=p.region,
                    prospect_region=region, consent_on=date(2020, 1, 1))
    v = judge(RULES, target, at, user_window=window)
    assert set(p.time_zones) <= set(v.zones)
    assert v.callable == _expected(e164, country, region, v.zones, window, at), v.reasons
    if v.callable:
        assert v.next_allowed is None
        return
    if v.next_allowed is None:
        return
    assert v.next_allowed > at
    assert judge(RULES, target, v.next_allowed, user_window=window).callable
    just_before = v.next_allowed - timedelta(seconds=1)
    if just_before >= at:
        assert not judge(RULES, target, just_before, user_window=window).callable
