"""Snapshots of the cockpit with a pinned clock (update with --snapshot-update after a look)."""

from __future__ import annotations

import pytest

from .conftest import make_app, settle


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
