"""A new outcome is one entry in a user's dispositions.yaml: its words on the outcome bar, its word
and colour in history, its label and HubSpot outcome in the CRM export, with no code change; and a
bad value in such an entry is named with file, line and key by `dialer-tui check`."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select
from textual.widgets import DataTable, Static

from dialer_tui.config import DATA_DIR
from dialer_tui.screens.history import HistoryScreen
from dialer_tui.services.bundle import load_bundle
from dialer_tui.services.calling import log_outcome
from dialer_tui.services.crm_export import export_crm_calls
from dialer_tui.store.models import Prospect

from .conftest import PINNED, make_app, settle

BUSY = ('  - {name: busy_signal, key: "0", label: "Busy signal", channel: call, attempt: true,\n'
        '     connect: false, follow_up: next_step, short: busy, tiny: bsy,\n'
        '     style: bold magenta, crm: Busy}\n')


def user_config(tmp_path: Path, entry: str = BUSY) -> Path:
    """A config folder whose dispositions.yaml is the shipped one plus `entry` at the end."""
    cfg = tmp_path / "config"
    cfg.mkdir(parents=True)
    shipped = (DATA_DIR / "dispositions.yaml").read_text(encoding="utf-8")
    (cfg / "dispositions.yaml").write_text(shipped + entry, encoding="utf-8")
    return cfg


def plain(static: Static) -> str:
    return str(getattr(static.content, "plain", static.content))


async def test_a_new_outcome_in_the_users_file_shows_on_the_bar_in_history_and_the_crm_export(
        engine, tmp_path):
    bundle = load_bundle(user_config(tmp_path))
    with Session(engine, expire_on_commit=False) as s:
        dana = s.exec(select(Prospect).where(Prospect.first_name == "Dana")).one()
        log_outcome(s, bundle, prospect_id=dana.id, outcome="busy_signal",  # type: ignore[arg-type]
                    at=PINNED - timedelta(hours=1), rep="tester")

    path = tmp_path / "calls.csv"
    assert export_crm_calls(engine, path, bundle.dispositions) == 1
    with open(path, newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["Call outcome"] == "Busy"
    assert row["Call Title"] == "Call with Dana Whitfield: Busy signal"

    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        assert " 0  busy " in plain(app.screen.query_one("#outcome-keys", Static))
        assert " 0 bsy " in plain(app.screen.query_one("#outcome-keys-tiny", Static))
        app.screen.open_prospect(dana.id)  # what a search hit does
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HistoryScreen)
        cell = app.screen.query_one("#history-touches", DataTable).get_row_at(0)[3]
        assert (cell.plain, str(cell.style)) == ("busy", "bold magenta")


def test_check_names_the_file_line_and_key_of_a_bad_value_in_a_new_outcome(tmp_path):
    for good, bad, key in (("style: bold magenta", "style: blod magenta", "style"),
                           ("crm: Busy", "crm: Engaged", "crm")):
        cfg = user_config(tmp_path / key, BUSY.replace(good, bad))
        text = (cfg / "dispositions.yaml").read_text(encoding="utf-8")
        line = next(n for n, s in enumerate(text.splitlines(), 1) if bad in s)
        index = text.count("\n  - {name: ") - 1  # the entry added last
        proc = subprocess.run([sys.executable, "-m", "dialer_tui", "--config", str(cfg), "check"],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "DIALER_TUI_DB": str(tmp_path / "x.db")})
        assert proc.returncode == 2, proc.stderr
        assert f"dispositions.yaml:{line}:" in proc.stderr, proc.stderr
        assert f"outcomes.{index}.{key}" in proc.stderr, proc.stderr
