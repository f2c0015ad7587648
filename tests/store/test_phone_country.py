"""Numbers typed for a prospect are read in the prospect's country, and a UK number is shown in
Europe/London (issue 17: "numbers added to a London prospect are parsed as US"; "a London mobile
is labelled Europe/Guernsey"). Real SQLite file, and PostgreSQL when configured."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from dialer_tui.domain.phones import PhoneError
from dialer_tui.services.calling import log_outcome
from dialer_tui.services.cockpit import add_phone
from dialer_tui.services.queue import explain
from dialer_tui.services.referral import ReferralForm, create_referral
from dialer_tui.services.targets import zone_of
from dialer_tui.store.models import PhoneNumber, Prospect

TUE = datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc)  # 11:00 in London
LONDON_OFFICE = "+44 20 7946 0101"
GUERNSEY_RANGE_MOBILE = "07911 123456"  # +44 7911: Guernsey's to phonenumbers, sold UK-wide


@pytest.fixture
def engine(any_engine):
    return any_engine


@pytest.fixture(params=["GB", ""], ids=["country GB", "no country, +44 numbers"])
def londoner(request, make_prospect):
    """A London prospect, with its country, and as a list without a country column leaves it
    (only its +44 number says where it is)."""
    return make_prospect(first="Amelia", country=request.param, at=TUE,
                         numbers=[(LONDON_OFFICE, "office")])


def _add(engine, pid, raw):
    with Session(engine, expire_on_commit=False) as s:
        return add_phone(s, prospect_id=pid, raw=raw, region="US", at=TUE)


def test_a_number_added_to_a_london_prospect_is_read_as_british(engine, londoner):
    assert _add(engine, londoner, "020 7946 0123").e164 == "+442079460123"
    mobile = _add(engine, londoner, "07400 123456")
    assert (mobile.e164, mobile.kind) == ("+447400123456", "mobile")
    # Ofcom's drama range is unassigned (phonenumbers says so): refused, but as a UK number
    with pytest.raises(PhoneError, match=r"^\+447700900123 is not an assigned number"):
        _add(engine, londoner, "07700 900123")
    # a number written with its country code is that country's, wherever the prospect is
    assert _add(engine, londoner, "+1 212 555 0123").e164 == "+12125550123"


def test_a_us_prospect_and_a_prospect_with_nothing_on_file_keep_the_settings_region(
        engine, make_prospect):
    us = make_prospect(first="Dana", at=TUE, numbers=[("212-555-0123", "office")])
    bare = make_prospect(first="Nobody", country="", at=TUE, numbers=[])
    assert _add(engine, us, "212 555 0124").e164 == "+12125550124"
    assert _add(engine, bare, "212 555 0125").e164 == "+12125550125"


def test_a_referred_number_is_read_in_the_referrers_country(engine, bundle, londoner):
    with Session(engine, expire_on_commit=False) as s:
        new = create_referral(s, referrer_id=londoner,
                              form=ReferralForm("Oliver Hughes", phone="020 7946 0123"),
                              region="US", at=TUE)
        other = create_referral(s, referrer_id=londoner,
                                form=ReferralForm("Harry Patel", phone="07400 123456"),
                                region="US", at=TUE)
    with Session(engine) as s:
        phones = {p.prospect_id: p for p in s.exec(select(PhoneNumber))}
        assert phones[new.id].e164 == "+442079460123"
        assert (phones[other.id].e164, phones[other.id].kind) == ("+447400123456", "mobile")
        assert s.get(Prospect, new.id).country == s.get(Prospect, londoner).country


def test_log_phone_is_read_in_the_prospects_country(engine, bundle, londoner):
    with Session(engine, expire_on_commit=False) as s:
        logged = log_outcome(s, bundle, prospect_id=londoner, outcome="no_answer", at=TUE,
                             phone="020 7946 0101")
    assert logged.phone_e164 == "+442079460101"


def test_a_uk_mobile_is_shown_in_london_not_guernsey(engine, bundle, londoner):
    mobile = _add(engine, londoner, GUERNSEY_RANGE_MOBILE)
    assert "Europe/Guernsey" in mobile.time_zones.split()  # phonenumbers' candidates, all kept
    with Session(engine) as s:
        prospect = s.get(Prospect, londoner)
        number = s.get(PhoneNumber, mobile.id)
        assert zone_of(bundle.rules, prospect, number).key == "Europe/London"
        ex = explain(s, bundle, prospect_id=londoner, at=TUE, phone=number.e164)
    assert ex.verdict.time_zone == "Europe/London"
