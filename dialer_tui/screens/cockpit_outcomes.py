"""The outcome keys (1-9, m, l, t, w), the note on the touch just logged, and undo.

The outcome is written before the screen moves on, so an acknowledgement on screen means the
touch is in the store or in the local journal (SIGKILL right after it loses nothing). The write
runs in a thread, never on the UI thread: the screen keeps painting, and the keys typed meanwhile
wait in order (the key handler awaits it), so a key never lands on the prospect being left. A
database that does not answer within OUTCOME_WAIT_S (a stalled or restarting server) is not waited
for: the outcome goes to the journal under the same client id, and moving on goes ahead. Then the
next prospect is shown with the keyboard still the rep's: the note is opt-in (`c`). Part of the
cockpit screen, which owns one OutcomeKeys and hands it these keys."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable, TypeVar

from textual.widgets import Input

from dialer_tui.domain.outcomes import Outcome
from dialer_tui.screens.background import in_background
from dialer_tui.screens.cockpit_messages import Said
from dialer_tui.services.cockpit_controller import KeptLocally, NotSaved, Refused, Stored
from dialer_tui.widgets.queue_list import QueueList
from dialer_tui.widgets.safe import one_line as safe_line
from dialer_tui.widgets.script_pane import Stopwatch

if TYPE_CHECKING:
    from dialer_tui.domain.referral import ReferralForm
    from dialer_tui.screens.cockpit import CockpitScreen

NOTE_HINT = "c: note on the last touch"
OUTCOME_WAIT_S = 2.0  # the longest an outcome key waits for the database before the journal
T = TypeVar("T")


async def off_the_ui_thread(work: Callable[[], T]) -> T:
    """`work()` in a thread, awaited: the event loop (painting, timers) goes on meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(None, work)


