"""The cockpit's writes: one-key outcomes, undo, the note, dial, search and the edit modals.

The outcome is written synchronously, before the screen moves on: log_outcome commits in about a
millisecond, and an acknowledgement on screen must mean the touch is in the store (SIGKILL right
after it loses nothing). Everything else that touches the database runs in a thread worker.

The store's modules are imported where they are used: the first frame is painted before the
CLI's process has loaded them (services/first_page.py); by the first key they are there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work

from dialer_tui.domain.outcomes import Outcome
from dialer_tui.domain.phones import PhoneError
from dialer_tui.domain.queue_item import QueueItem

if TYPE_CHECKING:  # imported where used: not needed for the first frame
    from sqlmodel import Session

    from dialer_tui.domain.referral import ReferralForm


@dataclass
class _Undo:
    touch_id: int
    prospect_id: int
    item: QueueItem | None
    outcome: Outcome
    name: str


class OutcomeActions:
    """Mixed into CockpitScreen (which provides select, advance, cache, refresh_queue...)."""

    def init_outcomes(self) -> None:
        self.undo_stack: list[_Undo] = []
        self.note_touch: int | None = None
        # prospect -> why the rep dialled outside the rules (D); goes on that call's touch
        self.overrides: dict[int, str] = {}

    def _session(self) -> Session:
        """A unit of work that writes (the store's modules are loaded by the first key)."""
        from sqlmodel import Session

        return Session(self.app.engine, expire_on_commit=False)  # type: ignore[attr-defined]

    def _who(self) -> str:
        view = self.cache.get(self.current_id or -1)  # type: ignore[attr-defined]
        if view is not None:
            return view.dossier.prospect.name or view.dossier.prospect.company
        item = self.current_item  # type: ignore[attr-defined]
        return (item.name or item.company) if item else f"prospect {self.current_id}"  # type: ignore[attr-defined]

    def acknowledge(self, message: str, warnings: list[str] | None = None,
                    style: str = "bold green") -> None:
        from dialer_tui.widgets.outcome_bar import OutcomeBar

        self.query_one(OutcomeBar).acknowledge(message, warnings, style)  # type: ignore[attr-defined]

    # --- outcomes -----------------------------------------------------------------------------
    def action_outcome(self, name: str) -> None:
        app = self.app  # type: ignore[attr-defined]
        disp = app.bundle.dispositions.get(name)
        if disp is None or self.current_id is None:  # type: ignore[attr-defined]
            return
        if disp.follow_up == "callback":
            self._ask_callback(disp)
        elif disp.creates_referral:
            from dialer_tui.screens.referral import ReferralScreen

            item = self.current_item  # type: ignore[attr-defined]
            view = self.cache.get(self.current_id)  # type: ignore[attr-defined]
            company = (view.dossier.prospect.company if view else item.company if item else "")
            app.push_screen(ReferralScreen(self._who(), company, app.bundle.settings.region),
                            lambda form: form and self.log_touch(disp, referral=form))
        else:
            self.log_touch(disp)

    def _ask_callback(self, disp: Outcome, error: str = "", value: str = "") -> None:
        from zoneinfo import ZoneInfo

        from dialer_tui.screens.callback import CallbackScreen

        app = self.app  # type: ignore[attr-defined]
        view = self.cache.get(self.current_id)  # type: ignore[attr-defined]
        zone = view.dossier.zone if view else (
            self.current_item.local_time.tzinfo if self.current_item else ZoneInfo("UTC"))  # type: ignore[attr-defined]
        app.push_screen(CallbackScreen(self._who(), zone, app.now(), error, value),
                        lambda text: text and self.log_touch(disp, callback=text))

    def log_touch(self, disp: Outcome, *, callback: str | None = None,
            referral: ReferralForm | None = None) -> None:
        """Commit the touch, then acknowledge and move on (in that order). When the database
        cannot take it (a full disk, a server away), the outcome is kept in the local journal
        instead, said so, and written later (services/journal.py)."""
        from sqlalchemy.exc import SQLAlchemyError

        from dialer_tui.services.calling import OutcomeError, log_outcome

        app = self.app  # type: ignore[attr-defined]
        pid = self.current_id  # type: ignore[attr-defined]
        if pid is None:
            return
        view = self.cache.get(pid)  # type: ignore[attr-defined]
        script = view.script if view else None
        who = self._who()
        self.hold_gc()  # type: ignore[attr-defined]
        what = dict(outcome=disp.name, at=app.now(), callback=callback, rep=app.rep,
                    phone=self.phone if disp.is_call and self.phone else None,  # type: ignore[attr-defined]
                    template_id=script.voicemail_id if script and disp.channel == "voicemail"
                    else "",
                    value_prop_id=script.value_prop.persona if script and disp.connect else "",
                    override=self.overrides.get(pid, "") if disp.is_call else "")
        try:
            with self._session() as s:
                logged = log_outcome(s, app.bundle, prospect_id=pid, **what)
        except SQLAlchemyError as exc:
            self._keep_locally(disp, pid, who, what, exc, referral is not None)
            return
        except OutcomeError as exc:
            if callback is not None:  # ask again, saying what was wrong with the words
                self._ask_callback(disp, str(exc), callback)
            else:
                app.notify(str(exc), severity="error", markup=False)
            return
        extra = ""
        if referral is not None:
            from dialer_tui.services.referral import create_referral

            try:
                with self._session() as s:
                    new = create_referral(s, referrer_id=pid, form=referral,
                                          region=app.bundle.settings.region, at=app.now(),
                                          touch_id=logged.touch_id)
                extra = f"; added {new.name} (referred)"
            except (PhoneError, ValueError, LookupError) as exc:
                app.notify(f"Outcome logged, but the referral was not saved: {exc}",
                           severity="error", markup=False)
        self._forget_choices(pid, disp)
        app.stats.record(disp)
        self.undo_stack.append(_Undo(logged.touch_id, pid, self.current_item, disp, who))  # type: ignore[attr-defined]
        nxt = f" - next: {logged.next_label}" if logged.next_label else ""
        self.acknowledge(f"Logged {disp.label.lower()} for {who}{nxt}{extra}", logged.warnings)
        for w in logged.warnings:
            app.notify(w, title="Callback moved" if callback else "Note", severity="warning",
                       timeout=10, markup=False)
        self.outcome_logged()  # type: ignore[attr-defined]
        self.advance(drop=True)  # type: ignore[attr-defined]
        self.after_outcome_refresh()  # type: ignore[attr-defined]
        self._start_note(logged.touch_id)
        if app.bundle.settings.dial.power_mode and self.phone:  # type: ignore[attr-defined]
            # Once the next prospect is painted: launching the dialer (a fork, or the browser
            # lookup behind tel:) would hold up that frame.
            self.call_after_refresh(self.action_dial)  # type: ignore[attr-defined]

    def _keep_locally(self, disp: Outcome, pid: int, who: str, what: dict, exc: Exception,
                      referral: bool) -> None:
        from dialer_tui.services.journal import Pending, first_line

        app = self.app  # type: ignore[attr-defined]
        said = first_line(exc)
        entry = Pending(Pending.new_id(), pid, **{**what, "at": what["at"].isoformat()})
        try:
            app.journal.append(entry)
        except OSError as err:  # the disk under the journal is full too: say it, stay here
            self.acknowledge(f"NOT SAVED: {disp.label.lower()} for {who}. The database said "
                             f"{said!r} and the local journal {err.strerror or err}; note it "
                             "by hand, then press the key again", style="bold red")
            return
        app.stats.record(disp)
        app.offline(said)
        extra = " (the referral itself was not kept: add it again later)" if referral else ""
        self.acknowledge(f"Kept on this machine: {disp.label.lower()} for {who}; written to the "
                         f"database once it is back (it said: {said}){extra}",
                         style="bold yellow")
        self._forget_choices(pid, disp)
        self.advance(drop=True)  # type: ignore[attr-defined]
        self.update_header()  # type: ignore[attr-defined]

    def _forget_choices(self, pid: int, disp: Outcome) -> None:
        """An outcome was logged: an override served its call, and next time the queue picks
        the number again."""
        if disp.is_call:
            self.overrides.pop(pid, None)
        self.chosen.pop(pid, None)  # type: ignore[attr-defined]

    def _start_note(self, touch_id: int) -> None:
        from textual.widgets import Input

        self.note_touch = touch_id
        box = self.query_one("#note", Input)  # type: ignore[attr-defined]
        box.value = ""
        box.focus()

    def save_note(self, text: str) -> None:
        from dialer_tui.widgets.queue_list import QueueList

        touch_id, self.note_touch = self.note_touch, None
        if text.strip() and touch_id is not None:
            self._save_note(touch_id, text.strip())
        from textual.widgets import Input

        self.query_one("#note", Input).value = ""  # type: ignore[attr-defined]
        self.query_one(QueueList).focus()  # type: ignore[attr-defined]

    @work(thread=True, group="note", exit_on_error=False)
    def _save_note(self, touch_id: int, text: str) -> None:
        from dialer_tui.services import cockpit as svc

        app = self.app  # type: ignore[attr-defined]
        with self._session() as s:
            ok = svc.set_touch_note(s, touch_id=touch_id, note=text)
        if ok:
            app.call_from_thread(self.acknowledge, "Note saved", None, "green")

    def action_undo(self) -> None:
        from dialer_tui.services.calling import OutcomeError, undo_touch

        app = self.app  # type: ignore[attr-defined]
        if not self.undo_stack:
            app.notify("Nothing to undo in this session")
            return
        last = self.undo_stack.pop()
        try:
            with self._session() as s:
                undo_touch(s, touch_id=last.touch_id)
        except OutcomeError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        app.stats.unrecord(last.outcome)
        if self.note_touch == last.touch_id:
            self.note_touch = None
        from dialer_tui.widgets.queue_list import QueueList

        queue = self.query_one(QueueList)  # type: ignore[attr-defined]
        self.cache.pop(last.prospect_id, None)  # type: ignore[attr-defined]
        if last.item is not None:
            queue.insert_first(last.item, app.now())
            queue.move_cursor(row=0, animate=False)
        self.current_id = None  # type: ignore[attr-defined]
        self.select(last.item, last.prospect_id)  # type: ignore[attr-defined]
        queue.focus()
        self.acknowledge(f"Undid {last.outcome.label.lower()} for {last.name}", style="yellow")
        self.refresh_queue()  # type: ignore[attr-defined]
        self.update_header()  # type: ignore[attr-defined]

    # --- between dials ------------------------------------------------------------------------
    def action_dial(self) -> None:
        """`d` (and power mode): the gate judges this number for this person now; a blocked
        dial is refused in the outcome bar with the reason and the next allowed time."""
        phone = self.phone  # type: ignore[attr-defined]
        if not phone or self.current_id is None:  # type: ignore[attr-defined]
            self.app.notify("No number to dial for this prospect", severity="warning")  # type: ignore[attr-defined]
            return
        self._check_then(self.current_id, phone, self._dial_checked)  # type: ignore[attr-defined]

    def action_dial_override(self) -> None:
        """`D`: dial outside the rules, after a confirm step that asks why (never one key)."""
        phone = self.phone  # type: ignore[attr-defined]
        if phone and self.current_id is not None:  # type: ignore[attr-defined]
            self._check_then(self.current_id, phone, self._override_checked)  # type: ignore[attr-defined]

    @work(thread=True, group="dial", exclusive=True, exit_on_error=False)
    def _check_then(self, prospect_id: int, phone: str, then) -> None:
        """The gate, asked off the UI thread; `then(check)` back on it."""
        from sqlalchemy.exc import SQLAlchemyError
        from sqlmodel import Session

        from dialer_tui.services.gate import check_dial
        from dialer_tui.services.journal import first_line
        from dialer_tui.store.engine import reader

        app = self.app  # type: ignore[attr-defined]
        try:
            with Session(reader(app.engine)) as s:
                check = check_dial(s, app.bundle, prospect_id=prospect_id, at=app.now(),
                                   e164=phone)
        except (LookupError, SQLAlchemyError) as exc:  # no rules checked: no dial
            why = str(exc) if isinstance(exc, LookupError) else (
                f"the calling rules could not be checked (database: {first_line(exc)})")
            app.call_from_thread(self.acknowledge, f"Not dialled: {why}", None, "bold red")
            return
        app.call_from_thread(then, check)

    def _dial_checked(self, check, override: str = "") -> None:
        if check.prospect_id != self.current_id or check.e164 != self.phone:  # type: ignore[attr-defined]
            return  # the rep moved on while the rules were read: dial nothing unseen
        if not check.allowed and not override:
            refusal = check.refusal()
            if check.next_allowed is not None:
                refusal += " (D: dial anyway, saying why)"
            self.acknowledge(refusal, style="bold red")
            return
        from dialer_tui.services.dial import DialError, dial

        app = self.app  # type: ignore[attr-defined]
        try:
            said = dial(check.e164, app.bundle.settings.dial, copy=app.copy_to_clipboard)
        except DialError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        if override:
            self.overrides[check.prospect_id] = override
            said += " (outside the rules: your reason goes on the touch)"
        self.acknowledge(said[0].upper() + said[1:], style="yellow" if override else "cyan")

    def _override_checked(self, check) -> None:
        if check.prospect_id != self.current_id or check.e164 != self.phone:  # type: ignore[attr-defined]
            return
        if check.allowed:
            self._dial_checked(check)  # nothing to override: a plain dial
            return
        if check.next_allowed is None:  # do-not-call, a bad number, a closed status
            self.acknowledge(check.refusal() + " (no override for this)", style="bold red")
            return
        from dialer_tui.screens.edit import OverrideScreen

        self.app.push_screen(  # type: ignore[attr-defined]
            OverrideScreen(self._who(), check.e164, check.refusal()),
            lambda reason: reason and self._dial_checked(check, reason))

    def action_search(self) -> None:
        from dialer_tui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen(), self._open)  # type: ignore[attr-defined]

    def _open(self, prospect_id: int | None) -> None:
        if not prospect_id:
            return
        from dialer_tui.widgets.queue_list import QueueList

        queue = self.query_one(QueueList)  # type: ignore[attr-defined]
        index = queue.index_of(prospect_id)
        if index is not None:
            queue.move_cursor(row=index, animate=False)
            self.select(queue.items[index])  # type: ignore[attr-defined]
        else:
            self.cache.pop(prospect_id, None)  # type: ignore[attr-defined]
            self.select(None, prospect_id)  # type: ignore[attr-defined]

    def action_add_phone(self) -> None:
        from dialer_tui.screens.edit import AddPhoneScreen

        app = self.app  # type: ignore[attr-defined]
        app.push_screen(AddPhoneScreen(self._who(), app.bundle.settings.region),
                        lambda got: got and self._add_phone(self.current_id, *got))  # type: ignore[attr-defined]

    @work(thread=True, group="edit", exit_on_error=False)
    def _add_phone(self, prospect_id: int, raw: str, kind: str, note: str) -> None:
        from dialer_tui.services import cockpit as svc

        app = self.app  # type: ignore[attr-defined]
        try:
            with self._session() as s:
                phone = svc.add_phone(s, prospect_id=prospect_id, raw=raw, kind=kind, note=note,
                                      region=app.bundle.settings.region, at=app.now())
        except (PhoneError, LookupError) as exc:
            app.call_from_thread(app.notify, str(exc), severity="error", markup=False)
            return
        app.call_from_thread(self._edited, prospect_id, f"Added {phone.e164} ({phone.kind})")

    def action_edit_notes(self) -> None:
        from dialer_tui.screens.edit import NotesScreen

        app = self.app  # type: ignore[attr-defined]
        view = self.cache.get(self.current_id)  # type: ignore[attr-defined]
        notes = view.dossier.prospect.research_notes if view else ""
        pid = self.current_id  # type: ignore[attr-defined]
        app.push_screen(NotesScreen(self._who(), notes),
                        lambda text: text is not None and self._save_research(pid, text))

    @work(thread=True, group="edit", exit_on_error=False)
    def _save_research(self, prospect_id: int, text: str) -> None:
        from dialer_tui.services import cockpit as svc

        app = self.app  # type: ignore[attr-defined]
        with self._session() as s:
            svc.set_research_notes(s, prospect_id=prospect_id, text=text, at=app.now())
        app.call_from_thread(self._edited, prospect_id, "Research notes saved")

    def _edited(self, prospect_id: int, message: str) -> None:
        self.cache.pop(prospect_id, None)  # type: ignore[attr-defined]
        self.acknowledge(message, style="green")
        if prospect_id == self.current_id:  # type: ignore[attr-defined]
            self.load_view(prospect_id)  # type: ignore[attr-defined]
        self.refresh_queue()  # type: ignore[attr-defined]
