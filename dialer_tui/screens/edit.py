"""Between dials: add a number (`a`) and edit the research notes (`e`)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static, TextArea

from dialer_tui.domain.phones import PhoneError, display, parse_phone
from dialer_tui.widgets import safe

KINDS = ["mobile", "direct", "office", "assistant", "home"]


class AddPhoneScreen(ModalScreen[tuple[str, str, str] | None]):
    """Returns (typed number, kind, note); the number is parsed before the modal closes."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="phone.cancel")]

    def __init__(self, who: str, region: str) -> None:
        super().__init__()
        self.who, self.phone_region = who, region

    def compose(self) -> ComposeResult:
        head = Text("New number for ", style="bold")
        head.append(safe.one_line(self.who), style="bold cyan")
        with Vertical(id="phone-box", classes="modal"):
            yield Static(head)
            yield Input(placeholder="number, any format (ext. ok)", id="phone-input")
            yield Select([(k, k) for k in KINDS], value="mobile", allow_blank=False,
                         id="phone-kind")
            yield Input(placeholder="note (phone tree, extension...)", id="phone-note")
            yield Static(id="phone-preview")

    def on_mount(self) -> None:
        self.query_one("#phone-box").border_title = "Add a number"

    def _parse(self) -> tuple[str, str]:
        raw = self.query_one("#phone-input", Input).value.strip()
        if not raw:
            return "", "type a number"
        try:
            parsed = parse_phone(raw, self.phone_region)
        except PhoneError as exc:
            return "", str(exc)
        if not parsed.valid:
            return "", f"{parsed.e164} is not an assigned number"
        if parsed.is_mobile:
            self.query_one("#phone-kind", Select).value = "mobile"
        return display(parsed.e164, parsed.extension), ""

    @on(Input.Changed, "#phone-input")
    def _preview(self) -> None:
        shown, error = self._parse()
        self.query_one("#phone-preview", Static).update(
            Text(error, style="red") if error else Text(shown, style="green"))

    @on(Input.Submitted)
    def _submit(self) -> None:
        shown, error = self._parse()
        if error:
            self.query_one("#phone-preview", Static).update(Text(error, style="bold red"))
            return
        self.dismiss((self.query_one("#phone-input", Input).value.strip(),
                      str(self.query_one("#phone-kind", Select).value),
                      self.query_one("#phone-note", Input).value.strip()))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class NotesScreen(ModalScreen[str | None]):
    """Research notes in a TextArea; ctrl+s saves, Esc cancels."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="notes.save", priority=True),
                Binding("escape", "dismiss_none", "Cancel", id="notes.cancel")]

    def __init__(self, who: str, notes: str) -> None:
        super().__init__()
        self.who, self.notes = who, notes

    def compose(self) -> ComposeResult:
        head = Text("Research notes: ", style="bold")
        head.append(safe.one_line(self.who), style="bold cyan")
        head.append("   ctrl+s saves, Esc cancels", style="dim")
        with Vertical(id="notes-box", classes="modal"):
            yield Static(head)
            yield TextArea(self.notes, id="notes-text")

    def on_mount(self) -> None:
        self.query_one("#notes-box").border_title = "Research notes"
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class OverrideScreen(ModalScreen[str | None]):
    """Dial a number the rules block right now: never one key. The rep reads the refusal, types
    why, and presses Enter; the reason and the rep's name go on the touch of that call."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="override.cancel")]

    def __init__(self, who: str, phone: str, refusal: str) -> None:
        super().__init__()
        self.who, self.phone, self.refusal = who, phone, refusal

    def compose(self) -> ComposeResult:
        head = Text("Dial ", style="bold")
        head.append(safe.one_line(self.phone), style="bold")
        head.append(" for ")
        head.append(safe.one_line(self.who), style="bold cyan")
        head.append(" outside the rules?")
        with Vertical(id="override-box", classes="modal"):
            yield Static(head)
            yield Static(Text(safe.one_line(self.refusal), style="red"))
            yield Input(placeholder="why (recorded on the touch with your name); Esc cancels",
                        id="override-reason")
            yield Static(id="override-hint")

    def on_mount(self) -> None:
        self.query_one("#override-box").border_title = "Override the calling rules"

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        reason = " ".join(event.value.split())
        if len(reason) < 3:
            self.query_one("#override-hint", Static).update(
                Text("Say why in a few words: it is kept on the touch.", style="bold red"))
            return
        self.dismiss(reason)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
