"""Who a rule protects (issue 15, part 4): a consumer rule and a business line, recorded consent
where a rule requires it. Instants are explicit; nothing here reads the clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dialer_tui.domain import phones
from dialer_tui.domain.calling_hours import CallingRules, Target, judge
from dialer_tui.services.bundle import load_rules

BERLIN, PARIS = ZoneInfo("Europe/Berlin"), ZoneInfo("Europe/Paris")
WED_BERLIN = datetime(2026, 12, 2, 11, 0, tzinfo=BERLIN)  # a Wednesday, inside the house hours


@pytest.fixture(scope="module")
def rules() -> CallingRules:
    return load_rules()


def target(e164: str, **kw) -> Target:
    p = phones.parse_phone(e164)
    return Target(e164=p.e164, phone_zones=p.time_zones, phone_region=p.region, **kw)


def test_a_consumer_line_in_germany_needs_recorded_consent(rules: CallingRules) -> None:
    v = judge(rules, target("+4930123456", line="consumer"), WED_BERLIN)
    assert not v.callable and v.next_allowed is None  # time does not bring consent
    assert v.reasons[0].startswith("blocked: consumer line without recorded consent: "
                                   "Germany UWG §7 requires prior consent")
    assert v.reasons[-1] == "next allowed: once the person's consent (basis and date) is recorded"
    with_consent = judge(rules, target("+4930123456", line="consumer",
                                       consent_on=date(2026, 11, 30)), WED_BERLIN)
    assert with_consent.callable, with_consent.reasons


def test_consent_dated_after_the_call_is_not_prior(rules: CallingRules) -> None:
    v = judge(rules, target("+4930123456", line="consumer", consent_on=date(2026, 12, 3)),
              WED_BERLIN)
    assert not v.callable
    assert "the consent on record is dated 2026-12-03, after this day" in v.reasons[0]


def test_consumer_and_business_line_under_the_same_rule(rules: CallingRules) -> None:
    """Germany's consumer rule: a business line escapes it only when the team says consumer
    rules are for consumers (apply_consumer_rules_to_business: false)."""
    consumer = target("+4930123456", line="consumer", consumer_rules=False)
    business = target("+4930123456", line="business", consumer_rules=False)
    everywhere = target("+4930123456", line="business", consumer_rules=True)  # the default

    assert not judge(rules, consumer, WED_BERLIN).callable
    b = judge(rules, business, WED_BERLIN)
    assert b.callable, b.reasons
    assert b.laws == ("business hours",)  # the default rule judges in the consumer rule's place
    assert any("Germany (UWG 7, consumers) protects consumer lines: not applied to this "
               "business line" in r for r in b.reasons)
    e = judge(rules, everywhere, WED_BERLIN)
    assert not e.callable
    assert e.reasons[0].startswith("blocked: business line without recorded consent: "
                                   "Germany UWG §7")
    assert any("applied to this business line too" in r for r in e.reasons)
    # The hours still hold for the business line: 19:00 is outside the house window.
    assert not judge(rules, business, datetime(2026, 12, 2, 19, 0, tzinfo=BERLIN)).callable


def test_france_opt_in_from_2026_08_11_for_consumers(rules: CallingRules) -> None:
    before = datetime(2026, 8, 10, 11, 0, tzinfo=PARIS)  # a Monday, the day before
    after = datetime(2026, 8, 12, 11, 0, tzinfo=PARIS)  # a Wednesday
    consumer = target("+33142685300", line="consumer")
    assert judge(rules, consumer, before).callable
    v = judge(rules, consumer, after)
    assert not v.callable and "requires prior consent since 2026-08-11" in v.reasons[0]
    # A French business line, consumer rules for consumers only: France's hours and its
    # 4-per-30-days cap are the consumer code's, so the house window judges instead.
    business = target("+33142685300", line="business", consumer_rules=False)
    b = judge(rules, business, after)
    assert b.callable and b.attempt_cap is None and b.laws == ("business hours",)
    # 09:30 is before France's 10:00 but inside the house window
    early = datetime(2026, 8, 12, 9, 30, tzinfo=PARIS)
    assert judge(rules, business, early).callable
    assert not judge(rules, target("+33142685300", line="consumer",
                                   consent_on=date(2026, 1, 1)), early).callable


def test_a_rule_for_every_line_judges_both(rules: CallingRules) -> None:
    """Texas's rule protects every line: a business line is judged by it with the setting off."""
    sunday_morning = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    for line in ("business", "consumer"):
        v = judge(rules, target("+12145550123", line=line, consumer_rules=False), sunday_morning)
        assert not v.callable and "Texas" in v.laws
