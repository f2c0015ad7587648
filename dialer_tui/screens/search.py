"""`/`: find a prospect by name, company, email or a phone number in any format.

The inbound-callback case: paste the caller's number, Enter, and their dossier opens."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from dialer_tui.domain.phones import display
from dialer_tui.screens.background import dialer_app, in_background
from dialer_tui.widgets import safe


def _prompt(match: dict) -> Text:
    out = Text()
    out.append(safe.one_line(match["name"] or "(no name)"), style="bold")
    if match["company"]:
        out.append("  " + safe.one_line(match["company"]))
    phones = [display(p["phone"]) for p in match["phones"][:2]]
    if phones:
        out.append("  " + ", ".join(phones), style="dim")
    if match["status"] not in ("new", "working"):
        out.append(f"  [{match['status']}]", style="yellow")
    return out


class Found(Message, bubble=False):
    def __init__(self, text: str, found: list[dict]) -> None:
        super().__init__()
        self.text, self.found = text, found


class SearchScreen(ModalScreen[int | str | None]):
    """Dismissed with a prospect id, or with the typed number (a str) when no one has it and
    the rep chose to add the caller as a new prospect (the unannounced callback)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close", id="search.close")]

    unknown_number: str | None = None  # the number typed, when no one has it

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box", classes="modal"):
            yield Static(Text("Search: name, company, email or phone (any format)",
                              style="bold"))
            yield Input(placeholder="e.g. (305) 555-0101 or Acme", id="search-input")
            yield OptionList(id="search-results")
            yield Static(id="search-status")

    def on_mount(self) -> None:
        self.query_one("#search-box").border_title = "Search"

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if len(text) >= 2:
            self._lookup(text)
        else:
            self.query_one(OptionList).clear_options()

    def _lookup(self, text: str) -> None:
        app = dialer_app(self)

        def work() -> Found:
            from dialer_tui.services import review
            from dialer_tui.services.units import reading

            with reading(app.engine) as s:
                return Found(text, review.lookup(s, text=text, region=app.bundle.settings.region))

        in_background(self, work, group="search")

    @on(Found)
    def _show(self, event: Found) -> None:
        text, found = event.text, event.found
        if self.query_one("#search-input", Input).value.strip() != text:
            return  # the rep typed on; a newer lookup is coming
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options([Option(_prompt(m), id=str(m["prospect_id"])) for m in found])
        if found:
            ol.highlighted = 0
        status = Text(f"{len(found)} match{'es' if len(found) != 1 else ''}", style="dim")
        self.unknown_number = self._number(text) if not found else None
        if self.unknown_number:
            status.append(f"  Enter: add {display(self.unknown_number)} as a new prospect",
                          style="bold")
        self.query_one("#search-status", Static).update(status)

    def _number(self, text: str) -> str | None:
        """The E.164 form of a typed number that can be dialled, else None."""
        from dialer_tui.domain.phones import PhoneError, parse_phone

        region = dialer_app(self).bundle.settings.region
        try:
            parsed = parse_phone(text, region)
        except PhoneError:
            return None
        return parsed.e164 if parsed.valid and sum(c.isdigit() for c in text) >= 6 else None

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        ol = self.query_one(OptionList)
        if ol.option_count and ol.highlighted is not None:
            self.dismiss(int(ol.get_option_at_index(ol.highlighted).id or 0))
        elif self.unknown_number:
            self.dismiss(self.unknown_number)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def on_key(self, event) -> None:
        if self.query_one("#search-input", Input).has_focus and event.key in ("up", "down"):
            ol = self.query_one(OptionList)
            ol.action_cursor_down() if event.key == "down" else ol.action_cursor_up()
            event.stop()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
