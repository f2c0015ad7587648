"""When the cockpit reads its queue window: at start-up, on the minute, on another rep's change,
when it runs low after outcomes, and never within REFRESH_DELAY of an outcome (the rule itself
is services/queue_window.py; this holds its timers and workers). Part of the cockpit screen,
which owns one QueueFeeder, handles the QueueRead it sends, and hands it ChangesSeen.

Another rep's change arrives two ways. On PostgreSQL the database announces it (store/notify.py:
a Listener thread posts StoreChanged, naming the prospects changed) and only those are read
again (services/queue_rows.py) and patched into the window and the dossier on screen; the whole
window is read only when one of them now belongs in it and is not there, when the change named
"anything" (an import), or after the listener lost its connection (announcements missed). The
poll (4 aggregates, then the whole window when they moved) stays as a slow safety net there, and
is the only way on SQLite and behind PgBouncer. StoreChanged and RowsRead are ChangesSeen, so
the screen's ChangesSeen handler hands them here without a handler of their own."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from textual.message import Message
from textual.timer import Timer

from dialer_tui.screens.background import in_background
from dialer_tui.screens.cockpit_messages import ChangesSeen, QueueRead
from dialer_tui.services import queue_window as window
from dialer_tui.services.first_page import FIRST_WINDOW
from dialer_tui.widgets.queue_list import QueueList

if TYPE_CHECKING:
    from dialer_tui.domain.queue_item import QueueItem
    from dialer_tui.screens.cockpit import CockpitScreen
    from dialer_tui.store.notify import Change, Listener

SAFETY_POLL_S = 30.0  # the poll while the database announces changes (a missed one shows then)
WAIT_S, WAITS = 0.25, 12  # a row read waits this often for a window read in flight to land


class StoreChanged(ChangesSeen):
    """Another process changed these prospects (store/notify.Change), from the listener."""

    def __init__(self, change: Change) -> None:
        super().__init__(())
        self.change = change


class RowsRead(ChangesSeen):
    """The queue entries of the prospects a change named (those still in this rep's queue);
    None when they could not be read."""

    def __init__(self, gen: int, ids: frozenset[int], items: list[QueueItem] | None) -> None:
        super().__init__(())
        self.gen, self.ids, self.items = gen, ids, items


class QueueFeeder:
    def __init__(self, screen: CockpitScreen) -> None:
        self.screen = screen
        self.cockpit = screen.cockpit
        self.window = window.QueueWindow()
        self._quiet_timer: Timer | None = None
        self.listener: Listener | None = None
        self._changed: set[int] = set()  # prospects announced, not read yet
        self.full_reads = 0  # whole-window reads asked for by a change (tests, the bench)
        self.row_reads = 0  # reads of only the prospects a change named
        self._last_poll = 0.0
        self._rows_in_flight = False
        self._waits = 0  # times the row read waited for a window read to land

    def start(self) -> None:
        """On mount: the first screenful is read here, before the first frame (~30 ms), so that
        frame shows the queue and no worker competes with it; the rest after it is painted."""
        screen = self.screen
        screen.set_interval(60, self._minute)
        # Another rep's outcome or claim (a shared list) shows here within a second when the
        # database announces it, else within POLL_S seconds. The listener is set up in a worker
        # once the frame is out (it asks the server whether the triggers are there).
        screen.set_interval(window.POLL_S, self._poll)
        screen.when_painted(lambda: in_background(screen, self._listen, group="listen"))
        gen = self.window.begin_read()
        first = screen.dapp.first_page()
        try:
            items, total = (first.items, first.total) if first else \
                self.cockpit.read_queue(FIRST_WINDOW)
        except Exception:  # noqa: BLE001 - a broken store: the worker read says what is wrong
            self.refresh()
            return
        screen.queue_read(QueueRead(gen, items, total, FIRST_WINDOW))  # in this frame
        if len(items) >= FIRST_WINDOW:
            screen.when_painted(lambda: gen == self.window.gen and self.when_quiet(
                "queue", lambda: gen == self.window.gen and self._read(gen)))

    def when_quiet(self, name: str, fn: Callable[[], object]) -> None:
        """Run `fn` now, or once no outcome was logged for REFRESH_DELAY s (one per name)."""
        wait = self.window.quiet_in()
        if wait <= 0 and not self.window.pending:
            fn()
            return
        self.window.pending[name] = fn
        if self._quiet_timer is None:
            self._quiet_timer = self.screen.set_timer(wait, self._run_pending)

    def _run_pending(self) -> None:
        self._quiet_timer = None
        wait = self.window.quiet_in()
        if wait > 0:  # another outcome since: wait again
            self._quiet_timer = self.screen.set_timer(wait, self._run_pending)
            return
        for fn in self.window.take_pending():
            fn()

    def _poll(self) -> None:
        listener = self.listener
        if listener is not None and listener.backend_pid is not None:
            now = time.monotonic()  # announced changes: the poll is only a safety net
            if now - self._last_poll < SAFETY_POLL_S:
                return
            self._last_poll = now
        in_background(self.screen, lambda: ChangesSeen(self.cockpit.change_token()),
                      group="poll")

    def changes_seen(self, event: ChangesSeen) -> None:
        if isinstance(event, StoreChanged):
            self._store_changed(event.change)
        elif isinstance(event, RowsRead):
            self._rows_read(event)
        elif self.window.changed(event.token):
            self.when_quiet("queue", lambda: self.refresh(clear_cache=True))

    # --- announced changes (PostgreSQL) -------------------------------------------------------
    def _listen(self) -> None:
        """Start the listener when the store can announce changes (in a worker: it asks the
        server); otherwise the poll stays every POLL_S seconds."""
        engine = self.screen.dapp.engine
        if engine.dialect.name != "postgresql":
            return
        from dialer_tui.store import notify

        if not notify.listens(engine):
            return
        screen = self.screen
        self._last_poll = time.monotonic()
        self.listener = notify.Listener(
            engine, lambda change: screen.post_message(StoreChanged(change)),
            alive=lambda: screen.is_attached and screen.app.is_running).start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop(wait=0)

    def _store_changed(self, change: Change) -> None:
        if change.ids is None:  # an import, many prospects at once, or announcements missed
            self.full_reads += 1
            self._changed.clear()
            self.when_quiet("queue", self._read_all)
            return
        self._changed |= change.ids
        self.when_quiet("changed", self._read_changed)

    def _read_all(self) -> None:
        self.refresh(clear_cache=True)
        if self.cockpit.state.current_id is not None:
            self.screen.load_view(self.cockpit.state.current_id)

    def _read_changed(self) -> None:
        if self._rows_in_flight or not self._changed:  # one row read at a time
            return
        if (self.window.reading or self.window.partial) and self._waits < WAITS:
            # A window read is on its way, perhaps from before the change: read these once it
            # has landed (starting the window read again at each announcement would never let
            # one land while a busy team keeps announcing).
            self._waits += 1
            self.screen.set_timer(WAIT_S, lambda: self.when_quiet("changed", self._read_changed))
            return
        ids, self._changed = frozenset(self._changed), set()
        current = self.cockpit.state.current_id
        for pid in ids:  # their dossiers are read again when next needed
            self.cockpit.forget(pid)
        if current in ids:
            self.screen.load_view(current)
        if self.window.reading or self.window.partial:  # it did not land: read it all again
            self._waits = 0
            self.full_reads += 1
            self.refresh()
            return
        self._waits = 0
        self.row_reads += 1
        self._rows_in_flight = True
        gen = self.window.begin_read()
        dapp = self.screen.dapp

        def work() -> RowsRead:
            from dialer_tui.services.queue_rows import read_queue_rows

            try:
                return RowsRead(gen, ids, read_queue_rows(
                    dapp.engine, dapp.bundle, at=dapp.now(), rep=dapp.rep, prospect_ids=ids))
            except Exception:  # noqa: BLE001 - the window read after it says what is wrong
                return RowsRead(gen, ids, None)

        in_background(self.screen, work, group="rows", exclusive=False)

    def _rows_read(self, event: RowsRead) -> None:
        """Patch the window: a named prospect in it is replaced by its fresh entry or dropped;
        one that now belongs in the queue but is not in the window, or one whose reason (and
        so its place) changed, means reading the whole window."""
        self._rows_in_flight = False
        if self._changed:  # announced while this read ran
            self.when_quiet("changed", self._read_changed)
        if event.gen != self.window.gen:
            return  # an outcome or a whole read since: that one stands
        if event.items is None:
            self.full_reads += 1
            self.refresh()
            return
        fresh = {it.prospect_id: it for it in event.items}
        shown = list(self.screen.query_one(QueueList).items)
        before = {it.prospect_id: it for it in shown}
        if any(pid not in before or before[pid].reason != it.reason
               for pid, it in fresh.items()):
            self.full_reads += 1
            self.refresh()
            return
        items = [fresh.get(it.prospect_id, it) for it in shown
                 if it.prospect_id not in event.ids or it.prospect_id in fresh]
        if items == shown:  # none of them was in this window, nor is now
            self.window.loaded(event.gen, len(items), window.QUEUE_WINDOW)
            return
        if len(items) < window.LOW_WATER <= len(shown) or not items:
            self.full_reads += 1  # the window ran low (or empty: the read counts prospects)
            self.refresh()
            return
        self.screen.queue_read(QueueRead(event.gen, items, -1, window.QUEUE_WINDOW))

    def _minute(self) -> None:
        self.when_quiet("minute", self._minute_now)

    def _minute_now(self) -> None:
        screen = self.screen
        screen.query_one(QueueList).refresh_times(screen.dapp.now())
        self.refresh(clear_cache=True)
        if self.cockpit.state.current_id is not None:
            screen.load_view(self.cockpit.state.current_id)
        screen.update_header()

    def refresh(self, *, clear_cache: bool = False) -> None:
        """Re-read the queue window in a worker; results of reads begun before are dropped."""
        if clear_cache:  # another rep may have changed what is cached: read it again
            self.cockpit.forget()
        self._read(self.window.begin_read())

    def after_outcome(self, rows_left: int) -> None:
        if self.window.after_outcome(rows_left):
            self.when_quiet("queue", self.refresh)

    def _read(self, gen: int, limit: int = window.QUEUE_WINDOW) -> None:
        self.window.reading = True

        def work() -> Message:
            items, total = self.cockpit.read_queue(limit)
            return QueueRead(gen, items, total, limit)

        in_background(self.screen, work, group="queue")
