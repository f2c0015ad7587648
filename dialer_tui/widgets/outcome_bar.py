"""The outcome bar: the one-key outcomes, the acknowledgement of the last one, the note box.

The acknowledgement is shown only after the touch is committed: what it says is in the store.
Each outcome's words are its own (`short`, and `tiny` for 80 columns, in dispositions.yaml)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from dialer_tui.domain.outcomes import Dispositions
from dialer_tui.widgets import safe


def key_label(key: str) -> str:
    return {"question_mark": "?", "slash": "/"}.get(key, key)


class NoteInput(Input):
    """The note line, opened with `c` after an outcome. Enter submits and lets go of the focus
    here, in the key's own turn: as a binding it would run only after the keys queued behind it
    (fast fingers, a macro: Enter then 5) had been typed into the note. Keys that reach the box
    after it let go are handed back to the app, as the outcome keys they are."""

    async def _on_key(self, event: events.Key) -> None:
        if self.screen.focused is not self or event.key == "enter":
            event.stop()
            event.prevent_default()
            if event.key == "enter" and self.screen.focused is self:
                await self.action_submit()
                self.screen.set_focus(None)  # the cockpit focuses its queue on Submitted
            else:
                self.app.post_message(events.Key(event.key, event.character))
            return
        await super()._on_key(event)


class OutcomeBar(Vertical):
    def __init__(self, dispositions: Dispositions, keymap: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.dispositions, self.keymap = dispositions, keymap

    def on_mount(self) -> None:
        self.query_one("#ack").display = False  # no blank row until there is something to say

    def compose(self) -> ComposeResult:
        yield Static(self._keys(wide=True), id="outcome-keys")
        # For 80 columns: the bar must stay at one line of keys.
        yield Static(self._keys(wide=False), id="outcome-keys-tiny")
        yield Static(id="ack")
        yield NoteInput(placeholder="c: note on the last touch", id="note")

    def _keys(self, *, wide: bool) -> Text:
        out = Text()
        for o in self.dispositions.outcomes:
            key = key_label(self.keymap.get(f"outcome.{o.name}", o.key).split(",")[0])
            out.append(f" {key} " if wide else key, style="bold reverse")
            label = safe.one_line(o.short_label if wide else o.tiny_label)
            # A space after the key at 80 columns too: "m em", not "mem".
            out.append(" " + label + ("  " if wide else " "))
        if wide:
            out.append(" v stopwatch  o objections  e notes  ? more", style="dim")
        return out

    def acknowledge(self, message: str, warnings: list[str] | None = None,
                    style: str = "bold green") -> None:
        out = Text(safe.one_line(message), style=style)
        for w in warnings or []:
            out.append("\n! " + safe.one_line(w), style="bold yellow")
        ack = self.query_one("#ack", Static)
        ack.update(out)
        ack.display = True
