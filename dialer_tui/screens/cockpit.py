"""The cockpit: queue, dossier, script and outcome bar on one screen.

The screen renders `services.cockpit_controller.Cockpit`'s state and hands it the keys; store work
runs in thread workers (screens/background.py) whose results come back as the messages below.
The one-key outcome is written synchronously, before the screen moves on: it commits in about a
millisecond, and an acknowledgement on screen must mean the touch is in the store (SIGKILL right
after it loses nothing). The queue window's re-reads follow services/queue_window.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Input, Static

from dialer_tui.domain.queue_item import QueueItem
from dialer_tui.screens.background import BackgroundFailed, dialer_app, in_background
from dialer_tui.screens.cockpit_dial import Dialer
from dialer_tui.screens.cockpit_lease import LeaseKeeper
from dialer_tui.screens.cockpit_messages import (
    ChangesSeen,
    Claimed,
    DialChecked,
    NextOpening,
    Opened,
    QueueRead,
    Said,
    ViewRead,
)
from dialer_tui.screens.cockpit_outcomes import OutcomeKeys
from dialer_tui.screens.cockpit_queue import QueueFeeder
from dialer_tui.screens.first_frame import FirstFrameScreen
from dialer_tui.services.cockpit_controller import (
    Cockpit,
    Host,
)
from dialer_tui.services.snoozes import SnoozeFile, snooze_path_for
from dialer_tui.widgets.dossier import DossierPane
from dialer_tui.widgets.outcome_bar import OutcomeBar, key_label
from dialer_tui.widgets.queue_list import QueueList
from dialer_tui.widgets.safe import one_line as safe_line
from dialer_tui.widgets.script_pane import ScriptPane, Stopwatch
from dialer_tui.widgets.session_header import SessionHeader

if TYPE_CHECKING:
    from dialer_tui.app import DialerApp
    from dialer_tui.services.cockpit import ProspectView


NEEDS_PROSPECT = {"outcome", "skip", "snooze", "add_phone", "edit_notes", "dial", "dial_override",
                  "next_number", "history"}

WELCOME = """Welcome to dialer-tui.

There is nobody to call yet: the database has no prospects.

  dialer-tui import FILE.csv     import a CRM export or a spreadsheet
                                 (HubSpot, Salesforce, Pipedrive, Close, plain CSV)
  dialer-tui demo                open the cockpit on a demo database

