"""Store-level helpers: prospects written straight into a real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from dialer_tui.domain.phones import parse_phone
from dialer_tui.store.models import PhoneNumber, Prospect


def add_prospect(engine, *, first: str, numbers: list[tuple[str, str]], at: datetime,
                 region: str = "", country: str = "US", company: str = "Acme",
                 industry: str = "manufacturing", time_zone: str = "", priority: int = 0,
                 waited: timedelta = timedelta(days=1), **fields) -> int:
    """A new prospect with (number, kind) pairs, parsed as the importer would; `fields` are
    other Prospect columns (line, consent_basis, consent_date ...)."""
    with Session(engine) as s:
        p = Prospect(first_name=first, last_name="Test", company=company, industry=industry,
                     region=region, country=country, time_zone=time_zone, priority=priority,
                     name_key=f"{first} test {company}".lower(),
                     created_at=at - waited, updated_at=at - waited, queue_due_at=at - waited,
                     **fields)
        s.add(p)
        s.flush()
        for raw, kind in numbers:
            parsed = parse_phone(raw, country or "US")
            s.add(PhoneNumber(prospect_id=p.id, e164=parsed.e164, raw=raw, kind=kind,
                              valid=parsed.valid, number_type=parsed.number_type,
                              time_zones=" ".join(parsed.time_zones)))
        s.commit()
        return p.id


@pytest.fixture
def make_prospect(engine):
    def make(**kw) -> int:
        return add_prospect(engine, **kw)
    return make
