"""The queue's first screenful, read by a forked child process while this one loads the UI.

Why: a cold start (docs/product-rules.md, *Figures*) is mostly imports, and imports run on one core:
the store's (SQLAlchemy, SQLModel: ~150 ms), the config's (pydantic, YAML, phonenumbers: ~130 ms)
and the UI's (Textual and the cockpit: ~100 ms). So `dialer-tui` forks first thing. The child
imports the store's modules while the parent loads and checks the config files; once the parent says
they are good (go(); a broken file stops both before a database is created or opened), the child
opens the store (upgrading its schema if need be), loads the config the same way and reads the first
screenful of the queue, then the first entry's dossier, while the parent loads the UI, which shows
those rows in its first frame. The parent loads the store's modules and opens its own engine once
that frame is painted (DialerApp.started), and takes the dossier from the child rather than reading
it again. Where there is no fork (Windows), or the child fails in any way, the parent does the same
work itself, as it always did, and reports the same errors.

The child shares nothing with the parent but a pipe: it is forked before any thread, database
connection or terminal set-up exists, writes only to the pipe (its stdout and stderr go to
/dev/null, so nothing reaches the rep's terminal), and leaves by os._exit (no atexit hooks, no
flushing of the parent's buffers). What crosses the pipe is pickled: plain data
(domain.queue_item.QueueItem), and the dossier (services.cockpit.ProspectView) pickled once more,
to be unpickled only once the store's modules are loaded; all of it written by our own child,
never anything read from elsewhere."""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nothing heavy here: this module is imported before the fork
    from dialer_tui.domain.queue_item import QueueItem

FIRST_WINDOW = 30  # the first read: what fits on a screen (the cockpit reads the rest later)
OPEN_TIMEOUT_S = 30.0  # the store not open by then: the parent opens it itself
PAGE_TIMEOUT_S = 30.0
VIEW_TIMEOUT_S = 0.5  # sent long before it is asked for; else the cockpit reads it itself
_HEAD = struct.Struct("!I")


@dataclass(frozen=True)
class FirstPage:
    items: list[QueueItem]
    total: int  # prospects in the store when `items` is empty, else -1


class FirstPageReader:
    """A forked child reading the first page. The parent calls go() once its config is good,
    then opened(), page(), and once the first frame is painted view() and close() (which reaps
    the child); close() alone stops the child before it touches the store."""

    def __init__(self, pid: int, fd: int, go_fd: int) -> None:
        self._pid, self._fd, self._go_fd = pid, fd, go_fd
        self._buffer = b""

    @classmethod
    def start(cls, *, db: str | None, config: str | None, at: datetime, rep: str,
              limit: int = FIRST_WINDOW) -> FirstPageReader | None:
        """Fork the child (`db`, `config` and `rep` as given on the command line); None where
        the platform cannot (the caller reads in-process)."""
        if not hasattr(os, "fork"):
            return None
        r, w = os.pipe()  # child -> parent: the messages
        go_r, go_w = os.pipe()  # parent -> child: one byte, the config is good
        try:
            pid = os.fork()
        except OSError:
            for fd in (r, w, go_r, go_w):
                os.close(fd)
            return None
        if pid == 0:
            os.close(r)
            os.close(go_w)
            _child(w, go_r, db=db, config=config, at=at, rep=rep, limit=limit)  # no return
        os.close(w)
        os.close(go_r)
        return cls(pid, r, go_w)

    def go(self) -> None:
        """The config files are good: the child may open the store."""
        try:
            os.write(self._go_fd, b"g")
        except OSError:  # the child is gone already: opened() says so
            pass

    def opened(self) -> bool:
        """Wait until the child has opened the store; False (and the child is let go) if it
        could not: the caller then opens it in-process, which reports why."""
        if self._receive(OPEN_TIMEOUT_S) == ("open",):
            return True
        self.close()
        return False

    def page(self) -> FirstPage | None:
        """The first page, waiting for it; None if the child failed to read it."""
        message = self._receive(PAGE_TIMEOUT_S)
        if not (isinstance(message, tuple) and len(message) == 3 and message[0] == "page"):
            self.close()
            return None
        return FirstPage(items=message[1], total=message[2])

    def view(self) -> tuple[int, bytes] | None:
        """The first entry's prospect id and pickled dossier (unpickling it loads the store's
        modules), waiting a little for it; None if there is none."""
        message = self._receive(VIEW_TIMEOUT_S)
        if isinstance(message, tuple) and len(message) == 3 and message[0] == "view":
            return message[1], message[2]
        return None

    def close(self) -> None:
        """Let the child go and reap it: one still at work is no longer needed (a broken config,
        a store that did not answer in time), so it is killed rather than waited for."""
        for fd in (self._fd, self._go_fd):
            if fd >= 0:
                os.close(fd)
        self._fd = self._go_fd = -1
        if self._pid:
            try:
                if os.waitpid(self._pid, os.WNOHANG) == (0, 0):
                    os.kill(self._pid, signal.SIGKILL)
                    os.waitpid(self._pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass
            self._pid = 0

    def _receive(self, timeout: float) -> object:
        """One message: a 4-byte length, then a pickle. None on end of file or timeout."""
        deadline = time.monotonic() + timeout
        size: int | None = None
        while self._fd >= 0:
            if size is None and len(self._buffer) >= _HEAD.size:
                (size,) = _HEAD.unpack_from(self._buffer)
                self._buffer = self._buffer[_HEAD.size:]
            if size is not None and len(self._buffer) >= size:
                data, self._buffer = self._buffer[:size], self._buffer[size:]
                return pickle.loads(data)  # noqa: S301 - written by our own child (see above)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._fd], [], [], left)[0]:
                return None
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        return None


def _child(fd: int, go_fd: int, *, db: str | None, config: str | None, at: datetime, rep: str,
           limit: int) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        from dialer_tui.store.engine import make_engine

        if os.read(go_fd, 1) != b"g":
            return  # the parent found a broken config file (or is gone): leave the store be
        engine = make_engine(db)
        _send(fd, ("open",))  # as soon as can be: the parent starts the UI on it
        from dialer_tui.config import config_dir
        from dialer_tui.services.bundle import load_bundle
        from dialer_tui.services.queue import read_queue_window

        bundle = load_bundle(config_dir(config))  # as the parent did (cli.cmd_ui)
        items, total = read_queue_window(engine, bundle, at=at, limit=limit,
                                         rep=rep or bundle.settings.rep_name)
        _send(fd, ("page", items, total))
        if items:  # read ahead while the parent paints (it reads nothing before its frame)
            from sqlmodel import Session

            from dialer_tui.services.cockpit import load_view
            from dialer_tui.store.engine import reader

            with Session(reader(engine), expire_on_commit=False) as s:
                view = load_view(s, bundle, prospect_id=items[0].prospect_id, at=at)
            if view is not None:
                data = pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL)
                _send(fd, ("view", items[0].prospect_id, data))
        engine.dispose()  # a clean goodbye to a PostgreSQL server
    except BaseException:  # noqa: BLE001, S110 - the parent does it again and reports why
        pass
    finally:
        os._exit(0)


def _send(fd: int, message: tuple) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEAD.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]
