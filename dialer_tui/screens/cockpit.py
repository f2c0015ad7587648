"""The cockpit: queue, dossier, script and outcome bar on one screen.

Reads run in thread workers (one Session each) and come back through call_from_thread; the
one-key outcome write is synchronous on purpose (see screens/outcomes.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Static

from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.screens.outcomes import OutcomeActions
from dialer_tui.screens.queue_window import QueueWindow
from dialer_tui.widgets.dossier import DossierPane
from dialer_tui.widgets.footer import CockpitFooter
from dialer_tui.widgets.outcome_bar import OutcomeBar, key_label
from dialer_tui.widgets.queue_list import QueueList
from dialer_tui.widgets.script_pane import ScriptPane
from dialer_tui.widgets.session_header import SessionHeader

if TYPE_CHECKING:  # the store's modules load after the first frame (services/first_page.py)
    from dialer_tui.services.cockpit import ProspectView

SNOOZE = timedelta(hours=1)
CACHE_TTL = timedelta(seconds=60)
CACHE_MAX = 24
NEEDS_PROSPECT = {"outcome", "skip", "snooze", "add_phone", "edit_notes", "dial", "dial_override",
                  "next_number", "history"}

WELCOME = """Welcome to dialer-tui.

There is nobody to call yet: the database has no prospects.

  dialer-tui import FILE.csv     import a CRM export or a spreadsheet
                                 (HubSpot, Salesforce, Pipedrive, Close, plain CSV)
  dialer-tui demo                open the cockpit on a demo database

