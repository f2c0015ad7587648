"""The Textual app: holds the engine, the validated bundle, the rep and the clock; the cockpit
screen does the work. Built by cli.cmd_ui / cmd_demo and by the tests, the same way."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Callable

from sqlalchemy.engine import Engine
from textual.app import App
from textual.binding import Binding

from dialer_tui.screens.commands import CockpitCommands
from dialer_tui.services.bundle import Bundle
from dialer_tui.widgets.session_header import SessionStats


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

    def now(self) -> datetime:
        """The injected clock, always UTC-aware (tests pin it; the CLI uses the real one)."""
        value = self.clock()
        if value.tzinfo is None:  # a naive clock is taken as UTC rather than trusted as local
            value = value.replace(tzinfo=timezone.utc)
        return value

    def on_mount(self) -> None:
        from dialer_tui.screens.cockpit import CockpitScreen

        if self.bundle.settings.keys:
            # settings.yaml `keys:` maps binding ids (outcome.meeting_booked, cockpit.search...)
            # to keys; Textual applies it to every screen's bindings.
            self.set_keymap(dict(self.bundle.settings.keys))
        self.push_screen(CockpitScreen())
