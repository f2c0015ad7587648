"""When the cockpit reads its queue window: at start-up, on the minute, on another rep's change
(the poll), when it runs low after outcomes, and never within REFRESH_DELAY of an outcome (the
rule itself is services/queue_window.py; this holds its timers and workers). Part of the cockpit
screen, which owns one QueueFeeder, handles the QueueRead it sends, and hands it ChangesSeen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from textual.message import Message
from textual.timer import Timer

from dialer_tui.screens.background import in_background
from dialer_tui.screens.cockpit_messages import ChangesSeen, QueueRead
from dialer_tui.services import queue_window as window
from dialer_tui.services.first_page import FIRST_WINDOW
from dialer_tui.widgets.queue_list import QueueList

if TYPE_CHECKING:
    from dialer_tui.screens.cockpit import CockpitScreen


class QueueFeeder:
    def __init__(self, screen: CockpitScreen) -> None:
        self.screen = screen
        self.cockpit = screen.cockpit
        self.window = window.QueueWindow()
        self._quiet_timer: Timer | None = None

    def start(self) -> None:
        """On mount: the first screenful is read here, before the first frame (~30 ms), so that
        frame shows the queue and no worker competes with it; the rest after it is painted."""
        screen = self.screen
        screen.set_interval(60, self._minute)
        # Another rep's outcome or claim (a shared list) shows here within a few seconds.
        screen.set_interval(window.POLL_S, self._poll)
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
        in_background(self.screen, lambda: ChangesSeen(self.cockpit.change_token()),
                      group="poll")

    def changes_seen(self, event: ChangesSeen) -> None:
        if self.window.changed(event.token):
            self.when_quiet("queue", lambda: self.refresh(clear_cache=True))

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
