"""calling_rules.yaml as a compliance person keeps it (issue 15): dated, sourced rules with ids; a
user's file that changes single rules by id; holiday lists per place and year; blackout ranges;
warnings for a file or a list going stale, judged on a date passed in (never today's)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dialer_tui.config import ConfigError
from dialer_tui.domain import phones
from dialer_tui.domain.calling_hours import CallingRules, Target, judge, rules_warnings
from dialer_tui.services.bundle import load_rules

UTC = timezone.utc


@pytest.fixture(scope="module")
def rules() -> CallingRules:
    return load_rules()


def target(e164: str, **kw: str) -> Target:
    p = phones.parse_phone(e164)
    return Target(e164=p.e164, phone_zones=p.time_zones, phone_region=p.region, **kw)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def write(cfg: Path, text: str) -> Path:
    (cfg / "calling_rules.yaml").write_text(text, encoding="utf-8")
    return cfg


def test_every_rule_has_a_source_and_every_checked_rule_a_url(rules: CallingRules) -> None:
    for where, rule in rules.rules():
        assert rule.source.strip(), where
        if where != "default":
            assert rule.url.startswith("http"), where
            assert rule.checked is not None and rule.checked <= rules.as_of, where
        assert rule.verified or rule.note, f"{where}: verified: false needs a note saying why"
    for cid, cal in rules.calendars.items():
        assert cal.source and cal.url and cal.checked, cid
        assert all(d.year <= cal.runs_out().year for d in cal.dates), cid
    fl = rules.states["FL"].source
    assert "501.616(6)" in fl and "501.059" not in fl


def test_a_users_file_replaces_one_rule_by_id_and_keeps_the_others(tmp_path: Path) -> None:
    cfg = write(tmp_path, """\
countries:
  US:
    name: US federal (ours)
    source: "47 CFR 64.1200(c)(1)"
    hours: [{days: mon-sun, start: "08:00", end: "20:30"}]
states:
  NY:
    country: US
    name: New York (house)
    source: house rule
    hours: [{days: mon-fri, start: "09:00", end: "17:00"}]
    area_codes: ["212"]
""")
    mine = load_rules(cfg)
    assert mine.countries["US"].name == "US federal (ours)"
    assert mine.countries["US"].holidays == []  # the rule is replaced whole, holidays included
    assert "FL" in mine.states and "CA" in mine.countries  # shipped rules still arrive
    assert mine.as_of == load_rules().as_of and mine.zones.regions["US"]["NY"]
    sat = judge(mine, target("+12125550100"), local("America/New_York", 2026, 7, 18, 10, 0))
    assert not sat.callable and "New York (house)" in sat.reasons[0]
    thanksgiving = local("America/New_York", 2026, 11, 26, 11, 0)
    assert judge(mine, target("+13125550100"), thanksgiving).callable  # no house holidays now
    assert not judge(load_rules(), target("+13125550100"), thanksgiving).callable


def test_replace_shipped_makes_the_users_file_the_whole_rule_set(tmp_path: Path) -> None:
    cfg = write(tmp_path, """\
replace_shipped: true
as_of: 2026-01-01
note: ours alone
default: {name: any time, source: ours, hours: [{days: daily, start: "00:00", end: "24:00"}]}
zones: {countries: {US: {name: United States, zones: [America/New_York]}}}
""")
    mine = load_rules(cfg)
    assert mine.states == {} and mine.countries == {} and mine.note == "ours alone"


def test_a_bad_rule_in_the_users_file_names_the_file_line_and_key(tmp_path: Path) -> None:
    cfg = write(tmp_path, """\
states:
  TX:
    country: US
    name: Texas
    source: ours
    hours: [{days: mon-sat, start: "09:00", end: "21:00"}]
    attempts: {max: 3}
""")
    with pytest.raises(ConfigError) as err:
        load_rules(cfg)
    text = str(err.value)
    assert "calling_rules.yaml:7" in text and "states.TX.attempts" in text, text
    assert "days or hours" in text
    write(tmp_path, """\
countries:
  CA:
    name: Canada
    source: ours
    hours: [{days: mon-fri, start: "09:00", end: "21:30"}]
    holidays: [CA-holidays]
""")
    with pytest.raises(ConfigError) as err:
        load_rules(cfg)
    text = str(err.value)
    assert "countries.CA.holidays" in text and "'CA-holidays' is not under calendars" in text
    assert str(tmp_path / "calling_rules.yaml") in text and ":6" in text, text


def test_a_blackout_blocks_whole_days_and_says_which(tmp_path: Path) -> None:
    cfg = write(tmp_path, """\
states:
  LA:
    country: US
    name: Louisiana
    source: "La. R.S. 45:844.31"
    hours: [{days: mon-sat, start: "08:00", end: "20:00"}]
    blackouts:
      - {name: the Hurricane Test state of emergency, from: 2027-08-30, to: 2027-09-03}
    area_codes: ["504"]
""")
    mine = load_rules(cfg)
    v = judge(mine, target("+15045550100"), local("America/Chicago", 2027, 9, 1, 11, 0))
    assert not v.callable
    assert v.reasons[0] == ("blocked: 2027-09-01 is in the Hurricane Test state of emergency; "
                            "Louisiana allows no calls that day (in America/Chicago)")
    assert v.next_allowed == local("America/Chicago", 2027, 9, 4, 8, 0)  # Saturday after it
    assert judge(mine, target("+12125550100"), local("America/Chicago", 2027, 9, 1, 11, 0)
                 ).callable  # New York is not in Louisiana's emergency


def test_a_rule_applies_from_its_effective_day(tmp_path: Path) -> None:
    cfg = write(tmp_path, """\
states:
  NY:
    country: US
    name: New York (from 2027)
    source: ours
    effective: 2027-01-01
    hours: [{days: mon-fri, start: "09:00", end: "17:00"}]
""")
    mine = load_rules(cfg)
    ny = target("+12125550100", prospect_region="NY")
    assert judge(mine, ny, local("America/New_York", 2026, 12, 19, 10, 0)).callable  # Saturday
    v = judge(mine, ny, local("America/New_York", 2027, 1, 9, 10, 0))  # a Saturday in 2027
    assert not v.callable and "New York (from 2027)" in v.laws


def test_check_warns_of_stale_files_and_holiday_lists_running_out(rules: CallingRules) -> None:
    assert [w for w in rules_warnings(rules, date(2026, 12, 2))
            if "runs out" in w or "ended" in w or "as of" in w] == []
    soon = rules_warnings(rules, date(2027, 11, 15))
    assert any("holiday list US-house" in w and "runs out on 2027-12-31" in w for w in soon)
    late = rules_warnings(rules, date(2028, 1, 10))
    assert any("US-house" in w and "ended on 2027-12-31" in w for w in late)
    assert any("more than a year before 2027-12-03" in w for w in rules_warnings(
        rules, date(2027, 12, 3)))
    assert not any("as of" in w for w in rules_warnings(rules, date(2027, 12, 2)))
