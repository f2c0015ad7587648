"""The cockpit's state and what it does with it, without Textual.

`CockpitState` is everything the cockpit remembers (who is on screen and on which number, the
dossiers read, skips and snoozes, the undo stack, the touch awaiting a note); `Cockpit` changes it
and does the store work behind each key. Screens render the state and call these methods; the
store methods block, so the screen runs them in a worker (screens/background.py); the one-key
outcome is drafted at the key, written in a thread and settled before the screen moves on
(`draft`, `write`, `settle`).

Plain data in and out: queue rows (domain.queue_item.QueueItem), dossiers (ProspectView), and the
result types below. The store's modules are imported where they are used: the cockpit's first
frame is painted before they are loaded (services/first_page.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

from dialer_tui.domain.outcomes import Outcome
from dialer_tui.domain.queue_item import QueueItem

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from dialer_tui.domain.referral import ReferralForm
    from dialer_tui.services.bundle import Bundle
    from dialer_tui.services.calling import Logged
    from dialer_tui.services.cockpit import ProspectView
    from dialer_tui.services.gate import DialCheck
    from dialer_tui.services.journal import Journal
    from dialer_tui.services.snoozes import SnoozeFile

SNOOZE = timedelta(hours=1)
CHANNEL_FILTERS = ("all", "calls", "tasks")  # `f` cycles: everything, calls only, written tasks
VIEW_TTL = timedelta(seconds=60)  # a dossier read longer ago than this is read again
VIEWS_KEPT = 24  # dossiers kept (each holds its history); the one on screen always stays


@dataclass
class Undo:
    touch_id: int
    prospect_id: int
    item: QueueItem | None  # the queue row it had, put back first on undo
    outcome: Outcome
    name: str


@dataclass
class CockpitState:
    current_id: int | None = None
    current_item: QueueItem | None = None  # None when opened from search (not in the queue)
    phone: str = ""  # E.164 the next dial and call outcome use: the one the dossier judged
    chosen: dict[int, str] = field(default_factory=dict)  # prospect -> number picked with `n`
    overrides: dict[int, str] = field(default_factory=dict)  # prospect -> why, dialled with D
    objections: dict[int, str] = field(default_factory=dict)  # prospect -> answer last opened
    snoozed: dict[int, datetime] = field(default_factory=dict)  # prospect -> until
    skipped: list[int] = field(default_factory=list)  # oldest skip first
    views: dict[int, ProspectView] = field(default_factory=dict)  # newest last
    undo_stack: list[Undo] = field(default_factory=list)
    note_touch: int | None = None  # the touch the note line writes to
    channel_filter: str = "all"  # one of CHANNEL_FILTERS
    leased: int | None = None  # the prospect this cockpit holds the lease on (a shared list)


# --- what the writes answer ------------------------------------------------------------------
@dataclass(frozen=True)
class Stored:
    """The touch is in the store."""

    logged: Logged
    undo: Undo
    referral_said: str  # "; added Sam Patel (referred)", or why the referral was not saved
    referral_failed: bool


@dataclass(frozen=True)
class KeptLocally:
    """The database could not take it; it waits in the local journal (services/journal.py)."""

    said: str  # what the database said, one line


@dataclass(frozen=True)
class NotSaved:
    """Neither the database nor the journal took it: nothing was acknowledged."""

    said: str
    journal_said: str


@dataclass(frozen=True)
class Refused:
    """The outcome's input was wrong (a callback time that cannot be read)."""

    said: str


OutcomeResult = Stored | KeptLocally | NotSaved | Refused


@dataclass(frozen=True)
class Draft:
    """An outcome key as pressed: everything its write needs, read from the screen at the key."""

    client_id: str
    prospect_id: int
    item: QueueItem | None
    outcome: Outcome
    who: str
    what: dict  # log_outcome's keywords
    referral: ReferralForm | None = None


@dataclass(frozen=True)
class Host:
    """What the cockpit needs from the app: opened lazily (the engine after the first frame)."""

    engine: Callable[[], Engine]
    bundle: Bundle
    rep: str
    now: Callable[[], datetime]
    journal: Callable[[], Journal]
    snoozes: Callable[[], SnoozeFile] | None = None  # kept across restarts (services/snoozes.py)


