"""Locks that several processes on one store take in turn: a schema upgrade, an import.

PostgreSQL: a transaction-scoped advisory lock (pg_advisory_xact_lock), keyed by what it guards
and the schema, so that teams sharing a server in separate schemas never wait on each other.
Transaction-scoped rather than session-scoped: PgBouncer in transaction pooling hands a server
connection to one transaction at a time, and a session lock would be left on a connection
another client gets next. An advisory lock also ends with its connection: a SIGKILLed holder
never blocks the others. SQLite: the file's write lock (BEGIN IMMEDIATE) serialises one
transaction; a lock held across several transactions (an import's batches) is an flock on a
file beside the database (`dialer.db-import.lock`, there while an import runs), which the
kernel releases when its holder dies.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

MIGRATE = "migrate"
IMPORT = "import"


def pg_lock(conn: Connection, what: str) -> None:
    """Wait, without a time limit, for the advisory lock on `what` in this transaction."""
    # The connection's lock and statement timeouts (engine.py) are for a rep's units of work;
    # waiting here for another process's upgrade or import is expected, and not a fault.
    conn.execute(text("SET LOCAL lock_timeout = 0"))
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key || current_schema()))"),
                 {"key": f"dialer-tui {what} "})


@contextlib.contextmanager
def held(engine: Engine, what: str) -> Iterator[None]:
    """Hold the lock on `what` for the length of the block (across many transactions).

    On PostgreSQL a connection of its own idles in a transaction that holds the lock: one
    connection more while the block runs (see README, *Team mode*)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn, conn.begin():
            # An idle holder is the point: a server-wide idle-in-transaction timeout must not
            # end it (and with it the lock) halfway through an import.
            conn.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
            pg_lock(conn, what)
            yield
        return
    database = engine.url.database
    if not database or database == ":memory:":  # one connection, one process: nothing to share
        yield
        return
    with _file_lock(Path(f"{database}-{what}.lock")):
        yield


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """flock on `path`, removed again on release (a crashed holder's file is reused).

    Removal is safe because a waiter that gets the lock checks that the name still leads to the
    file it locked; if the holder removed it meanwhile, the waiter tries again on the new one."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one import at a time is then up to the user
        yield
        return
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            # A folder this process cannot write: the store is opened read-only there
            # (engine.store_is_read_only), so the import fails on its first write and says so.
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)  # releases the flock
