"""A referral's email (issue 17: "the referral form has no email"): checked lightly, stored on
the new prospect with the key the importer gives an email, found by lookup. Real SQLite file,
and PostgreSQL when configured."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from dialer_tui.domain.referral import email_problem
from dialer_tui.services.referral import ReferralForm, create_referral
from dialer_tui.services.review import lookup
from dialer_tui.store.models import PhoneNumber, Prospect

TUE = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(any_engine):
    return any_engine


def test_the_email_is_stored_keyed_and_found(engine, make_prospect):
    pid = make_prospect(first="Dana", at=TUE, numbers=[("212-555-0123", "office")])
    with Session(engine, expire_on_commit=False) as s:
        new = create_referral(s, referrer_id=pid, region="US", at=TUE,
                              form=ReferralForm("Lee Chen", email=" Lee.Chen@Acme.example "))
    with Session(engine) as s:
        got = s.get(Prospect, new.id)
        assert (got.email, got.email_key) == ("Lee.Chen@Acme.example", "lee.chen@acme.example")
        assert [m["prospect_id"] for m in lookup(s, text="lee.chen@acme.example")] == [new.id]


@pytest.mark.parametrize("typed,why", [
    ("lee chen@acme.example", "it has a space"),
    ("lee@@acme.example", "one @"),
    ("lee@acme@example", "one @"),
    ("acme.example", "one @"),
    ("@acme.example", "one @"),
])
def test_a_bad_email_is_refused_and_nothing_is_written(engine, make_prospect, typed, why):
    pid = make_prospect(first="Dana", at=TUE, numbers=[("212-555-0123", "office")])
    assert why in email_problem(typed)
    with Session(engine) as s, pytest.raises(ValueError, match=why):
        create_referral(s, referrer_id=pid, region="US", at=TUE,
                        form=ReferralForm("Lee Chen", phone="212 555 0142", email=typed))
    with Session(engine) as s:
        assert [p.id for p in s.exec(select(Prospect))] == [pid]
        assert len(s.exec(select(PhoneNumber)).all()) == 1


def test_no_email_is_fine():
    assert email_problem("") == "" and email_problem("  ") == ""
    assert email_problem("a@b") == ""  # light: the mail server says whether it is deliverable