class Cockpit:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.state = CockpitState()

    # --- the prospect on screen ------------------------------------------------------------
    def select(self, item: QueueItem | None, prospect_id: int | None = None
               ) -> ProspectView | None:
        """Put a queue entry (or any prospect, from search) on screen; its dossier if one read
        less than VIEW_TTL ago is at hand, else None (read it: `read_view`)."""
        st = self.state
        st.current_item = item
        st.current_id = item.prospect_id if item else prospect_id
        st.phone = item.phone if item else ""
        if st.current_id is None:
            return None
        view = st.views.get(st.current_id)
        if view is not None and self.host.now() - view.at < VIEW_TTL:
            return view
        st.views.pop(st.current_id, None)
        return None

    def remember(self, prospect_id: int, view: ProspectView | None) -> bool:
        """Keep a dossier just read (None: the prospect is gone). True if it is the current."""
        st = self.state
        st.views.pop(prospect_id, None)
        if view is not None:
            st.views[prospect_id] = view
            for old in [pid for pid in st.views if pid not in (st.current_id, prospect_id)]:
                if len(st.views) <= VIEWS_KEPT:
                    break
                del st.views[old]
        return prospect_id == st.current_id

    def forget(self, prospect_id: int | None = None) -> None:
        """Read these dossiers again when next needed (all of them when no id is given)."""
        if prospect_id is None:
            self.state.views.clear()
        else:
            self.state.views.pop(prospect_id, None)

    def view(self, prospect_id: int | None = None) -> ProspectView | None:
        pid = self.state.current_id if prospect_id is None else prospect_id
        return self.state.views.get(pid) if pid is not None else None

    def phone_for(self, view: ProspectView, phone: str) -> str:
        """The number a dial and a call outcome use: the one the dossier's verdict judged (the
        queue's pick, or the rep's choice with `n`), so what the screen says is what `d` asks."""
        if view.explanation.phone:
            return view.explanation.phone
        return phone if phone in {p.e164 for p in view.dossier.phones} else ""

    def shown(self, view: ProspectView) -> None:
        """The dossier is on screen: its number is the one `d` dials."""
        self.state.phone = self.phone_for(view, self.state.phone)

    def who(self) -> str:
        st = self.state
        view = self.view()
        p, item = (view.dossier.prospect if view else None), st.current_item
        # (an inbound caller added from search has neither name nor company yet)
        return ((p.name or p.company) if p else (item.name or item.company) if item else ""
                ) or f"prospect {st.current_id}"

    def typing_region(self) -> str:
        """Where a number typed for the prospect on screen is read (their country, services and
        forms alike: "020 7946 0123" for a Londoner is a London number)."""
        from dialer_tui.domain.phones import typing_region

        view, default = self.view(), self.host.bundle.settings.region
        if view is None:
            return default
        return typing_region(view.dossier.prospect.country,
                             [p.e164 for p in view.dossier.phones], default)

    def company(self) -> str:
        view, item = self.view(), self.state.current_item
        return view.dossier.prospect.company if view else item.company if item else ""

    # --- the queue window ------------------------------------------------------------------
    def arrange(self, items: list[QueueItem], now: datetime) -> list[QueueItem]:
        """The queue as this rep works it: snoozed entries out until their hour is up, skipped
        ones at the back in the order they were skipped."""
        st = self.state
        st.snoozed = {pid: t for pid, t in st.snoozed.items() if t > now}
        items = [it for it in items if it.prospect_id not in st.snoozed
                 and (st.channel_filter == "all"
                      or (it.channel == "call") == (st.channel_filter == "calls"))]
        back = {it.prospect_id: it for it in items if it.prospect_id in st.skipped}
        return ([it for it in items if it.prospect_id not in back]
                + [back[pid] for pid in st.skipped if pid in back])

    def skip(self) -> None:
        pid = self.state.current_id
        if pid is not None:
            self.state.skipped = [p for p in self.state.skipped if p != pid] + [pid]

    def snooze(self) -> str | None:
        """Snooze the prospect on screen for an hour; what to say (None: nobody on screen)."""
        pid = self.state.current_id
        if pid is None:
            return None
        self.state.snoozed[pid] = self.host.now() + SNOOZE
        if self.host.snoozes is None:
            return "Snoozed for an hour"
        try:
            self.host.snoozes().save(self.state.snoozed)
        except OSError as exc:
            return f"Snoozed for an hour (this session only: {exc.strerror or exc})"
        return "Snoozed for an hour"

    def load_snoozes(self) -> None:
        """The snoozes of an earlier session still running (once the store is open)."""
        if self.host.snoozes is not None:
            self.state.snoozed.update(self.host.snoozes().load(self.host.now()))

    def cycle_filter(self) -> str:
        """Everything, calls only, written tasks only (email, LinkedIn, letter): the next."""
        st = self.state
        st.channel_filter = CHANNEL_FILTERS[(CHANNEL_FILTERS.index(st.channel_filter) + 1)
                                            % len(CHANNEL_FILTERS)]
        return st.channel_filter

    def next_number(self) -> tuple[str | None, str]:
        """Switch to the next dialable number (never a do-not-call, bad or invalid one): (the
        number, what to say); (None, why not)."""
        st = self.state
        view = self.view()
        if view is None or st.current_id is None:
            return None, ""
        usable = [n["phone"] for n in view.explanation.numbers if n["state"] == "ok"]
        if len(usable) < 2:
            return None, ("No other dialable number on file" if usable else
                          "No dialable number on file")
        i = usable.index(st.phone) if st.phone in usable else -1
        st.phone = st.chosen[st.current_id] = usable[(i + 1) % len(usable)]
        return st.phone, f"Number: {st.phone} (checking the rules for it)"

    # --- reads (blocking: run them in a worker) --------------------------------------------
    def _reader(self) -> Session:
        from dialer_tui.services.units import reading

        return reading(self.host.engine())

    def _writer(self) -> Session:
        from dialer_tui.services.units import writing

        return writing(self.host.engine())

    def read_view(self, prospect_id: int) -> ProspectView | None:
        from dialer_tui.services import cockpit as svc

        with self._reader() as s:
            return svc.load_view(s, self.host.bundle, prospect_id=prospect_id,
                                 at=self.host.now(), phone=self.state.chosen.get(prospect_id))

    def read_queue(self, limit: int) -> tuple[list[QueueItem], int]:
        """The next `limit` queue entries; the prospect count (-1 if not needed: entries)."""
        from dialer_tui.services.queue import read_queue_window

        h = self.host
        return read_queue_window(h.engine(), h.bundle, at=h.now(), limit=limit, rep=h.rep)

    def next_opening(self) -> QueueItem | None:
        """Who the empty queue next offers, and when (its due_at)."""
        from dialer_tui.services.queue import next_opening

        h = self.host
        with self._reader() as s:
            return next_opening(s, h.bundle, at=h.now(), rep=h.rep)

    def change_token(self) -> tuple:
        from dialer_tui.store.repo import change_token

        with self._reader() as s:
            return change_token(s)

    def check_dial(self, prospect_id: int, phone: str) -> DialCheck | str:
        """The gate's answer for this number now, or why the rules could not be checked (then
        nothing is dialled)."""
        from sqlalchemy.exc import SQLAlchemyError

        from dialer_tui.services.gate import check_dial
        from dialer_tui.services.journal import first_line

        try:
            with self._reader() as s:
                return check_dial(s, self.host.bundle, prospect_id=prospect_id,
                                  at=self.host.now(), e164=phone)
        except LookupError as exc:
            return str(exc)
        except SQLAlchemyError as exc:
            return f"the calling rules could not be checked (database: {first_line(exc)})"

    # --- writes ----------------------------------------------------------------------------
    def claim(self, prospect_id: int, version: int | None = None) -> str | None:
        """Lease (or renew the lease on) the prospect on screen; the other rep's name if they
        hold it. `version`: the queue row's, so a prospect changed since the screen read it
        (another rep's outcome) is not taken. Runs in a worker: `claimed` records the result."""
        from dialer_tui.services.queue import claim

        h = self.host
        with self._writer() as s:
            return claim(s, prospect_id=prospect_id, rep=h.rep, at=h.now(),
                         lease_minutes=h.bundle.settings.lease_minutes, version=version)

    def claimed(self, prospect_id: int, holder: str | None) -> None:
        if holder is None:
            self.state.leased = prospect_id
        elif self.state.leased == prospect_id:
            self.state.leased = None

    def release(self, prospect_id: int) -> None:
        """Blocking (a worker, or at quit): let go of this rep's lease on the prospect."""
        from dialer_tui.store.repo import release_leases

        with self._writer() as s:
            release_leases(s, rep=self.host.rep, prospect_ids=[prospect_id])

    def to_release(self) -> int | None:
        """The lease to let go of now that another prospect is on screen, if any."""
        st = self.state
        if st.leased is not None and st.leased != st.current_id:
            leased, st.leased = st.leased, None
            return leased
        return None

    def log(self, disp: Outcome, *, callback: str | None = None,
            referral: ReferralForm | None = None, duration_s: int | None = None
            ) -> OutcomeResult:
        """Draft, write and settle in one go (the CLI-like path the tests drive); the screen
        runs `write` in a thread and bounds the wait (screens/cockpit_outcomes.py)."""
        draft = self.draft(disp, callback=callback, referral=referral, duration_s=duration_s)
        return self.settle(draft, self.write(draft))

    def draft(self, disp: Outcome, *, callback: str | None = None,
              referral: ReferralForm | None = None, duration_s: int | None = None) -> Draft:
        """What the outcome key means now, for the prospect and number on screen (read on the
        UI thread, at the key, so a write finishing later cannot log what the rep did not see).
        The touch's client-made id is chosen here: whichever of the write and the journal lands
        it, the touch is written once."""
        from dialer_tui.services.journal import Pending

        st, h = self.state, self.host
        pid = st.current_id
        assert pid is not None, "an outcome needs a prospect on screen"
        view = self.view()
        script = view.script if view else None
        what = dict(outcome=disp.name, at=h.now(), callback=callback, rep=h.rep,
                    phone=st.phone if disp.is_call and st.phone else None,
                    template_id=script.voicemail_id if script and disp.channel == "voicemail"
                    else "",
                    value_prop_id=script.value_prop.persona if script and disp.connect else "",
                    override=st.overrides.get(pid, "") if disp.is_call else "",
                    objection_id=st.objections.get(pid, "") if disp.is_call else "",
                    duration_s=duration_s if disp.is_call else None)
        st.note_touch = None  # `c` meanwhile must not note the touch before this one
        return Draft(Pending.new_id(), pid, st.current_item, disp, self.who(), what, referral)

    def write(self, draft: Draft) -> OutcomeResult:
        """The store work of an outcome: safe in any thread (it touches no state). When the
        database cannot take it, the outcome goes to the local journal."""
        from sqlalchemy.exc import SQLAlchemyError

        from dialer_tui.services.calling import OutcomeError, log_outcome

        try:
            with self._writer() as s:
                logged = log_outcome(s, self.host.bundle, prospect_id=draft.prospect_id,
                                     client_id=draft.client_id, **draft.what)
        except SQLAlchemyError as exc:
            from dialer_tui.services.journal import first_line

            return self.keep_locally(draft, first_line(exc))
        except OutcomeError as exc:
            return Refused(str(exc))
        said, failed = "", False
        if draft.referral is not None:
            said, failed = self._add_referral(draft.prospect_id, draft.referral, logged.touch_id)
        undo = Undo(logged.touch_id, draft.prospect_id, draft.item, draft.outcome, draft.who)
        return Stored(logged, undo, said, failed)

    def keep_locally(self, draft: Draft, said: str) -> KeptLocally | NotSaved:
        """Into the local journal (fsynced): also when the database has not answered in time,
        with the same client id, so a write that lands after all is not made twice."""
        from dialer_tui.services.journal import Pending

        what = draft.what
        entry = Pending(draft.client_id, draft.prospect_id,
                        **{**what, "at": what["at"].isoformat()})
        try:
            self.host.journal().append(entry)
        except OSError as err:  # the disk under the journal is full too
            return NotSaved(said, str(err.strerror or err))
        return KeptLocally(said)

    def settle(self, draft: Draft, result: OutcomeResult) -> OutcomeResult:
        """Back on the UI thread: what the cockpit remembers of an outcome that was kept."""
        st, pid = self.state, draft.prospect_id
        if isinstance(result, (Stored, KeptLocally)):
            self._forget_choices(pid, draft.outcome)
        if isinstance(result, Stored):
            if st.leased == pid:
                st.leased = None  # log_outcome released it
            st.undo_stack.append(result.undo)
            st.note_touch = result.logged.touch_id
        return result

    def _add_referral(self, pid: int, form: ReferralForm, touch_id: int) -> tuple[str, bool]:
        from sqlalchemy.exc import SQLAlchemyError

        from dialer_tui.domain.phones import PhoneError
        from dialer_tui.services.referral import create_referral

        h = self.host
        try:
            with self._writer() as s:
                new = create_referral(s, referrer_id=pid, form=form,
                                      region=h.bundle.settings.region, at=h.now(),
                                      touch_id=touch_id)
        except (PhoneError, ValueError, LookupError) as exc:
            return f"Outcome logged, but the referral was not saved: {exc}", True
        except SQLAlchemyError as exc:
            from dialer_tui.services.journal import first_line

            return ("Outcome logged, but the referral was not saved (database: "
                    f"{first_line(exc)}): add it again", True)
        return f"; added {new.name} (referred)", False

    def _forget_choices(self, pid: int, disp: Outcome) -> None:
        """An outcome was logged: an override served its call, and next time the queue picks
        the number again."""
        if disp.is_call:
            self.state.overrides.pop(pid, None)
            self.state.objections.pop(pid, None)
        self.state.chosen.pop(pid, None)

    def undo(self) -> Undo | str | None:
        """Undo the last outcome of this session: what was undone, why it could not be, or
        None when there is nothing to undo (the three steps below in one go)."""
        last = self.last_undo()
        return None if last is None else self.undone(last, *self.write_undo(last))

    def last_undo(self) -> Undo | None:
        return self.state.undo_stack[-1] if self.state.undo_stack else None

    def write_undo(self, last: Undo) -> tuple[str, bool]:
        """The store work of an undo, safe in any thread: ("", True) when done, else why not
        and whether that is final (a database that is away is not: `u` again later)."""
        from sqlalchemy.exc import SQLAlchemyError

        from dialer_tui.services.calling import OutcomeError, undo_touch
        from dialer_tui.services.journal import first_line

        try:
            with self._writer() as s:
                undo_touch(s, touch_id=last.touch_id)
        except OutcomeError as exc:
            return str(exc), True
        except SQLAlchemyError as exc:
            return f"not undone: the database said {first_line(exc)}; u again once it is back", \
                False
        return "", True

    def undone(self, last: Undo, refused: str, final: bool) -> Undo | str:
        """Back on the UI thread: off the stack unless worth trying again; forget what the
        undone touch left on screen."""
        st = self.state
        if final and last in st.undo_stack:
            st.undo_stack.remove(last)
        if refused:
            return refused
        if st.note_touch == last.touch_id:
            st.note_touch = None
        self.forget(last.prospect_id)
        return last

    def take_note_touch(self) -> int | None:
        touch_id, self.state.note_touch = self.state.note_touch, None
        return touch_id

    def save_note(self, touch_id: int, text: str) -> bool:
        from dialer_tui.services import cockpit as svc

        with self._writer() as s:
            return svc.set_touch_note(s, touch_id=touch_id, note=text)

    def add_phone(self, prospect_id: int, raw: str, kind: str, note: str) -> str:
        """Add a typed number; what to say. PhoneError or LookupError say why not."""
        from dialer_tui.services import cockpit as svc

        h = self.host
        with self._writer() as s:
            phone = svc.add_phone(s, prospect_id=prospect_id, raw=raw, kind=kind, note=note,
                                  region=h.bundle.settings.region, at=h.now())
        return f"Added {phone.e164} ({phone.kind})"

    def add_inbound(self, e164: str) -> int:
        """The caller's number as a new prospect (or whoever has it by now): its id."""
        from dialer_tui.services import cockpit as svc

        with self._writer() as s:
            return svc.add_inbound(s, e164=e164, at=self.host.now())

    def save_research(self, prospect_id: int, text: str) -> str:
        from dialer_tui.services import cockpit as svc

        with self._writer() as s:
            svc.set_research_notes(s, prospect_id=prospect_id, text=text, at=self.host.now())
        return "Research notes saved"
