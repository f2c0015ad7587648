"""A cap over a period longer than 24 h (France: 4 calls per 30 days, issue 15) is counted over
that period by the gate and by the queue, on both backends: calls a week old still count."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from dialer_tui.services.gate import check_dial
from dialer_tui.services.queue import build_queue
from dialer_tui.store.models import PhoneNumber, Touch

from .conftest import add_prospect

WED = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)  # 11:00 in Paris
# France's consumers opt in from 2026-08-11: these people did (the cap is what is tested here).
CONSENTED = {"consent_basis": "opt-in form", "consent_date": (WED - timedelta(days=90)).date()}


@pytest.fixture
def engine(any_engine):
    return any_engine


def _calls(engine, pid, *times):
    with Session(engine) as s:
        phone = s.exec(select(PhoneNumber).where(PhoneNumber.prospect_id == pid)).first()
        for at in times:
            s.add(Touch(prospect_id=pid, phone_id=phone.id, phone_e164=phone.e164,
                        channel="call", outcome="no_answer", started_at=at))
        s.commit()


def test_four_calls_in_thirty_days_block_a_french_prospect(engine, bundle) -> None:
    pid = add_prospect(engine, first="Amelie", numbers=[("+33 1 42 68 53 00", "office")],
                       at=WED, country="FR", waited=timedelta(days=40), **CONSENTED)
    other = add_prospect(engine, first="Bruno", numbers=[("+33 1 42 68 53 01", "office")],
                         at=WED, country="FR", waited=timedelta(days=40), **CONSENTED)
    _calls(engine, pid, *(WED - timedelta(days=d) for d in (2, 6, 13, 27)))
    _calls(engine, other, *(WED - timedelta(days=d) for d in (2, 6, 13, 31)))
    with Session(engine) as s:
        blocked = check_dial(s, bundle, prospect_id=pid, at=WED)
        assert not blocked.allowed
        assert any("4 attempts in the last 30 days" in r for r in blocked.reasons)
        assert check_dial(s, bundle, prospect_id=other, at=WED).allowed  # one is 31 days old
        ids = [item.prospect_id for item in build_queue(s, bundle, at=WED)]
    assert other in ids and pid not in ids
