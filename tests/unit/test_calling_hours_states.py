"""US states with their own hours and days (issue 15, part 3), each in the rep's words: a Texas
Sunday morning, a Rhode Island Saturday evening, a Utah holiday, Louisiana's and Alabama's
Sundays. Fixed instants only; the rules are the shipped file's."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dialer_tui.domain import phones
from dialer_tui.domain.calling_hours import CallingRules, Target, judge
from dialer_tui.services.bundle import load_rules


@pytest.fixture(scope="module")
def rules() -> CallingRules:
    return load_rules()


def target(e164: str, **kw: str) -> Target:
    p = phones.parse_phone(e164)
    return Target(e164=p.e164, phone_zones=p.time_zones, phone_region=p.region, **kw)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def test_every_new_state_is_sourced_with_its_area_codes(rules: CallingRules) -> None:
    for code in ("TX", "WA", "CT", "RI", "UT", "MS", "LA", "AL"):
        st = rules.states[code]
        assert st.country == "US" and st.url and st.checked and st.area_codes, code
        assert st.verified or st.note, code
    assert {"Pennsylvania" in n.what for n in rules.not_encoded} == {True, False}


def test_texas_sunday_morning_waits_for_noon(rules: CallingRules) -> None:
    sunday = local("America/Chicago", 2026, 12, 6, 10, 30)
    v = judge(rules, target("+12145550100"), sunday)  # Dallas
    assert not v.callable
    assert v.reasons[0] == ("blocked: 10:30 in America/Chicago; Texas allows 12:00-21:00 on "
                            "Sundays")
    assert v.next_allowed == local("America/Chicago", 2026, 12, 6, 12, 0)
    assert judge(rules, target("+12125550100"), sunday).callable  # New York: federal 08:00
    saturday = local("America/Chicago", 2026, 12, 5, 8, 30)
    assert not judge(rules, target("+17135550100"), saturday).callable  # Houston before 09:00
    # A Texas prospect on a New York number is under Texas law too, in both Texas zones.
    v = judge(rules, target("+12125550100", prospect_region="TX"), sunday)
    assert not v.callable and "Texas" in v.laws


def test_rhode_island_saturday_evening_and_holidays(rules: CallingRules) -> None:
    ri = target("+14015550100")
    v = judge(rules, ri, local("America/New_York", 2026, 12, 5, 17, 30))  # Saturday 17:30
    assert not v.callable
    assert v.reasons[0] == ("blocked: 17:30 in America/New_York; Rhode Island allows "
                            "10:00-17:00 on Saturdays")
    assert v.next_allowed == local("America/New_York", 2026, 12, 7, 9, 0)  # no Sundays
    assert judge(rules, ri, local("America/New_York", 2026, 12, 5, 16, 30)).callable
    assert not judge(rules, ri, local("America/New_York", 2026, 12, 2, 18, 30)).callable
    victory = judge(rules, ri, local("America/New_York", 2026, 8, 10, 11, 0))
    assert not victory.callable
    assert "2026-08-10 is Victory Day, a holiday in Rhode Island" in victory.reasons[0]


def test_a_utah_holiday_is_named_as_utahs(rules: CallingRules) -> None:
    pioneer = local("America/Denver", 2026, 7, 24, 10, 0)  # a Friday
    v = judge(rules, target("+18015550100"), pioneer)
    assert not v.callable
    assert v.reasons == (
        "blocked: 2026-07-24 is Pioneer Day, a holiday in Utah; Utah allows no calls that day "
        "(in America/Denver)", "next allowed: Sat 2026-07-25 08:00 in America/Denver")
    assert judge(rules, target("+13034440000"), pioneer).callable  # Denver: not Utah's holiday
    observed = judge(rules, target("+18015550100"), local("America/Denver", 2027, 7, 5, 10, 0))
    assert any("2027-07-05 is Independence Day (observed), a holiday in Utah" in r
               for r in observed.reasons)
    sunday = judge(rules, target("+18015550100"), local("America/Denver", 2026, 12, 6, 12, 0))
    assert not sunday.callable and "Utah allows no calls on Sundays" in sunday.reasons[0]


@pytest.mark.parametrize(("e164", "zone", "name"), [
    ("+15045550100", "America/Chicago", "Louisiana"),
    ("+12055550100", "America/Chicago", "Alabama"),
    ("+16015550100", "America/Chicago", "Mississippi"),
])
def test_no_sunday_calls_in_the_south(rules: CallingRules, e164: str, zone: str,
                                      name: str) -> None:
    v = judge(rules, target(e164), local(zone, 2026, 12, 6, 14, 0))
    assert not v.callable and f"{name} allows no calls on Sundays" in v.reasons[0]
    assert judge(rules, target(e164), local(zone, 2026, 12, 7, 14, 0)).callable


def test_washington_and_connecticut_evenings(rules: CallingRules) -> None:
    wa = judge(rules, target("+12065550100"), local("America/Los_Angeles", 2026, 12, 2, 20, 15))
    assert not wa.callable and "Washington allows 08:00-20:00" in wa.reasons[0]
    ct = judge(rules, target("+12035550100"), local("America/New_York", 2026, 12, 2, 8, 30))
    assert not ct.callable and "Connecticut allows 09:00-20:00" in ct.reasons[0]
    assert judge(rules, target("+12035550100"), local("America/New_York", 2026, 12, 2, 19, 30)
                 ).callable
