"""The two units of work every caller opens: one that reads (a read-only connection where the
backend has one, services see plain rows after it closes) and one that writes."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dialer_tui.store.engine import reader


def reading(engine: Engine) -> Session:
    return Session(reader(engine), expire_on_commit=False)


def writing(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
