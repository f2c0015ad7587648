"""The cockpit's header warns when a do-not-call registry copy is older than 31 days (issue 15,
part 5), judged at the app's pinned clock, never at the day the test runs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session

from dialer_tui.store.models import DncList
from dialer_tui.widgets.session_header import SessionHeader

from .conftest import PINNED, make_app, settle


def _copy(engine, name: str, age_days: int) -> None:
    with Session(engine) as s:
        s.add(DncList(source=name, downloaded=(PINNED - timedelta(days=age_days)).date(),
                      imported_at=PINNED - timedelta(days=age_days), numbers=1))
        s.commit()


async def _header_text(app, pilot) -> str:
    header = app.screen.query_one(SessionHeader)
    for _ in range(60):  # the read follows the first frame by about a second
        await settle(pilot, app)
        text = str(header.render())
        if "DNC" in text:
            return text
        await asyncio.sleep(0.1)
    return str(header.render())


async def test_a_copy_older_than_31_days_is_said_in_the_header(engine, bundle):
    _copy(engine, "US DNC 305", 40)
    _copy(engine, "US DNC 212", 3)
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        assert "DNC copy 40 d old" in await _header_text(app, pilot)


async def test_fresh_copies_say_nothing(engine, bundle):
    _copy(engine, "US DNC 305", 31)  # 31 days is still within the registry's period
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await asyncio.sleep(1.5)  # past the first read
        await settle(pilot, app)
        assert "DNC" not in str(app.screen.query_one(SessionHeader).render())
