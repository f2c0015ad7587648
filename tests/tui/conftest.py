"""Fixtures for the cockpit tests: a real SQLite file per test, filled by the real importer from a
small CSV, the real bundle, and the real app with a pinned clock."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")  # before any App exists: no scroll easing

from dialer_tui.store.engine import make_engine

# Tuesday 4 March 2025, 15:00 UTC: 10:00 in New York, 09:00 in Chicago, 07:00 in Los Angeles
# (so the West Coast prospect is outside calling hours and the others are callable).
PINNED = datetime(2025, 3, 4, 15, 0, tzinfo=timezone.utc)

HEADER = ("First Name,Last Name,Title,Company,Industry,City,State,Country,Email,Mobile Phone,"
          "Phone,Notes,Referred By,Priority\n")
ROWS = [
    'Dana,Whitfield,Plant Manager,Harbor Steel Works,Manufacturing,Miami,FL,US,'
    'dana@harborsteel.example,(305) 555-0101,,Expanding the Hialeah plant,,5',
    'Marcus,Oyelaran,Practice Administrator,Lakeview Family Clinic,Healthcare,Chicago,IL,US,'
    'marcus@lakeview.example,,312-253-4410,Three locations,Sam Patel (Northwind),4',
    'Priya,Raman,VP Operations,Bayside Logistics,Logistics,San Francisco,CA,US,'
    'priya@bayside.example,+1 415 867 5309,,,,3',
    'Tom,Keller,Owner,Keller & Sons HVAC,Construction,New York,NY,US,'
    'tom@keller.example,,(212) 736-5000,,,2',
    'Alma,Reyes,CFO,Gulf Coast Dental,Healthcare,Houston,TX,US,'
    'alma@gulfdental.example,,(713) 528-4400,,,1',
]
HOSTILE = ('"[@click=app.quit]","[/]",CEO,"Acme [EMEA] Ltd",Manufacturing,Boston,MA,US,'
           'evil@acme.example,617 555 0123,,"\x1b[31mred\x1b[0m notes [bold]x[/bold]",,9')


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def utc_local_zone(monkeypatch):
    # Rep-zone times in the dossier use the machine's zone; pin it so snapshots are stable.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    time.tzset()


@pytest.fixture(autouse=True)
def no_paint_first_delays(monkeypatch):
    # The cockpit keeps queue re-reads at least 1 s away from an outcome so the next prospect
    # paints first; tests wait on workers instead.
    from dialer_tui.services import queue_window

    monkeypatch.setattr(queue_window, "REFRESH_DELAY", 0)
    from dialer_tui.screens import cockpit_lease

    monkeypatch.setattr(cockpit_lease, "LEASE_AFTER_S", 0)  # leased as soon as shown


def _import(engine, path: Path) -> None:
    from dialer_tui.services.importer import import_csv

    result = import_csv(engine, path, region="US", source="test", now=PINNED.replace(day=1))
    assert result.imported >= 1, result.summary()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "cockpit.db"


@pytest.fixture
def engine(db_path, tmp_path):
    eng = make_engine(db_path)
    _import(eng, write_csv(tmp_path / "prospects.csv", ROWS))
    yield eng
    eng.dispose()


@pytest.fixture
def hostile_engine(db_path, tmp_path):
    eng = make_engine(db_path)
    _import(eng, write_csv(tmp_path / "hostile.csv", [HOSTILE]))
    yield eng
    eng.dispose()


@pytest.fixture
def empty_engine(db_path):
    eng = make_engine(db_path)
    yield eng
    eng.dispose()


def many_rows(n: int) -> list[str]:
    """n plain prospects in Miami (callable at PINNED), each with one mobile."""
    return [f"P{i:02d},Tester,Owner,Company {i:02d},Manufacturing,Miami,FL,US,"
            f"p{i}@example.com,(305) 555-{100 + i:04d},,,,{50 - i}" for i in range(n)]


@pytest.fixture
def many_engine(db_path, tmp_path):
    eng = make_engine(db_path)
    _import(eng, write_csv(tmp_path / "many.csv", many_rows(16)))
    yield eng
    eng.dispose()


def touches(engine, prospect_id: int):
    from sqlmodel import Session, col, select

    from dialer_tui.store.models import Touch

    with Session(engine) as s:
        return list(s.exec(select(Touch).where(Touch.prospect_id == prospect_id)
                           .order_by(col(Touch.id).desc())))


def make_app(engine, bundle, clock=None):
    from dialer_tui.app import DialerApp

    return DialerApp(engine=engine, bundle=bundle, rep="tester", clock=clock or (lambda: PINNED))


async def settle(pilot, app) -> None:
    """Wait for the cockpit's workers (queue, dossier, prefetch) to finish and the screen to
    catch up: no sleeps, the same wait each time."""
    from textual.worker import WorkerCancelled

    for _ in range(5):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # a newer read in its group took over: wait for that one
            pass
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break


def screen_text(app) -> str:
    """The current screen as plain text, rendered the way export_screenshot renders it."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)

