"""When the cockpit re-reads its queue window (the next few hundred entries), as plain state.

After an outcome the local window has already dropped the row, so the queue is not re-read at
once: only on the minute, on another rep's change (the poll), when fewer than LOW_WATER rows are
left, and never within REFRESH_DELAY seconds of an outcome (a 300-entry read is ~90 ms of CPU that
would compete with the next paint for the GIL). Reads are numbered: a read begun before an
outcome or undo could bring back the row just logged, so its result is dropped."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

QUEUE_WINDOW = 300
POLL_S = 3.0  # how soon another rep's outcome shows in this queue
REFRESH_DELAY = 1.0  # no queue read within this many seconds of an outcome (tests: 0)
LOW_WATER = 20


@dataclass
class QueueWindow:
    gen: int = 0  # the number of the newest read; older results are dropped
    reading: bool = False  # a read in flight
    partial: bool = False  # only the first screenful is here
    change_token: tuple | None = None  # the store's fingerprint at the last poll
    last_outcome: float = -1e9  # monotonic time of the last outcome logged here
    pending: dict[str, Callable[[], object]] = field(default_factory=dict)  # for a quiet moment

    def begin_read(self) -> int:
        self.gen += 1
        self.reading = True
        return self.gen

    def loaded(self, gen: int, count: int, limit: int) -> bool:
        """A read came back: False when a newer one superseded it (drop it)."""
        if gen != self.gen:
            return False
        self.reading = False
        self.partial = count >= limit < QUEUE_WINDOW  # a screenful: the rest is coming
        return True

    def after_outcome(self, rows_left: int) -> bool:
        """The logged row is gone from the window: True when the window must be read again
        (it runs low, or a read begun before the outcome was dropped)."""
        self.last_outcome = time.monotonic()
        self.gen += 1
        stale, self.reading = self.reading, False
        return rows_left < LOW_WATER or stale or self.partial

    def changed(self, token: tuple) -> bool:
        """The poll's fingerprint: True when another cockpit changed something since."""
        before, self.change_token = self.change_token, token
        return before is not None and token != before

    def quiet_in(self) -> float:
        """Seconds until background work may run (0: now)."""
        return max(0.0, self.last_outcome + REFRESH_DELAY - time.monotonic())

    def take_pending(self) -> list[Callable[[], object]]:
        pending, self.pending = self.pending, {}
        return list(pending.values())