Then start dialer-tui again. Press ctrl+q to quit."""


def cockpit_screen(app: DialerApp) -> CockpitScreen:
    """The cockpit with a binding per outcome key of dispositions.yaml (ids outcome.NAME, which
    settings.keys can remap), declared as a subclass's BINDINGS: Textual's public way."""
    outcome_keys = [Binding(o.key, f"outcome('{o.name}')", o.label, show=False,
                            id=f"outcome.{o.name}") for o in app.bundle.dispositions.outcomes]
    return type("CockpitScreen", (CockpitScreen,), {"BINDINGS": outcome_keys})()


class CockpitScreen(FirstFrameScreen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("slash", "search", "Search", id="cockpit.search"),
        Binding("d", "dial", "Dial", id="cockpit.dial"),
        Binding("D", "dial_override", "Dial outside the rules (asks why)",
                id="cockpit.dial_override", show=False),
        Binding("n", "next_number", "Next number", id="cockpit.next_number", show=False),
        Binding("s", "skip", "Skip", id="cockpit.skip"),
        Binding("z", "snooze", "Snooze 1h", id="cockpit.snooze"),
        Binding("f", "filter", "Calls / tasks / all", id="cockpit.filter", show=False),
        Binding("y", "copy_task", "Copy the task's text", id="cockpit.copy_task", show=False),
        Binding("u", "undo", "Undo", id="cockpit.undo"),
        Binding("a", "add_phone", "Add number", id="cockpit.add_phone", show=False),
        Binding("e", "edit_notes", "Notes", id="cockpit.edit_notes", show=False),
        # A priority binding: it acts as the key arrives, so the letters typed right behind it
        # reach the note box (a plain binding runs only after the burst was routed elsewhere).
        Binding("c", "note", "Note on the last touch", id="cockpit.note", show=False,
                priority=True),
        Binding("o", "objections", "Objections", id="cockpit.objections", show=False),
        Binding("v", "stopwatch", "Stopwatch", id="cockpit.stopwatch", show=False),
        Binding("p", "toggle_script", "Script/dossier", id="cockpit.toggle_script", show=False),
        Binding("shift+down", "scroll_script(1)", "Script down", id="cockpit.script_down",
                show=False),
        Binding("shift+up", "scroll_script(-1)", "Script up", id="cockpit.script_up",
                show=False),
        Binding("r", "refresh", "Refresh", id="cockpit.refresh", show=False),
        Binding("h", "history", "History", id="cockpit.history", show=False),
        Binding("S", "stats", "Stats", id="cockpit.stats", show=False),
        Binding("question_mark", "help", "Help", id="cockpit.help"),
        Binding("escape", "focus_queue", "Back to queue", id="cockpit.focus_queue", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        app = self.dapp
        self.cockpit = Cockpit(Host(
            engine=lambda: app.engine, bundle=app.bundle, rep=app.rep, now=app.now,
            journal=lambda: app.journal,
            snoozes=lambda: SnoozeFile(snooze_path_for(app.journal.path))))
        self.state = self.cockpit.state
        self.feeder = QueueFeeder(self)
        self.outcomes = OutcomeKeys(self)
        self.lease = LeaseKeeper(self)
        self.dialer = Dialer(self)
        self._last_highlight: int | None = None
        self._had_prospect: bool | None = None  # what check_action last said the keys need
        self.when_painted(app.started)
        # The breakpoint class Textual would add at the first resize, already here: adding it
        # then restyles every widget once more before the first frame.
        width = app.size.width
        self.add_class(next((name for least, name in sorted(self.HORIZONTAL_BREAKPOINTS,
                                                           reverse=True) if width >= least), ""),
                       update=False)

    @property
    def dapp(self) -> DialerApp:
        return dialer_app(self)

    # --- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        bundle = self.dapp.bundle
        yield SessionHeader(id="session-header")
        yield Static(Text(WELCOME), id="welcome")
        with Horizontal(id="panes"):
            yield QueueList(id="queue")
            yield DossierPane(bundle.dispositions, id="dossier")
            yield ScriptPane(bundle.playbook, id="script")
        yield OutcomeBar(bundle.dispositions, dict(bundle.settings.keys), id="outcome")
        yield Footer()

    def on_mount(self) -> None:
        for wid, title in (("queue", "Queue"), ("dossier", "Dossier"), ("script", "Script"),
                           ("outcome", "Outcome"), ("welcome", "Welcome")):
            self.query_one(f"#{wid}").border_title = title
        self.query_one(QueueList).focus()
        self.set_interval(1, self._tick)
        if self.dapp.rep:  # renew the lease well before it runs out
            self.lease.start(self.dapp.bundle.settings.lease_minutes)
        self.update_header()
        self.when_painted(self._load_snoozes)  # the store is open once the frame is out
        self.feeder.start()

    def _tick(self) -> None:
        self.query_one(DossierPane).tick(self.dapp.now())

    def update_header(self) -> None:
        app = self.dapp
        self.query_one(SessionHeader).show(app.stats, rep=app.rep, now=app.now(),
                                           queue_size=len(self.query_one(QueueList).items),
                                           pending=app.pending, problem=app.store_problem,
                                           showing=self.state.channel_filter)

    def acknowledge(self, message: str, warnings: list[str] | None = None,
                    style: str = "bold green") -> None:
        self.query_one(OutcomeBar).acknowledge(message, warnings, style)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "note" and isinstance(self.focused, Input):
            return False  # a `c` typed into a box (the note itself, the objection filter)
        if action in NEEDS_PROSPECT and self.state.current_id is None:
            return None  # shown greyed out; the key does nothing
        return True

    def binding_rows(self) -> list[tuple[str, str, str, str]]:
        """(key, description, id, action) of every cockpit binding, after settings.keys."""
        keymap = dict(self.dapp.bundle.settings.keys)
        bindings = [b for cls in reversed(type(self).__mro__)
                    for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding)]
        return [(key_label(keymap.get(b.id, b.key) if b.id else b.key), b.description,
                 b.id or "", b.action) for b in bindings]

    @on(ScriptPane.ObjectionShown)
    def _objection_shown(self, event: ScriptPane.ObjectionShown) -> None:
        self.state.objections[event.prospect_id] = event.objection_id  # goes on the call's touch

    @on(BackgroundFailed)
    def _background_failed(self, event: BackgroundFailed) -> None:
        # A read that failed leaves what is on screen; the header says why (the database
        # went away, the disk is full), and the next read tries again.
        self.dapp.store_problem = event.said
        self.update_header()

    # --- the prospect shown -------------------------------------------------------------------
    @on(QueueList.RowHighlighted, "#queue")
    def _highlighted(self, event: QueueList.RowHighlighted) -> None:
        pid = event.prospect_id
        if pid == self._last_highlight:
            return  # a rebuild put the cursor back where it was: nothing chosen
        queue = self.query_one(QueueList)
        index = queue.index_of(pid)
        if index is not None:
            self.select(queue.items[index])

    def select(self, item: QueueItem | None, prospect_id: int | None = None) -> None:
        """Show a queue entry, or (from search) any prospect by id."""
        view = self.cockpit.select(item, prospect_id)
        pid = self.state.current_id
        if item is not None:
            self._last_highlight = item.prospect_id
        if self.dapp.rep:  # a shared list: lease the queue entry on screen, let go of who was
            # (a prospect opened from search is not leased: it may not be due, and it is
            # never moved away from under the rep)
            self.lease.on_screen(pid if item is not None else None)
        if (pid is not None) != self._had_prospect:
            # Only when check_action's answer changes: each refresh_bindings has the Footer
            # recompose its keys (mount, style, lay out the screen again): ~37 ms of CPU after
            # every outcome key though the same keys stayed enabled.
            self._had_prospect = pid is not None
            self.refresh_bindings()
        if pid is None:
            self.query_one(DossierPane).clear_view(Text(""))
            self.query_one(ScriptPane).clear_view()
        elif view is not None:
            self.show_view(view)
        else:
            if item is not None:
                self.query_one(DossierPane).show_pending(item)
            # Read once the frame is painted (the first frame: the name from the queue row).
            self.when_painted(lambda: self._load_current(pid))

    @on(Claimed)
    def _claimed(self, event: Claimed) -> None:
        self.lease.claimed(event)

    def on_unmount(self) -> None:
        if self.dapp.rep:
            self.lease.let_go()

    def _load_current(self, prospect_id: int) -> None:
        if prospect_id == self.state.current_id and self.cockpit.view(prospect_id) is None:
            view = self.dapp.take_first_view(prospect_id)
            if view is not None:  # read ahead by the CLI's child (services/first_page.py)
                self._view_read(ViewRead(prospect_id, view))
            else:
                self.load_view(prospect_id)

    def load_view(self, prospect_id: int, prefetch: bool = False) -> None:
        in_background(self, lambda: ViewRead(prospect_id, self.cockpit.read_view(prospect_id)),
                      group="prefetch" if prefetch else "view")

    @on(ViewRead)
    def _view_read(self, event: ViewRead) -> None:
        pid, view = event.prospect_id, event.view
        current = self.cockpit.remember(pid, view)
        if view is None:
            if current:
                self.query_one(DossierPane).clear_view(Text("This prospect no longer exists.",
                                                            style="red"))
        elif current:
            self.show_view(view)

    def show_view(self, view: ProspectView) -> None:
        self.cockpit.shown(view)
        app = self.dapp
        self.query_one(DossierPane).show(view, self.state.phone, app.rep_zone, app.now())
        self.query_one(ScriptPane).show(view)
        self.call_after_refresh(self.prefetch_next)  # once this frame is painted

    def prefetch_next(self) -> None:
        """Load the next row's dossier in a worker, so that moving on shows it at once."""
        queue = self.query_one(QueueList)
        index = queue.index_of(self.state.current_id)
        if index is not None and index + 1 < len(queue.items):
            pid = queue.items[index + 1].prospect_id
            if self.cockpit.view(pid) is None:
                self.load_view(pid, prefetch=True)

    def advance(self, *, drop: bool) -> None:
        """Move to the next queue entry; `drop` takes the current one out of the window."""
        queue = self.query_one(QueueList)
        pid = self.state.current_id
        index = queue.index_of(pid)
        if drop and pid is not None:
            queue.drop(pid)
            self.cockpit.forget(pid)
        elif index is not None and index + 1 < len(queue.items):
            queue.move_cursor(row=index + 1, animate=False)
        self.select(queue.current)
        self.update_header()

    # --- the queue window (its reads: screens/cockpit_queue.py) -------------------------------
    def refresh_queue(self, *, clear_cache: bool = False) -> None:
        self.feeder.refresh(clear_cache=clear_cache)

    @on(ChangesSeen)
    def _changes_seen(self, event: ChangesSeen) -> None:
        self.feeder.changes_seen(event)

    @on(QueueRead)
    def queue_read(self, event: QueueRead) -> None:
        """A read of the queue window: shown, unless a newer read superseded it."""
        if not self.feeder.window.loaded(event.gen, len(event.items), event.limit):
            return  # an outcome or undo since this read began; a newer one is on its way
        now = self.dapp.now()
        items = self.cockpit.arrange(event.items, now)
        self.set_class(event.total == 0, "-empty")
        queue = self.query_one(QueueList)
        in_queue = {it.prospect_id for it in items}
        st = self.state
        keep = st.current_id if st.current_id in in_queue else self._last_highlight
        queue.show(items, now, keep=keep)
        self.update_header()
        if st.current_id is None or (st.current_item is not None
                                     and st.current_id not in in_queue):
            self.select(queue.current)
        else:
            self.prefetch_next()
        if not items and st.current_id is None:
            msg = ("" if event.total == 0 else
                   "Nobody is callable right now: nothing due, or outside calling hours.\n"
                   "r refreshes; / finds anyone.")
            self.query_one(DossierPane).clear_view(Text(msg, style="yellow"))
            if event.total != 0:  # say when that changes (a read of a few candidates)
                in_background(self, lambda: NextOpening(self.cockpit.next_opening()),
                              group="opening")

    @on(NextOpening)
    def _next_opening(self, event: NextOpening) -> None:
        if self.state.current_id is not None or self.query_one(QueueList).items:
            return  # someone came into the queue meanwhile
        item, app = event.item, self.dapp
        text = Text("Nobody is callable right now.\n", style="yellow")
        if item is None or item.due_at is None:
            text.append("Nobody comes due in the next two weeks. / finds anyone.")
        else:
            theirs = item.due_at.astimezone(item.local_time.tzinfo)
            mine = item.due_at.astimezone(app.rep_zone)
            text.append(f"Next: {safe_line(item.name or item.company)} at {theirs:%a %H:%M} "
                        f"their time ({item.verdict.time_zone}), {mine:%a %H:%M} yours.\n",
                        style="bold")
            text.append("The queue fills in by itself then; / finds anyone now.")
        self.query_one(DossierPane).clear_view(text)

    # --- outcomes (screens/cockpit_outcomes.py) ------------------------------------------------
    async def action_outcome(self, name: str) -> None:
        await self.outcomes.key(name)  # awaited: the keys behind it wait their turn

    def action_note(self) -> None:
        self.outcomes.open_note()

    @on(Input.Submitted, "#note")
    def _note_submitted(self, event: Input.Submitted) -> None:
        self.outcomes.note_submitted(event.value)

    async def action_undo(self) -> None:
        await self.outcomes.undo()

    # --- between dials ------------------------------------------------------------------------
    def action_dial(self) -> None:
        """`d` (and power mode): screens/cockpit_dial.py."""
        self.dialer.dial(override=False)

    def action_dial_override(self) -> None:
        """`D`: dial outside the rules, after a form that asks why."""
        self.dialer.dial(override=True)

    @on(DialChecked)
    def _dial_checked(self, event: DialChecked) -> None:
        self.dialer.checked(event)

    def action_skip(self) -> None:
        who = self.cockpit.who()
        self.cockpit.skip()
        self.acknowledge(f"Skipped {who}: back at the end of the queue", style="dim")
        self.advance(drop=False)

    def action_snooze(self) -> None:
        said = self.cockpit.snooze()
        if said:
            self.acknowledge(said, style="dim")
            self.advance(drop=True)

    def _load_snoozes(self) -> None:
        before = set(self.state.snoozed)
        self.cockpit.load_snoozes()
        if set(self.state.snoozed) - before:  # the first screenful may hold one: read again
            self.refresh_queue()

    def action_filter(self) -> None:
        shown = self.cockpit.cycle_filter()
        self.acknowledge({"all": "Showing calls and tasks", "calls": "Showing calls only",
                          "tasks": "Showing written tasks only (email, LinkedIn, letter)"}[shown],
                         style="cyan")
        self.refresh_queue()
        self.update_header()

    def action_copy_task(self) -> None:
        """The due email / LinkedIn / letter text (subject first), for the rep's mail client."""
        view = self.cockpit.view()
        task = view.task if view else None
        if task is None:
            self.acknowledge("No written task due for this prospect", style="yellow")
            return
        text = (f"{task.subject.text}\n\n" if task.subject else "") + task.text.text
        self.dapp.copy_to_clipboard(text)
        self.acknowledge(f"Copied the {task.channel} text to the clipboard", style="cyan")

    def action_next_number(self) -> None:
        """The next dialable number, judged afresh: the dossier's verdict is re-read for it
        before it says "callable"."""
        phone, said = self.cockpit.next_number()
        if said:
            self.acknowledge(said, style="cyan" if phone else "yellow")
        if phone and self.state.current_id is not None:
            self.load_view(self.state.current_id)

    def action_focus_queue(self) -> None:
        box = self.query_one("#note", Input)
        if box.has_focus:  # Esc in the note: leave it unsaved, the touch keeps its note slot
            box.value = ""
        self.query_one(QueueList).focus()

    def action_refresh(self) -> None:
        self.cockpit.forget()
        self.refresh_queue()
        if self.state.current_id is not None:
            self.load_view(self.state.current_id)

    def action_objections(self) -> None:
        self.query_one(ScriptPane).focus_filter()

    def action_stopwatch(self) -> None:
        self.query_one(Stopwatch).toggle()

    def action_scroll_script(self, pages: int) -> None:
        """The script pane (the dossier where it is hidden, at 80 columns) by half a screen,
        without leaving the queue: an objection's answer below the fold, without the mouse."""
        pane: ScriptPane | DossierPane = self.query_one(ScriptPane)
        if not pane.display or not pane.region.width:
            pane = self.query_one(DossierPane)
        pane.scroll_relative(y=pages * max(1, pane.size.height // 2), animate=False)

    def action_toggle_script(self) -> None:
        self.toggle_class("-script")

    def action_help(self) -> None:
        from dialer_tui.screens.help import HelpScreen

        self.dapp.push_screen(HelpScreen([(k, d, i) for k, d, i, _a in self.binding_rows()]))

    def action_history(self) -> None:
        from dialer_tui.screens.history import HistoryScreen

        if self.state.current_id is not None:
            self.dapp.push_screen(HistoryScreen(self.state.current_id))

    def action_stats(self) -> None:
        from dialer_tui.screens.stats import StatsScreen

        self.dapp.push_screen(StatsScreen())

    def action_search(self) -> None:
        from dialer_tui.screens.search import SearchScreen

        self.dapp.push_screen(SearchScreen(), self.open_prospect)

    def open_prospect(self, prospect_id: int | str | None) -> None:
        """A search hit (an id), or a number no one has (a str): the caller, added as a new
        prospect and opened."""
        if isinstance(prospect_id, str):
            e164 = prospect_id

            def work() -> Message:
                from dialer_tui.domain.phones import PhoneError

                try:
                    return Opened(self.cockpit.add_inbound(e164),
                                  f"Added {e164} as a new prospect (e: notes)")
                except (PhoneError, LookupError) as exc:
                    return Said(str(exc), error=True)

            in_background(self, work, group="edit", exclusive=False)
            return
        if not prospect_id:
            return
        queue = self.query_one(QueueList)
        index = queue.index_of(prospect_id)
        if index is not None:
            queue.move_cursor(row=index, animate=False)
            self.select(queue.items[index])
        else:
            self.cockpit.forget(prospect_id)
            self.select(None, prospect_id)

    # --- edits between dials ----------------------------------------------------------------
    def action_add_phone(self) -> None:
        from dialer_tui.screens.edit import AddPhoneScreen

        pid = self.state.current_id
        self.dapp.push_screen(AddPhoneScreen(self.cockpit.who(), self.cockpit.typing_region()),
                              lambda got: got and pid is not None and self._add_phone(pid, *got))

    def _add_phone(self, prospect_id: int, raw: str, kind: str, note: str) -> None:
        from dialer_tui.domain.phones import PhoneError

        def work() -> Message:
            try:
                return Said(self.cockpit.add_phone(prospect_id, raw, kind, note),
                            prospect_id=prospect_id)
            except (PhoneError, LookupError) as exc:
                return Said(str(exc), error=True)

        in_background(self, work, group="edit", exclusive=False)

    def action_edit_notes(self) -> None:
        from dialer_tui.screens.edit import NotesScreen

        view, pid = self.cockpit.view(), self.state.current_id
        notes = view.dossier.prospect.research_notes if view else ""
        self.dapp.push_screen(
            NotesScreen(self.cockpit.who(), notes),
            lambda text: text is not None and pid is not None and in_background(
                self, lambda: Said(self.cockpit.save_research(pid, text), prospect_id=pid),
                group="edit", exclusive=False))

    @on(Opened)
    def _opened(self, event: Opened) -> None:
        self.acknowledge(event.said, style="green")
        self.open_prospect(event.prospect_id)

    @on(Said)
    def _said(self, event: Said) -> None:
        if event.error:
            self.dapp.notify(event.text, severity="error", markup=False)
            return
        self.acknowledge(event.text, style=event.style)
        if event.prospect_id is not None:  # its dossier changed: read it again
            self.cockpit.forget(event.prospect_id)
            if event.prospect_id == self.state.current_id:
                self.load_view(event.prospect_id)
            self.refresh_queue()

