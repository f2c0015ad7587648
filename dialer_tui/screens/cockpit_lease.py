"""The lease on the prospect on screen, in a shared list (issue: a 20-rep team can rely on it).

The queue entry on screen is leased once it has stayed LEASE_AFTER_S (arrow keys passing over
rows lease none of them) and renewed while it stays (a heartbeat at a third of the lease, so a
long call keeps its prospect); moving on, skipping, snoozing and quitting let go of it. A lease
refused as the prospect arrives moves past it (the rep has not acted yet); a lease lost later is
said, and the prospect stays on screen: the cockpit never changes the prospect under the rep.

Part of the cockpit screen, which owns one LeaseKeeper and hands it its Claimed messages."""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from textual.timer import Timer

from dialer_tui.screens.background import in_background
from dialer_tui.screens.cockpit_messages import Claimed

if TYPE_CHECKING:
    from dialer_tui.screens.cockpit import CockpitScreen

NOBODY = "another rep"  # services.queue.claim's answer when no rep holds a changed row
LEASE_AFTER_S = 0.8  # on screen this long before it is leased (tests: 0, leased when shown)
RELEASE_WAIT_S = 2.0  # the longest quitting waits for the lease to be let go


class LeaseKeeper:
    def __init__(self, screen: CockpitScreen) -> None:
        self.screen = screen
        self.cockpit = screen.cockpit
        self._timer: Timer | None = None

    def start(self, lease_minutes: int) -> None:
        """On mount, in a shared list: the heartbeat."""
        self.screen.set_interval(max(5.0, lease_minutes * 60 / 3), self.renew)

    def on_screen(self, prospect_id: int | None) -> None:
        """Another prospect is on screen (None: none to lease): let go of the one left behind;
        lease this one once it has stayed."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        left = self.cockpit.to_release()
        if left is not None:
            in_background(self.screen, lambda: self.cockpit.release(left), group="release",
                          exclusive=False)
        if prospect_id is not None:
            self.screen.when_painted(lambda: self._schedule(prospect_id))

    def _schedule(self, prospect_id: int) -> None:
        if prospect_id != self.cockpit.state.current_id:
            return
        if LEASE_AFTER_S <= 0:
            self.claim(prospect_id, landing=True)
        else:
            self._timer = self.screen.set_timer(
                LEASE_AFTER_S, lambda: self.claim(prospect_id, landing=True))

    def claim(self, prospect_id: int, *, landing: bool) -> None:
        st = self.cockpit.state
        if prospect_id != st.current_id:
            return
        # Arriving: only as the queue read it (the row's version); renewing: ours already.
        item = st.current_item
        version = item.version if landing and item is not None else None
        in_background(self.screen, lambda: Claimed(
            prospect_id, self.cockpit.claim(prospect_id, version), landing), group="claim")

    def renew(self) -> None:
        """The heartbeat: a call longer than the lease keeps its prospect."""
        pid = self.cockpit.state.leased
        if pid is not None and pid == self.cockpit.state.current_id:
            self.claim(pid, landing=False)

    def claimed(self, event: Claimed) -> None:
        screen = self.screen
        self.cockpit.claimed(event.prospect_id, event.holder)
        if event.holder is None or event.prospect_id != self.cockpit.state.current_id:
            return
        if event.landing and event.holder == NOBODY:
            # Nobody holds it, but the row changed since the queue was read (an outcome here
            # or elsewhere, an undo): read the queue again; it leaves only if it is not due.
            screen.refresh_queue()
        elif event.landing:  # another rep leased it first, before this rep did anything
            screen.dapp.notify(f"{event.holder} is calling this prospect; moving on",
                               markup=False)
            screen.advance(drop=True)
        else:  # never change the prospect under the rep: say it, and `d` will not dial
            screen.acknowledge(f"{event.holder} holds this prospect now: d will not dial it",
                               style="bold red")

    def let_go(self) -> None:
        """Quit: let go of the lease now rather than leave it to expire. In a thread, waited
        for at most RELEASE_WAIT_S: a database that does not answer does not hold up the quit
        (the lease then expires on its own)."""
        leased = self.cockpit.state.leased
        if leased is not None:
            def release() -> None:
                with contextlib.suppress(Exception):  # quitting: the lease expires anyway
                    self.cockpit.release(leased)

            worker = threading.Thread(target=release, name="release-lease", daemon=True)
            worker.start()
            worker.join(RELEASE_WAIT_S)
