"""The gate and the queue judge a prospect's line and recorded consent (issue 15, part 4), on
both backends: the queue offers nobody the gate at the same instant would refuse."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session

from dialer_tui.services.gate import check_dial
from dialer_tui.services.queue import build_queue

from .conftest import add_prospect

WED = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)  # 11:00 in Berlin, a Wednesday


@pytest.fixture
def engine(any_engine):
    return any_engine


def _with(bundle, **settings):
    return replace(bundle, settings=bundle.settings.model_copy(update=settings))


def test_consumer_and_business_line_under_germanys_consumer_rule(engine, bundle) -> None:
    def person(first: str, number: str, **fields) -> int:
        return add_prospect(engine, first=first, numbers=[(number, "office")], at=WED,
                            country="DE", **fields)

    consumer = person("Clara", "+49 30 1234560", line="consumer")
    business = person("Bernd", "+49 30 1234561", line="business")
    unsaid = person("Ute", "+49 30 1234562")  # no line recorded: default_line decides
    consented = person("Carl", "+49 30 1234563", line="consumer", consent_basis="asked at the fair",
                       consent_date=date(2026, 11, 20), consent_source="CRM note 4411")
    for_consumers = _with(bundle, apply_consumer_rules_to_business=False)

    with Session(engine) as s:
        refused = check_dial(s, for_consumers, prospect_id=consumer, at=WED)
        assert not refused.allowed and refused.next_allowed is None
        assert refused.reasons[0].startswith("blocked: consumer line without recorded consent: "
                                             "Germany UWG §7 requires prior consent")
        assert "Germany UWG §7" in refused.refusal()
        assert check_dial(s, for_consumers, prospect_id=business, at=WED).allowed
        assert check_dial(s, for_consumers, prospect_id=unsaid, at=WED).allowed  # business
        assert check_dial(s, for_consumers, prospect_id=consented, at=WED).allowed
        queued = {i.prospect_id for i in build_queue(s, for_consumers, at=WED)}
        assert queued == {business, unsaid, consented}

        # The shipped settings: consumer rules for every line (the conservative default).
        assert not check_dial(s, bundle, prospect_id=business, at=WED).allowed
        assert {i.prospect_id for i in build_queue(s, bundle, at=WED)} == {consented}

        # default_line: consumer makes the unsaid line a consumer's
        as_consumer = _with(bundle, apply_consumer_rules_to_business=False,
                            default_line="consumer")
        assert not check_dial(s, as_consumer, prospect_id=unsaid, at=WED).allowed
        assert check_dial(s, as_consumer, prospect_id=business, at=WED).allowed
