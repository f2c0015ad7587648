"""Outcome 2: "when should I call back?", typed in plain words and read in the prospect's zone.

The preview shows how the words were understood; the service snaps a time outside the calling
hours to the next allowed slot and the cockpit shows that warning once it is logged."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from dialer_tui.domain.when import WhenError, parse_when
from dialer_tui.widgets import safe


class CallbackScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="callback.cancel")]

    def __init__(self, name: str, zone: ZoneInfo, now: datetime, error: str = "",
                 value: str = "") -> None:
        super().__init__()
        self.who, self.zone, self.now = name, zone, now
        self.error, self.initial = error, value

    def compose(self) -> ComposeResult:
        local = self.now.astimezone(self.zone)
        head = Text("Callback for ", style="bold")
        head.append(safe.one_line(self.who), style="bold cyan")
        head.append(f"\ntheir time now: {local:%a %d %b %H:%M} ({self.zone.key})", style="dim")
        with Vertical(id="callback-box", classes="modal"):
            yield Static(head)
            yield Input(value=self.initial, placeholder="thu 9am / tomorrow 14:30 / in 2 days",
                        id="callback-input")
            yield Static(Text(self.error, style="bold red") if self.error else "",
                         id="callback-preview")

    def on_mount(self) -> None:
        self.query_one("#callback-box").border_title = "Callback requested"

    @on(Input.Changed, "#callback-input")
    def _preview(self, event: Input.Changed) -> None:
        out = self.query_one("#callback-preview", Static)
        if not event.value.strip():
            out.update("")
            return
        try:
            when = parse_when(event.value, self.now.astimezone(self.zone))
        except WhenError as exc:
            out.update(Text(str(exc), style="red"))
            return
        out.update(Text(f"{when:%A %d %b %H:%M} their time", style="green"))

    @on(Input.Submitted, "#callback-input")
    def _submit(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
