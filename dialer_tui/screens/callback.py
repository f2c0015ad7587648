"""Outcome 2: "when should I call back?", typed in plain words and read in the prospect's zone.

While the rep types, the form shows the slot the words mean in the prospect's time and the slot
that will be stored after moving it into calling hours, saying in words what moved, so the rep
hears it before promising it. Both come from SlotReader.read (domain/agreed_time.py), the same
function log_outcome stores with; the reader (the prospect's zone, the number to be called and
its rules) is looked up once, in a worker, when the form opens."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from dialer_tui.domain.agreed_time import Slot, SlotReader
from dialer_tui.domain.when import WhenError, read_when
from dialer_tui.screens.background import BackgroundFailed, dialer_app, in_background
from dialer_tui.widgets import safe


def _unread(exc: WhenError) -> Text:
    """What could not be read, then the examples on a line of their own."""
    said, _, examples = str(exc).partition("; try ")
    text = Text(said, style="bold red")
    if examples:
        text.append(f"\ntry {examples}", style="red")
    return text


class ReaderLoaded(Message, bubble=False):
    def __init__(self, reader: SlotReader | None) -> None:
        super().__init__()
        self.reader = reader


# What the form asks for: (title, the line before the prospect's name).
ASKS = {"callback": ("Callback requested", "Callback for "),
        "meeting": ("Meeting booked: when? (Enter: no time yet)", "Meeting with "),
        "next_attempt": ("Gatekeeper: when to try again? (Enter: the usual plan)",
                         "Next attempt for ")}


class CallbackScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="callback.cancel")]

    def __init__(self, name: str, zone: ZoneInfo, now: datetime, error: str = "",
                 value: str = "", *, prospect_id: int | None = None,
                 phone: str | None = None, asks: str = "callback") -> None:
        """`prospect_id` and `phone`: whose calling hours the slot is moved into (the number
        the outcome will be logged on); without them the hours are not checked. `asks`: a
        callback (a time is needed), a meeting (kept as said: not a call) or the gatekeeper's
        next attempt; the last two may be left empty (Enter: no time)."""
        super().__init__()
        self.asks = asks
        self.title, self.lead = ASKS[asks]
        self.who, self.zone, self.now = name, zone, now
        self.error, self.initial = error, value
        self.prospect_id, self.phone = prospect_id, phone
        self.reader: SlotReader | None = None
        self.reader_said = "checking their calling hours..."  # until the reader is loaded

    def compose(self) -> ComposeResult:
        with Vertical(id="callback-box", classes="modal"):
            yield Static(self._head(), id="callback-head")
            yield Input(value=self.initial, id="callback-input",
                        placeholder="thu 9am / jan 20 9am / tomorrow 14:30 / in 2 days / at 3")
            yield Static(Text(self.error, style="bold red") if self.error else "",
                         id="callback-preview")

    def _head(self) -> Text:
        local = self._now().astimezone(self.zone)
        head = Text(self.lead, style="bold")
        head.append(safe.one_line(self.who), style="bold cyan")
        head.append(f"\ntheir time now: {local:%a %d %b %H:%M} ({self.zone.key})", style="dim")
        return head

    def on_mount(self) -> None:
        self.query_one("#callback-box").border_title = self.title
        pid, phone = self.prospect_id, self.phone
        if pid is None:
            self.reader_said = "calling hours not checked (no prospect on screen)"
            return
        app = dialer_app(self)

        def work() -> ReaderLoaded:
            from dialer_tui.services.calling import slot_reader
            from dialer_tui.services.units import reading

            with reading(app.engine) as s:
                return ReaderLoaded(slot_reader(s, app.bundle, prospect_id=pid, phone=phone))

        in_background(self, work, group="callback-reader")

    @on(ReaderLoaded)
    def _reader_loaded(self, event: ReaderLoaded) -> None:
        self.reader = event.reader
        if event.reader is None:
            self.reader_said = "calling hours not checked (the prospect is gone)"
        else:
            self.zone = event.reader.zone  # the zone log_outcome reads the words in
            self.query_one("#callback-head", Static).update(self._head())
        self._show(self.query_one("#callback-input", Input).value, keep_error=True)

    @on(BackgroundFailed)
    def _reader_failed(self, event: BackgroundFailed) -> None:
        self.reader_said = f"calling hours not checked ({event.said})"
        self._show(self.query_one("#callback-input", Input).value, keep_error=True)

    def _now(self) -> datetime:
        clock = getattr(self.app, "now", None)  # the app's clock, read at each key
        return clock() if callable(clock) else self.now

    def _read(self, words: str) -> Slot | datetime:
        """The slot the words name (the stored one once the reader is here); WhenError if
        they name none."""
        if self.reader is not None:
            return self.reader.read(words, self._now())
        region = dialer_app(self).bundle.settings.region
        return read_when(words, self._now().astimezone(self.zone), region=region).at

    @on(Input.Changed, "#callback-input")
    def _preview(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, words: str, keep_error: bool = False) -> None:
        out = self.query_one("#callback-preview", Static)
        if not words.strip():
            if not (keep_error and self.error):
                out.update("")
            return
        try:
            found = self._read(words)
        except WhenError as exc:
            out.update(_unread(exc))
            return
        out.update(self._describe(found))

    def _describe(self, found: Slot | datetime) -> Text:
        wanted = found.wanted if isinstance(found, Slot) else found
        text = Text("Asked for: ", style="bold")
        text.append(f"{wanted:%a %d %b %Y %H:%M} their time ({self.zone.key})")
        for note in found.notes if isinstance(found, Slot) else ():
            text.append(f"\n  {note}", style="dim")
        if self.asks == "meeting":  # not a call: kept as agreed, calling hours or not
            text.append("\nStored:    as said (a meeting, not a call)", style="green")
        elif not isinstance(found, Slot):
            text.append(f"\nStored:    {self.reader_said}", style="dim")
        elif found.moved:
            text.append("\nStored:    ", style="bold yellow")
            text.append(f"{found.local:%a %d %b %Y %H:%M} their time", style="bold yellow")
            for part in found.moved.split("; "):  # what moved, then where to: a line each
                text.append(f"\n  {part}", style="yellow")
        else:
            text.append("\nStored:    as said, inside their calling hours", style="green")
        return text

    @on(Input.Submitted, "#callback-input")
    def _submit(self, event: Input.Submitted) -> None:
        words = event.value.strip()
        if not words:
            if self.asks != "callback":
                self.dismiss("")  # no time given: the outcome is logged without one
            return
        try:
            self._read(words)
        except WhenError as exc:  # stay: the preview says what could not be read
            self.query_one("#callback-preview", Static).update(_unread(exc))
            return
        self.dismiss(words)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

