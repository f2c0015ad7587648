"""France and Australia (issue 15, part 4): France's 4 calls per 30 days to one consumer, its
hours and holidays; Australia's ACMA hours, no Sundays or national public holidays. Fixed
instants only."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialer_tui.domain import phones
from dialer_tui.domain.calling_hours import (
    CallingRules,
    Target,
    judge,
    longest_cap_period,
)
from dialer_tui.services.bundle import load_rules

PARIS, SYDNEY = ZoneInfo("Europe/Paris"), ZoneInfo("Australia/Sydney")


@pytest.fixture(scope="module")
def rules() -> CallingRules:
    return load_rules()


def target(e164: str, **kw) -> Target:
    """A number whose person gave consent long ago: these tests are about hours and caps
    (consent has its own, tests/unit/test_lines_and_consent.py)."""
    p = phones.parse_phone(e164)
    kw.setdefault("consent_on", date(2020, 1, 1))
    return Target(e164=p.e164, phone_zones=p.time_zones, phone_region=p.region, **kw)


def test_france_allows_four_calls_per_thirty_days(rules: CallingRules) -> None:
    fr = target("+33142685300")
    at = datetime(2026, 12, 2, 11, 0, tzinfo=PARIS)  # a Wednesday
    calls = [at - timedelta(days=d) for d in (1, 5, 10, 20)]
    assert judge(rules, fr, at, calls=calls[:3]).callable
    v = judge(rules, fr, at, calls=calls)
    assert not v.callable and v.attempt_cap == 4 and v.cap_period == timedelta(days=30)
    assert any("4 attempts in the last 30 days; France (Code de la consommation) allows 4 per "
               "rolling 30 days, so not before Sat 11:00 2026-12-12 in Europe/Paris" in r
               for r in v.reasons), v.reasons
    # The oldest call leaves the 30 days on Saturday the 12th: no weekend calls, so Monday 10:00.
    assert v.next_allowed == datetime(2026, 12, 14, 10, 0, tzinfo=PARIS)
    old = [at - timedelta(days=d) for d in (1, 5, 10, 31)]
    assert judge(rules, fr, at, calls=old).callable  # the fourth is older than 30 days
    # The person is protected whichever number is dialled: a French address on a US mobile.
    us_fr = target("+12125550100", prospect_country="FR")
    assert not judge(rules, us_fr, datetime(2026, 12, 2, 15, 0, tzinfo=PARIS), calls=calls
                     ).callable
    assert longest_cap_period(rules) == timedelta(days=30)


def test_france_is_closed_on_its_public_holidays(rules: CallingRules) -> None:
    v = judge(rules, target("+33142685300"), datetime(2026, 5, 14, 11, 0, tzinfo=PARIS))
    assert not v.callable
    assert v.reasons[0].startswith("blocked: 2026-05-14 is Ascension, a holiday in France;")
    assert rules.countries["FR"].pause_after_refusal_days == 60
    assert "D223-9" in rules.countries["FR"].source


def test_australian_sunday_and_national_holidays(rules: CallingRules) -> None:
    au = target("+61212345678")
    sunday = judge(rules, au, datetime(2026, 12, 6, 11, 0, tzinfo=SYDNEY))
    assert not sunday.callable
    assert sunday.reasons[0] == ("blocked: 11:00 in Australia/Sydney; Australia (ACMA) allows "
                                 "no calls on Sundays")
    assert sunday.next_allowed == datetime(2026, 12, 7, 9, 0, tzinfo=SYDNEY)
    assert judge(rules, au, datetime(2026, 12, 5, 16, 30, tzinfo=SYDNEY)).callable  # Saturday
    assert not judge(rules, au, datetime(2026, 12, 5, 17, 30, tzinfo=SYDNEY)).callable
    assert judge(rules, au, datetime(2026, 12, 2, 19, 30, tzinfo=SYDNEY)).callable
    day = judge(rules, au, datetime(2026, 1, 26, 11, 0, tzinfo=SYDNEY))
    assert not day.callable
    assert "2026-01-26 is Australia Day, a holiday in Australia" in day.reasons[0]


def test_not_encoded_rules_are_named_with_their_reason(rules: CallingRules) -> None:
    named = {(n.where, n.what.split()[0]) for n in rules.not_encoded}
    assert ("FR", "calls") in named and ("DE", "calls") in named
    assert any(n.where == "GB" and "TPS" in n.what for n in rules.not_encoded)