class OutcomeKeys:
    def __init__(self, screen: CockpitScreen) -> None:
        self.screen = screen
        self.cockpit = screen.cockpit

    async def key(self, name: str) -> None:
        app = self.screen.dapp
        disp = app.bundle.dispositions.get(name)
        if disp is None or self.cockpit.state.current_id is None:
            return
        if disp.follow_up == "callback" or disp.asks:
            self._ask_callback(disp)
        elif disp.creates_referral:
            from dialer_tui.screens.referral import ReferralScreen

            app.push_screen(ReferralScreen(self.cockpit.who(), self.cockpit.company(),
                                           self.cockpit.typing_region()),
                            lambda form: form and self.log_touch(disp, referral=form))
        else:
            await self.log_touch(disp)

    def _ask_callback(self, disp: Outcome, error: str = "", value: str = "") -> None:
        from zoneinfo import ZoneInfo

        from dialer_tui.screens.callback import CallbackScreen

        app, view, item = self.screen.dapp, self.cockpit.view(), self.cockpit.state.current_item
        zone = view.dossier.zone if view else (
            item.local_time.tzinfo if item and item.local_time.tzinfo else ZoneInfo("UTC"))
        app.push_screen(CallbackScreen(self.cockpit.who(), zone, app.now(),
                                       error.removeprefix("--when: "), value,
                                       prospect_id=self.cockpit.state.current_id,
                                       phone=self.cockpit.state.phone or None,
                                       asks=disp.asks or "callback"),
                        # None: cancelled; "": no time given (a meeting, a gatekeeper)
                        lambda text: text is not None and self.log_touch(
                            disp, callback=text or None))

    async def log_touch(self, disp: Outcome, *, callback: str | None = None,
                        referral: ReferralForm | None = None) -> None:
        """Commit the touch, then acknowledge and move on (in that order)."""
        if self.cockpit.state.current_id is None:
            return
        app, who = self.screen.dapp, self.cockpit.who()
        # What the voicemail stopwatch measured goes on the touch (the script pane resets it
        # for the next prospect).
        seconds = (self.screen.query_one(Stopwatch).seconds() if disp.channel == "voicemail"
                   else None)
        draft = self.cockpit.draft(disp, callback=callback, referral=referral, duration_s=seconds)
        writing = asyncio.ensure_future(off_the_ui_thread(lambda: self.cockpit.write(draft)))
        try:
            # shielded: a write that lands late is not cut off (the journal's copy of it,
            # with the same client id, then writes nothing)
            result = await asyncio.wait_for(asyncio.shield(writing), OUTCOME_WAIT_S)
        except asyncio.TimeoutError:
            result = await off_the_ui_thread(lambda: self.cockpit.keep_locally(
                draft, f"no answer within {OUTCOME_WAIT_S:g} s"))
            writing.add_done_callback(self._landed_late)
        self.cockpit.settle(draft, result)
        if isinstance(result, Refused):
            if callback is not None:  # ask again, saying what was wrong with the words
                self._ask_callback(disp, result.said, callback)
            else:
                app.notify(result.said, severity="error", markup=False)
            return
        if isinstance(result, NotSaved):  # say it, stay here
            self.screen.acknowledge(f"NOT SAVED: {disp.label.lower()} for {who}. The database said "
                             f"{result.said!r} and the local journal {result.journal_said}; "
                             "note it by hand, then press the key again", style="bold red")
            return
        app.stats.record(disp)
        if isinstance(result, KeptLocally):
            app.offline(result.said)
            extra = " (the referral itself was not kept: add it again later)" if referral else ""
            self.screen.acknowledge(f"Kept on this machine: {disp.label.lower()} for {who}; "
                                    f"written to the database once it is back (it said: "
                                    f"{result.said}){extra}", style="bold yellow")
            self.screen.advance(drop=True)
            return
        assert isinstance(result, Stored)
        logged = result.logged
        if result.referral_failed:
            app.notify(result.referral_said, severity="error", markup=False)
        extra = "" if result.referral_failed else result.referral_said
        nxt = f" - next: {logged.next_label}" if logged.next_label else ""
        self.screen.acknowledge(f"Logged {disp.label.lower()} for {who}{nxt}{extra}",
                                logged.warnings)
        for w in logged.warnings:
            app.notify(w, title="Callback moved" if callback else "Note", severity="warning",
                       timeout=10, markup=False)
        queue = self.screen.query_one(QueueList)
        self.screen.advance(drop=True)
        left = len(queue.items) - (queue.index_of(self.cockpit.state.current_id) or 0)
        self.screen.feeder.after_outcome(left)
        self._offer_note(f"{disp.label.lower()} for {who}")
        if app.bundle.settings.dial.power_mode and self.cockpit.state.phone:
            # Once the next prospect is painted: launching the dialer (a fork, or the browser
            # lookup behind tel:) would hold up that frame.
            self.screen.call_after_refresh(self.screen.action_dial)

    def _landed_late(self, writing: asyncio.Future) -> None:
        """The write given up on has finished. Stored: the journal's copy writes nothing at
        its replay. Anything else (kept in the journal a second time, when it failed after the
        replay wrote it, say): the header counts what waits, and the replay runs again."""
        failed = writing.cancelled() or writing.exception() is not None \
            or not isinstance(writing.result(), Stored)
        if failed and self.screen.is_attached:  # (not after the app has quit)
            self.screen.dapp.offline("an outcome written late")

    def _offer_note(self, what: str) -> None:
        """The note is opt-in: the next prospect keeps the keyboard (keys typed on are its
        keys), and `c` opens the note for the touch just logged."""
        box = self.screen.query_one("#note", Input)
        box.value = ""
        box.placeholder = f"c: note on the last touch ({safe_line(what)})"

    def open_note(self) -> None:
        if self.cockpit.state.note_touch is None:
            self.screen.acknowledge("No touch to note yet in this session", style="yellow")
            return
        box = self.screen.query_one("#note", Input)
        box.placeholder = "note: Enter saves, Esc leaves it"
        # Now, in this key's turn (Widget.focus would wait for the queue): the letters typed
        # right behind `c` are the note's, not cockpit keys ("a" adds a number).
        self.screen.set_focus(box)

    def note_submitted(self, value: str) -> None:
        touch_id, text = self.cockpit.take_note_touch(), value.strip()
        if text and touch_id is not None:
            in_background(self.screen, lambda: Said("Note saved") if self.cockpit.save_note(
                touch_id, text) else None, group="note", exclusive=False)
        box = self.screen.query_one("#note", Input)
        box.value, box.placeholder = "", NOTE_HINT
        self.screen.query_one(QueueList).focus()

    async def undo(self) -> None:
        app = self.screen.dapp
        target = self.cockpit.last_undo()
        if target is None:
            app.notify("Nothing to undo in this session")
            return
        try:
            said, final = await asyncio.wait_for(
                off_the_ui_thread(lambda: self.cockpit.write_undo(target)), OUTCOME_WAIT_S)
        except asyncio.TimeoutError:  # it may land yet: `u` again then says it is done
            app.notify(f"Undo: the database did not answer within {OUTCOME_WAIT_S:g} s; "
                       "u again to retry", severity="error")
            return
        last = self.cockpit.undone(target, said, final)
        if isinstance(last, str):
            app.notify(last, severity="error", markup=False)
            return
        app.stats.unrecord(last.outcome)
        queue = self.screen.query_one(QueueList)
        if last.item is not None:
            queue.insert_first(last.item, app.now())
            queue.move_cursor(row=0, animate=False)
        self.screen.select(last.item, last.prospect_id)
        queue.focus()
        self.screen.acknowledge(f"Undid {last.outcome.label.lower()} for {last.name}",
                                style="yellow")
        self.screen.refresh_queue()
        self.screen.update_header()
