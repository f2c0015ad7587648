"""The Textual app: holds the engine, the validated bundle, the rep and the clock; the cockpit
screen does the work. Built by cli.cmd_ui / cmd_demo and by the tests, the same way.

Start-up (PRODUCT.md section 6: cold start to the first frame with the queue) runs with the
cyclic garbage collector paused (see startup.py): from the CLI's first import when the CLI runs
the app, else from `run()`, to the first frame that shows the queue. Importing this module alone
(the tests) pauses it only while its own imports load."""

from __future__ import annotations

import gc

_GC_WAS_ENABLED = gc.isenabled()
gc.disable()

from datetime import datetime, timezone, tzinfo  # noqa: E402
from typing import Any, Callable  # noqa: E402

from sqlalchemy.engine import Engine  # noqa: E402
from textual.app import App  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.screen import Screen  # noqa: E402

from dialer_tui.screens.commands import CockpitCommands  # noqa: E402
from dialer_tui.services.bundle import Bundle  # noqa: E402
from dialer_tui.startup import pause_gc, resume_gc  # noqa: E402
from dialer_tui.widgets.session_header import SessionStats  # noqa: E402

gc.freeze()
if _GC_WAS_ENABLED:
    gc.enable()


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


class DialerApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "dialer-tui"
    COMMANDS = App.COMMANDS | {CockpitCommands}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True)]

    def __init__(self, *, engine: Engine, bundle: Bundle, rep: str = "",
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.engine, self.bundle, self.rep = engine, bundle, rep
        self.clock = clock or _system_now
        local = self.now().astimezone().tzinfo
        self.rep_zone: tzinfo = local or timezone.utc
        self.stats = SessionStats(started_at=self.now())
        self.first_frame_shown = False

    def now(self) -> datetime:
        """The injected clock, always UTC-aware (tests pin it; the CLI uses the real one)."""
        value = self.clock()
        if value.tzinfo is None:  # a naive clock is taken as UTC rather than trusted as local
            value = value.replace(tzinfo=timezone.utc)
        return value

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run in the terminal; no garbage collection until the queue is on screen."""
        pause_gc()
        try:
            return super().run(*args, **kwargs)
        finally:
            resume_gc()

    def started(self) -> None:
        """The first frame with the queue is painted (called by the cockpit)."""
        resume_gc()
        if not self.first_frame_shown:
            self.first_frame_shown = True
            self.screen.refresh_bindings()  # the footer fills in now (widgets/footer.py)

    def get_default_screen(self) -> Screen:
        """The cockpit is the first screen (not pushed over Textual's blank default one, which
        would be styled, suspended and restyled for nothing at start-up)."""
        from dialer_tui.screens.cockpit import CockpitScreen

        if self.bundle.settings.keys:
            # settings.yaml `keys:` maps binding ids (outcome.meeting_booked, cockpit.search...)
            # to keys; Textual applies it to every screen's bindings.
            self.set_keymap(dict(self.bundle.settings.keys))
        return CockpitScreen()
