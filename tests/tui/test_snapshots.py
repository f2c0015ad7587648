"""Snapshots of the cockpit with a pinned clock (update with --snapshot-update after a look)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from dialer_tui.store.models import Prospect

from .conftest import PINNED, make_app, screen_text, settle


@pytest.fixture
def cockpit_app(engine, bundle):
    return make_app(engine, bundle)


async def _ready(pilot) -> None:
    await settle(pilot, pilot.app)
    for box in pilot.app.screen.query("Input"):
        box.cursor_blink = False


def test_cockpit_120x35(cockpit_app, snap_compare):
    assert snap_compare(cockpit_app, terminal_size=(120, 35), run_before=_ready)


def test_cockpit_80x24(cockpit_app, snap_compare):
    assert snap_compare(cockpit_app, terminal_size=(80, 24), run_before=_ready)


def test_cockpit_after_an_outcome_120x35(cockpit_app, snap_compare):
    async def logged(pilot) -> None:
        await _ready(pilot)
        await pilot.press("4")
        await _ready(pilot)

    assert snap_compare(cockpit_app, terminal_size=(120, 35), run_before=logged)


# --- every screen state a rep sees (issue: snapshots, not scraped text) --------------------
def test_cockpit_160x45(cockpit_app, snap_compare):
    assert snap_compare(cockpit_app, terminal_size=(160, 45), run_before=_ready)


def _pressing(*keys: str):
    async def run(pilot) -> None:
        await _ready(pilot)
        for key in keys:
            await pilot.press(key)
            await _ready(pilot)
    return run


@pytest.mark.parametrize("name,keys", [
    ("history", ("h",)),
    ("stats", ("S",)),
    ("help", ("question_mark",)),
    ("search", ("slash", "D", "a", "n", "a")),
    ("callback_form", ("2",)),
    ("referral_form", ("9",)),
])
def test_screen_120x35(name, keys, cockpit_app, snap_compare):
    assert snap_compare(cockpit_app, terminal_size=(120, 35), run_before=_pressing(*keys))


def test_empty_database_welcome_120x35(empty_engine, bundle, snap_compare):
    assert snap_compare(make_app(empty_engine, bundle), terminal_size=(120, 35),
                        run_before=_ready)


def test_nobody_callable_now_120x35(engine, bundle, snap_compare):
    # 08:00 UTC on the Wednesday: night in every US zone (00:00-03:00), so the queue is empty
    # and says why.
    night = PINNED.replace(hour=8) + timedelta(days=1)
    assert snap_compare(make_app(engine, bundle, clock=lambda: night), terminal_size=(120, 35),
                        run_before=_ready)


def test_blocked_dial_120x35(engine, bundle, snap_compare):
    # Priya in San Francisco at 07:00 her time: opened from search, `d` is refused and says when.
    with Session(engine) as s:
        priya = s.exec(select(Prospect).where(Prospect.first_name == "Priya")).one().id

    async def blocked(pilot) -> None:
        await _ready(pilot)
        pilot.app.screen.open_prospect(priya)
        await _ready(pilot)
        await pilot.press("d")
        await _ready(pilot)
        assert "Not dialled" in screen_text(pilot.app)

    assert snap_compare(make_app(engine, bundle), terminal_size=(120, 35), run_before=blocked)
