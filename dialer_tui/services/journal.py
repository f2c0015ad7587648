"""Outcomes the database could not take, kept on the rep's machine until it can.

A disk full under the SQLite file, a PostgreSQL server restarting: the rep pressed `4`, the call
happened, and the outcome must not be lost nor the session end. The cockpit appends the outcome
here (one JSON line, flushed and fsynced before the screen moves on), says so in its header, and
replays the journal every few seconds. Each entry carries a client-made id that the touch keeps
(Touch.client_id, unique): a replay whose first attempt did reach the database writes nothing
twice. An outcome can be appended while a replay runs (from another thread, or another cockpit of
the same rep on the same store): every change of the file is made under an exclusive lock on a
file beside it, and a replay removes only the entries it wrote. Plain Python: no Textual."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from dialer_tui.services.bundle import Bundle
from dialer_tui.store.models import Touch


@dataclass(frozen=True)
class Pending:
    """One outcome as the rep keyed it, with everything log_outcome needs."""

    client_id: str
    prospect_id: int
    outcome: str
    at: str  # ISO 8601, UTC
    phone: str | None = None
    callback: str | None = None
    rep: str = ""
    template_id: str = ""
    value_prop_id: str = ""
    override: str = ""
    objection_id: str = ""
    duration_s: int | None = None

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, entry: Pending) -> None:
        """Durably, before the caller acknowledges anything; OSError if even this fails."""
        with self._locked():
            _append_line(self.path, asdict(entry))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive across threads and processes (flock holds per open file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def pending(self) -> list[Pending]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            with contextlib.suppress(ValueError, TypeError):  # a line cut by a crash: skipped
                out.append(Pending(**json.loads(line)))
        return out

    def set_aside(self, entry: Pending, why: str) -> None:
        _append_line(self.path.with_name(self.path.stem + ".unwritable.jsonl"),
                     {**asdict(entry), "why": why})

    def _forget(self, written: set[str]) -> None:
        """Take out the entries a replay wrote (or set aside), keeping any appended meanwhile."""
        if not written:
            return
        with self._locked():
            self._keep([e for e in self.pending() if e.client_id not in written])

    def _keep(self, entries: list[Pending]) -> None:
        if not entries:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(asdict(e)) + "\n" for e in entries)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def replay(self, engine: Engine, bundle: Bundle) -> tuple[int, int, str]:
        """Write what is pending, oldest first; stops at the first database error.
        Returns (written, still pending, the database's words when it failed)."""
        from dialer_tui.services.calling import OutcomeError, log_outcome

        with self._locked():
            entries = self.pending()
        done, error = 0, ""
        for entry in entries:
            try:
                with Session(engine, expire_on_commit=False) as s:
                    if s.exec(select(Touch.id).where(Touch.client_id == entry.client_id)
                              ).first() is None:
                        log_outcome(s, bundle, prospect_id=entry.prospect_id,
                                    outcome=entry.outcome, at=datetime.fromisoformat(entry.at),
                                    phone=entry.phone, callback=entry.callback, rep=entry.rep,
                                    template_id=entry.template_id,
                                    value_prop_id=entry.value_prop_id,
                                    override=entry.override, objection_id=entry.objection_id,
                                    duration_s=entry.duration_s, client_id=entry.client_id)
            except OutcomeError as exc:
                # The prospect or number went away meanwhile: it cannot be written, and it is
                # not thrown away either, but set aside beside the journal for a person to see.
                self.set_aside(entry, str(exc))
            except SQLAlchemyError as exc:
                error = first_line(exc)
                break
            done += 1
        self._forget({e.client_id for e in entries[:done]})
        return done, len(entries) - done, error


def _append_line(path: Path, data: dict) -> None:
    """One JSON line, appended and fsynced, to an owner-only file never reached via a symlink."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, (json.dumps(data) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def journal_path_for(engine: Engine) -> Path:
    """The journal of this database (one per store: a journal never replays into another),
    in the rep's data folder."""
    import hashlib

    from dialer_tui.store.engine import default_db_path

    key = engine.url.render_as_string(hide_password=True)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return default_db_path().with_name(f"journal-{digest}.jsonl")


def first_line(exc: BaseException) -> str:
    """The database's own words, without the statement (its parameters are prospect data)."""
    said = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return said[0] if said else exc.__class__.__name__
