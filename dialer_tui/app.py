"""The Textual app: holds the engine, the validated bundle, the rep and the clock; the cockpit
screen does the work. Built by cli.cmd_ui / cmd_demo and by the tests, the same way, except that
`dialer-tui` hands it a way to open the engine after the first frame and the first screenful read
by a forked child (services/first_page.py).

Start-up (docs/product-rules.md, *Figures*: cold start to the first frame with the queue) runs
with the cyclic garbage collector paused (gc_pause.py): from the CLI's first import when the
CLI runs the app, else from `run()`, to the first frame that shows the queue."""

from __future__ import annotations

import pickle
import threading
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from dialer_tui import clock as real_clock
from dialer_tui.gc_pause import pause_gc, resume_gc
from dialer_tui.screens.commands import CockpitCommands
from dialer_tui.services.bundle import Bundle
from dialer_tui.services.first_page import FirstPage, FirstPageReader
from dialer_tui.widgets.session_header import SessionStats

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from dialer_tui.services.cockpit import ProspectView
    from dialer_tui.services.journal import Journal


REPLAY_S = 5.0  # how often outcomes kept in the local journal are offered to the database again


class Replayed(Message):
    """The journal's replay: how many outcomes were written, how many wait, what was said."""

    def __init__(self, done: int, left: int, said: str) -> None:
        super().__init__()
        self.done, self.left, self.said = done, left, said


class DialerApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "dialer-tui"
    COMMANDS = App.COMMANDS | {CockpitCommands}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True)]

    def __init__(self, *, engine: Engine | None = None, bundle: Bundle, rep: str = "",
                 clock: Callable[[], datetime] | None = None,
                 open_engine: Callable[[], Engine] | None = None,
                 first_reader: FirstPageReader | None = None,
                 journal_path: Path | None = None) -> None:
        """`engine`, or `open_engine` to open it after the first frame, with `first_reader` (a
        forked child, services/first_page.py) reading the first screenful meanwhile: the CLI's
        way, which keeps SQLAlchemy's imports out of the time to the first frame."""
        super().__init__()
        if engine is None and open_engine is None:
            raise TypeError("DialerApp needs an engine or open_engine")
        self._engine, self._open_engine = engine, open_engine
        self._engine_lock = threading.Lock()
        self._first_reader, self._page_taken = first_reader, False
        self._first_view: tuple[int, bytes] | None = None  # from the reader, see started()
        self.bundle, self.rep = bundle, rep
        self.clock = clock or real_clock.system_now
        self.rep_zone: tzinfo = real_clock.local_zone(self.now())
        self.stats = SessionStats(started_at=self.now())
        self.first_frame_shown = False
        # Outcomes the database could not take, kept on this machine (services/journal.py).
        self._journal_path, self._journal = journal_path, None
        self.pending = 0  # how many wait in the journal
        self.store_problem = ""  # what the database last said when it failed
        self._replay_timer: Any = None

    @property
    def engine(self) -> Engine:
        """The store's engine. When the CLI started the app, opened right after the first frame
        (started()), in the main thread, with the store's modules the cockpit uses, before any
        worker needs them: when a worker imported them alongside another thread, a launch in the
        SIGKILL suite once lost its first dossier read. That engine connects to nothing when it
        is made (cli._engine_after_first_frame): its first connection is a worker's."""
        engine = self._engine
        if engine is None:
            with self._engine_lock:
                if self._engine is None:
                    assert self._open_engine is not None
                    self._engine = self._open_engine()
                    import dialer_tui.services.calling  # noqa: F401
                    import dialer_tui.services.cockpit  # noqa: F401
                    import dialer_tui.services.queue  # noqa: F401
                engine = self._engine
        return engine

    def first_page(self) -> FirstPage | None:
        """The first screenful read ahead by the CLI's child process (waiting for it), once;
        None when there is none: the cockpit reads it itself."""
        if self._first_reader is None or self._page_taken:
            return None
        self._page_taken = True
        return self._first_reader.page()

    def take_first_view(self, prospect_id: int) -> ProspectView | None:
        """The dossier the CLI's child read ahead, if it is this prospect's; once."""
        if self._first_view is None or self._first_view[0] != prospect_id:
            return None
        data, self._first_view = self._first_view[1], None
        return pickle.loads(data)  # noqa: S301 - written by our own child (first_page.py)

    def now(self) -> datetime:
        """The injected clock, always UTC-aware (tests pin it; the CLI uses the real one)."""
        value = self.clock()
        if value.tzinfo is None:  # a naive clock is taken as UTC rather than trusted as local
            value = value.replace(tzinfo=timezone.utc)
        return value

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run in the terminal; no garbage collection until the queue is on screen."""
        pause_gc()
        try:
            return super().run(*args, **kwargs)
        finally:
            resume_gc()

    def started(self) -> None:
        """The first frame with the queue is painted (called by the cockpit)."""
        if not self.first_frame_shown:
            self.first_frame_shown = True
            # The store's modules and engine now, here, before any worker needs them (~0.15 s
            # while the rep reads the first frame; keys typed meanwhile wait their turn).
            self.engine  # noqa: B018
            if self._first_reader is not None:
                self._first_view = self._first_reader.view()  # the cockpit takes it next
                self._first_reader.close()  # and reap the child
                self._first_reader = None
            if self.journal.pending():  # kept by an earlier session: write them now
                self.offline("outcomes kept from an earlier session")
        resume_gc()  # after those imports: their objects are frozen with the rest (gc_pause.py)

    # --- the local journal ----------------------------------------------------------------
    @property
    def journal(self) -> Journal:
        if self._journal is None:
            from dialer_tui.services.journal import Journal, journal_path_for

            self._journal = Journal(self._journal_path or journal_path_for(self.engine))
        return self._journal

    def offline(self, said: str) -> None:
        """Outcomes wait in the journal: say so, and replay it every REPLAY_S seconds."""
        self.pending, self.store_problem = len(self.journal.pending()), said
        if self._replay_timer is None:
            self._replay_timer = self.set_interval(REPLAY_S, self._replay)
        self._header_changed()

    def _replay(self) -> None:
        from dialer_tui.screens.background import in_background

        in_background(self, lambda: Replayed(*self.journal.replay(self.engine, self.bundle)),
                      group="journal")

    def on_replayed(self, event: Replayed) -> None:
        done, left, said = event.done, event.left, event.said
        self.pending, self.store_problem = left, said if left else ""
        if not left and self._replay_timer is not None:
            self._replay_timer.stop()
            self._replay_timer = None
        if done:
            self.notify(f"{done} outcome{'s' if done > 1 else ''} kept on this machine now "
                        "written to the database", title="Back online", markup=False)
        self._header_changed()

    def _header_changed(self) -> None:
        for screen in self.screen_stack:
            if hasattr(screen, "update_header"):
                screen.update_header()

    def get_default_screen(self) -> Screen:
        """The cockpit is the first screen (not pushed over Textual's blank default one, which
        would be styled, suspended and restyled for nothing at start-up)."""
        from dialer_tui.screens.cockpit import cockpit_screen

        if self.bundle.settings.keys:
            # settings.yaml `keys:` maps binding ids (outcome.meeting_booked, cockpit.search...)
            # to keys; Textual applies it to every screen's bindings.
            self.set_keymap(dict(self.bundle.settings.keys))
        return cockpit_screen(self)

    # --- an unexpected exception (crash_log.py) -------------------------------------------
    crash_line = ""  # what the CLI prints once the terminal is restored (cli._run_app)

    def _handle_exception(self, error: Exception) -> None:
        """Textual's own hook for an unhandled exception (private: Textual has no public one;
        kept here, in one place). Its default prints, after the app closes, a traceback with
        every frame's local variables: prospect rows and connection strings. Textual still
        closes the app with return code 1 (and run_test still re-raises, for the tests), but
        prints nothing: the details go to the crash log, redacted, and the CLI prints one line."""
        from dialer_tui.crash_log import report

        line = report(error, "the cockpit")
        self.crash_line = self.crash_line or line  # the first is the one that closed the app
        super()._handle_exception(error)
        self._exit_renderables.clear()  # the traceback Textual queued to print
