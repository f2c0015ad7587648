"""The first screenful read by a forked child (services/first_page.py), on both backends: the
entries the cockpit would have read itself, nothing touched before the parent's go(), and no
child left behind whatever happens."""

from __future__ import annotations

import os
import pickle
from datetime import datetime, timezone

import pytest

from dialer_tui.services.bundle import load_bundle
from dialer_tui.services.first_page import FIRST_WINDOW, FirstPageReader
from dialer_tui.services.queue import read_queue_window

from .conftest import add_prospect

TUE = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 New York

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork: read in-process")


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _start(db, cfg) -> tuple[FirstPageReader, int]:
    reader = FirstPageReader.start(db=str(db), config=str(cfg), at=TUE, rep="")
    assert reader is not None
    return reader, reader._pid


def test_the_child_reads_what_the_cockpit_would(any_db, any_engine, tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    for i in range(FIRST_WINDOW + 5):  # more than a screenful: the child reads one
        add_prospect(any_engine, first=f"P{i:02d}", at=TUE, priority=i % 4,
                     numbers=[(f"212-555-{100 + i:04d}", "mobile")])
    add_prospect(any_engine, first="London", at=TUE, numbers=[("+44 20 7946 0000", "office")],
                 country="GB", priority=3)  # 15:00 there: another zone's verdict in the page
    reader, pid = _start(any_db, cfg)
    reader.go()
    assert reader.opened()
    page = reader.page()
    ahead = reader.view()  # the first entry's dossier, read while the parent paints
    reader.close()
    assert _reaped(pid)

    items, total = read_queue_window(any_engine, load_bundle(cfg), at=TUE, limit=FIRST_WINDOW,
                                     rep="")
    assert page is not None and len(page.items) == FIRST_WINDOW and total == -1
    assert page.items == items and page.total == total  # same entries, verdicts, order
    assert page.items[0].name.startswith("P") and page.items[0].verdict.callable
    assert ahead is not None and ahead[0] == items[0].prospect_id
    view = pickle.loads(ahead[1])
    assert view.prospect_id == items[0].prospect_id
    assert view.dossier.prospect.name == items[0].name
    assert [p.e164 for p in view.dossier.phones] == [items[0].phone]


def test_an_empty_store_says_how_many_prospects_it_has(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    reader, pid = _start(tmp_path / "empty.db", cfg)
    reader.go()
    assert reader.opened()
    page = reader.page()
    assert reader.view() is None  # nobody to read ahead
    reader.close()
    assert page is not None and page.items == [] and page.total == 0
    assert _reaped(pid)


def test_nothing_is_touched_before_go(tmp_path):
    """A broken config: the parent closes without go(), and no database is created."""
    db = tmp_path / "never.db"
    reader, pid = _start(db, tmp_path)
    reader.close()
    assert _reaped(pid)
    assert not list(tmp_path.glob("never.db*"))


def test_a_store_that_cannot_be_opened_is_left_to_the_parent(tmp_path):
    (tmp_path / "cfg").mkdir()
    reader, pid = _start(tmp_path, tmp_path / "cfg")  # a directory: make_engine refuses it
    reader.go()
    assert not reader.opened()  # the CLI then opens it itself, and says why it cannot
    assert _reaped(pid)
