"""What keeps the outcome key fast (docs/product-rules.md, *Figures*) without changing what the rep sees: the
dossier's short history, the queue pane's own rows, no queue re-read right after an outcome, and
the next prospect rendered ahead of the key."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from dialer_tui.screens.cockpit_messages import ChangesSeen
from dialer_tui.services import queue_window
from dialer_tui.store.engine import make_engine
from dialer_tui.store.models import Touch
from dialer_tui.widgets.dossier import HISTORY_SHOWN, DossierPane
from dialer_tui.widgets.queue_list import QueueList

from .conftest import PINNED, _import, make_app, many_rows, screen_text, settle, write_csv


async def test_dossier_shows_the_latest_touches_and_points_to_the_full_history(engine, bundle):
    app = make_app(engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        pid = app.screen.state.current_id
        with Session(engine) as s:
            s.add_all([Touch(prospect_id=pid, channel="call", outcome="no_answer",
                             started_at=PINNED - timedelta(days=1, minutes=i), note=f"t{i:02d}")
                       for i in range(40)])
            s.commit()
        await pilot.press("r")
        await settle(pilot, app)
        body = app.screen.query_one("#dossier-body").visual
        text = str(body)
        assert "history (40), newest first" in text
        assert "h: full history (40 touches)" in text
        assert sum(f" t{i:02d}" in text for i in range(40)) == HISTORY_SHOWN
        assert " t00" in text and f" t{HISTORY_SHOWN:02d}" not in text  # the newest ones


async def test_queue_pane_keys_and_clicks_move_the_prospect(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        queue = app.screen.query_one(QueueList)
        first, second, fourth = (queue.items[i].prospect_id for i in (0, 1, 3))
        assert app.screen.state.current_id == first
        await pilot.press("down")
        await settle(pilot, app)
        assert app.screen.state.current_id == second and queue.cursor_row == 1
        await pilot.click("#queue", offset=(20, 5))  # border, header, then rows 0, 1, 2, 3
        await settle(pilot, app)
        assert app.screen.state.current_id == fourth
        await pilot.click("#queue", offset=(20, 1))  # the header: nothing chosen
        await settle(pilot, app)
        assert app.screen.state.current_id == fourth
        await pilot.press("end")
        await settle(pilot, app)
        assert app.screen.state.current_id == queue.items[-1].prospect_id


async def test_no_queue_read_right_after_an_outcome(db_path, tmp_path, bundle, monkeypatch):
    from dialer_tui.store.engine import make_engine

    engine = make_engine(db_path)
    _import(engine, write_csv(tmp_path / "many.csv", many_rows(40)))
    monkeypatch.setattr(queue_window, "REFRESH_DELAY", 30.0)
    app = make_app(engine, bundle)
    try:
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot, app)
            cockpit, queue = app.screen, app.screen.query_one(QueueList)
            reads: list[int] = []
            monkeypatch.setattr(cockpit.cockpit, "read_queue",
                                lambda limit: reads.append(limit) or ([], -1))
            before = len(queue.items)
            pid = cockpit.state.current_id
            await pilot.press("5")
            await settle(pilot, app)
            assert len(queue.items) == before - 1 and queue.index_of(pid) is None
            assert app.focused is cockpit.query_one(QueueList)
            cockpit.post_message(ChangesSeen(("another", "rep")))  # a change: later, not now
            cockpit.post_message(ChangesSeen(("yet", "another")))
            await settle(pilot, app)
            assert reads == [] and set(cockpit.feeder.window.pending) == {"queue"}
            assert f"queue {before - 1}" in screen_text(app)
    finally:
        engine.dispose()


async def test_the_next_prospect_is_read_before_the_key(many_engine, bundle):
    app = make_app(many_engine, bundle)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        cockpit = app.screen
        queue, pane = cockpit.query_one(QueueList), cockpit.query_one(DossierPane)
        nxt = queue.items[1].prospect_id
        read_ahead = cockpit.state.views[nxt]  # prefetched after the first dossier was painted
        await pilot.press("5")
        await settle(pilot, app)
        assert pane.view is read_ahead  # shown as read ahead, not read again after the key
        assert "P01 Tester" in screen_text(app)


async def test_the_footer_is_not_rebuilt_by_an_outcome_but_follows_whether_anyone_is_shown(
        tmp_path, bundle):
    """Rebuilding the footer's keys after every outcome (mount, style, a second layout) was
    the largest cost of the frame after the key; the keys still grey out while nobody is
    shown, and light up once somebody is."""
    eng = make_engine(tmp_path / "two.db")
    app = make_app(eng, bundle)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        assert app.screen.state.current_id is None
        assert any(k.has_class("-disabled") for k in app.screen.query("FooterKey"))  # nobody to log
        _import(eng, write_csv(tmp_path / "two.csv", many_rows(3)))
        await pilot.press("r")
        await settle(pilot, app)
        assert app.screen.state.current_id is not None
        keys = list(app.screen.query("FooterKey"))
        assert keys and not any(k.has_class("-disabled") for k in keys)
        await pilot.press("5")
        await settle(pilot, app)
        assert app.screen.state.current_id is not None
        assert list(app.screen.query("FooterKey")) == keys  # the same widgets, not new ones
    eng.dispose()
