"""The cockpit's queue window: the next few hundred entries, read in thread workers, and the
rule that keeps those reads (and other background work) away from the frame after an outcome.

After an outcome the local window has already dropped the row, so the queue is not re-read at
once: only on the minute, on another rep's change (the poll, every POLL_S), when fewer than
LOW_WATER rows are left, and never within REFRESH_DELAY seconds of an outcome (a 300-entry read
is ~90 ms of CPU that would compete with the next paint for the GIL). At start-up the first
screenful is read before the first frame (by the CLI's child process when there is one,
services/first_page.py), the rest of the window after it.

The store's modules are imported inside the workers, not at the top: the first frame is painted
before the CLI's process has loaded them."""

from __future__ import annotations

import gc
import time
from typing import Callable

from rich.text import Text
from textual import work

from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.services.first_page import FIRST_WINDOW
from dialer_tui.widgets.dossier import DossierPane
from dialer_tui.widgets.queue_list import QueueList

QUEUE_WINDOW = 300
POLL_S = 3.0  # how soon another rep's outcome shows in this queue
REFRESH_DELAY = 1.0  # no queue read within this many seconds of an outcome (tests: 0)
LOW_WATER = 20


class QueueWindow:
    """Mixed into CockpitScreen (which provides cache, select, prefetch_next, update_header...)."""

    def init_queue_window(self) -> None:
        self.queue_gen = 0
        self._change_token: tuple | None = None
        self._last_outcome = -1e9  # monotonic time of the last outcome logged here
        self._quiet_timer = None
        self._pending: dict[str, Callable[[], object]] = {}  # work waiting for a quiet moment
        self._reading = False  # a queue read in flight
        self._partial = False  # only the first screenful of the window is here

    def start_queue(self) -> None:
        """On mount: the first screenful is read here, before the first frame (~30 ms), so that
        frame shows the queue and no worker competes with it; the rest after it is painted."""
        self.set_interval(60, self._minute)  # type: ignore[attr-defined]
        # Another rep's outcome or claim (a shared list) shows here within a few seconds: a
        # primary-key read of what changed, on a worker, every POLL_S.
        self.set_interval(POLL_S, self._poll_changes)  # type: ignore[attr-defined]
        self.queue_gen += 1
        first = self.app.first_page()  # type: ignore[attr-defined]
        try:
            items, total = (first.items, first.total) if first else self._read_queue(FIRST_WINDOW)
        except Exception:  # a broken store: the worker read below fails as quietly as ever
            self.refresh_queue()
            return
        self._queue_loaded(self.queue_gen, items, total, FIRST_WINDOW)
        if len(items) >= FIRST_WINDOW:
            gen = self.queue_gen
            self.when_painted(lambda: self._load_rest(gen))  # type: ignore[attr-defined]

    # --- work kept away from the frame after an outcome ----------------------------------
    def outcome_logged(self) -> None:
        self._last_outcome = time.monotonic()

    def hold_gc(self) -> None:
        """No garbage collection from the outcome key until the next prospect is painted: a full
        collection (100-200 ms with a 1M-touch store's objects about) waits for after the frame."""
        if gc.isenabled():
            gc.disable()
            self.call_after_refresh(gc.enable)

    def when_quiet(self, name: str, fn: Callable[[], object]) -> None:
        """Run `fn` now, or once no outcome was logged for REFRESH_DELAY s (one per name)."""
        wait = self._last_outcome + REFRESH_DELAY - time.monotonic()
        if wait <= 0 and not self._pending:
            fn()
            return
        self._pending[name] = fn
        if self._quiet_timer is None:
            self._quiet_timer = self.set_timer(max(wait, 0.0), self._run_pending)

    def _run_pending(self) -> None:
        self._quiet_timer = None
        wait = self._last_outcome + REFRESH_DELAY - time.monotonic()
        if wait > 0:  # another outcome since: wait again
            self._quiet_timer = self.set_timer(wait, self._run_pending)
            return
        pending, self._pending = self._pending, {}
        for fn in pending.values():
            fn()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll_changes(self) -> None:
        from sqlmodel import Session

        from dialer_tui.store.engine import reader
        from dialer_tui.store.repo import change_token

        with Session(reader(self.app.engine)) as s:  # type: ignore[attr-defined]
            token = change_token(s)
        self.app.call_from_thread(self._changes_seen, token)

    def _changes_seen(self, token: tuple) -> None:
        if self._change_token is not None and token != self._change_token:
            self.when_quiet("queue", lambda: self.refresh_queue(clear_cache=True))
        self._change_token = token

    def _minute(self) -> None:
        self.when_quiet("minute", self._minute_now)

    def _minute_now(self) -> None:
        self.query_one(QueueList).refresh_times(self.app.now())  # type: ignore[attr-defined]
        self.refresh_queue(clear_cache=True)
        if self.current_id is not None:
            self.load_view(self.current_id)
        self.update_header()

    # --- queue --------------------------------------------------------------------------------
    def refresh_queue(self, *, clear_cache: bool = False) -> None:
        """Re-read the queue window in a worker; results of reads begun before this call are
        dropped."""
        if clear_cache:  # another rep may have changed what is cached: read it again
            self.cache.clear()
        self.queue_gen += 1
        self._reading = True
        self._load_queue(self.queue_gen, QUEUE_WINDOW)

    def after_outcome_refresh(self) -> None:
        """The logged row is gone from the local window; re-read only when it runs low (or a
        read begun before the outcome, which could bring the row back, is dropped)."""
        queue = self.query_one(QueueList)
        index = queue.index_of(self.current_id)
        left = len(queue.items) - (index or 0)
        self.queue_gen += 1
        stale, self._reading = self._reading, False
        if left < LOW_WATER or stale or self._partial:
            self.when_quiet("queue", self.refresh_queue)

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def _load_queue(self, gen: int, limit: int) -> None:
        items, total = self._read_queue(limit)
        self.app.call_from_thread(self._queue_loaded, gen, items, total, limit)

    def _read_queue(self, limit: int) -> tuple[list[QueueItem], int]:
        """The next `limit` queue entries; the prospect count (-1 if not needed: entries)."""
        from dialer_tui.services.queue import read_queue_window

        app = self.app
        return read_queue_window(app.engine, app.bundle, at=app.now(),  # type: ignore[attr-defined]
                                 limit=limit, rep=app.rep)  # type: ignore[attr-defined]

    def _load_rest(self, gen: int) -> None:
        if gen == self.queue_gen:
            self.when_quiet("queue", lambda: gen == self.queue_gen and self._load_all(gen))

    def _load_all(self, gen: int) -> None:
        self._reading = True
        self._load_queue(gen, QUEUE_WINDOW)

    def _queue_loaded(self, gen: int, items: list[QueueItem], total: int,
                      limit: int = QUEUE_WINDOW) -> None:
        if gen != self.queue_gen:
            return  # an outcome or undo since this read began; a newer one is on its way
        self._reading = False
        self._partial = len(items) >= limit < QUEUE_WINDOW  # a screenful: the rest is coming
        now = self.app.now()  # type: ignore[attr-defined]
        self.snoozed = {pid: t for pid, t in self.snoozed.items() if t > now}  # type: ignore[operator]
        items = [it for it in items if it.prospect_id not in self.snoozed]
        back = [it for it in items if it.prospect_id in self.skipped]
        items = [it for it in items if it.prospect_id not in self.skipped] + back
        self.set_class(total == 0, "-empty")
        queue = self.query_one(QueueList)
        in_queue = {it.prospect_id for it in items}
        keep = self.current_id if self.current_id in in_queue else self._last_highlight
        queue.show(items, now, keep=keep)
        self.update_header()
        if self.current_id is None or (self.current_item is not None
                                       and self.current_id not in in_queue):
            self.select(queue.current)
        else:
            self.prefetch_next()
        if not items and self.current_id is None:
            msg = ("" if total == 0 else
                   "Nobody is callable right now: nothing due, or outside calling hours.\n"
                   "r refreshes; / finds anyone.")
            self.query_one(DossierPane).clear_view(Text(msg, style="yellow"))