Then start dialer-tui again. Press ctrl+q to quit."""


class CockpitScreen(QueueWindow, OutcomeActions, Screen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("slash", "search", "Search", id="cockpit.search"),
        Binding("d", "dial", "Dial", id="cockpit.dial"),
        Binding("D", "dial_override", "Dial outside the rules (asks why)",
                id="cockpit.dial_override", show=False),
        Binding("n", "next_number", "Next number", id="cockpit.next_number", show=False),
        Binding("s", "skip", "Skip", id="cockpit.skip"),
        Binding("z", "snooze", "Snooze 1h", id="cockpit.snooze"),
        Binding("u", "undo", "Undo", id="cockpit.undo"),
        Binding("a", "add_phone", "Add number", id="cockpit.add_phone", show=False),
        Binding("e", "edit_notes", "Notes", id="cockpit.edit_notes", show=False),
        Binding("o", "objections", "Objections", id="cockpit.objections", show=False),
        Binding("v", "stopwatch", "Stopwatch", id="cockpit.stopwatch", show=False),
        Binding("p", "toggle_script", "Script/dossier", id="cockpit.toggle_script", show=False),
        Binding("r", "refresh", "Refresh", id="cockpit.refresh", show=False),
        Binding("h", "history", "History", id="cockpit.history", show=False),
        Binding("S", "stats", "Stats", id="cockpit.stats", show=False),
        Binding("question_mark", "help", "Help", id="cockpit.help"),
        Binding("escape", "focus_queue", "Back to queue", id="cockpit.focus_queue", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        for o in self.app.bundle.dispositions.outcomes:  # type: ignore[attr-defined]
            # Dynamic: the keys come from dispositions.yaml; ids let settings.keys remap them.
            self._bindings._add_binding(Binding(o.key, f"outcome('{o.name}')", o.label,
                                                show=False, id=f"outcome.{o.name}"))
        self.current_id: int | None = None
        self.current_item: QueueItem | None = None
        self.phone = ""  # E.164 the next dial and call outcome use: the one the dossier judged
        self.chosen: dict[int, str] = {}  # prospect -> the number the rep switched to with `n`
        self.snoozed: dict[int, object] = {}
        self.skipped: list[int] = []
        self.cache: dict[int, ProspectView] = {}
        self._last_highlight: int | None = None
        self._paint_waiting = False
        self.first_painted = False
        self._after_first_paint: list[Callable[[], object]] = [self.app.started]
        # The breakpoint class Textual would add at the first resize, already here: adding it
        # then restyles every widget once more before the first frame.
        width = self.app.size.width
        self.add_class(next((name for least, name in sorted(self.HORIZONTAL_BREAKPOINTS,
                                                           reverse=True) if width >= least), ""),
                       update=False)
        self.init_queue_window()
        self.init_outcomes()

    def _compositor_refresh(self) -> None:
        # Textual 8.2 renders a frame and then drops it, dirty regions and all, when the app
        # holds a batch (its start-up batch, a footer recompose): under load the first frame
        # was lost that way and the queue pane stayed blank until it changed. Paint once the
        # batch is over instead.
        if self.app._batch_count and self.is_current:
            if not self._paint_waiting:
                self._paint_waiting = True
                self.set_timer(0.002, self._paint_after_batch)
            return
        super()._compositor_refresh()
        if not self.first_painted and self.is_current:
            # The first frame is on its way to the terminal: now the work that would have
            # delayed it (the footer's keys, the rest of the queue window, gc).
            self.first_painted = True
            for callback in self._after_first_paint:
                self.call_later(callback)
            self._after_first_paint.clear()

    def when_painted(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the first frame is painted; after the next refresh if it is."""
        if self.first_painted:
            self.call_after_refresh(callback)
        else:
            self._after_first_paint.append(callback)

    def _paint_after_batch(self) -> None:
        self._paint_waiting = False
        self._compositor_refresh()

    # --- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = self.app
        yield SessionHeader(id="session-header")
        yield Static(Text(WELCOME), id="welcome")
        with Horizontal(id="panes"):
            yield QueueList(id="queue")
            yield DossierPane(id="dossier")
            yield ScriptPane(app.bundle.playbook, id="script")  # type: ignore[attr-defined]
        yield OutcomeBar(app.bundle.dispositions, dict(app.bundle.settings.keys),  # type: ignore[attr-defined]
                         id="outcome")
        yield CockpitFooter()

    def on_mount(self) -> None:
        for wid, title in (("queue", "Queue"), ("dossier", "Dossier"), ("script", "Script"),
                           ("outcome", "Outcome"), ("welcome", "Welcome")):
            self.query_one(f"#{wid}").border_title = title
        self.query_one("#queue", QueueList).focus()
        self.set_interval(1, self._tick)
        self.update_header()
        self.start_queue()

    def _tick(self) -> None:
        self.query_one(DossierPane).tick(self.app.now())  # type: ignore[attr-defined]

    def update_header(self) -> None:
        app = self.app
        self.query_one(SessionHeader).show(app.stats, rep=app.rep, now=app.now(),  # type: ignore[attr-defined]
                                           queue_size=len(self.query_one(QueueList).items),
                                           pending=app.pending, problem=app.store_problem)  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NEEDS_PROSPECT and self.current_id is None:
            return None  # shown greyed out; the key does nothing
        return True

    def binding_rows(self) -> list[tuple[str, str, str, str]]:
        """(key, description, id, action) of every cockpit binding, after the keymap."""
        keymap = self.app._keymap  # Textual keeps the normalised keymap here
        rows = []
        for _key, b in self._bindings:
            key = keymap.get(b.id, b.key) if b.id else b.key
            rows.append((key_label(key), b.description, b.id or "", b.action))
        return rows

    @on(QueueList.RowHighlighted, "#queue")
    def _highlighted(self, event: QueueList.RowHighlighted) -> None:
        pid = event.prospect_id
        if pid == self._last_highlight:
            return  # a rebuild put the cursor back where it was: nothing chosen
        self._last_highlight = pid
        queue = self.query_one(QueueList)
        index = queue.index_of(pid)
        if index is not None:
            self.select(queue.items[index])

    # --- the prospect shown -------------------------------------------------------------------
    def select(self, item: QueueItem | None, prospect_id: int | None = None) -> None:
        """Show a queue entry, or (from search) any prospect by id."""
        self.current_item = item
        self.current_id = item.prospect_id if item else prospect_id
        self.phone = item.phone if item else ""
        if item is not None:
            self._last_highlight = item.prospect_id
            if self.app.rep:  # type: ignore[attr-defined]
                # A shared list: lease who is on screen (once the first frame is out: the
                # store's modules are not loaded before it).
                pid = item.prospect_id
                if self.first_painted:
                    self._claim(pid)
                else:
                    self.when_painted(lambda: self._claim(pid))
        self.refresh_bindings()
        if self.current_id is None:
            self.query_one(DossierPane).clear_view(Text(""))
            self.query_one(ScriptPane).clear_view()
            return
        cached = self.cache.get(self.current_id)
        if cached is not None and self.app.now() - cached.at < CACHE_TTL:  # type: ignore[attr-defined]
            self.show_view(cached)
        else:
            self.cache.pop(self.current_id, None)  # too old to show: read again
            if item is not None:
                self.query_one(DossierPane).show_pending(item)
            # Read once the frame is painted (the first frame, the name from the queue row).
            self.when_painted(lambda pid=self.current_id: self._load_current(pid))

    @work(thread=True, exclusive=True, group="claim", exit_on_error=False)
    def _claim(self, prospect_id: int) -> None:
        from sqlmodel import Session

        from dialer_tui.services.queue import claim

        app = self.app
        with Session(app.engine) as s:  # type: ignore[attr-defined]
            holder = claim(s, prospect_id=prospect_id, rep=app.rep, at=app.now(),  # type: ignore[attr-defined]
                           lease_minutes=app.bundle.settings.lease_minutes)  # type: ignore[attr-defined]
        if holder is not None:
            app.call_from_thread(self._claimed_elsewhere, prospect_id, holder)

    def _claimed_elsewhere(self, prospect_id: int, holder: str) -> None:
        """Another rep leased this prospect first: never dial it twice, move on."""
        if prospect_id != self.current_id:
            return
        self.app.notify(f"{holder} is calling this prospect; moving on", markup=False)
        self.advance(drop=True)

    def _load_current(self, prospect_id: int) -> None:
        if prospect_id == self.current_id and prospect_id not in self.cache:
            view = self.app.take_first_view(prospect_id)  # type: ignore[attr-defined]
            if view is not None:  # read ahead by the CLI's child (services/first_page.py)
                self._view_loaded(prospect_id, view, False)
            else:
                self.load_view(prospect_id)

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def load_view(self, prospect_id: int, prefetch: bool = False) -> None:
        view = self._read_view(prospect_id)
        self.app.call_from_thread(self._view_loaded, prospect_id, view, prefetch)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch(self, prospect_id: int) -> None:
        # The next row's dossier, ready before the outcome key: moving on shows it at once.
        view = self._read_view(prospect_id)
        self.app.call_from_thread(self._view_loaded, prospect_id, view, True)

    def _read_view(self, prospect_id: int) -> ProspectView | None:
        from sqlmodel import Session

        from dialer_tui.services import cockpit as svc
        from dialer_tui.store.engine import reader

        app = self.app
        with Session(reader(app.engine), expire_on_commit=False) as s:  # type: ignore[attr-defined]
            return svc.load_view(s, app.bundle, prospect_id=prospect_id, at=app.now(),  # type: ignore[attr-defined]
                                 phone=self.chosen.get(prospect_id))

    def _view_loaded(self, prospect_id: int, view: ProspectView | None, prefetch: bool) -> None:
        if view is None:
            self.cache.pop(prospect_id, None)
            if prospect_id == self.current_id:
                self.query_one(DossierPane).clear_view(Text("This prospect no longer exists.",
                                                            style="red"))
            return
        self.cache.pop(prospect_id, None)
        self.cache[prospect_id] = view  # newest last; a few dozen kept (each holds its history)
        for old in [pid for pid in self.cache if pid not in (self.current_id, prospect_id)]:
            if len(self.cache) <= CACHE_MAX:
                break
            del self.cache[old]
        if prospect_id == self.current_id:
            self.show_view(view)
        elif prefetch:
            self._prepare(view)

    def _prepare(self, view: ProspectView) -> None:
        """Render the next prospect's dossier and script now, while the rep is on the call:
        after the outcome key they are swapped in instead of wrapped and rendered."""
        queue = self.query_one(QueueList)
        index = queue.index_of(view.prospect_id)
        item = queue.items[index] if index is not None else None
        phone = self._phone_for(view, item.phone if item else "")
        self.query_one(DossierPane).prepare(view, phone, self.app.rep_zone,  # type: ignore[attr-defined]
                                            self.app.now())  # type: ignore[attr-defined]
        self.query_one(ScriptPane).prepare(view)

    @staticmethod
    def _phone_for(view: ProspectView, phone: str) -> str:
        """The number a dial and a call outcome use: the one the dossier's verdict judged (the
        queue's pick, or the rep's choice with `n`), so what the screen says is what `d` asks."""
        if view.explanation.phone:
            return view.explanation.phone
        numbers = {p.e164 for p in view.dossier.phones}
        return phone if phone in numbers else ""

    def show_view(self, view: ProspectView) -> None:
        self.phone = self._phone_for(view, self.phone)
        self.query_one(DossierPane).show(view, self.phone, self.app.rep_zone,  # type: ignore[attr-defined]
                                         self.app.now())  # type: ignore[attr-defined]
        self.query_one(ScriptPane).show(view)
        self.call_after_refresh(self.prefetch_next)  # once this frame is painted

    def prefetch_next(self) -> None:
        """Load the next row's dossier in a worker, so that moving on shows it at once."""
        queue = self.query_one(QueueList)
        index = queue.index_of(self.current_id)
        if index is None or index + 1 >= len(queue.items):
            return
        pid = queue.items[index + 1].prospect_id
        if pid in self.cache:
            return
        self._prefetch(pid)

    # --- keys between dials -------------------------------------------------------------------
    def action_focus_queue(self) -> None:
        self.query_one(QueueList).focus()

    def action_refresh(self) -> None:
        self.cache.clear()
        self.refresh_queue()
        if self.current_id is not None:
            self.load_view(self.current_id)

    def action_skip(self) -> None:
        if self.current_id is not None:
            self.skipped = [p for p in self.skipped if p != self.current_id] + [self.current_id]
        self.advance(drop=False)

    def action_snooze(self) -> None:
        if self.current_id is None:
            return
        self.snoozed[self.current_id] = self.app.now() + SNOOZE  # type: ignore[attr-defined]
        self.acknowledge("Snoozed for an hour (this session)", style="dim")
        self.advance(drop=True)

    def advance(self, *, drop: bool) -> None:
        """Move to the next queue entry; `drop` takes the current one out of the window."""
        queue = self.query_one(QueueList)
        pid = self.current_id
        index = queue.index_of(pid)
        if drop and pid is not None:
            queue.drop(pid)
            self.cache.pop(pid, None)
        elif index is not None and index + 1 < len(queue.items):
            queue.move_cursor(row=index + 1, animate=False)
        self.current_id = None
        self.select(queue.current)
        self.update_header()

    def action_next_number(self) -> None:
        """The next dialable number (never a do-not-call, bad or invalid one), judged afresh:
        the dossier's verdict is re-read for it before it says "callable"."""
        pid = self.current_id
        view = self.cache.get(pid or -1)
        if view is None or pid is None:
            return
        usable = [n["phone"] for n in view.explanation.numbers if n["state"] == "ok"]
        if len(usable) < 2:
            self.acknowledge("No other dialable number on file" if usable else
                             "No dialable number on file", style="yellow")
            return
        i = usable.index(self.phone) if self.phone in usable else -1
        self.phone = self.chosen[pid] = usable[(i + 1) % len(usable)]
        self.acknowledge(f"Number: {self.phone} (checking the rules for it)", style="cyan")
        self.load_view(pid)

    def action_objections(self) -> None:
        self.query_one(ScriptPane).focus_filter()

    def action_stopwatch(self) -> None:
        from dialer_tui.widgets.script_pane import Stopwatch

        self.query_one(Stopwatch).toggle()

    def action_toggle_script(self) -> None:
        self.toggle_class("-script")

    def action_help(self) -> None:
        from dialer_tui.screens.help import HelpScreen

        rows = [(k, d, i) for k, d, i, _a in self.binding_rows()]
        self.app.push_screen(HelpScreen(rows))

    def action_history(self) -> None:
        from dialer_tui.screens.history import HistoryScreen

        if self.current_id is not None:
            self.app.push_screen(HistoryScreen(self.current_id))

    def action_stats(self) -> None:
        from dialer_tui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen())

    @on(Input.Submitted, "#note")
    def _note_submitted(self, event: Input.Submitted) -> None:
        self.save_note(event.value)
