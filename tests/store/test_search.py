"""Searching prospects by name, company or email fragment (the lookup box and `dialer-tui lookup`),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session

from dialer_tui.services.csv_headers import name_key
from dialer_tui.store import repo
from dialer_tui.store.models import Prospect

AT = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


def _add(engine, first: str, last: str, company: str, email: str = "") -> None:
    with Session(engine) as s:
        s.add(Prospect(first_name=first, last_name=last, company=company, email=email,
                       email_key=email.lower(), name_key=name_key(first, last, company),
                       created_at=AT, updated_at=AT, queue_due_at=AT))
        s.commit()


def _names(engine, text: str, limit: int = 50) -> list[str]:
    with Session(engine) as s:
        return [f"{p.first_name} {p.last_name}" for p in repo.search(s, text=text, limit=limit)]


def test_name_company_and_email_fragments_match_in_name_order(any_engine):
    engine = any_engine
    _add(engine, "Zoe", "Hart", "Harbor Steel", "zoe@harbor.example")
    _add(engine, "Adam", "Price", "Lakeview Clinic", "adam.price@lakeview.example")
    _add(engine, "Mia", "Stone", "Bayside", "MIA@Harbour-Logistics.example")
    _add(engine, "Ben", "100% Cho", "Cho_Co", "")
    assert _names(engine, "harbo") == ["Mia Stone", "Zoe Hart"]  # email, then company
    assert _names(engine, "  LAKEVIEW   clinic ") == ["Adam Price"]
    assert _names(engine, "price@lake") == ["Adam Price"]
    assert _names(engine, "100%") == ["Ben 100% Cho"]  # % and _ are literal, not wildcards
    assert _names(engine, "b_n") == []  # would match "ben" as a wildcard
    assert _names(engine, "o_c") == ["Ben 100% Cho"]
    assert _names(engine, "e", limit=2) == ["Adam Price", "Ben 100% Cho"]
    assert _names(engine, "nobody") == []
