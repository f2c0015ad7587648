"""The script pane: what to say to this prospect now, a voicemail stopwatch, objection answers.

Script text comes from domain.scripts, already filled with the prospect's (untrusted) values: it
is shown as Text, never parsed as markup. A missing value shows as "[first name?]" by design."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from dialer_tui.domain import scripts
from dialer_tui.domain.scripts import VOICEMAIL_TARGET_S, VOICEMAIL_WARN_S
from dialer_tui.widgets import safe

if TYPE_CHECKING:  # a view comes from the store, whose modules load after the first frame
    from dialer_tui.services.cockpit import ProspectView


def _section(out: Text, title: str, body: scripts.Rendered | None, extra: str = "") -> None:
    if body is None:
        return
    out.append(title, style="bold underline")
    if extra:
        out.append("  " + extra, style="dim")
    out.append("\n")
    out.append(safe.clean(body.text).strip() + "\n\n")


class Stopwatch(Static):
    """`v` starts and stops it; past the target it turns yellow, past the warning red."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.started: float | None = None
        self.elapsed = 0.0
        self._timer = None

    def on_mount(self) -> None:
        self._timer = self.set_interval(0.25, self._tick, pause=True)
        self._paint()

    @property
    def running(self) -> bool:
        return self.started is not None

    def toggle(self) -> None:
        if self.started is None:
            self.started, self.elapsed = time.monotonic(), 0.0
            if self._timer:
                self._timer.resume()
        else:
            self.elapsed = time.monotonic() - self.started
            self.started = None
            if self._timer:
                self._timer.pause()
        self._paint()

    def seconds(self) -> int | None:
        """What it measured (still running: so far), or None if it was not started."""
        elapsed = time.monotonic() - self.started if self.started is not None else self.elapsed
        return round(elapsed) if elapsed > 0 else None

    def reset(self) -> None:
        if self.started is None and self.elapsed == 0.0:
            return  # already at 0:00: nothing to repaint
        self.started, self.elapsed = None, 0.0
        if self._timer:
            self._timer.pause()
        self._paint()

    def _tick(self) -> None:
        if self.started is not None:
            self.elapsed = time.monotonic() - self.started
        self._paint()

    def _paint(self) -> None:
        s = int(self.elapsed)
        self.set_class(s >= VOICEMAIL_TARGET_S, "-over")
        self.set_class(s >= VOICEMAIL_WARN_S, "-warn")
        state = "recording" if self.running else "v to start"
        self.update(Text(f"stopwatch {s // 60}:{s % 60:02d} / target 0:{VOICEMAIL_TARGET_S:02d}"
                         f"  ({state})"))


