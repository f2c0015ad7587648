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


def test_line_and_consent_import_and_merge_on_both_backends(engine, bundle, tmp_path) -> None:
    """The importer writes line and consent (a date column through the bulk insert) and a
    merge fills them when empty, never overwriting."""
    from sqlmodel import select

    from dialer_tui.services.importer import import_csv
    from dialer_tui.store.models import Prospect

    first = tmp_path / "first.csv"
    first.write_text("Name,Phone,Country,Line\nClara Vogel,+49 30 1234560,DE,B2C\n",
                     encoding="utf-8")
    import_csv(engine, first, now=WED)
    later = tmp_path / "later.csv"
    later.write_text("Name,Phone,Country,Line,Consent,Consent date,Consent source\n"
                     "Clara Vogel,+49 30 1234560,DE,business,opt-in form,2026-11-20,web\n",
                     encoding="utf-8")
    result = import_csv(engine, later, now=WED)
    assert result.merged == 1
    assert any("line 'business' not imported" in w for w in result.warnings)
    with Session(engine) as s:
        clara = s.exec(select(Prospect)).one()
        assert (clara.line, clara.consent_basis, clara.consent_date, clara.consent_source) == (
            "consumer", "opt-in form", date(2026, 11, 20), "web")
        assert check_dial(s, _with(bundle, apply_consumer_rules_to_business=False),
                          prospect_id=clara.id, at=WED).allowed

