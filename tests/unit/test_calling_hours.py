"""Calling hours against the shipped dialer_tui/data/calling_rules.yaml: one test per rule a rep relies on."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dialer_tui.config import DATA_DIR, ConfigError
from dialer_tui.domain import phones
from dialer_tui.domain.calling_hours import (
    CallingRules,
    Target,
    candidate_zones,
    judge,
    next_slot,
)
from dialer_tui.domain.regions import Schedule, next_open
from dialer_tui.services.bundle import load_rules

UTC = timezone.utc
NY = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def rules() -> CallingRules:
    return load_rules()


def target(e164: str, **kw: str) -> Target:
    p = phones.parse_phone(e164)
    return Target(e164=p.e164, phone_zones=p.time_zones, phone_region=p.region, **kw)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def test_shipped_file_is_dated_sourced_and_lists_every_state_area_code(rules: CallingRules) -> None:
    assert rules.as_of == date(2026, 12, 2)
    assert "not legal advice" in rules.note
    every = [rules.default, *rules.countries.values(), *rules.states.values()]
    assert all(r.source.strip() for r in every)
    assert set(rules.states["FL"].area_codes) >= {"305", "786", "645", "850", "448", "904", "324"}
    assert set(rules.states["OK"].area_codes) == {"405", "539", "572", "580", "918"}
    assert set(rules.states["MD"].area_codes) == {"227", "240", "301", "410", "443", "667"}


def test_arizona_keeps_standard_time_in_july_while_denver_does_not(rules: CallingRules) -> None:
    at = utc(2026, 7, 15, 14, 30)  # 07:30 in Phoenix (MST all year), 08:30 in Denver (MDT)
    phoenix = judge(rules, target("+16025550100"), at)
    denver = judge(rules, target("+13034440000"), at)
    assert not phoenix.callable and phoenix.local_time.hour == 7
    assert phoenix.next_allowed == utc(2026, 7, 15, 15, 0)
    assert denver.callable
    assert denver.reasons == ("allowed: 08:30 in America/Denver (US federal 08:00-21:00)",)
    winter = utc(2026, 1, 15, 14, 30)  # both on MST: 07:30
    assert not judge(rules, target("+16025550100"), winter).callable
    assert not judge(rules, target("+13034440000"), winter).callable


def test_florida_area_code_at_2030_eastern_waits_for_0800(rules: CallingRules) -> None:
    at = local("America/New_York", 2026, 7, 14, 20, 30).astimezone(UTC)
    v = judge(rules, target("+13055550100"), at)
    assert not v.callable
    assert v.reasons[0] == "blocked: 20:30 in America/New_York; Florida allows 08:00-20:00"
    assert v.next_allowed == local("America/New_York", 2026, 7, 15, 8, 0)
    assert v.next_allowed.tzinfo == UTC
    assert v.attempt_cap == 3 and v.time_zone == "America/New_York"
    # Same instant, a New York number: federal 21:00 still allows it.
    assert judge(rules, target("+12125550100"), at).callable


@pytest.mark.parametrize("state", ["FL", "fl", "Florida", " FLORIDA "])
def test_florida_prospect_with_a_new_york_number(rules: CallingRules, state: str) -> None:
    at = local("America/New_York", 2026, 7, 14, 20, 30).astimezone(UTC)
    v = judge(rules, target("+12125550100", prospect_region=state), at)
    assert not v.callable
    assert any("Florida allows 08:00-20:00" in r for r in v.reasons)
    # Every zone of the state counts (the panhandle keeps Central time), the number's first.
    assert v.zones == ("America/New_York", "America/Chicago") and v.warnings == ()
    assert v.attempt_cap == 3 and v.time_zone == "America/New_York"


def test_oklahoma_and_maryland_numbers_stop_at_2000(rules: CallingRules) -> None:
    ok = judge(rules, target("+14055550100"), local("America/Chicago", 2026, 7, 14, 20, 5))
    md = judge(rules, target("+13015550100"), local("America/New_York", 2026, 7, 14, 20, 5))
    assert not ok.callable and "Oklahoma" in ok.reasons[-2]
    assert not md.callable and "Maryland" in md.reasons[-2]


@pytest.mark.parametrize(("when", "allowed"), [
    ((2026, 7, 18, 18, 30), False),  # Saturday after 18:00
    ((2026, 7, 18, 11, 0), True),  # Saturday 11:00
    ((2026, 7, 18, 9, 30), False),  # Saturday before 10:00
    ((2026, 7, 15, 21, 0), True),  # Wednesday 21:00
    ((2026, 7, 15, 21, 45), False),  # Wednesday after 21:30
    ((2026, 7, 15, 8, 45), False),  # Wednesday before 09:00
])
def test_toronto_crtc_hours(rules: CallingRules, when: tuple[int, ...], allowed: bool) -> None:
    v = judge(rules, target("+14165550100"), local("America/Toronto", *when))
    assert v.callable is allowed, v.reasons


def test_toronto_blocked_saturday_evening_explains_weekend_hours(rules: CallingRules) -> None:
    v = judge(rules, target("+14165550100"), local("America/Toronto", 2026, 7, 18, 18, 30))
    assert v.reasons[0] == ("blocked: 18:30 in America/Toronto; "
                            "Canada (CRTC) allows 10:00-18:00 on Saturdays")
    assert v.next_allowed == local("America/Toronto", 2026, 7, 19, 10, 0)
    late = judge(rules, target("+14165550100"), local("America/Toronto", 2026, 7, 15, 21, 45))
    assert late.next_allowed == local("America/Toronto", 2026, 7, 16, 9, 0)
    assert late.attempt_cap is None


def test_honolulu_has_no_daylight_saving(rules: CallingRules) -> None:
    hnl = target("+18085550100")
    for month in (1, 7):
        assert judge(rules, hnl, utc(2026, month, 15, 18, 0)).callable  # 08:00 HST
        v = judge(rules, hnl, utc(2026, month, 15, 17, 59))
        assert not v.callable and v.next_allowed == utc(2026, month, 15, 18, 0)


def test_split_area_code_208_needs_both_boise_and_los_angeles(rules: CallingRules) -> None:
    t = target("+12085550100")
    assert set(candidate_zones(rules, t)) == {"America/Boise", "America/Los_Angeles"}
    morning = judge(rules, t, utc(2026, 7, 15, 14, 30))  # Boise 08:30, LA 07:30
    assert not morning.callable
    assert [r for r in morning.reasons if r.startswith("blocked")] == [
        "blocked: 07:30 in America/Los_Angeles; US federal allows 08:00-21:00"]
    assert morning.next_allowed == utc(2026, 7, 15, 15, 0)
    evening = judge(rules, t, utc(2026, 7, 16, 3, 30))  # Boise 21:30, LA 20:30
    assert not evening.callable and any("America/Boise" in r for r in evening.reasons)
    assert judge(rules, t, utc(2026, 7, 15, 16, 0)).callable


def test_uk_mobile_business_hours(rules: CallingRules) -> None:
    t = target("+447400123456")
    wed = judge(rules, t, local("Europe/London", 2026, 7, 15, 10, 0))
    assert wed.callable and wed.time_zone == "Europe/London"
    assert "UK business hours 09:00-18:00 on Wednesdays" in wed.reasons[0]
    sat = judge(rules, t, local("Europe/London", 2026, 7, 18, 10, 0))
    assert not sat.callable and "no calls on Saturdays" in sat.reasons[0]
    assert sat.next_allowed == local("Europe/London", 2026, 7, 20, 9, 0)


def test_toll_free_without_prospect_is_judged_in_every_us_zone(rules: CallingRules) -> None:
    t = target("+18005550100")
    assert t.phone_zones == ()
    v = judge(rules, t, utc(2026, 7, 15, 14, 30))  # 10:30 New York, 04:30 Honolulu
    assert {"America/New_York", "America/Los_Angeles", "Pacific/Honolulu",
            "America/Anchorage"} <= set(v.zones)
    assert not v.callable and v.warnings == ("time zone unknown: judged in every zone of US",)
    assert v.next_allowed == utc(2026, 7, 15, 18, 0)  # 08:00 in Honolulu, 14:00 in New York


def test_toll_free_with_prospect_state(rules: CallingRules) -> None:
    # 10:30 in Houston, 09:30 in El Paso (Mountain): both inside Texas's 09:00-21:00.
    tx = judge(rules, target("+18005550100", prospect_region="Texas"), utc(2026, 7, 15, 15, 30))
    assert tx.callable and tx.zones == ("America/Chicago", "America/Denver")
    assert tx.time_zone == "America/Chicago" and tx.warnings == ()
    fl = judge(rules, target("+18005550100", prospect_region="FL"), utc(2026, 7, 16, 0, 30))
    assert not fl.callable and fl.attempt_cap == 3  # 20:30 in Miami: Florida's own rule applies


def test_florida_three_attempts_per_rolling_day(rules: CallingRules) -> None:
    t, at = target("+13055550100"), utc(2026, 7, 15, 15, 0)  # 11:00 Eastern
    assert judge(rules, t, at, attempts_24h=2, oldest_attempt_24h=at - timedelta(hours=5)).callable
    v = judge(rules, t, at, attempts_24h=3, oldest_attempt_24h=utc(2026, 7, 15, 14, 0))
    assert not v.callable and v.attempt_cap == 3
    assert any("3 attempts in the last 24 h; Florida allows 3 per rolling 24 h" in r
               for r in v.reasons)
    assert v.next_allowed == utc(2026, 7, 16, 14, 0)  # the oldest attempt + 24 h, 10:00 Eastern
    # The cap lifts at 20:30 Eastern, after Florida's hours: wait for 08:00 the next morning.
    late = judge(rules, t, at, attempts_24h=3, oldest_attempt_24h=utc(2026, 7, 15, 0, 30))
    assert late.next_allowed == local("America/New_York", 2026, 7, 16, 8, 0)
    # No cap in New York; and a stale "oldest" (already 24 h old) does not block.
    assert judge(rules, target("+12125550100"), at, attempts_24h=9).attempt_cap is None
    assert judge(rules, target("+12125550100"), at, attempts_24h=9).callable
    assert judge(rules, t, at, attempts_24h=3, oldest_attempt_24h=at - timedelta(hours=25)).callable


def test_user_window_only_narrows(rules: CallingRules) -> None:
    t = target("+12125550100")
    v = judge(rules, t, local("America/New_York", 2026, 7, 15, 8, 30),
              user_window=(time(9, 0), time(17, 0)))
    assert not v.callable
    assert v.reasons[0] == "blocked: 08:30 in America/New_York; your calling window is 09:00-17:00"
    assert v.next_allowed == local("America/New_York", 2026, 7, 15, 9, 0)
    wide = judge(rules, t, local("America/New_York", 2026, 7, 15, 7, 30),
                 user_window=(time(6, 0), time(23, 0)))
    assert not wide.callable and wide.next_allowed == local("America/New_York", 2026, 7, 15, 8, 0)
    ok = judge(rules, t, local("America/New_York", 2026, 7, 15, 12, 0),
               user_window=(time(9, 0), time(17, 0)))
    assert ok.callable and "your window 09:00-17:00" in ok.reasons[0]


def test_holiday_blocks_the_whole_local_day(rules: CallingRules) -> None:
    thanksgiving = local("America/New_York", 2026, 11, 26, 11, 0)
    v = judge(rules, target("+12125550100"), thanksgiving)
    assert not v.callable
    assert v.reasons[0] == ("blocked: 2026-11-26 is Thanksgiving Day, a holiday in the US; "
                            "US federal allows no calls that day (in America/New_York)")
    assert v.next_allowed == local("America/New_York", 2026, 11, 27, 8, 0)
    assert judge(rules, target("+14165550100"), thanksgiving).callable  # not a Canadian holiday
    # The local day counts: 23:30 UTC on the 26th is still Thanksgiving (15:30) in Los Angeles.
    assert not judge(rules, target("+12135550100"), utc(2026, 11, 26, 23, 30)).callable


def test_france_lunch_break(rules: CallingRules) -> None:
    v = judge(rules, target("+33142685300"), local("Europe/Paris", 2026, 7, 15, 13, 30))
    assert not v.callable and v.next_allowed == local("Europe/Paris", 2026, 7, 15, 14, 0)


def test_country_without_entry_uses_the_default_business_window(rules: CallingRules) -> None:
    v = judge(rules, target("+81312345678"), local("Asia/Tokyo", 2026, 7, 15, 18, 30))
    assert not v.callable and "business hours allows 09:00-18:00 on Wednesdays" in v.reasons[0]


def test_phone_and_address_disagree(rules: CallingRules) -> None:
    at = utc(2026, 7, 15, 14, 30)  # 07:30 in Los Angeles, 10:30 in New York
    v = judge(rules, target("+12135550100", prospect_region="NY"), at)
    assert v.warnings == ("phone suggests America/Los_Angeles but the address is in "
                          "America/New_York",)
    assert v.zones == ("America/Los_Angeles", "America/New_York") and not v.callable
    explicit = judge(rules, target("+12125550100", prospect_zone="Europe/London"), at)
    assert explicit.time_zone == "Europe/London" and explicit.local_time.hour == 15
    assert explicit.warnings == ("phone suggests America/New_York but the prospect's time zone "
                                 "is Europe/London",)
    # Same clock under another name is agreement, not a conflict.
    assert judge(rules, target("+12125550100", prospect_zone="America/Detroit"), at).warnings == ()
    assert judge(rules, target("+12125550100", prospect_region="Ohio"), at).zones == (
        "America/New_York",)


def test_prospect_country_only(rules: CallingRules) -> None:
    v = judge(rules, Target(e164="+18005550100", prospect_country="Germany",
                            consent_on=date(2026, 1, 5)),  # UWG 7: see test_lines_and_consent
              local("Europe/Berlin", 2026, 7, 15, 10, 0))
    assert v.callable and v.zones == ("Europe/Berlin",) and v.time_zone == "Europe/Berlin"


def test_next_slot_snaps_forward_and_keeps_allowed_instants(rules: CallingRules) -> None:
    fl = target("+13055550100")
    assert next_slot(rules, fl, local("America/New_York", 2026, 7, 14, 20, 30)) == local(
        "America/New_York", 2026, 7, 15, 8, 0)
    ok = local("America/New_York", 2026, 7, 15, 10, 17)
    assert next_slot(rules, fl, ok) == ok
    assert next_slot(rules, target("+14165550100"), local("America/Toronto", 2026, 7, 18, 18, 30)
                     ) == local("America/Toronto", 2026, 7, 19, 10, 0)
    with pytest.raises(ValueError):
        next_slot(rules, fl, datetime(2026, 7, 15, 10, 0))  # naive


def test_next_allowed_across_us_dst_changes(rules: CallingRules) -> None:
    ny = target("+12125550100")
    spring = judge(rules, ny, utc(2026, 3, 8, 5, 0))  # midnight EST; 08:00 will be EDT
    assert spring.next_allowed == utc(2026, 3, 8, 12, 0)
    autumn = judge(rules, ny, utc(2026, 11, 1, 4, 0))  # midnight EDT; 08:00 will be EST
    assert autumn.next_allowed == utc(2026, 11, 1, 13, 0)


def test_window_opening_inside_a_dst_gap_opens_at_the_transition() -> None:
    week = (((2 * 3600 + 1800, 23 * 3600),),) * 7  # 02:30-23:00 every day
    sched = Schedule(week, frozenset())
    t = utc(2026, 3, 8, 5, 0)  # 00:00 EST; 02:00 EST jumps to 03:00 EDT at 07:00 UTC
    assert next_open(sched, NY, t.astimezone(NY), t, 14) == utc(2026, 3, 8, 7, 0)


def test_user_override_file_and_errors_that_name_the_key(tmp_path: Path) -> None:
    shipped = (DATA_DIR / "calling_rules.yaml").read_text()
    (tmp_path / "calling_rules.yaml").write_text(shipped.replace('end: "21:00"', 'end: "22:00"'))
    mine = load_rules(tmp_path)
    assert mine.countries["US"].hours[0].end == "22:00"
    (tmp_path / "calling_rules.yaml").write_text(shipped.replace('end: "21:00"', 'end: "25:00"'))
    with pytest.raises(ConfigError) as err:
        load_rules(tmp_path)
    assert "countries.US.hours.0.end" in str(err.value) and "calling_rules.yaml:" in str(err.value)
    bad_days = shipped.replace("days: mon-sun", "days: mon-xyz", 1)
    (tmp_path / "calling_rules.yaml").write_text(bad_days)
    with pytest.raises(ConfigError, match="unknown days"):
        load_rules(tmp_path)