class ScriptPane(VerticalScroll):
    """Shows the Script of a ProspectView; the objection filter narrows as the rep types. Each
    prospect opens at the top (opener, voicemail, stopwatch), with no answer left over from the
    one before."""

    class ObjectionShown(Message):
        """The rep opened this objection's answer for this prospect (it goes on the touch)."""

        def __init__(self, prospect_id: int, objection_id: str) -> None:
            super().__init__()
            self.prospect_id, self.objection_id = prospect_id, objection_id

    def __init__(self, playbook: object, **kwargs) -> None:
        super().__init__(**kwargs)
        self.playbook = playbook
        self.view: ProspectView | None = None
        self._options: list[tuple[str, str]] = []  # the objections listed: (id, title)

    def compose(self) -> ComposeResult:
        yield Static(id="script-top", markup=False)  # untrusted text: rich Text, never markup
        yield Stopwatch(id="stopwatch")
        yield Static(id="script-rest", markup=False)
        yield Input(placeholder="o: filter objections", id="objection-filter")
        yield OptionList(id="objection-list")
        yield Static(id="objection-answer")

    def show(self, view: ProspectView) -> None:
        if self.view is None or self.view.prospect_id != view.prospect_id:
            self._new_prospect()
        self.view = view
        top, rest = self._texts(view)
        self._part("top").update(top)
        self._part("rest").update(rest)
        self._filter(self.query_one("#objection-filter", Input).value)

    def _part(self, name: str) -> Static:
        return self.query_one(f"#script-{name}", Static)

    def _texts(self, view: ProspectView) -> tuple[Text, Text]:
        sc = view.script
        top = Text()
        if view.task is not None:
            t = view.task
            _section(top, f"due now: {t.channel}", t.text,
                     safe.one_line(t.subject.text) if t.subject else "")
        _section(top, "opener", sc.opener)
        _section(top, "value", sc.value_prop.text, safe.one_line(sc.value_prop.label))
        secs = sc.voicemail_seconds
        style = ("bold red" if secs > VOICEMAIL_WARN_S else
                 "yellow" if secs > VOICEMAIL_TARGET_S else "green")
        top.append(f"voicemail: {sc.voicemail_id}", style="bold underline")
        top.append(f"  ~{secs:.0f} s", style=style)
        top.append("\n" + safe.clean(sc.voicemail.text).strip())
        rest = Text()
        _section(rest, "proof", sc.proof)
        _section(rest, "gatekeeper", sc.gatekeeper)
        _section(rest, "ask for the mobile", sc.ask_mobile)
        _section(rest, "ask for a time", sc.ask_time)
        if sc.missing:
            rest.append("missing: " + ", ".join(m.replace("_", " ") for m in sc.missing) + "\n",
                        style="yellow")
        return top, rest

    def _new_prospect(self) -> None:
        self.query_one(Stopwatch).reset()
        self.query_one("#objection-filter", Input).value = ""
        self.query_one("#objection-answer", Static).update(Text(""))
        self.scroll_home(animate=False)

    def clear_view(self) -> None:
        self.view = None
        self._part("top").update(Text(""))
        self._part("rest").update(Text(""))
        self._options = []
        self.query_one("#objection-list", OptionList).clear_options()
        self.query_one("#objection-answer", Static).update(Text(""))

    def focus_filter(self) -> None:
        box = self.query_one("#objection-filter", Input)
        box.focus()
        self.scroll_to_widget(box, animate=False)

    def _filter(self, query: str) -> None:
        if self.view is None:
            return
        ids = set(scripts.filter_objections(self.playbook, query))  # type: ignore[arg-type]
        shown = [(o.id, safe.one_line(o.title)) for o in self.view.script.objections
                 if o.id in ids]
        if shown == self._options:
            return  # the same list (the next prospect, same playbook): nothing to redo
        self._options = shown
        ol = self.query_one("#objection-list", OptionList)
        ol.clear_options()
        ol.add_options([Option(Text(title), id=oid) for oid, title in shown])
        if shown:
            ol.highlighted = 0

    def _answer(self, objection_id: str | None) -> None:
        if self.view is None or objection_id is None:
            return
        obj = next((o for o in self.view.script.objections if o.id == objection_id), None)
        if obj is None:
            return
        out = Text(safe.one_line(obj.title) + "\n", style="bold")
        out.append(safe.clean(obj.answer.text).strip())
        answer = self.query_one("#objection-answer", Static)
        answer.update(out)
        self.scroll_to_widget(answer, animate=False)
        self.post_message(self.ObjectionShown(self.view.prospect_id, obj.id))

    @on(Input.Changed, "#objection-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    @on(Input.Submitted, "#objection-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        ol = self.query_one("#objection-list", OptionList)
        if ol.highlighted is not None and ol.option_count:
            self._answer(ol.get_option_at_index(ol.highlighted).id)

    @on(OptionList.OptionSelected, "#objection-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._answer(event.option.id)

    def on_key(self, event) -> None:
        # Up/down in the filter box move through the narrowed list without leaving the box.
        box = self.query_one("#objection-filter", Input)
        if box.has_focus and event.key in ("up", "down"):
            ol = self.query_one("#objection-list", OptionList)
            ol.action_cursor_down() if event.key == "down" else ol.action_cursor_up()
            event.stop()
