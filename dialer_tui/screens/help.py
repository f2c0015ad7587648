"""`?`: every key of the cockpit with what it does, as remapped by settings.keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss_none", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        """rows: (key as shown, description, binding id)."""
        super().__init__()
        self.key_rows = rows

    def compose(self) -> ComposeResult:
        out = Text()
        out.append("Keys (remap any by its id under `keys:` in settings.yaml)\n\n", style="bold")
        # outcomes first, then the cockpit's own keys, then Textual's (focus, copy)
        order = {"outcome": 0, "cockpit": 1}
        rows = sorted(self.key_rows, key=lambda r: order.get(r[2].split(".")[0], 2))
        for key, description, binding_id in rows:
            out.append(f" {key:<10} ", style="bold cyan")
            out.append(f"{description:<32} ")
            out.append(binding_id + "\n", style="dim")
        out.append("\nctrl+p opens the command palette; Esc closes this.", style="dim")
        with VerticalScroll(id="help-box", classes="modal"):
            yield Static(out)

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = "Help"

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
