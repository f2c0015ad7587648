"""The cockpit: queue, dossier, script and outcome bar on one screen.

Reads run in thread workers (one Session each) and come back through call_from_thread; the
one-key outcome write is synchronous on purpose (see screens/outcomes.py)."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from dialer_tui.screens.outcomes import OutcomeActions
from dialer_tui.services import cockpit as svc
from dialer_tui.services.cockpit import ProspectView
from dialer_tui.services.queue import QueueItem, build_queue
from dialer_tui.store.engine import reader
from dialer_tui.store.repo import change_token
from dialer_tui.widgets.dossier import DossierPane
from dialer_tui.widgets.outcome_bar import OutcomeBar, key_label
from dialer_tui.widgets.queue_list import QueueList
from dialer_tui.widgets.script_pane import ScriptPane
from dialer_tui.widgets.session_header import SessionHeader

QUEUE_WINDOW = 300
SNOOZE = timedelta(hours=1)
CACHE_TTL = timedelta(seconds=60)
POLL_S = 3.0  # how soon another rep's outcome shows in this queue
# After an outcome the next prospect paints first, then the queue re-read and the prefetch run
# (seconds: long enough for a frame, far shorter than a dial). Tests set them to 0.
REFRESH_DELAY = 0.2
PREFETCH_DELAY = 0.2
NEEDS_PROSPECT = {"outcome", "skip", "snooze", "add_phone", "edit_notes", "dial", "next_number",
                  "history"}

WELCOME = """Welcome to dialer-tui.

There is nobody to call yet: the database has no prospects.

  dialer-tui import FILE.csv     import a CRM export or a spreadsheet
                                 (HubSpot, Salesforce, Pipedrive, Close, plain CSV)
  dialer-tui demo                open the cockpit on a demo database

