"""The cockpit's own service functions: dial hand-off, referral, edits (no UI)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from dialer_tui.config import DialSettings
from dialer_tui.domain.phones import PhoneError
from dialer_tui.services import cockpit as svc
from dialer_tui.services.dial import DialError, command_argv, dial
from dialer_tui.services.referral import ReferralForm, create_referral
from dialer_tui.services.review import lookup
from dialer_tui.store.models import PhoneNumber, Prospect

from .conftest import PINNED


def test_command_argv_substitutes_plainly():
    assert command_argv(["softphone", "--call={e164}", "{e164}{e164}", "{0}"], "+13055550101") \
        == ["softphone", "--call=+13055550101", "+13055550101+13055550101", "{0}"]


def test_dial_refuses_what_is_not_e164():
    copied = []
    with pytest.raises(DialError):
        dial("+1305; rm -rf /", DialSettings(), copy=copied.append)
    assert dial("+13055550101", DialSettings(), copy=copied.append).startswith("copied")
    assert copied == ["+13055550101"]
    with pytest.raises(DialError):
        dial("+13055550101", DialSettings(mode="command", command=[]), copy=copied.append)


def test_referral_creates_a_linked_findable_prospect(engine, bundle):
    with Session(engine, expire_on_commit=False) as s:
        dana = s.exec(select(Prospect).where(Prospect.first_name == "Dana")).one()
        new = create_referral(s, referrer_id=dana.id, region="US", at=PINNED,
                              form=ReferralForm("Lee [ops] Chen", "", "COO", "305 555 0142"))
    with Session(engine) as s:
        got = s.get(Prospect, new.id)
        assert (got.referrer_prospect_id, got.referrer_name, got.referrer_company) == (
            dana.id, "Dana Whitfield", "Harbor Steel Works")
        assert got.company == "Harbor Steel Works" and got.last_name == "[ops] Chen"
        phone = s.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == new.id)).one()
        assert phone.e164 == "+13055550142"
        assert [m["prospect_id"] for m in lookup(s, text="(305) 555-0142")] == [new.id]
        assert [m["prospect_id"] for m in lookup(s, text="lee [ops]")] == [new.id]
    with Session(engine) as s, pytest.raises(ValueError):
        create_referral(s, referrer_id=dana.id, region="US", at=PINNED, form=ReferralForm(""))
    with Session(engine) as s, pytest.raises(PhoneError):
        create_referral(s, referrer_id=dana.id, region="US", at=PINNED,
                        form=ReferralForm("X Y", phone="12"))


def test_add_phone_rejects_duplicates_and_garbage(engine):
    now = datetime.now(timezone.utc)
    with Session(engine, expire_on_commit=False) as s:
        pid = s.exec(select(Prospect.id).where(Prospect.first_name == "Tom")).one()
        with pytest.raises(PhoneError):
            svc.add_phone(s, prospect_id=pid, raw="(212) 736-5000", region="US", at=now)
        with pytest.raises(PhoneError):
            svc.add_phone(s, prospect_id=pid, raw="hello", region="US", at=now)
        added = svc.add_phone(s, prospect_id=pid, raw="+1 212 736 5001", region="US", at=now)
    assert added.e164 == "+12127365001" and added.kind in ("mobile", "direct")


def test_load_view_fills_the_script_and_the_verdict(engine, bundle):
    with Session(engine) as s:
        pid = s.exec(select(Prospect.id).where(Prospect.first_name == "Marcus")).one()
        view = svc.load_view(s, bundle, prospect_id=pid, at=PINNED)
    assert view is not None and view.explanation.callable
    assert view.script.voicemail_id == "reference"  # Marcus was referred by Sam Patel
    assert "Sam Patel" in view.script.voicemail.text
    assert view.next_attempt  # what a voicemail now would promise