Then start dialer-tui again. Press ctrl+q to quit."""


class CockpitScreen(OutcomeActions, Screen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("slash", "search", "Search", id="cockpit.search"),
        Binding("d", "dial", "Dial", id="cockpit.dial"),
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
        self.phone = ""  # E.164 the next dial and call outcome use
        self.snoozed: dict[int, object] = {}
        self.skipped: list[int] = []
        self.cache: dict[int, ProspectView] = {}
        self.queue_gen = 0
        self._last_highlight: int | None = None
        self._change_token: tuple | None = None
        self.init_outcomes()

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
        yield Footer()

    def on_mount(self) -> None:
        for wid, title in (("queue", "Queue"), ("dossier", "Dossier"), ("script", "Script"),
                           ("outcome", "Outcome"), ("welcome", "Welcome")):
            self.query_one(f"#{wid}").border_title = title
        self.query_one("#queue", QueueList).focus()
        self.set_interval(1, self._tick)
        self.set_interval(60, self._minute)
        # Another rep's outcome or claim (a shared list) shows here within a few seconds: a
        # primary-key read of what changed, on a worker, every POLL_S.
        self.set_interval(POLL_S, self._poll_changes)
        self.update_header()
        self.refresh_queue()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll_changes(self) -> None:
        with Session(reader(self.app.engine)) as s:  # type: ignore[attr-defined]
            token = change_token(s)
        self.app.call_from_thread(self._changes_seen, token)

    def _changes_seen(self, token: tuple) -> None:
        if self._change_token is not None and token != self._change_token:
            self.cache.clear()
            self.refresh_queue()
        self._change_token = token

    def _tick(self) -> None:
        self.query_one(DossierPane).tick(self.app.now())  # type: ignore[attr-defined]

    def _minute(self) -> None:
        self.cache.clear()
        self.query_one(QueueList).refresh_times(self.app.now())  # type: ignore[attr-defined]
        self.refresh_queue()
        if self.current_id is not None:
            self.load_view(self.current_id)
        self.update_header()

    def update_header(self) -> None:
        app = self.app
        self.query_one(SessionHeader).show(app.stats, rep=app.rep, now=app.now(),  # type: ignore[attr-defined]
                                           queue_size=len(self.query_one(QueueList).items))

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

    # --- queue --------------------------------------------------------------------------------
    def refresh_queue(self, delay: float = 0.0) -> None:
        """Re-read the queue window in a worker. Results of reads begun before this call are
        dropped at once; `delay` lets the next frame paint before the worker competes for the
        GIL (after an outcome, the next prospect on screen comes first)."""
        self.queue_gen += 1
        gen = self.queue_gen
        if delay:
            self.set_timer(delay, lambda: gen == self.queue_gen and self._load_queue(gen))
        else:
            self._load_queue(gen)

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def _load_queue(self, gen: int) -> None:
        app = self.app
        at = app.now()  # type: ignore[attr-defined]
        with Session(reader(app.engine), expire_on_commit=False) as s:  # type: ignore[attr-defined]
            items = build_queue(s, app.bundle, at=at, limit=QUEUE_WINDOW, rep=app.rep)  # type: ignore[attr-defined]
            total = svc.prospect_count(s) if not items else -1
        app.call_from_thread(self._queue_loaded, gen, items, total)

    def _queue_loaded(self, gen: int, items: list[QueueItem], total: int) -> None:
        if gen != self.queue_gen:
            return  # an outcome or undo since this read began; a newer one is on its way
        now = self.app.now()  # type: ignore[attr-defined]
        self.snoozed = {pid: t for pid, t in self.snoozed.items() if t > now}  # type: ignore[operator]
        items = [it for it in items if it.prospect_id not in self.snoozed]
        back = [it for it in items if it.prospect_id in self.skipped]
        items = [it for it in items if it.prospect_id not in self.skipped] + back
        self.set_class(total == 0, "-empty")
        queue = self.query_one(QueueList)
        in_queue = {it.prospect_id for it in items}
        keep = self.current_id if self.current_id in in_queue else self._last_highlight
        queue.show(items, now, keep=keep)
        self.update_header()
        if self.current_id is None or (self.current_item is not None
                                       and self.current_id not in in_queue):
            self.select(queue.current)
        if not items and self.current_id is None:
            msg = ("" if total == 0 else
                   "Nobody is callable right now: nothing due, or outside calling hours.\n"
                   "r refreshes; / finds anyone.")
            self.query_one(DossierPane).clear_view(Text(msg, style="yellow"))

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        pid = int(event.row_key.value or 0)
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
        self.refresh_bindings()
        if self.current_id is None:
            self.query_one(DossierPane).clear_view(Text(""))
            self.query_one(ScriptPane).clear_view()
            return
        cached = self.cache.get(self.current_id)
        if cached is not None and self.app.now() - cached.at < CACHE_TTL:  # type: ignore[attr-defined]
            self.show_view(cached)
        else:
            if item is not None:
                self.query_one(DossierPane).show_pending(item)
            self.load_view(self.current_id)

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def load_view(self, prospect_id: int, prefetch: bool = False) -> None:
        app = self.app
        with Session(reader(app.engine), expire_on_commit=False) as s:  # type: ignore[attr-defined]
            view = svc.load_view(s, app.bundle, prospect_id=prospect_id, at=app.now())  # type: ignore[attr-defined]
        app.call_from_thread(self._view_loaded, prospect_id, view, prefetch)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch(self, prospect_id: int) -> None:
        # The next row's dossier, ready before the outcome key: moving on shows it at once.
        app = self.app
        with Session(reader(app.engine), expire_on_commit=False) as s:  # type: ignore[attr-defined]
            view = svc.load_view(s, app.bundle, prospect_id=prospect_id, at=app.now())  # type: ignore[attr-defined]
        app.call_from_thread(self._view_loaded, prospect_id, view, True)

    def _view_loaded(self, prospect_id: int, view: ProspectView | None, prefetch: bool) -> None:
        if view is None:
            self.cache.pop(prospect_id, None)
            if prospect_id == self.current_id:
                self.query_one(DossierPane).clear_view(Text("This prospect no longer exists.",
                                                            style="red"))
            return
        self.cache[prospect_id] = view
        if prospect_id == self.current_id:
            self.show_view(view)

    def show_view(self, view: ProspectView) -> None:
        numbers = {p.e164 for p in view.dossier.phones}
        if self.phone not in numbers:
            self.phone = view.explanation.phone
        self.query_one(DossierPane).show(view, self.phone, self.app.rep_zone,  # type: ignore[attr-defined]
                                         self.app.now())  # type: ignore[attr-defined]
        self.query_one(ScriptPane).show(view)
        queue = self.query_one(QueueList)
        index = queue.index_of(view.prospect_id)
        nxt = queue.items[index + 1] if index is not None and index + 1 < len(queue.items) else None
        if nxt is not None and nxt.prospect_id not in self.cache:
            pid = nxt.prospect_id  # after this frame paints (see refresh_queue)
            if PREFETCH_DELAY:
                self.set_timer(PREFETCH_DELAY,
                               lambda: pid not in self.cache and self._prefetch(pid))
            else:
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
        view = self.cache.get(self.current_id or -1)
        if view is None:
            return
        usable = [p.e164 for p in view.dossier.phones if p.valid and not p.bad
                  and not p.do_not_call] or [p.e164 for p in view.dossier.phones]
        if usable:
            i = usable.index(self.phone) if self.phone in usable else -1
            self.phone = usable[(i + 1) % len(usable)]
            self.show_view(view)

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
